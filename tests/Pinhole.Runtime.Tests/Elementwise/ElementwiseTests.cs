using Pinhole.IR;

namespace Pinhole.Runtime.Tests.Elementwise;

public class ElementwiseTests
{
    private static Tensor Run(string op, Tensor[] inputs, int opset = 21, params NodeAttribute[] attributes) =>
        ModelBuilder.Run(op, inputs, 1, opset, attributes)[0];

    private static T[] Values<T>(Tensor t) => t.ReadOnlySpan<T>().ToArray();

    [Fact]
    public void ModWithoutFmodTakesTheDivisorsSign()
    {
        var y = Run("Mod", [Tensor.Vector(-4, 7, 5, 4, -7, 8), Tensor.Vector(2, -3, 8, -2, 3, 5)]);
        Assert.Equal([0, -2, 5, 0, 2, 3], Values<int>(y));
    }

    [Fact]
    public void ModWithFmodTakesTheDividendsSign()
    {
        var y = Run("Mod", [Tensor.Vector(-4.3f, 7.2f, 5.0f, -7.5f), Tensor.Vector(2.1f, -3.4f, 8.0f, 3.0f)], attributes: NodeAttribute.Of("fmod", 1L));
        var v = Values<float>(y);
        Assert.Equal(-4.3f % 2.1f, v[0], 5);
        Assert.Equal(7.2f % -3.4f, v[1], 5);
        Assert.Equal(5f, v[2]);
        Assert.Equal(-1.5f, v[3], 5);
    }

    [Fact]
    public void ModOnFloatsWithoutFmodIsAnError() =>
        Assert.Throws<KernelException>(() => Run("Mod", [Tensor.Vector(1f), Tensor.Vector(2f)]));

    [Fact]
    public void IntegerDivisionTruncatesAndRejectsZero()
    {
        Assert.Equal([-2, 2, -2], Values<int>(Run("Div", [Tensor.Vector(-7, 7, 7), Tensor.Vector(3, 3, -3)])));
        Assert.Throws<KernelException>(() => Run("Div", [Tensor.Vector(1, 2), Tensor.Vector(1, 0)]));
    }

    [Fact]
    public void PowKeepsTheBaseTypeWithMixedExponents()
    {
        var y = Run("Pow", [Tensor.Vector(2, 3, -2), Tensor.Vector(3f, 0.5f, 2f)]);
        Assert.Equal(DataType.Int32, y.Type);
        Assert.Equal([8, 1, 4], Values<int>(y));
        var z = Run("Pow", [Tensor.Vector(2L, 3L, 5L), Tensor.Vector(40L, 3L, 0L)]);
        Assert.Equal([1L << 40, 27L, 1L], Values<long>(z));
        var w = Run("Pow", [Tensor.Vector(1.5f, 2f), Tensor.Vector(2L, -1L)]);
        Assert.Equal([2.25f, 0.5f], Values<float>(w));
    }

    [Fact]
    public void RoundGoesHalfToEven() =>
        Assert.Equal([0f, 2f, 2f, -2f, -0f, 3f], Values<float>(Run("Round", [Tensor.Vector(0.5f, 1.5f, 2.5f, -2.5f, -0.4f, 2.6f)])));

    [Fact]
    public void MaxAndMinPropagateNaNAndBroadcastAllInputs()
    {
        var y = Run("Max", [Tensor.Vector(1f, float.NaN, 3f), Tensor.Scalar(2f), Tensor.FromArray(new[] { 0f, 5f }, [2, 1])]);
        Assert.Equal([2, 3], y.Shape);
        var v = Values<float>(y);
        Assert.Equal(2f, v[0]);
        Assert.True(float.IsNaN(v[1]));
        Assert.Equal(5f, v[3]);
        Assert.True(float.IsNaN(v[4]));
        Assert.Equal(5f, v[5]);
        var m = Run("Min", [Tensor.Vector(1f, float.NaN), Tensor.Vector(float.NaN, 0f)]);
        Assert.True(Values<float>(m).All(float.IsNaN));
    }

    [Fact]
    public void MeanDividesTheSum() =>
        Assert.Equal([2f, 3f], Values<float>(Run("Mean", [Tensor.Vector(1f, 2f), Tensor.Vector(3f, 4f)])));

