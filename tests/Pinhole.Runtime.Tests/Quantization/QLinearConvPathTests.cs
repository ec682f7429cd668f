using CsCheck;
using Pinhole.IR;
using Pinhole.Runtime.Kernels;

namespace Pinhole.Runtime.Tests.Quantization;

/// <summary>QLinearConv's prepared int8 paths (1x1 GEMM, im2col GEMM, depthwise) on every ISA path against the ONNX formula.</summary>
public class QLinearConvPathTests
{
    public static TheoryData<GemmIsa> Isas => new(Isa.Supported());

    private sealed record Case(int Batch, int C, int M, int Group, int Kh, int Kw, int Stride, int Pad, int Dil, int H, int W, bool SignedX,
        bool SignedW, bool PerChannel, bool Bias, bool SignedY);

    private static readonly Gen<Case> Cases =
        Gen.Select(Gen.Int[0, 4], Gen.Int[1, 3], Gen.Int[1, 2], Gen.Int[0, 1], Gen.Int[3, 17], Gen.Int[0, 63])
            .Select(t =>
            {
                var (kind, cg, stride, pad, size, flags) = t;
                // kind: 0 1x1, 1 3x3, 2 3x3 grouped, 3 depthwise 3x3, 4 depthwise 5x5 dilated / 1x3
                int group = kind switch { 2 => 2, 3 or 4 => 3 + cg, _ => 1 };
                int c = kind >= 3 ? group : group * cg, m = kind >= 3 ? group : group * (1 + (flags % 11));
                int kh = kind switch { 0 => 1, 4 => flags % 2 == 0 ? 5 : 1, _ => 3 }, kw = kind switch { 0 => 1, 4 => flags % 2 == 0 ? 5 : 3, _ => 3 };
                int dil = kind == 4 && kh == 5 ? 2 : 1;
                if (kind == 0) pad = 0;
                return new Case(1 + (flags % 2), c, m, group, kh, kw, stride, pad, dil, size, size + (flags % 3), (flags & 2) != 0, (flags & 4) != 0,
                    (flags & 8) != 0, (flags & 16) != 0, (flags & 32) != 0);
            })
            .Where(c => ((c.Kh - 1) * c.Dil) + 1 <= c.H + (2 * c.Pad) && ((c.Kw - 1) * c.Dil) + 1 <= c.W + (2 * c.Pad));

    private static Tensor Bytes(Random rnd, bool signed, int[] shape)
    {
        var b = new byte[Tensor.ElementCount(shape)];
        rnd.NextBytes(b);
        return signed ? Tensor.FromArray(Array.ConvertAll(b, v => (sbyte)v), shape) : Tensor.FromArray(b, shape);
    }

    private static Tensor ZeroPoints(Random rnd, bool signed, int count, bool vector)
    {
        int[] v = Enumerable.Range(0, count).Select(_ => signed ? rnd.Next(-20, 20) : rnd.Next(100, 150)).ToArray();
        if (!vector) return signed ? Tensor.Scalar((sbyte)v[0]) : Tensor.Scalar((byte)v[0]);
        return signed ? Tensor.FromArray(Array.ConvertAll(v, z => (sbyte)z), [count]) : Tensor.FromArray(Array.ConvertAll(v, z => (byte)z), [count]);
    }

    /// <summary>The ONNX definition, directly.</summary>
    private static int[] Expected(Case c, Tensor x, Tensor xs, Tensor xz, Tensor w, Tensor ws, Tensor wz, Tensor ys, Tensor yz, Tensor? bias,
        out int oh, out int ow)
    {
        int effH = ((c.Kh - 1) * c.Dil) + 1, effW = ((c.Kw - 1) * c.Dil) + 1;
        int ohh = ((c.H + (2 * c.Pad) - effH) / c.Stride) + 1, oww = ((c.W + (2 * c.Pad) - effW) / c.Stride) + 1;
        oh = ohh;
        ow = oww;
        int cg = c.C / c.Group, mg = c.M / c.Group;
        int zx = (int)QuantizationHelpers.ReadInt64(xz, 0), zy = (int)QuantizationHelpers.ReadInt64(yz, 0);
        float sx = xs.Span<float>()[0], sy = ys.Span<float>()[0];
        var (min, max) = c.SignedY ? (-128, 127) : (0, 255);
        var y = new int[c.Batch * c.M * ohh * oww];
        for (int b = 0; b < c.Batch; b++)
            for (int o = 0; o < c.M; o++)
            {
                int g = o / mg, zw = (int)QuantizationHelpers.ReadInt64(wz, wz.Length == 1 ? 0 : o);
                float mult = sx * ws.Span<float>()[ws.Length == 1 ? 0 : o] / sy;
                for (int i = 0; i < ohh; i++)
                    for (int j = 0; j < oww; j++)
                    {
                        int acc = bias?.Span<int>()[o] ?? 0;
                        for (int ci = 0; ci < cg; ci++)
                            for (int p = 0; p < c.Kh; p++)
                                for (int q = 0; q < c.Kw; q++)
                                {
                                    int iy = (i * c.Stride) - c.Pad + (p * c.Dil), ix = (j * c.Stride) - c.Pad + (q * c.Dil);
                                    if (iy < 0 || iy >= c.H || ix < 0 || ix >= c.W) continue;
                                    int xv = (int)QuantizationHelpers.ReadInt64(x, ((((b * c.C) + (g * cg) + ci) * c.H) + iy) * c.W + ix);
                                    int wv = (int)QuantizationHelpers.ReadInt64(w, ((((o * cg) + ci) * c.Kh) + p) * c.Kw + q);
                                    acc += (xv - zx) * (wv - zw);
                                }
                        y[((((b * c.M) + o) * ohh) + i) * oww + j] = (int)Math.Clamp(MathF.Round(acc * mult, MidpointRounding.ToEven) + zy, min, max);
                    }
            }
        return y;
    }

