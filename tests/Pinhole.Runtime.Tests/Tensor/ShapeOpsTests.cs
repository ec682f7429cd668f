using Pinhole.IR;

namespace Pinhole.Runtime.Tests;

public class ShapeOpsTests
{
    private static Tensor F(int[] shape, params float[] values) => Tensor.FromArray(values, shape);

    private static Tensor Seq(params int[] shape)
    {
        var v = new float[Tensor.ElementCount(shape)];
        for (int i = 0; i < v.Length; i++) v[i] = i;
        return Tensor.FromArray(v, shape);
    }

    private static Tensor L(params long[] values) => Tensor.Vector(values);

    [Fact]
    public void TransposeMatchesReferenceForAllPermutationsAndLargeTiles()
    {
        int[][] perms = [[0, 1, 2], [0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
        int[] shape = [3, 20, 33];
        var x = Seq(shape);
        foreach (var perm in perms)
        {
            var y = ModelBuilder.Run("Transpose", [x], attributes: NodeAttribute.Of("perm", perm.Select(p => (long)p).ToArray()))[0];
            Assert.Equal(perm.Select(p => shape[p]).ToArray(), y.Shape);
            var ys = y.Span<float>();
            int k = 0;
            var idx = new int[3];
            for (idx[0] = 0; idx[0] < y.Shape[0]; idx[0]++)
                for (idx[1] = 0; idx[1] < y.Shape[1]; idx[1]++)
                    for (idx[2] = 0; idx[2] < y.Shape[2]; idx[2]++)
                    {
                        var src = new int[3];
                        for (int d = 0; d < 3; d++) src[perm[d]] = idx[d];
                        Assert.Equal((src[0] * shape[1] + src[1]) * shape[2] + src[2], ys[k++]);
                    }
        }
    }

    [Fact]
    public void TransposeOfStringsAndBytes()
    {
        var s = Tensor.FromArray(new[] { "a", "b", "c", "d", "e", "f" }, [2, 3]);
        var y = ModelBuilder.Run("Transpose", [s])[0];
        Assert.Equal(["a", "d", "b", "e", "c", "f"], y.Span<string>().ToArray());
        var b = Tensor.FromArray(new byte[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        Assert.Equal([1, 4, 2, 5, 3, 6], ModelBuilder.Run("Transpose", [b])[0].Span<byte>().ToArray());
    }

    [Fact]
    public void ReshapeHandlesZeroAndMinusOne()
    {
        var y = ModelBuilder.Run("Reshape", [Seq(2, 3, 4), L(0, -1)])[0];
        Assert.Equal([2, 12], y.Shape);
        var z = ModelBuilder.Run("Reshape", [Seq(0, 3), L(3, 0)], attributes: NodeAttribute.Of("allowzero", 1L))[0];
        Assert.Equal([3, 0], z.Shape);
    }

    [Fact]
    public void SliceWithNegativeStepsAndClamping()
    {
        var x = Seq(10);
        var y = ModelBuilder.Run("Slice", [x, L(-1), L(long.MinValue), L(0), L(-3)])[0];
        Assert.Equal([9f, 6f, 3f, 0f], y.Span<float>().ToArray());
        var z = ModelBuilder.Run("Slice", [Seq(3, 4), L(1, 100), L(1000, 1000), L(0, 1)])[0];
        Assert.Equal([2, 0], z.Shape);
        var w = ModelBuilder.Run("Slice", [Seq(3, 4), L(0, 1), L(2, 3)])[0];
        Assert.Equal([1f, 2f, 5f, 6f], w.Span<float>().ToArray());
    }

    [Fact]
    public void ConcatAndSplitRoundTrip()
    {
        var a = Seq(2, 3);
        var b = F([2, 1], 10, 20);
        var c = ModelBuilder.Run("Concat", [a, b], attributes: NodeAttribute.Of("axis", -1L))[0];
        Assert.Equal([0f, 1, 2, 10, 3, 4, 5, 20], c.Span<float>().ToArray());
        var parts = ModelBuilder.Run("Split", [c, L(3, 1)], outputs: 2, attributes: NodeAttribute.Of("axis", 1L));
        Assert.Equal(a.Span<float>().ToArray(), parts[0].Span<float>().ToArray());
        Assert.Equal([10f, 20f], parts[1].Span<float>().ToArray());
        var three = ModelBuilder.Run("Split", [Seq(7)], outputs: 3, attributes: NodeAttribute.Of("num_outputs", 3L));
        Assert.Equal([3, 3, 1], three.Select(t => t.Length).ToArray());
    }

    [Fact]
    public void ExpandAndTile()
    {
        var y = ModelBuilder.Run("Expand", [F([3, 1], 1, 2, 3), L(2, 1, 2)])[0];
        Assert.Equal([2, 3, 2], y.Shape);
        Assert.Equal([1f, 1, 2, 2, 3, 3, 1, 1, 2, 2, 3, 3], y.Span<float>().ToArray());
        var t = ModelBuilder.Run("Tile", [F([2, 2], 1, 2, 3, 4), L(2, 2)])[0];
        Assert.Equal([1f, 2, 1, 2, 3, 4, 3, 4, 1, 2, 1, 2, 3, 4, 3, 4], t.Span<float>().ToArray());
    }

    [Fact]
    public void GatherFamily()
    {
        var x = Seq(3, 2);
        var g = ModelBuilder.Run("Gather", [x, L(2, -3)])[0];
        Assert.Equal([4f, 5, 0, 1], g.Span<float>().ToArray());
        var ge = ModelBuilder.Run("GatherElements", [F([2, 2], 1, 2, 3, 4), Tensor.FromArray(new long[] { 0, 0, 1, 0 }, [2, 2])],
            attributes: NodeAttribute.Of("axis", 1L))[0];
        Assert.Equal([1f, 1, 4, 3], ge.Span<float>().ToArray());
        var nd = ModelBuilder.Run("GatherND", [F([2, 2], 0, 1, 2, 3), Tensor.FromArray(new long[] { 0, 0, 1, 1 }, [2, 2])])[0];
        Assert.Equal([0f, 3], nd.Span<float>().ToArray());
    }

    [Fact]
    public void ScatterWithReductions()
    {
        var data = F([1, 5], 1, 2, 3, 4, 5);
        var idx = Tensor.FromArray(new long[] { 1, 1 }, [1, 2]);
        var upd = F([1, 2], 1.1f, 2.1f);
        var y = ModelBuilder.Run("ScatterElements", [data, idx, upd], attributes: [NodeAttribute.Of("axis", 1L), NodeAttribute.Of("reduction", "add")])[0];
        Assert.Equal([1f, 2 + 1.1f + 2.1f, 3, 4, 5], y.Span<float>().ToArray());
        var nd = ModelBuilder.Run("ScatterND", [Seq(4), Tensor.FromArray(new long[] { 1, 3 }, [2, 1]), F([2], 9, 8)])[0];
        Assert.Equal([0f, 9, 2, 8], nd.Span<float>().ToArray());
    }

    [Theory]
    [InlineData("constant", new float[] { 0, 0, 1, 2, 3, 0 })]
    [InlineData("reflect", new float[] { 3, 2, 1, 2, 3, 2 })]
    [InlineData("edge", new float[] { 1, 1, 1, 2, 3, 3 })]
    [InlineData("wrap", new float[] { 2, 3, 1, 2, 3, 1 })]
    public void PadModes(string mode, float[] expected)
    {
        var y = ModelBuilder.Run("Pad", [F([3], 1, 2, 3), L(2, 1)], attributes: NodeAttribute.Of("mode", mode))[0];
        Assert.Equal(expected, y.Span<float>().ToArray());
    }

    [Fact]
    public void CastBetweenTypes()
    {
        var x = F([4], 1.5f, -2.7f, 0, 300);
        Assert.Equal([1, -2, 0, 300], ModelBuilder.Run("Cast", [x], attributes: NodeAttribute.Of("to", (long)DataType.Int32))[0].Span<int>().ToArray());
        Assert.Equal([true, true, false, true], ModelBuilder.Run("Cast", [x], attributes: NodeAttribute.Of("to", (long)DataType.Bool))[0].Span<bool>().ToArray());
        Assert.Equal(["1.5", "-2.7", "0", "300"], ModelBuilder.Run("Cast", [x], attributes: NodeAttribute.Of("to", (long)DataType.String))[0].Span<string>().ToArray());
        var s = Tensor.FromArray(new[] { "1.5", "INF", "-3" }, [3]);
        Assert.Equal([1.5, double.PositiveInfinity, -3], ModelBuilder.Run("Cast", [s], attributes: NodeAttribute.Of("to", (long)DataType.Double))[0].Span<double>().ToArray());
        var bf = ModelBuilder.Run("Cast", [x], attributes: NodeAttribute.Of("to", (long)DataType.BFloat16))[0];
        Assert.Equal(1.5f, (float)bf.Span<BFloat16>()[0]);
        var h = ModelBuilder.Run("Cast", [bf], attributes: NodeAttribute.Of("to", (long)DataType.Float16))[0];
        Assert.Equal((Half)300, h.Span<Half>()[3]);
    }

    [Fact]
    public void UniqueSortedAndUnsorted()
    {
        var x = F([6], 2, 1, 1, 3, 4, 3);
        var r = ModelBuilder.Run("Unique", [x], outputs: 4, attributes: NodeAttribute.Of("sorted", 0L));
        Assert.Equal([2f, 1, 3, 4], r[0].Span<float>().ToArray());
        Assert.Equal([0L, 1, 3, 4], r[1].Span<long>().ToArray());
        Assert.Equal([0L, 1, 1, 2, 3, 2], r[2].Span<long>().ToArray());
        Assert.Equal([1L, 2, 2, 1], r[3].Span<long>().ToArray());
        var s = ModelBuilder.Run("Unique", [x], outputs: 4);
        Assert.Equal([1f, 2, 3, 4], s[0].Span<float>().ToArray());
        Assert.Equal([1L, 0, 0, 2, 3, 2], s[2].Span<long>().ToArray());
    }

    [Fact]
    public void DepthToSpaceInvertsSpaceToDepth()
    {
        var x = Seq(1, 2, 4, 6);
        var d = ModelBuilder.Run("SpaceToDepth", [x], attributes: NodeAttribute.Of("blocksize", 2L))[0];
        Assert.Equal([1, 8, 2, 3], d.Shape);
        var back = ModelBuilder.Run("DepthToSpace", [d], attributes: NodeAttribute.Of("blocksize", 2L))[0];
        Assert.Equal(x.Span<float>().ToArray(), back.Span<float>().ToArray());
    }

    [Fact]
    public void MiscOps()
    {
        var tri = ModelBuilder.Run("Trilu", [F([2, 3], 1, 1, 1, 1, 1, 1), L(1)])[0];
        Assert.Equal([0f, 1, 1, 0, 0, 1], tri.Span<float>().ToArray());
        var low = ModelBuilder.Run("Trilu", [F([2, 3], 1, 1, 1, 1, 1, 1), L(-1)], attributes: NodeAttribute.Of("upper", 0L))[0];
        Assert.Equal([0f, 0, 0, 1, 0, 0], low.Span<float>().ToArray());
        var nz = ModelBuilder.Run("NonZero", [F([2, 2], 1, 0, 1, 1)])[0];
        Assert.Equal([2, 3], nz.Shape);
        Assert.Equal([0L, 1, 1, 0, 0, 1], nz.Span<long>().ToArray());
        var oh = ModelBuilder.Run("OneHot", [L(1, -1, 5), Tensor.Scalar(3L), F([2], 0, 1)])[0];
        Assert.Equal([0f, 1, 0, 0, 0, 1, 0, 0, 0], oh.Span<float>().ToArray());
        var rg = ModelBuilder.Run("Range", [Tensor.Scalar(10), Tensor.Scalar(4), Tensor.Scalar(-3)])[0];
        Assert.Equal([10, 7], rg.Span<int>().ToArray());
        var sh = ModelBuilder.Run("Shape", [Seq(2, 3, 4)], attributes: NodeAttribute.Of("start", -2L))[0];
        Assert.Equal([3L, 4], sh.Span<long>().ToArray());
        var rs = ModelBuilder.Run("ReverseSequence", [Seq(3, 2), L(3, 1)])[0];
        Assert.Equal([4f, 1, 2, 3, 0, 5], rs.Span<float>().ToArray());
        var cc = ModelBuilder.Run("CenterCropPad", [Seq(5), L(3)])[0];
        Assert.Equal([1f, 2, 3], cc.Span<float>().ToArray());
    }

    [Fact]
    public void SliceWithExtremeSteps()
    {
        var y = ModelBuilder.Run("Slice", [Seq(5), L(1), L(long.MaxValue), L(0), L(long.MaxValue)])[0];
        Assert.Equal([1f], y.Span<float>().ToArray());
        var z = ModelBuilder.Run("Slice", [Seq(5), L(-1), L(long.MinValue), L(0), L(long.MinValue)])[0];
        Assert.Equal([4f], z.Span<float>().ToArray());
    }

    [Fact]
    public void SqueezeAndUnsqueezeViews()
    {
        var x = Seq(1, 3, 1);
        Assert.Equal([3], ModelBuilder.Run("Squeeze", [x])[0].Shape);
        Assert.Equal([3, 1], ModelBuilder.Run("Squeeze", [x, L(0)])[0].Shape);
        var u = ModelBuilder.Run("Unsqueeze", [Seq(3), L(-1, 0)])[0];
        Assert.Equal([1, 3, 1], u.Shape);
        Assert.Equal([1, 3], ModelBuilder.Run("Flatten", [x])[0].Shape);
    }

    [Fact]
    public void BadValuesRaiseKernelErrors()
    {
        Assert.Throws<KernelException>(() => ModelBuilder.Run("Gather", [Seq(3), L(3)]));
        Assert.Throws<KernelException>(() => ModelBuilder.Run("Reshape", [Seq(6), L(4, -1)]));
        Assert.Throws<KernelException>(() => ModelBuilder.Run("Expand", [Seq(3), L(2)]));
        Assert.Throws<KernelException>(() => ModelBuilder.Run("ScatterND", [Seq(4), Tensor.FromArray(new long[] { 7 }, [1, 1]), F([1], 1)]));
        Assert.Throws<KernelException>(() => ModelBuilder.Run("Squeeze", [Seq(2, 3), L(0)]));
    }

    [Fact]
    public void CastToLowPrecisionTypes()
    {
        var x = F([5], 0.3f, 1000, -2.5f, float.NaN, 17);
        var f8 = ModelBuilder.Run("Cast", [x], attributes: NodeAttribute.Of("to", (long)DataType.Float8E4M3FN))[0];
        Assert.Equal(DataType.Float8E4M3FN, f8.Type);
        var back = ModelBuilder.Run("Cast", [f8], attributes: NodeAttribute.Of("to", (long)DataType.Float))[0].Span<float>().ToArray();
        Assert.Equal([0.3125f, 448f, -2.5f, float.NaN, 16f], back);
        var i4 = ModelBuilder.Run("Cast", [F([3], 7, -8, 9)], attributes: NodeAttribute.Of("to", (long)DataType.Int4))[0];
        Assert.Equal([7, -8, -7], i4.Span<sbyte>().ToArray());
    }
}
