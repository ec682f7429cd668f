using Pinhole.IR;

namespace Pinhole.Runtime.Tests;

public class ShapeArraysTests
{
    [Fact]
    public void ConversionsKeepEveryDimensionAndTellUnknownOnes()
    {
        Assert.Equal([Dim.Known(2), Dim.Known(0), Dim.Known(7)], ShapeArrays.KnownDims([2, 0, 7]));
        Assert.Equal([3L, -1L, null], ShapeArrays.Nullable([3L, -1L]).Append(null));
        Assert.Equal([1L, 5L], ShapeArrays.Nullable([1, 5]));
        Assert.Equal([4L, 0L], ShapeArrays.AllKnown([4L, 0L])!);
        Assert.Null(ShapeArrays.AllKnown([4L, null]));
        Assert.Empty(ShapeArrays.AllKnown([])!);
        Assert.Equal([Dim.Known(3), Dim.Unknown], ShapeArrays.Dims([3L, null]));
        Assert.Equal([1L, 1L, 1L], ShapeArrays.Repeat(1L, 3));
        Assert.Empty(ShapeArrays.Repeat(5L, 0));
        Assert.Equal([2, 1, 3], new TensorTypeInfo(DataType.Float, [Dim.Known(2), Dim.Symbol("n"), Dim.Known(3)]).ConcreteShape()!);
    }
}