    [Theory]
    [MemberData(nameof(Isas))]
    public void PreparedPathsMatchTheFormula(GemmIsa isa)
    {
        Cases.Sample(c =>
        {
            var rnd = new Random(c.GetHashCode());
            var x = Bytes(rnd, c.SignedX, [c.Batch, c.C, c.H, c.W]);
            var w = Bytes(rnd, c.SignedW, [c.M, c.C / c.Group, c.Kh, c.Kw]);
            var xs = Tensor.Scalar(0.02f);
            var xz = ZeroPoints(rnd, c.SignedX, 1, false);
            var ws = c.PerChannel ? Tensor.FromArray(Enumerable.Range(0, c.M).Select(i => 0.001f * (1 + (i % 5))).ToArray(), [c.M]) : Tensor.Scalar(0.003f);
            var wz = ZeroPoints(rnd, c.SignedW, c.M, c.PerChannel);
            // Requantization scales (sx * sw / sy) near 0.001 (outputs saturate at 8 bits), near 0.5 (rounded values saturate
            // int16 too) and above 1 (the epilogues' float clamp path).
            var ys = Tensor.Scalar(rnd.Next(3) switch { 0 => 0.05f + (0.01f * (c.C % 3)), 1 => 1e-4f, _ => 1e-5f });
            var yz = ZeroPoints(rnd, c.SignedY, 1, false);
            var bias = c.Bias ? Tensor.FromArray(Enumerable.Range(0, c.M).Select(_ => rnd.Next(-3000, 3000)).ToArray(), [c.M]) : null;
            var expected = Expected(c, x, xs, xz, w, ws, wz, ys, yz, bias, out int oh, out int ow);

            Tensor[] constants = bias is null ? [xs, xz, w, ws, wz, ys, yz] : [xs, xz, w, ws, wz, ys, yz, bias];
            var attrs = new[]
            {
                NodeAttribute.Of("group", (long)c.Group), NodeAttribute.Of("strides", new long[] { c.Stride, c.Stride }),
                NodeAttribute.Of("dilations", new long[] { c.Dil, c.Dil }), NodeAttribute.Of("pads", new long[] { c.Pad, c.Pad, c.Pad, c.Pad }),
            };
            var model = ModelBuilder.SingleNode("QLinearConv", constants.Length + 1, 1, 21, "", attrs);
            for (int i = 0; i < constants.Length; i++) model.Graph.Initializers[$"x{i + 1}"] = constants[i];
            model.Graph.Inputs.RemoveRange(1, constants.Length);
            string variant = "";
            Isa.Override = isa;
            InferenceSession session;
            try
            {
                session = new InferenceSession(model, new SessionOptions { IntraOpThreads = 2, NodeExecuted = e => variant = e.Variant });
            }
            finally
            {
                Isa.Override = null;
            }
            using (session)
            {
                var y = session.Run([x])[0];
                Assert.Equal([c.Batch, c.M, oh, ow], y.Shape);
                var got = Enumerable.Range(0, y.Length).Select(i => (int)QuantizationHelpers.ReadInt64(y, i)).ToArray();
                Assert.True(expected.SequenceEqual(got), $"{variant} {c}");
                Assert.NotEqual("reference", variant);
                bool depthwise = c.Group == c.C && c.Group == c.M && c.Group > 1;
                Assert.StartsWith(depthwise ? "depthwise" : c.Kh == 1 && c.Kw == 1 && c.Stride == 1 ? "1x1" : "im2col", variant);
                if (!depthwise) Assert.EndsWith("/" + Int8Gemm.Name(isa), variant);
            }
        }, iter: 80);
    }

    [Fact]
    public void RuntimeParametersTakeTheReferencePath()
    {
        // Weights as a graph input: no plan, the reference kernel, the same numbers.
        var x = Tensor.FromArray(new byte[] { 1, 2, 3, 4 }, [1, 1, 2, 2]);
        var w = Tensor.FromArray(new sbyte[] { 2 }, [1, 1, 1, 1]);
        var y = ModelBuilder.Run("QLinearConv", [x, Tensor.Scalar(1f), Tensor.Scalar((byte)1), w, Tensor.Scalar(1f), Tensor.Scalar((sbyte)0),
            Tensor.Scalar(1f), Tensor.Scalar((byte)0)])[0];
        Assert.Equal(new byte[] { 0, 2, 4, 6 }, y.Span<byte>().ToArray());
    }
}
