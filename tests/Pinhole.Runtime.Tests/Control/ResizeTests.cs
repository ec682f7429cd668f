using Pinhole.IR;

namespace Pinhole.Runtime.Tests.Control;

public class ResizeTests
{
    private static readonly Tensor Empty = Tensor.FromArray(Array.Empty<float>(), [0]);

    [Fact]
    public void LinearHalfPixelUpsample()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f }, [1, 1, 2, 2]);
        var y = ModelBuilder.Run("Resize", [x, Empty, Tensor.Vector(1f, 1f, 2f, 2f)], 1, 19, NodeAttribute.Of("mode", "linear"))[0];
        Assert.Equal([1, 1, 4, 4], y.Shape);
        Assert.Equal([1f, 1.25f, 1.75f, 2f, 1.5f, 1.75f, 2.25f, 2.5f, 2.5f, 2.75f, 3.25f, 3.5f, 3f, 3.25f, 3.75f, 4f], y.Span<float>().ToArray());
    }

    [Fact]
    public void LinearAlignCornersUsesTheFractionalOutputWidth()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f, 7f, 8f }, [1, 1, 2, 4]);
        var y = ModelBuilder.Run("Resize", [x, Empty, Tensor.Vector(1f, 1f, 0.6f, 0.6f)], 1, 13,
            NodeAttribute.Of("mode", "linear"), NodeAttribute.Of("coordinate_transformation_mode", "align_corners"))[0];
        Assert.Equal([1, 1, 1, 2], y.Shape);
        Assert.Equal(1f, y.Span<float>()[0]);
        Assert.Equal(3.142857f, y.Span<float>()[1], 5);
    }

    [Fact]
    public void NearestSizesOnUInt8()
    {
        var x = Tensor.FromArray(new byte[] { 1, 2, 3, 4 }, [1, 2, 2]);
        var y = ModelBuilder.Run("Resize", [x, Empty, Empty, Tensor.Vector(4L, 4L)], 1, 19,
            NodeAttribute.Of("axes", new long[] { 1, 2 }))[0];
        Assert.Equal([1, 4, 4], y.Shape);
        Assert.Equal(new byte[] { 1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4 }, y.Span<byte>().ToArray());
    }

    [Fact]
    public void UpsampleNearestFloors()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f }, [1, 2]);
        var y = ModelBuilder.Run("Upsample", [x], 1, 7, NodeAttribute.Of("scales", new[] { 1f, 3f }))[0];
        Assert.Equal([1f, 1f, 1f, 2f, 2f, 2f], y.Span<float>().ToArray());
    }

    [Fact]
    public void BothScalesAndSizesAreRejected()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f }, [1, 2]);
        Assert.ThrowsAny<PinholeException>(() => ModelBuilder.Run("Resize", [x, Empty, Tensor.Vector(1f, 2f), Tensor.Vector(1L, 4L)], 1, 19));
    }
}
