using System.Diagnostics;
using Pinhole.IR;
using Pinhole.Runtime.Kernels;
using Xunit.Abstractions;

namespace Pinhole.Runtime.Tests.Linalg;

public class LinalgTests(ITestOutputHelper output)
{
    private static float[] Random(Random rng, int n)
    {
        var r = new float[n];
        for (int i = 0; i < n; i++) r[i] = (float)((rng.NextDouble() * 2) - 1);
        return r;
    }

    public static TheoryData<GemmIsa> Isas => new(Isa.Supported());

    [Theory]
    [MemberData(nameof(Isas))]
    public void ThreadedGemmWithPackedBMatchesNaiveReference(GemmIsa isa)
    {
        // Several whole column panels and a partial one, split among threads (each packs its own panels of B row by row),
        // over more than one k block.
        var rng = new Random(7);
        foreach (var (m, n, k) in new[] { (40, 200, 300), (9, 97, 140), (130, 64, 33) })
            foreach (int threads in new[] { 2, 3 })
            {
                int ldb = n + 5, ldc = n + 1;
                var a = Random(rng, m * k);
                var b = Random(rng, k * ldb);
                var c = new float[m * ldc];
                var expected = new float[m * ldc];
                LinalgHelpers.NaiveGemm(false, false, m, n, k, 1f, a, k, b, ldb, 0f, expected, ldc);
                Kernels.Linalg.Gemm(false, false, m, n, k, 1f, a, k, b, ldb, 0f, c, ldc, threads, isa);
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < n; j++)
                        Assert.True(Math.Abs(expected[(i * ldc) + j] - c[(i * ldc) + j]) <= 1e-4f * (1 + k),
                            $"{isa} m={m} n={n} k={k} threads={threads} at ({i},{j})");
            }
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void GemmMatchesNaiveReference(GemmIsa isa)
    {
        var rng = new Random(42);
        int[] sizes = [1, 7, 17, 65, 3, 130];
        foreach (int m in sizes)
            foreach (int n in sizes)
                foreach (int k in new[] { 1, 7, 17, 65, 300 })
                {
                    bool ta = rng.Next(2) == 1, tb = rng.Next(2) == 1;
                    float alpha = rng.Next(2) == 1 ? 1f : 0.5f, beta = (float)rng.Next(3) * 0.5f;
                    int lda = (ta ? m : k) + rng.Next(3), ldb = (tb ? k : n) + rng.Next(3), ldc = n + rng.Next(3);
                    var a = Random(rng, (ta ? k : m) * lda);
                    var b = Random(rng, (tb ? n : k) * ldb);
                    var c = Random(rng, m * ldc);
                    var expected = (float[])c.Clone();
                    LinalgHelpers.NaiveGemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, expected, ldc);
                    Kernels.Linalg.Gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, 1, isa);
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++)
                            Assert.True(Math.Abs(expected[(i * ldc) + j] - c[(i * ldc) + j]) <= 1e-4f * (1 + k),
                                $"{isa} m={m} n={n} k={k} ta={ta} tb={tb} at ({i},{j}): {expected[(i * ldc) + j]} vs {c[(i * ldc) + j]}");
                }
    }

    [Theory]
    [InlineData(1, 1, 1, false)]
    [InlineData(7, 17, 65, true)]
    [InlineData(130, 65, 600, false)]
    [InlineData(250, 33, 300, true)]
    public void PrepackedGemmMatchesUnpacked(int m, int n, int k, bool transA)
    {
        var rng = new Random(9);
        var a = Random(rng, m * k);
        var b = Random(rng, k * n);
        var expected = new float[m * n];
        Kernels.Linalg.Gemm(transA, false, m, n, k, 1f, a, transA ? m : k, b, n, 0f, expected, n);
        var packed = Kernels.Linalg.PackA(transA, m, k, a, transA ? m : k);
        foreach (int threads in new[] { 1, 3 })
        {
            var c = new float[m * n];
            Kernels.Linalg.Gemm(packed, false, n, 1f, b, n, 0f, c, n, threads);
            Assert.Equal(expected, c);
        }
    }

    [Theory]
    [InlineData(500, 300, 400)]
    [InlineData(50, 700, 100)]
    [InlineData(7, 3000, 65)]
    public void ParallelGemmIsDeterministic(int m, int n, int k)
    {
        var rng = new Random(1);
        var a = Random(rng, m * k);
        var b = Random(rng, k * n);
        var c1 = new float[m * n];
        var c2 = new float[m * n];
        Kernels.Linalg.Gemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c1, n, 1);
        Kernels.Linalg.Gemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c2, n, 4);
        Assert.Equal(c1, c2);
    }

    [Fact]
    public void MatMulBroadcastsBatchesAndVectors()
    {
        var rng = new Random(3);
        var a = Random(rng, 2 * 1 * 3 * 4);
        var b = Random(rng, 3 * 4 * 5);
        var y = ModelBuilder.Run("MatMul", [Tensor.FromArray(a, [2, 1, 3, 4]), Tensor.FromArray(b, [3, 4, 5])])[0];
        Assert.Equal([2, 3, 3, 5], y.Shape);
        var ys = y.Span<float>();
        for (int p = 0; p < 2; p++)
            for (int q = 0; q < 3; q++)
                for (int i = 0; i < 3; i++)
                    for (int j = 0; j < 5; j++)
                    {
                        float s = 0;
                        for (int t = 0; t < 4; t++) s += a[(p * 12) + (i * 4) + t] * b[(q * 20) + (t * 5) + j];
                        Assert.Equal(s, ys[(((((p * 3) + q) * 3) + i) * 5) + j], 4);
                    }
        var v = ModelBuilder.Run("MatMul", [Tensor.FromArray(new float[] { 1, 2 }, [2]), Tensor.FromArray(new float[] { 1, 2, 3, 4, 5, 6 }, [2, 3])])[0];
        Assert.Equal([3], v.Shape);
        Assert.Equal([9f, 12f, 15f], v.Span<float>().ToArray());
        var iv = ModelBuilder.Run("MatMul", [Tensor.FromArray(new long[] { 1, 2, 3, 4 }, [2, 2]), Tensor.FromArray(new long[] { 1, 1 }, [2])])[0];
        Assert.Equal([3L, 7L], iv.Span<long>().ToArray());
    }

    private static float[] NaiveConv2D(float[] x, int[] xs, float[] w, int[] ws, int group, int[] s, int[] d, int[] p, out int oh, out int ow)
    {
        int n = xs[0], c = xs[1], h = xs[2], wd = xs[3], m = ws[0], cg = ws[1], kh = ws[2], kw = ws[3];
        oh = ((h + p[0] + p[2] - ((kh - 1) * d[0]) - 1) / s[0]) + 1;
        ow = ((wd + p[1] + p[3] - ((kw - 1) * d[1]) - 1) / s[1]) + 1;
        var y = new float[n * m * oh * ow];
        int mg = m / group;
        for (int b = 0; b < n; b++)
            for (int o = 0; o < m; o++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        float acc = 0;
                        int g = o / mg;
                        for (int ci = 0; ci < cg; ci++)
                            for (int a = 0; a < kh; a++)
                                for (int e = 0; e < kw; e++)
                                {
                                    int yi = (i * s[0]) - p[0] + (a * d[0]), xj = (j * s[1]) - p[1] + (e * d[1]);
                                    if (yi < 0 || yi >= h || xj < 0 || xj >= wd) continue;
                                    acc += x[((((b * c) + (g * cg) + ci) * h) + yi) * wd + xj] * w[((((o * cg) + ci) * kh) + a) * kw + e];
                                }
                        y[((((b * m) + o) * oh) + i) * ow + j] = acc;
                    }
        return y;
    }

    [Theory]
    [InlineData(1, 3, 9, 9, 4, 3, 3, 1, 1, 1, 1)]
    [InlineData(2, 4, 8, 7, 6, 3, 2, 2, 1, 1, 2)]
    [InlineData(1, 6, 10, 10, 6, 3, 3, 6, 1, 2, 1)]
    [InlineData(1, 6, 10, 10, 6, 3, 3, 6, 2, 1, 0)]
    [InlineData(1, 8, 5, 5, 4, 1, 1, 1, 1, 1, 0)]
    [InlineData(1, 8, 5, 5, 4, 1, 1, 2, 2, 1, 0)]
    public void Conv2DMatchesNaiveReference(int n, int c, int h, int wd, int m, int kh, int kw, int group, int stride, int dil, int pad)
    {
        var rng = new Random(7);
        int[] xs = [n, c, h, wd], ws = [m, c / group, kh, kw];
        var x = Random(rng, n * c * h * wd);
        var w = Random(rng, m * (c / group) * kh * kw);
        var expected = NaiveConv2D(x, xs, w, ws, group, [stride, stride], [dil, dil], [pad, pad, pad, pad], out int oh, out int ow);
        var y = ModelBuilder.Run("Conv", [Tensor.FromArray(x, xs), Tensor.FromArray(w, ws)], 1, 21,
            NodeAttribute.Of("group", (long)group), NodeAttribute.Of("strides", new long[] { stride, stride }),
            NodeAttribute.Of("dilations", new long[] { dil, dil }), NodeAttribute.Of("pads", new long[] { pad, pad, pad, pad }))[0];
        Assert.Equal([n, m, oh, ow], y.Shape);
        var ys = y.Span<float>();
        for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - ys[i]) < 1e-4f, $"{i}: {expected[i]} vs {ys[i]}");
    }

    [Fact]
    public void ConvWithConstantWeightMatchesInputWeight()
    {
        var rng = new Random(8);
        var x = Tensor.FromArray(Random(rng, 2 * 8 * 9 * 9), [2, 8, 9, 9]);
        var w = Tensor.FromArray(Random(rng, 12 * 4 * 3 * 3), [12, 4, 3, 3]);
        var attrs = new[] { NodeAttribute.Of("group", 2L), NodeAttribute.Of("pads", new long[] { 1, 1, 1, 1 }) };
        var expected = ModelBuilder.Run("Conv", [x, w], 1, 21, attrs)[0];
        var model = ModelBuilder.SingleNode("Conv", 2, 1, 21, "", attrs);
        model.Graph.Initializers["x1"] = w;
        model.Graph.Inputs.RemoveAt(1);
        using var session = new InferenceSession(model);
        var y = session.Run([x])[0];
        Assert.Equal(expected.Shape, y.Shape);
        Assert.Equal(expected.Span<float>().ToArray(), y.Span<float>().ToArray());
    }

    [Fact]
    public void ConvIsDeterministicAcrossThreadCounts()
    {
        var rng = new Random(12);
        var x = Tensor.FromArray(Random(rng, 64 * 28 * 28), [1, 64, 28, 28]);
        var w = Tensor.FromArray(Random(rng, 64 * 64 * 9), [64, 64, 3, 3]);
        var attrs = new[] { NodeAttribute.Of("pads", new long[] { 1, 1, 1, 1 }) };
        using var serial = new InferenceSession(ModelBuilder.SingleNode("Conv", 2, 1, 21, "", attrs));
        using var parallel = new InferenceSession(ModelBuilder.SingleNode("Conv", 2, 1, 21, "", attrs), new SessionOptions { IntraOpThreads = 4 });
        Assert.Equal(serial.Run([x, w])[0].Span<float>().ToArray(), parallel.Run([x, w])[0].Span<float>().ToArray());
    }

    [Fact]
    public void ConvSpeed()
    {
        // A ResNet-50 3x3 convolution: 1x256x14x14 -> 256, 3x3 pad 1 (about 0.23 GFLOP). Reported, not asserted.
        var rng = new Random(5);
        var x = Tensor.FromArray(Random(rng, 256 * 14 * 14), [1, 256, 14, 14]);
        var w = Tensor.FromArray(Random(rng, 256 * 256 * 9), [256, 256, 3, 3]);
        var attrs = new[] { NodeAttribute.Of("pads", new long[] { 1, 1, 1, 1 }) };
        var model = ModelBuilder.SingleNode("Conv", 2, 1, 21, "", attrs);
        model.Graph.Initializers["x1"] = w;
        model.Graph.Inputs.RemoveAt(1);
        using var session = new InferenceSession(model);
        session.Run([x]);
        var sw = Stopwatch.StartNew();
        var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        int runs = 10;
        for (int i = 0; i < runs; i++) session.Run([x]);
        var cpu = Process.GetCurrentProcess().TotalProcessorTime - cpu0;
        double flops = 2.0 * 256 * 256 * 9 * 14 * 14 * runs;
        // CPU time is less sensitive than wall time to other processes sharing the machine.
        output.WriteLine($"Conv 256x14x14 3x3 ({Kernels.Linalg.DefaultIsa}): {flops / sw.Elapsed.TotalSeconds / 1e9:F1} GFLOP/s wall, " +
            $"{flops / cpu.TotalSeconds / 1e9:F1} GFLOP/s per CPU second");
    }
}
