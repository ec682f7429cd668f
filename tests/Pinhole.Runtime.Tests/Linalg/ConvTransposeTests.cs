using Pinhole.IR;

namespace Pinhole.Runtime.Tests.Linalg;

public class ConvTransposeTests
{
    [Theory]
    [InlineData(1, 2, 3, 3, 3, 3, 3, 1, 1, 1, 0, 0)]
    [InlineData(2, 4, 4, 5, 2, 3, 2, 2, 2, 1, 1, 1)]
    [InlineData(1, 3, 5, 4, 2, 2, 3, 1, 3, 2, 2, 0)]
    public void MatchesNaiveScatter(int n, int c, int h, int wd, int mg, int kh, int kw, int group, int stride, int dil, int pad, int outPad)
    {
        var rng = new Random(11);
        var x = Enumerable.Range(0, n * c * h * wd).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        var w = Enumerable.Range(0, c * mg * kh * kw).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray();
        int m = mg * group, cg = c / group;
        int oh = (stride * (h - 1)) + outPad + ((kh - 1) * dil) + 1 - (2 * pad);
        int ow = (stride * (wd - 1)) + outPad + ((kw - 1) * dil) + 1 - (2 * pad);
        var expected = new float[n * m * oh * ow];
        for (int b = 0; b < n; b++)
            for (int ci = 0; ci < c; ci++)
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < wd; j++)
                        for (int o = 0; o < mg; o++)
                            for (int a = 0; a < kh; a++)
                                for (int e = 0; e < kw; e++)
                                {
                                    int yi = (i * stride) - pad + (a * dil), yj = (j * stride) - pad + (e * dil);
                                    if (yi < 0 || yi >= oh || yj < 0 || yj >= ow) continue;
                                    int oc = ((ci / cg) * mg) + o;
                                    expected[((((b * m) + oc) * oh) + yi) * ow + yj] +=
                                        x[((((b * c) + ci) * h) + i) * wd + j] * w[((((ci * mg) + o) * kh) + a) * kw + e];
                                }
        var y = ModelBuilder.Run("ConvTranspose", [Tensor.FromArray(x, [n, c, h, wd]), Tensor.FromArray(w, [c, mg, kh, kw])], 1, 21,
            NodeAttribute.Of("group", (long)group), NodeAttribute.Of("strides", new long[] { stride, stride }),
            NodeAttribute.Of("dilations", new long[] { dil, dil }), NodeAttribute.Of("pads", new long[] { pad, pad, pad, pad }),
            NodeAttribute.Of("output_padding", new long[] { outPad, outPad }))[0];
        Assert.Equal([n, m, oh, ow], y.Shape);
        var ys = y.Span<float>();
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - ys[i]) < 1e-4f, $"{i}: {expected[i]} vs {ys[i]}");
    }

    [Fact]
    public void DetOfSmallMatrices()
    {
        var y = ModelBuilder.Run("Det", [Tensor.FromArray(new float[] { 1, 2, 3, 4, 0, 1, 1, 0 }, [2, 2, 2])])[0];
        Assert.Equal([2], y.Shape);
        Assert.Equal([-2f, -1f], y.Span<float>().ToArray());
    }
}

public class EinsumTests
{
    private static Tensor[] Run(string eq, params Tensor[] inputs)
    {
        var model = ModelBuilder.SingleNode("Einsum", inputs.Length, 1, 21, "", NodeAttribute.Of("equation", eq));
        using var session = new InferenceSession(model);
        return session.Run(inputs);
    }

    [Fact]
    public void MatMulTransposeTraceAndBatch()
    {
        var a = Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3]);
        var b = Tensor.FromArray(new float[] { 1, 0, 0, 1, 1, 1 }, [3, 2]);
        Assert.Equal([4f, 5f, 10f, 11f], Run("ij,jk->ik", a, b)[0].Span<float>().ToArray());
        var t = Run("ij->ji", a)[0];
        Assert.Equal([3, 2], t.Shape);
        Assert.Equal([1f, 4f, 2f, 5f, 3f, 6f], t.Span<float>().ToArray());
        var sq = Tensor.FromArray(new float[] { 1, 2, 3, 4 }, [2, 2]);
        Assert.Equal([5f], Run("ii", sq)[0].Span<float>().ToArray());
        Assert.Equal([1f, 4f], Run("ii->i", sq)[0].Span<float>().ToArray());
        var bt = Run("...ij,...jk", Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6, 7, 8 }, [2, 2, 2]), sq)[0];
        Assert.Equal([2, 2, 2], bt.Shape);
        Assert.Equal([7f, 10f, 15f, 22f, 23f, 34f, 31f, 46f], bt.Span<float>().ToArray());
    }
}
