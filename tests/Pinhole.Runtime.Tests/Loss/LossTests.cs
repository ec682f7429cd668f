using Pinhole.IR;

namespace Pinhole.Runtime.Tests.Loss;

public class LossTests
{
    [Fact]
    public void NllMeanWithWeightAndIgnoreIndex()
    {
        // input [N=3, C=2]; targets 0, 1, ignored.
        var x = Tensor.FromArray(new[] { -1f, -2f, -3f, -4f, -5f, -6f }, [3, 2]);
        var t = Tensor.Vector(0L, 1L, -1L);
        var w = Tensor.Vector(2f, 3f);
        var y = ModelBuilder.Run("NegativeLogLikelihoodLoss", [x, t, w], 1, 22, NodeAttribute.Of("ignore_index", -1L))[0];
        Assert.Empty(y.Shape);
        Assert.Equal((2f * 1f + 3f * 4f) / 5f, y.Span<float>()[0], 5);
    }

    [Fact]
    public void NllNoneKeepsSpatialShape()
    {
        // input [N=1, C=2, d=2]: x[0, c, j].
        var x = Tensor.FromArray(new[] { 1.0, 2.0, 3.0, 4.0 }, [1, 2, 2]);
        var t = Tensor.FromArray(new[] { 1, 0 }, [1, 2]);
        var y = ModelBuilder.Run("NegativeLogLikelihoodLoss", [x, t], 1, 13, NodeAttribute.Of("reduction", "none"))[0];
        Assert.Equal(new[] { 1, 2 }, y.Shape);
        Assert.Equal(new[] { -3.0, -2.0 }, y.Span<double>().ToArray());
    }

    [Fact]
    public void NllRejectsOutOfRangeTarget()
    {
        var x = Tensor.FromArray(new[] { -1f, -2f }, [1, 2]);
        Assert.Throws<KernelException>(() => ModelBuilder.Run("NegativeLogLikelihoodLoss", [x, Tensor.Vector(2L)], 1, 13));
    }

    [Fact]
    public void SoftmaxCrossEntropyReturnsLogProb()
    {
        var x = Tensor.FromArray(new[] { 0f, 0f, 1f, 1f }, [2, 2]);
        var t = Tensor.Vector(0L, 1L);
        var outputs = ModelBuilder.Run("SoftmaxCrossEntropyLoss", [x, t], 2, 13, NodeAttribute.Of("reduction", "sum"));
        Assert.Equal(2 * MathF.Log(2f), outputs[0].Span<float>()[0], 5);
        Assert.Equal(new[] { 2, 2 }, outputs[1].Shape);
        Assert.All(outputs[1].Span<float>().ToArray(), v => Assert.Equal(-MathF.Log(2f), v, 5));
    }

    [Fact]
    public void SoftmaxCrossEntropyOnBFloat16()
    {
        var x = Tensor.FromArray(new[] { (BFloat16)0f, (BFloat16)0f }, [1, 2]);
        var y = ModelBuilder.Run("SoftmaxCrossEntropyLoss", [x, Tensor.Vector(1L)], 1, 22)[0];
        Assert.Equal(DataType.BFloat16, y.Type);
        Assert.Equal(MathF.Log(2f), (float)y.Span<BFloat16>()[0], 2);
    }

    [Fact]
    public void SwiGLUMultipliesSwishOfGateByValue()
    {
        var a = Tensor.Vector(0f, 1f, -2f);
        var b = Tensor.Vector(5f, 2f, 3f);
        var y = ModelBuilder.Run("SwiGLU", [a, b], 1, 28, NodeAttribute.Of("alpha", 2f))[0].Span<float>().ToArray();
        Assert.Equal(0f, y[0], 6);
        Assert.Equal(2f / (1f + MathF.Exp(-2f)), y[1], 5);
        Assert.Equal(-2f / (1f + MathF.Exp(4f)) * 3f, y[2], 5);
    }

    [Fact]
    public void SwiGLURejectsDifferentShapes()
    {
        Assert.Throws<KernelException>(() => ModelBuilder.Run("SwiGLU", [Tensor.Vector(1f, 2f), Tensor.Vector(1f)], 1, 28));
    }
}