    [Fact]
    public void ClipReadsAttributesBeforeOpset11()
    {
        var y = Run("Clip", [Tensor.Vector(-2f, 0f, 2f)], 6, NodeAttribute.Of("min", -1f), NodeAttribute.Of("max", 1f));
        Assert.Equal([-1f, 0f, 1f], Values<float>(y));
    }

    [Fact]
    public void ClipWithOnlyMaxAndMinAboveMax()
    {
        var model = ModelBuilder.SingleNode("Clip", 3, opset: 13);
        model.Graph.Nodes[0].Inputs[1] = "";
        model.Graph.Inputs.RemoveAt(1);
        using var session = new InferenceSession(model);
        var y = session.Run(Tensor.Vector<sbyte>(-100, 5, 100), Tensor.Scalar<sbyte>(10))[0];
        Assert.Equal(new sbyte[] { -100, 5, 10 }, Values<sbyte>(y));

        var z = Run("Clip", [Tensor.Vector(-2f, 0f, 2f), Tensor.Scalar(1f), Tensor.Scalar(0f)], 13);
        Assert.Equal([0f, 0f, 0f], Values<float>(z));
    }

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(1e-4, 1.1283791633342787e-4)]
    [InlineData(0.3, 0.3286267594591112)]
    [InlineData(0.5, 0.5204998778130465)]
    [InlineData(1.0, 0.8427007929497149)]
    [InlineData(-2.0, -0.9953222650189527)]
    [InlineData(3.5, 0.9999992569016276)]
    public void ErfIsAccurate(double x, double expected)
    {
        double actual = Pinhole.Runtime.Kernels.MathErf.Erf(x);
        Assert.True(Math.Abs(actual - expected) <= 1e-7 * Math.Abs(expected) + 1e-12, $"erf({x}) = {actual}, expected {expected}");
    }

    [Fact]
    public void WhereBroadcastsThreeWays()
    {
        var c = Tensor.FromArray(new[] { true, false }, [2, 1]);
        var y = Run("Where", [c, Tensor.Vector("a", "b", "c"), Tensor.Scalar("z")]);
        Assert.Equal([2, 3], y.Shape);
        Assert.Equal(["a", "b", "c", "z", "z", "z"], Values<string>(y));
    }

    [Fact]
    public void EqualComparesStringsAndNaNIsUnequal()
    {
        Assert.Equal([true, false], Values<bool>(Run("Equal", [Tensor.Vector("x", "y"), Tensor.Scalar("x")])));
        Assert.Equal([false, true], Values<bool>(Run("Equal", [Tensor.Vector(float.NaN, 1f), Tensor.Vector(float.NaN, 1f)])));
    }

    [Fact]
    public void GreaterAndLessOrEqualBroadcast()
    {
        Assert.Equal([false, false, true], Values<bool>(Run("Greater", [Tensor.Vector(1u, 2u, 3u), Tensor.Scalar(2u)])));
        Assert.Equal([true, true, false], Values<bool>(Run("LessOrEqual", [Tensor.Vector(1L, 2L, 3L), Tensor.Scalar(2L)])));
    }

    [Fact]
    public void BitShiftBeyondTheWidthGivesZero()
    {
        Assert.Equal(new byte[] { 4, 0, 128 }, Values<byte>(Run("BitShift", [Tensor.Vector<byte>(1, 1, 1), Tensor.Vector<byte>(2, 8, 7)], attributes: NodeAttribute.Of("direction", "LEFT"))));
        Assert.Equal([8UL, 0UL], Values<ulong>(Run("BitShift", [Tensor.Vector(16UL, 16UL), Tensor.Vector(1UL, 64UL)], attributes: NodeAttribute.Of("direction", "RIGHT"))));
    }

    [Fact]
    public void BitwiseAndLogicalOps()
    {
        Assert.Equal(new short[] { 0b1000, ~0b1100 }, Values<short>(Run("BitwiseAnd", [Tensor.Vector<short>(0b1100, -1), Tensor.Vector<short>(0b1010, ~0b1100)])));
        Assert.Equal([~5], Values<int>(Run("BitwiseNot", [Tensor.Vector(5)])));
        Assert.Equal([false, true], Values<bool>(Run("Xor", [Tensor.Vector(true, false), Tensor.Scalar(true)])));
        Assert.Equal([false, true], Values<bool>(Run("Not", [Tensor.Vector(true, false)])));
    }

    [Fact]
    public void IsInfHonoursItsFlags()
    {
        var x = Tensor.Vector(float.PositiveInfinity, float.NegativeInfinity, float.NaN, 1f);
        Assert.Equal([true, true, false, false], Values<bool>(Run("IsInf", [x])));
        Assert.Equal([false, true, false, false], Values<bool>(Run("IsInf", [x], attributes: NodeAttribute.Of("detect_positive", 0L))));
        Assert.Equal([false, false, true, false], Values<bool>(Run("IsNaN", [x])));
    }

    [Fact]
    public void IntegerUnaryOps()
    {
        Assert.Equal([3, 0, 3], Values<int>(Run("Abs", [Tensor.Vector(-3, 0, 3)])));
        Assert.Equal([-1, 0, 1], Values<int>(Run("Sign", [Tensor.Vector(-3, 0, 3)])));
        Assert.Equal(new sbyte[] { 0, 0, 3 }, Values<sbyte>(Run("Relu", [Tensor.Vector<sbyte>(-3, 0, 3)])));
        Assert.Equal([3L, -4L], Values<long>(Run("Neg", [Tensor.Vector(-3L, 4L)])));
    }

    [Fact]
    public void BFloat16GoesThroughFloat()
    {
        var x = Tensor.Vector((BFloat16)(-1.5f), (BFloat16)2f);
        var y = Run("LeakyRelu", [x], attributes: NodeAttribute.Of("alpha", 0.5f));
        Assert.Equal(DataType.BFloat16, y.Type);
        Assert.Equal([-0.75f, 2f], Values<BFloat16>(y).Select(v => (float)v).ToArray());
    }

    [Fact]
    public void GeluAndContribGeluAgree()
    {
        var x = Tensor.Vector(-1f, 0f, 1f, 2f);
        var exact = Values<float>(Run("Gelu", [x]));
        Assert.Equal(0.8413447f, exact[2], 5);
        var model = ModelBuilder.SingleNode("BiasGelu", 2, domain: "com.microsoft", opset: 1);
        using var session = new InferenceSession(model);
        var biased = Values<float>(session.Run(Tensor.Vector(-2f, -1f, 0f, 1f), Tensor.Scalar(1f))[0]);
        for (int i = 0; i < 4; i++) Assert.Equal(exact[i], biased[i], 6);
    }

    [Fact]
    public void LegacyOpsetsAreAccepted()
    {
        Assert.Equal([3f], Values<float>(Run("Add", [Tensor.Vector(1f), Tensor.Vector(2f)], 6)));
        Assert.Equal([2f], Values<float>(Run("Mul", [Tensor.Vector(1f), Tensor.Vector(2f)], 1)));
        var y = Run("Sub", [Tensor.FromArray(new float[6], [2, 3]), Tensor.Vector(1f, 2f)], 6, NodeAttribute.Of("broadcast", 1L), NodeAttribute.Of("axis", 0L));
        Assert.Equal([-1f, -1f, -1f, -2f, -2f, -2f], Values<float>(y));
        Assert.Throws<UnsupportedModelException>(() =>
            Run("Equal", [Tensor.FromArray(new float[6], [2, 3]), Tensor.Vector(1f, 2f)], 6, NodeAttribute.Of("broadcast", 1L), NodeAttribute.Of("axis", 0L)));
    }

    [Fact]
    public void LegacyPReluAppliesTheSlopeAlongTheChannelAxis()
    {
        var x = Tensor.FromArray(new[] { -1f, -1f, -1f, -1f, 2f, -2f }, [1, 3, 2]);
        var y = Run("PRelu", [x, Tensor.Vector(0.1f, 0.2f, 0.3f)], 6);
        Assert.Equal([-0.1f, -0.1f, -0.2f, -0.2f, 2f, -0.6f], Values<float>(y));
    }

    [Fact]
    public void FastGeluAddsTheBias()
    {
        var model = ModelBuilder.SingleNode("FastGelu", 2, domain: "com.microsoft", opset: 1);
        using var session = new InferenceSession(model);
        var y = Values<float>(session.Run(Tensor.FromArray(new[] { -1f, 0f, 1f, 2f }, [2, 2]), Tensor.Vector(1f, 0f))[0]);
        var expected = Values<float>(Run("Gelu", [Tensor.FromArray(new[] { 0f, 0f, 2f, 2f }, [2, 2])], attributes: NodeAttribute.Of("approximate", "tanh")));
        for (int i = 0; i < 4; i++) Assert.Equal(expected[i], y[i], 6);
    }

}
