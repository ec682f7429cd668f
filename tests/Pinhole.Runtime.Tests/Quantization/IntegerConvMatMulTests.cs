using CsCheck;
using static Pinhole.Runtime.Tests.Quantization.QuantizeLinearTests;

namespace Pinhole.Runtime.Tests.Quantization;

public class IntegerConvMatMulTests
{
    [Fact]
    public void MatMulIntegerMatchesSpecExample()
    {
        var a = Tensor.FromArray(new byte[] { 11, 7, 3, 10, 6, 2, 9, 5, 1, 8, 4, 0 }, [4, 3]);
        var b = Tensor.FromArray(new byte[] { 1, 4, 2, 5, 3, 6 }, [3, 2]);
        var y = ModelBuilder.Run("MatMulInteger", [a, b, Tensor.Scalar((byte)12), Tensor.Scalar((byte)0)])[0];
        Assert.Equal([4, 2], y.Shape);
        Assert.Equal(new[] { -38, -83, -44, -98, -50, -113, -56, -128 }, y.Span<int>().ToArray());
    }

    [Fact]
    public void MatMulIntegerBroadcastsBatchesAndPerColumnZeroPoints()
    {
        var a = Tensor.FromArray(new sbyte[] { 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12 }, [2, 2, 3]);
        var b = Tensor.FromArray(new sbyte[] { 1, -1, 2, 0, 3, 1 }, [3, 2]);
        var y = ModelBuilder.Run("MatMulInteger", [a, b, Tensor.Scalar((sbyte)1), Tensor.Vector((sbyte)0, (sbyte)1)])[0];
        Assert.Equal([2, 2, 2], y.Shape);
        var expected = new int[8];
        for (int bt = 0; bt < 2; bt++)
            for (int i = 0; i < 2; i++)
                for (int j = 0; j < 2; j++)
                    for (int k = 0; k < 3; k++)
                        expected[(bt * 2 + i) * 2 + j] += (a.Span<sbyte>()[(bt * 2 + i) * 3 + k] - 1) * (b.Span<sbyte>()[k * 2 + j] - j);
        Assert.Equal(expected, y.Span<int>().ToArray());
    }

    [Fact]
    public void QLinearMatMulMatchesSpecExample()
    {
        var a = Tensor.FromArray(new byte[] { 208, 236, 0, 238, 3, 214, 255, 29 }, [2, 4]);
        var b = Tensor.FromArray(new byte[] { 152, 51, 244, 60, 26, 255, 0, 127, 246, 127, 254, 247 }, [4, 3]);
        var y = ModelBuilder.Run("QLinearMatMul", [a, Tensor.Scalar(0.0066f), Tensor.Scalar((byte)113), b, Tensor.Scalar(0.00705f),
            Tensor.Scalar((byte)114), Tensor.Scalar(0.0107f), Tensor.Scalar((byte)118)])[0];
        Assert.Equal(new byte[] { 168, 115, 255, 1, 66, 151 }, y.Span<byte>().ToArray());
    }

    private static int[] NaiveConv(int[] x, int[] xs, int[] w, int[] ws, int group, int stride, int pad, int dil, int xZero, int wZero)
    {
        int n = xs[0], c = xs[1], h = xs[2], wd = xs[3], m = ws[0], cg = ws[1], kh = ws[2], kw = ws[3];
        int oh = (h + 2 * pad - ((kh - 1) * dil + 1)) / stride + 1, ow = (wd + 2 * pad - ((kw - 1) * dil + 1)) / stride + 1;
        var y = new int[n * m * oh * ow];
        int mg = m / group;
        for (int b = 0; b < n; b++)
            for (int o = 0; o < m; o++)
                for (int i = 0; i < oh; i++)
                    for (int j = 0; j < ow; j++)
                    {
                        int acc = 0, g = o / mg;
                        for (int ci = 0; ci < cg; ci++)
                            for (int p = 0; p < kh; p++)
                                for (int q = 0; q < kw; q++)
                                {
                                    int iy = i * stride - pad + p * dil, ix = j * stride - pad + q * dil;
                                    if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue;
                                    int cc = g * cg + ci;
                                    acc += (x[((b * c + cc) * h + iy) * wd + ix] - xZero) * (w[((o * cg + ci) * kh + p) * kw + q] - wZero);
                                }
                        y[((b * m + o) * oh + i) * ow + j] = acc;
                    }
        return y;
    }

