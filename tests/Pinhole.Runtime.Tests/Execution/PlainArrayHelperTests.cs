using Pinhole.IR;
using Xunit;

namespace Pinhole.Runtime.Tests.Execution;

/// <summary>The loops that replace Array.Fill and SequenceEqual on the load path behave as those did.</summary>
public class PlainArrayHelperTests
{
    [Theory]
    [InlineData(0, -1)]
    [InlineData(1, 7)]
    [InlineData(37, -1)]
    public void FilledMatchesArrayFill(int length, int value)
    {
        var expected = new int[length];
        Array.Fill(expected, value);
        Assert.Equal(expected, IntArrays.Filled(length, value));
    }

    [Theory]
    [InlineData(new long[] { }, new long[] { }, true)]
    [InlineData(new long[] { 1, 3, 224, 224 }, new long[] { 1, 3, 224, 224 }, true)]
    [InlineData(new long[] { 1, 3, 224, 224 }, new long[] { 1, 3, 224, 225 }, false)]
    [InlineData(new long[] { 1, 3 }, new long[] { 1, 3, 1 }, false)]
    [InlineData(new long[] { 0 }, new long[] { }, false)]
    public void ShapesEqualAsSequenceEqual(long[] a, long[] b, bool equal)
    {
        Assert.Equal(equal, ShapeArrays.Equal(a, b));
        Assert.Equal(a.AsSpan().SequenceEqual(b), ShapeArrays.Equal(a, b));
    }
}
