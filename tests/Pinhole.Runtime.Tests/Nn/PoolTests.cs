using Pinhole.IR;

namespace Pinhole.Runtime.Tests.Nn;

public class PoolTests
{
    private static Tensor Grid(int h, int w) =>
        Tensor.FromArray(Enumerable.Range(0, h * w).Select(i => (float)i).ToArray(), [1, 1, h, w]);

    [Fact]
    public void MaxPoolReturnsIndicesInBothStorageOrders()
    {
        var x = Grid(4, 4);
        var attrs = new[] { NodeAttribute.Of("kernel_shape", new long[] { 2, 2 }), NodeAttribute.Of("strides", new long[] { 2, 2 }) };
        var outputs = ModelBuilder.Run("MaxPool", [x], 2, 12, attrs);
        Assert.Equal(new[] { 5f, 7f, 13f, 15f }, outputs[0].Span<float>().ToArray());
        Assert.Equal(new long[] { 5, 7, 13, 15 }, outputs[1].Span<long>().ToArray());
        var columnMajor = ModelBuilder.Run("MaxPool", [x], 2, 12, [.. attrs, NodeAttribute.Of("storage_order", 1L)]);
        Assert.Equal(new long[] { 5, 13, 7, 15 }, columnMajor[1].Span<long>().ToArray());
    }

    [Fact]
    public void AveragePoolCountsPaddingOnlyWhenAsked()
    {
        var x = Grid(2, 2);
        NodeAttribute[] attrs = [NodeAttribute.Of("kernel_shape", new long[] { 2, 2 }), NodeAttribute.Of("pads", new long[] { 1, 1, 0, 0 })];
        var excluded = ModelBuilder.Run("AveragePool", [x], 1, 19, attrs)[0];
        Assert.Equal([1, 1, 2, 2], excluded.Shape);
        Assert.Equal(new[] { 0f, 0.5f, 1f, 1.5f }, excluded.Span<float>().ToArray());
        var included = ModelBuilder.Run("AveragePool", [x], 1, 19, [.. attrs, NodeAttribute.Of("count_include_pad", 1L)])[0];
        Assert.Equal(new[] { 0f, 0.25f, 0.5f, 1.5f }, included.Span<float>().ToArray());
    }

    [Fact]
    public void CeilModeAddsAPartialWindow()
    {
        var x = Grid(1, 5);
        var y = ModelBuilder.Run("MaxPool", [Tensor.FromArray(x.Span<float>().ToArray(), [1, 1, 5])], 1, 12,
            NodeAttribute.Of("kernel_shape", new long[] { 2 }), NodeAttribute.Of("strides", new long[] { 2 }),
            NodeAttribute.Of("ceil_mode", 1L))[0];
        Assert.Equal(new[] { 1f, 3f, 4f }, y.Span<float>().ToArray());
    }

    [Fact]
    public void GlobalPoolsKeepSpatialDimensionsAsOne()
    {
        var x = Grid(2, 3);
        var avg = ModelBuilder.Run("GlobalAveragePool", [x])[0];
        Assert.Equal([1, 1, 1, 1], avg.Shape);
        Assert.Equal(2.5f, avg.Span<float>()[0]);
        Assert.Equal(5f, ModelBuilder.Run("GlobalMaxPool", [x])[0].Span<float>()[0]);
    }

    [Fact]
    public void MismatchedRankIsAKernelError()
    {
        var x = Tensor.Zeros<float>([1, 1, 4]);
        Assert.Throws<KernelException>(() =>
            ModelBuilder.Run("MaxPool", [x], 1, 12, NodeAttribute.Of("kernel_shape", new long[] { 2, 2 })));
    }
}