    [Fact]
    public void ConvIntegerMatchesNaiveReference()
    {
        var gen = Gen.Select(Gen.Int[1, 2], Gen.Int[1, 3], Gen.Int[0, 1], Gen.Int[1, 2], Gen.Int[1, 2], Gen.Int[3, 7], Gen.Int[1, 3]);
        gen.Sample(t =>
        {
            var (group, cg, pad, stride, dil, size, k) = t;
            int c = group * cg, m = group * 2;
            if ((k - 1) * dil + 1 > size + 2 * pad) return;
            var rnd = new Random(size * 31 + k);
            var x = Enumerable.Range(0, c * size * size).Select(_ => (byte)rnd.Next(256)).ToArray();
            var w = Enumerable.Range(0, m * cg * k * k).Select(_ => (byte)rnd.Next(256)).ToArray();
            var y = ModelBuilder.Run("ConvInteger", [Tensor.FromArray(x, [1, c, size, size]), Tensor.FromArray(w, [m, cg, k, k]),
                Tensor.Scalar((byte)100), Tensor.Scalar((byte)120)],
                attributes: [Int("group", group), Ints("pads", pad, pad, pad, pad), Ints("strides", stride, stride), Ints("dilations", dil, dil)])[0];
            var expected = NaiveConv(x.Select(v => (int)v).ToArray(), [1, c, size, size], w.Select(v => (int)v).ToArray(), [m, cg, k, k],
                group, stride, pad, dil, 100, 120);
            Assert.Equal(expected, y.Span<int>().ToArray());
        }, iter: 60);
    }

    [Fact]
    public void QLinearConvRequantizesPerChannel()
    {
        var rnd = new Random(5);
        var x = Enumerable.Range(0, 2 * 5 * 5).Select(_ => (sbyte)rnd.Next(-128, 128)).ToArray();
        var w = Enumerable.Range(0, 3 * 2 * 3 * 3).Select(_ => (sbyte)rnd.Next(-128, 128)).ToArray();
        var bias = new[] { 100, -2000, 5 };
        var wScale = new[] { 0.01f, 0.02f, 0.005f };
        var y = ModelBuilder.Run("QLinearConv", [Tensor.FromArray(x, [1, 2, 5, 5]), Tensor.Scalar(0.05f), Tensor.Scalar((sbyte)3),
            Tensor.FromArray(w, [3, 2, 3, 3]), Tensor.Vector(wScale), Tensor.Vector((sbyte)0, (sbyte)0, (sbyte)0),
            Tensor.Scalar(0.5f), Tensor.Scalar((sbyte)-5), Tensor.Vector(bias)],
            attributes: [Ints("pads", 1, 1, 1, 1)])[0];
        var acc = NaiveConv(x.Select(v => (int)v).ToArray(), [1, 2, 5, 5], w.Select(v => (int)v).ToArray(), [3, 2, 3, 3], 1, 1, 1, 1, 3, 0);
        Assert.Equal([1, 3, 5, 5], y.Shape);
        for (int i = 0; i < acc.Length; i++)
        {
            int m = i / 25;
            float v = (acc[i] + bias[m]) * (0.05f * wScale[m] / 0.5f);
            float q = Math.Clamp(MathF.Round(v, MidpointRounding.ToEven) - 5, -128, 127);
            Assert.Equal((sbyte)q, y.Span<sbyte>()[i]);
        }
    }

    [Fact]
    public void ConvIntegerRejectsChannelMismatch()
    {
        var x = Tensor.FromArray(new byte[2 * 9], [1, 2, 3, 3]);
        var w = Tensor.FromArray(new byte[3 * 9], [1, 3, 3, 3]);
        Assert.Throws<KernelException>(() => ModelBuilder.Run("ConvInteger", [x, w]));
    }
}

public class QuantizationGemmTests
{
    [Fact]
    public void GemmMatchesNaiveProductOnRandomShapes()
    {
        Gen.Select(Gen.Int[1, 9], Gen.Int[1, 20], Gen.Int[1, 40]).Sample(t =>
        {
            var (m, k, n) = t;
            var rnd = new Random(m * 1000 + k * 50 + n);
            var a = Enumerable.Range(0, m * k).Select(_ => rnd.Next(-255, 256)).ToArray();
            var b = Enumerable.Range(0, k * n).Select(_ => rnd.Next(-255, 256)).ToArray();
            var c = Enumerable.Range(0, m * n).Select(_ => rnd.Next(-5, 5)).ToArray();
            var expected = (int[])c.Clone();
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                    for (int p = 0; p < k; p++)
                        expected[i * n + j] += a[i * k + p] * b[p * n + j];
            Pinhole.Runtime.Kernels.QuantizationHelpers.Gemm(a, b, c, m, k, n);
            Assert.Equal(expected, c);
        }, iter: 200);
    }
}
