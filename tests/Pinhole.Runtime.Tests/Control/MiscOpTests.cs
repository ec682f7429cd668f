using Pinhole.IR;

namespace Pinhole.Runtime.Tests.Control;

public class MiscOpTests
{
    [Fact]
    public void DftOfAnImpulseIsFlatAndInverseRoundTrips()
    {
        var x = Tensor.FromArray(new[] { 1f, 0f, 0f, 0f }, [1, 4, 1]);
        var y = ModelBuilder.Run("DFT", [x], 1, 17)[0];
        Assert.Equal([1, 4, 2], y.Shape);
        Assert.Equal([1f, 0f, 1f, 0f, 1f, 0f, 1f, 0f], y.Span<float>().ToArray());
        var back = ModelBuilder.Run("DFT", [y], 1, 17, NodeAttribute.Of("inverse", 1L))[0];
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(i == 0 ? 1f : 0f, back.Span<float>()[2 * i], 5);
            Assert.Equal(0f, back.Span<float>()[2 * i + 1], 5);
        }
    }

    [Fact]
    public void HannWindowIsSymmetricWhenNotPeriodic()
    {
        var y = ModelBuilder.Run("HannWindow", [Tensor.Scalar(5L)], 1, 17, NodeAttribute.Of("periodic", 0L))[0];
        Assert.Equal([0f, 0.5f, 1f, 0.5f, 0f], y.Span<float>().ToArray().Select(v => MathF.Round(v, 5)).ToArray());
    }

    [Fact]
    public void NonMaxSuppressionDropsOverlappingBoxes()
    {
        var boxes = Tensor.FromArray(new[] { 0f, 0f, 1f, 1f, 0f, 0.1f, 1f, 1.1f, 0f, 10f, 1f, 11f }, [1, 3, 4]);
        var scores = Tensor.FromArray(new[] { 0.9f, 0.95f, 0.3f }, [1, 1, 3]);
        var y = ModelBuilder.Run("NonMaxSuppression", [boxes, scores, Tensor.Vector(5L), Tensor.Vector(0.5f)], 1, 11)[0];
        Assert.Equal([2, 3], y.Shape);
        Assert.Equal([0L, 0L, 1L, 0L, 0L, 2L], y.Span<long>().ToArray());
    }

    [Fact]
    public void GridSampleIdentityGridReproducesTheInput()
    {
        var x = Tensor.FromArray(new[] { 1f, 2f, 3f, 4f }, [1, 1, 2, 2]);
        var theta = Tensor.FromArray(new[] { 1f, 0f, 0f, 0f, 1f, 0f }, [1, 2, 3]);
        var grid = ModelBuilder.Run("AffineGrid", [theta, Tensor.Vector(1L, 1L, 2L, 2L)], 1, 20)[0];
        var y = ModelBuilder.Run("GridSample", [x, grid], 1, 20)[0];
        Assert.Equal(x.Span<float>().ToArray(), y.Span<float>().ToArray());
    }

    [Fact]
    public void StringSplitPadsAndCounts()
    {
        var x = Tensor.FromArray(new[] { "a,b,,c", "d" }, [2]);
        var y = ModelBuilder.Run("StringSplit", [x], 2, 20, NodeAttribute.Of("delimiter", ","));
        Assert.Equal([2, 4], y[0].Shape);
        Assert.Equal(["a", "b", "", "c", "d", "", "", ""], y[0].Span<string>().ToArray());
        Assert.Equal([4L, 1L], y[1].Span<long>().ToArray());
    }

    [Fact]
    public void RegexFullMatchAnchorsThePattern()
    {
        var x = Tensor.FromArray(new[] { "abc", "xabc", "ab" }, [3]);
        var y = ModelBuilder.Run("RegexFullMatch", [x], 1, 20, NodeAttribute.Of("pattern", "a.c"))[0];
        Assert.Equal([true, false, false], y.Span<bool>().ToArray());
    }

    [Fact]
    public void TfIdfCountsBigramsWithSkips()
    {
        var x = Tensor.FromArray(new[] { 94L, 17L, 36L, 12L, 28L }, [5]);
        var y = ModelBuilder.Run("TfIdfVectorizer", [x], 1, 9,
            NodeAttribute.Of("min_gram_length", 2L), NodeAttribute.Of("max_gram_length", 2L), NodeAttribute.Of("max_skip_count", 2L),
            NodeAttribute.Of("mode", "TF"), NodeAttribute.Of("ngram_counts", new long[] { 0, 0 }),
            NodeAttribute.Of("ngram_indexes", new long[] { 0, 1 }), NodeAttribute.Of("pool_int64s", new long[] { 94, 12, 17, 36 }))[0];
        Assert.Equal([1f, 1f], y.Span<float>().ToArray());
    }
}
