using CsCheck;
using Pinhole.IR;
using Pinhole.Runtime.Kernels;

namespace Pinhole.Runtime.Tests.Nn;

public class ReduceTests
{
    private static Tensor Floats(int[] shape) =>
        Tensor.FromArray(Enumerable.Range(0, Tensor.ElementCount(shape)).Select(i => (float)((i * 7) % 11 - 5)).ToArray(), shape);

    [Fact]
    public void ReduceSumMatchesAScalarReferenceForAnyAxisSet()
    {
        var gen = Gen.Int[1, 4].Array[1, 4].Select(Gen.Bool.Array[4], Gen.Bool, (dims, mask, keep) => (dims, mask, keep));
        gen.Sample(t =>
        {
            var shape = t.dims;
            var axes = Enumerable.Range(0, shape.Length).Where(i => t.mask[i]).Select(i => (long)i).ToArray();
            if (axes.Length == 0) return;
            var x = Floats(shape);
            var y = ModelBuilder.Run("ReduceSum", [x, Tensor.Vector(axes)], 1, 18, NodeAttribute.Of("keepdims", t.keep ? 1L : 0L))[0];
            var expectedShape = shape.Select((d, i) => t.mask[i] ? 1 : d).ToArray();
            Assert.Equal(t.keep ? expectedShape : shape.Where((_, i) => !t.mask[i]).ToArray(), y.Shape);
            var expected = new float[Tensor.ElementCount(expectedShape)];
            var xs = x.Span<float>();
            for (int k = 0; k < xs.Length; k++)
            {
                int rem = k, target = 0, scale = 1;
                for (int d = shape.Length - 1; d >= 0; d--)
                {
                    int c = rem % shape[d];
                    rem /= shape[d];
                    if (!t.mask[d]) target += c * scale;
                    scale *= expectedShape[d];
                }
                expected[target] += xs[k];
            }
            Assert.Equal(expected, y.Span<float>().ToArray());
        });
    }

    [Fact]
    public void NonContiguousAxesAreReordered()
    {
        var layout = NnReduceLayout.Create([2, 3, 4], [0, 2], keepDims: false);
        Assert.Equal([3], layout.OutputShape);
        Assert.Equal(8, layout.Reduced);
        Assert.NotNull(layout.Permutation);
        var contiguous = NnReduceLayout.Create([2, 3, 4], [1, 2], keepDims: true);
        Assert.Equal((2, 12, 1), (contiguous.Outer, contiguous.Reduced, contiguous.Inner));
        Assert.Null(contiguous.Permutation);
    }

    [Fact]
    public void EmptyAxesWithNoopReturnsTheInput()
    {
        var x = Floats([2, 3]);
        var y = ModelBuilder.Run("ReduceMax", [x, Tensor.FromArray(Array.Empty<long>(), [0])], 1, 18,
            NodeAttribute.Of("noop_with_empty_axes", 1L))[0];
        Assert.Equal(x.Span<float>().ToArray(), y.Span<float>().ToArray());
    }

    [Fact]
    public void EmptyReductionGivesTheIdentity()
    {
        var x = Tensor.Zeros<float>([2, 0, 3]);
        var sum = ModelBuilder.Run("ReduceSum", [x, Tensor.Vector(1L)], 1, 18)[0];
        Assert.Equal([2, 1, 3], sum.Shape);
        Assert.All(sum.Span<float>().ToArray(), v => Assert.Equal(0f, v));
        var max = ModelBuilder.Run("ReduceMax", [x, Tensor.Vector(1L)], 1, 18)[0];
        Assert.All(max.Span<float>().ToArray(), v => Assert.Equal(float.NegativeInfinity, v));
    }

    [Fact]
    public void IntegerReductionsKeepTheirType()
    {
        var x = Tensor.FromArray(new long[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var y = ModelBuilder.Run("ReduceProd", [x], 1, 13, NodeAttribute.Of("axes", new long[] { 1 }))[0];
        Assert.Equal(new long[] { 6, 120 }, y.Span<long>().ToArray());
    }

    [Fact]
    public void ArgMaxSelectsFirstOrLastIndex()
    {
        var x = Tensor.FromArray(new[] { 1f, 3f, 3f, 2f }, [1, 4]);
        var first = ModelBuilder.Run("ArgMax", [x], 1, 13, NodeAttribute.Of("axis", 1L))[0];
        var last = ModelBuilder.Run("ArgMax", [x], 1, 13, NodeAttribute.Of("axis", 1L), NodeAttribute.Of("select_last_index", 1L))[0];
        Assert.Equal(1L, first.Span<long>()[0]);
        Assert.Equal(2L, last.Span<long>()[0]);
    }

    [Fact]
    public void TopKBreaksTiesByLowerIndex()
    {
        var x = Tensor.FromArray(new[] { 1f, 5f, 5f, 2f, 5f }, [5]);
        var outputs = ModelBuilder.Run("TopK", [x, Tensor.Vector(3L)], 2, 11);
        Assert.Equal(new[] { 5f, 5f, 5f }, outputs[0].Span<float>().ToArray());
        Assert.Equal(new long[] { 1, 2, 4 }, outputs[1].Span<long>().ToArray());
    }

    [Fact]
    public void CumSumExclusiveReverse()
    {
        var x = Tensor.FromArray(new[] { 1, 2, 3 }, [3]);
        var y = ModelBuilder.Run("CumSum", [x, Tensor.Scalar(0)], 1, 14,
            NodeAttribute.Of("exclusive", 1L), NodeAttribute.Of("reverse", 1L))[0];
        Assert.Equal(new[] { 5, 3, 0 }, y.Span<int>().ToArray());
    }
}
