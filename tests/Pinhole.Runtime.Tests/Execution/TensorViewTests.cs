namespace Pinhole.Runtime.Tests.Execution;

/// <summary>Tensors as views at an offset into a larger array.</summary>
public class TensorViewTests
{
    [Fact]
    public void ViewSeesItsRangeOnly()
    {
        var storage = new float[] { 0, 1, 2, 3, 4, 5, 6, 7 };
        var view = Tensor.View(DataType.Float, storage, 2, [2, 2]);
        Assert.Equal(2, view.Offset);
        Assert.Equal([2f, 3f, 4f, 5f], view.Span<float>().ToArray());
        Assert.Equal(5.0, view.GetDouble(3));
        Assert.Equal(4L, view.GetInt64(2));
        Assert.Equal(4 * sizeof(float), view.Bytes().Length);
        Assert.Equal(BitConverter.GetBytes(2f), view.Bytes()[..4].ToArray());
        Assert.Throws<IndexOutOfRangeException>(() => view.GetDouble(4));
        view.Span<float>()[0] = 20;
        Assert.Equal(20f, storage[2]);
    }

    [Fact]
    public void ReshapeAndCloneKeepTheRange()
    {
        var storage = new long[] { 9, 1, 2, 3, 4, 9 };
        var view = Tensor.View(DataType.Int64, storage, 1, [4]);
        var reshaped = view.Reshape([2, 2]);
        Assert.Equal(1, reshaped.Offset);
        Assert.Equal([1L, 2L, 3L, 4L], reshaped.ToInt64Array());
        var copy = view.Clone();
        Assert.Equal(0, copy.Offset);
        Assert.Equal(4, copy.Buffer.Length);
        Assert.Equal([1L, 2L, 3L, 4L], copy.ToInt64Array());
        Assert.True(view.Overlaps(reshaped));
        Assert.False(view.Overlaps(copy));
        Assert.False(view.Overlaps(Tensor.View(DataType.Int64, storage, 5, [1])));
    }

    [Fact]
    public void ViewsAreChecked()
    {
        var storage = new float[4];
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.View(DataType.Float, storage, 2, [3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => Tensor.View(DataType.Float, storage, -1, [1]));
        Assert.Throws<ArgumentException>(() => Tensor.View(DataType.Int32, storage, 0, [1]));
    }

    [Fact]
    public void KernelsReadViewsAtTheirOffset()
    {
        var storage = new float[] { 100, -1, 2, -3, 100 };
        var x = Tensor.View(DataType.Float, storage, 1, [3]);
        Assert.Equal([0f, 2f, 0f], ModelBuilder.Run("Relu", [x])[0].Span<float>().ToArray());
        Assert.Equal([-1f, -3f], ModelBuilder.Run("Slice", [x, Tensor.Vector(0L), Tensor.Vector(3L), Tensor.Vector(0L), Tensor.Vector(2L)])[0].Span<float>().ToArray());
        Assert.Equal([-2f, 4f, -6f], ModelBuilder.Run("Add", [x, x])[0].Span<float>().ToArray());
        Assert.Equal([-1d, 2d, -3d], ModelBuilder.Run("Cast", [x], 1, 21, IR.NodeAttribute.Of("to", (long)DataType.Double))[0].Span<double>().ToArray());
    }
}
