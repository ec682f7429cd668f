using Pinhole.IR;

namespace Pinhole.Runtime.Tests.Nn;

public class NormalizationTests
{
    [Fact]
    public void SoftmaxIsStableForLargeValues()
    {
        var x = Tensor.FromArray(new[] { 10000f, 10001f, 10002f, 10003f }, [1, 4]);
        var y = ModelBuilder.Run("Softmax", [x], 1, 13)[0].Span<float>().ToArray();
        Assert.Equal(1.0, y.Sum(), 5);
        Assert.Equal(0.6439142, y[3], 5);
    }

    [Fact]
    public void SoftmaxBeforeOpset13CoercesTo2D()
    {
        var x = Tensor.FromArray(new[] { 0f, 0f, 0f, 0f }, [2, 2]);
        var y = ModelBuilder.Run("Softmax", [x], 1, 11, NodeAttribute.Of("axis", 0L))[0];
        Assert.All(y.Span<float>().ToArray(), v => Assert.Equal(0.25f, v, 6));
    }

    [Fact]
    public void SoftmaxOverAnInnerAxis()
    {
        var x = Tensor.FromArray(new[] { 0f, 1f, 0f, 1f }, [2, 2]);
        var y = ModelBuilder.Run("LogSoftmax", [x], 1, 13, NodeAttribute.Of("axis", 0L))[0];
        Assert.All(y.Span<float>().ToArray(), v => Assert.Equal(MathF.Log(0.5f), v, 5));
    }

    [Fact]
    public void HardmaxPicksTheFirstMaximum()
    {
        var x = Tensor.FromArray(new[] { 1f, 3f, 3f }, [1, 3]);
        var y = ModelBuilder.Run("Hardmax", [x], 1, 13)[0];
        Assert.Equal(new[] { 0f, 1f, 0f }, y.Span<float>().ToArray());
    }

    [Fact]
    public void LayerNormalizationProducesMeanAndInvStdDev()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 4f, 4f }, [2, 3]);
        var scale = Tensor.FromArray(new[] { 1f, 1f, 1f }, [3]);
        var bias = Tensor.FromArray(new[] { 0f, 0f, 0f }, [3]);
        var outputs = ModelBuilder.Run("LayerNormalization", [x, scale, bias], 3, 17, NodeAttribute.Of("epsilon", 0f));
        Assert.Equal([2, 1], outputs[1].Shape);
        Assert.Equal(new[] { 2f, 4f }, outputs[1].Span<float>().ToArray());
        Assert.Equal(1 / MathF.Sqrt(2f / 3), outputs[2].Span<float>()[0], 5);
        Assert.Equal(-MathF.Sqrt(1.5f), outputs[0].Span<float>()[0], 5);
    }

    [Fact]
    public void BatchNormalizationInInferenceMode()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f }, [1, 2, 2]);
        var one = Tensor.Vector(1f, 2f);
        var zero = Tensor.Vector(0f, 1f);
        var y = ModelBuilder.Run("BatchNormalization", [x, one, zero, zero, Tensor.Vector(1f, 16f)], 1, 15,
            NodeAttribute.Of("epsilon", 0f))[0];
        Assert.Equal(new[] { 1f, 2f, 2f, 2.5f }, y.Span<float>().ToArray());
    }
}
