using CsCheck;
using Pinhole.IR;
using Pinhole.Runtime.Kernels;

namespace Pinhole.Runtime.Tests.Nn;

/// <summary>The nn kernels' fast paths against their scalar references (NnFast.Reference) on random shapes.</summary>
public class FastPathTests
{
    private static Tensor Random(Random rng, params int[] shape)
    {
        var data = new float[Tensor.ElementCount(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 4 - 2);
        return Tensor.FromArray(data, shape);
    }

    internal static Tensor[] Both(string op, Tensor[] inputs, int opset, NodeAttribute[] attributes, out Tensor[] reference)
    {
        using (NnFast.Reference()) reference = ModelBuilder.Run(op, inputs, 1, opset, attributes);
        return ModelBuilder.Run(op, inputs, 1, opset, attributes);
    }

    internal static void AssertClose(Tensor expected, Tensor actual, float tolerance = 1e-5f)
    {
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.Span<float>();
        var a = actual.Span<float>();
        for (int i = 0; i < e.Length; i++)
        {
            if (float.IsNaN(e[i])) { Assert.True(float.IsNaN(a[i]), $"element {i}: expected NaN, got {a[i]}"); continue; }
            if (e[i] == a[i]) continue;
            Assert.True(MathF.Abs(e[i] - a[i]) <= tolerance * Math.Max(1, MathF.Abs(e[i])), $"element {i}: expected {e[i]}, got {a[i]}");
        }
    }

    [Fact]
    public void PoolFastPathMatchesReference()
    {
        var gen = Gen.Select(Gen.Int[1, 3], Gen.Int[1, 20], Gen.Int[1, 20], Gen.Int[1, 4], Gen.Int[1, 4], Gen.Int[1, 3], Gen.Int[1, 3])
            .Select(Gen.Int[0, 2].Array[4], Gen.Int[0, 3], Gen.Int[0, 1], (t, pads, kind, ceil) => (t, pads, kind, ceil));
        gen.Sample(c =>
        {
            var ((planes, h, w, kh, kw, sh, sw), pads, kind, ceil) = c;
            pads[0] = Math.Min(pads[0], kh - 1); pads[2] = Math.Min(pads[2], kh - 1);
            pads[1] = Math.Min(pads[1], kw - 1); pads[3] = Math.Min(pads[3], kw - 1);
            if (h + pads[0] + pads[2] < kh || w + pads[1] + pads[3] < kw) return;
            var x = Random(new Random(h * 31 + w), 1, planes, h, w);
            string op = kind == 0 ? "MaxPool" : "AveragePool";
            NodeAttribute[] attrs = [NodeAttribute.Of("kernel_shape", new long[] { kh, kw }), NodeAttribute.Of("strides", new long[] { sh, sw }),
                NodeAttribute.Of("pads", pads.Select(p => (long)p).ToArray()), NodeAttribute.Of("ceil_mode", (long)ceil),
                NodeAttribute.Of("count_include_pad", kind == 2 ? 1L : 0L)];
            var fast = Both(op, [x], 19, attrs, out var reference);
            AssertClose(reference[0], fast[0]);
        }, iter: 300);
    }

    [Fact]
    public void Int8MaxPoolMatchesReference()
    {
        var gen = Gen.Select(Gen.Int[1, 3], Gen.Int[1, 40], Gen.Int[1, 40], Gen.Int[1, 4], Gen.Int[1, 4], Gen.Int[1, 3], Gen.Int[1, 3])
            .Select(Gen.Int[0, 2].Array[4], Gen.Int[0, 1], Gen.Bool, (t, pads, ceil, signed) => (t, pads, ceil, signed));
        gen.Sample(c =>
        {
            var ((planes, h, w, kh, kw, sh, sw), pads, ceil, signed) = c;
            pads[0] = Math.Min(pads[0], kh - 1); pads[2] = Math.Min(pads[2], kh - 1);
            pads[1] = Math.Min(pads[1], kw - 1); pads[3] = Math.Min(pads[3], kw - 1);
            if (h + pads[0] + pads[2] < kh || w + pads[1] + pads[3] < kw) return;
            var rng = new Random(h * 31 + w);
            int n = planes * h * w;
            Tensor x = signed
                ? Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (sbyte)rng.Next(-128, 128)).ToArray(), [1, planes, h, w])
                : Tensor.FromArray(Enumerable.Range(0, n).Select(_ => (byte)rng.Next(0, 256)).ToArray(), [1, planes, h, w]);
            NodeAttribute[] attrs = [NodeAttribute.Of("kernel_shape", new long[] { kh, kw }), NodeAttribute.Of("strides", new long[] { sh, sw }),
                NodeAttribute.Of("pads", pads.Select(p => (long)p).ToArray()), NodeAttribute.Of("ceil_mode", (long)ceil)];
            var fast = Both("MaxPool", [x], 19, attrs, out var reference);
            Assert.Equal(reference[0].Shape, fast[0].Shape);
            Assert.Equal(reference[0].Bytes().ToArray(), fast[0].Bytes().ToArray());
        }, iter: 300);
    }

    [Fact]
    public void Int8MaxPoolWidthsMatchADirectMaximum()
    {
        // The 16- and 32-byte paths, on rows around 32 and 64 outputs (whole, overlapped last vectors) and both strides.
        Gen.Select(Gen.Int[1, 80], Gen.Int[1, 140], Gen.Int[1, 3], Gen.Int[1, 2], Gen.Int[0, 1], Gen.Bool).Sample(t =>
        {
            var (h, w, k, s, pad, signed) = t;
            if (h + (2 * pad) < k || w + (2 * pad) < k) return;
            int oh = ((h + (2 * pad) - k) / s) + 1, ow = ((w + (2 * pad) - k) / s) + 1;
            var rng = new Random((h * 131) + w);
            var x = new byte[2 * h * w];
            rng.NextBytes(x);
            var g = new Kernels.NnPool2D(h, w, oh, ow, k, k, s, s, pad, pad, pad, pad, Max: true, CountIncludePad: false);
            if (!Kernels.NnPoolInt8.Supports(g)) return;
            byte flip = (byte)(signed ? 0x80 : 0);
            var expected = new byte[2 * oh * ow];
            for (int p = 0; p < 2; p++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        int best = 0; // padding is the type's minimum (0 in the flipped domain)
                        for (int ky = 0; ky < k; ky++)
                            for (int kx = 0; kx < k; kx++)
                            {
                                int iy = (oy * s) - pad + ky, ix = (ox * s) - pad + kx;
                                if ((uint)iy < (uint)h && (uint)ix < (uint)w) best = Math.Max(best, x[(((p * h) + iy) * w) + ix] ^ flip);
                            }
                        expected[(((p * oh) + oy) * ow) + ox] = (byte)(best ^ flip);
                    }
            foreach (bool wide in new[] { false, true })
            {
                // Guard bytes after the output: nothing may be written past it.
                var y = new byte[(2 * oh * ow) + 64];
                y.AsSpan(2 * oh * ow).Fill(0xA5);
                Kernels.NnPoolInt8.Run(x, y.AsSpan(0, 2 * oh * ow), 2, g, 1, signed, wide);
                Assert.Equal(expected, y.AsSpan(0, 2 * oh * ow).ToArray());
                Assert.All(y.AsSpan(2 * oh * ow).ToArray(), b => Assert.Equal(0xA5, b));
            }
        }, iter: 200);
    }

    [Fact]
    public void Int8DirectMaxPoolMatchesADirectMaximum()
    {
        // 3x3 across strides 1 and 2, any stride down, asymmetric padding; rows of up to four 64-output blocks, partial last blocks.
        Gen.Select(Gen.Int[1, 30], Gen.Int[1, 200], Gen.Int[1, 2], Gen.Int[1, 3], Gen.Int[0, 2].Array[4], Gen.Bool).Sample(t =>
        {
            var (h, w, sw, sh, pads, signed) = t;
            int top = pads[0], left = pads[1], bottom = pads[2], right = pads[3];
            if (h + top + bottom < 3 || w + left + right < 3) return;
            int oh = ((h + top + bottom - 3) / sh) + 1, ow = ((w + left + right - 3) / sw) + 1;
            var g = new Kernels.NnPool2D(h, w, oh, ow, 3, 3, sh, sw, top, left, bottom, right, Max: true, CountIncludePad: false);
            if (!Kernels.NnPoolDirectInt8.Supports(g)) return;
            var rng = new Random((h * 131) + w);
            var x = new byte[3 * h * w];
            rng.NextBytes(x);
            var expected = new byte[3 * oh * ow];
            for (int p = 0; p < 3; p++)
                for (int oy = 0; oy < oh; oy++)
                    for (int ox = 0; ox < ow; ox++)
                    {
                        int best = signed ? sbyte.MinValue : byte.MinValue;
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++)
                            {
                                int iy = (oy * sh) - top + ky, ix = (ox * sw) - left + kx;
                                if ((uint)iy >= (uint)h || (uint)ix >= (uint)w) continue;
                                byte v = x[(((p * h) + iy) * w) + ix];
                                best = Math.Max(best, signed ? (sbyte)v : v);
                            }
                        expected[(((p * oh) + oy) * ow) + ox] = (byte)best;
                    }
            // Guard bytes after the output: nothing may be written past it.
            var y = new byte[(3 * oh * ow) + 64];
            y.AsSpan(3 * oh * ow).Fill(0xA5);
            unsafe
            {
                fixed (byte* px = x)
                fixed (byte* py = y)
                    Kernels.NnPoolDirectInt8.Run(px, py, 3, g, 2, signed);
            }
            Assert.Equal(expected, y.AsSpan(0, 3 * oh * ow).ToArray());
            Assert.All(y.AsSpan(3 * oh * ow).ToArray(), b => Assert.Equal(0xA5, b));
        }, iter: 300);
    }

    [Theory]
    [InlineData(3, 2, 1, 1)]
    [InlineData(2, 2, 0, 0)]
    [InlineData(3, 1, 1, 1)]
    [InlineData(3, 2, 0, 1)]
    [InlineData(3, 1, 0, 0)]
    public void PoolFastPathMatchesReferenceOnLargePlanes(int k, int s, int pad, int ceil)
    {
        var x = Random(new Random(5), 2, 33, 57, 61);
        NodeAttribute[] attrs = [NodeAttribute.Of("kernel_shape", new long[] { k, k }), NodeAttribute.Of("strides", new long[] { s, s }),
            NodeAttribute.Of("pads", new long[] { pad, pad, pad, pad }), NodeAttribute.Of("ceil_mode", (long)ceil)];
        foreach (var op in new[] { "MaxPool", "AveragePool" })
        {
            var fast = Both(op, [x], 19, attrs, out var reference);
            AssertClose(reference[0], fast[0]);
        }
    }

    [Fact]
    public void OneDimensionalPoolFastPathMatchesReference()
    {
        var x = Random(new Random(7), 2, 3, 50);
        NodeAttribute[] attrs = [NodeAttribute.Of("kernel_shape", new long[] { 3 }), NodeAttribute.Of("strides", new long[] { 2 }),
            NodeAttribute.Of("pads", new long[] { 1, 1 })];
        var fast = Both("MaxPool", [x], 19, attrs, out var reference);
        AssertClose(reference[0], fast[0]);
    }

    /// <summary>Runs a one-node model whose inputs from <paramref name="constantFrom"/> on are initializers (constants at prepare).</summary>
    internal static Tensor RunWithConstants(string op, Tensor[] inputs, int constantFrom, int opset, NodeAttribute[] attributes)
    {
        var model = ModelBuilder.SingleNode(op, inputs.Length, 1, opset, "", attributes);
        for (int i = constantFrom; i < inputs.Length; i++) model.Graph.Initializers[$"x{i}"] = inputs[i];
        using var session = new InferenceSession(model);
        return session.Run(inputs[..constantFrom])[0];
    }

    [Theory]
    [InlineData(1, 3, 1)]
    [InlineData(2, 5, 37)]
    [InlineData(1, 64, 17 * 19)]
    public void BatchNormalizationFastPathsMatchReference(int batch, int channels, int spatial)
    {
        var rng = new Random(channels);
        var x = Random(rng, batch, channels, spatial);
        var scale = Random(rng, channels);
        var bias = Random(rng, channels);
        var mean = Random(rng, channels);
        var variance = Tensor.FromArray(Random(rng, channels).Span<float>().ToArray().Select(MathF.Abs).ToArray(), [channels]);
        Tensor[] inputs = [x, scale, bias, mean, variance];
        var perRun = Both("BatchNormalization", inputs, 15, [], out var reference);
        AssertClose(reference[0], perRun[0]);
        AssertClose(reference[0], RunWithConstants("BatchNormalization", inputs, 1, 15, []));
    }

    [Theory]
    [InlineData("Mul")]
    [InlineData("Sub")]
    [InlineData("Div")]
    [InlineData("Add")]
    public void BroadcastScalarRunsMatchReference(string op)
    {
        var rng = new Random(3);
        var x = Random(rng, 2, 7, 5, 3);
        foreach (var other in new[] { Random(rng, 1, 7, 1, 1), Random(rng, 1), Random(rng, 7, 1, 1), Random(rng, 2, 7, 5, 1) })
        {
            var fast = Both(op, [x, other], 14, [], out var reference);
            AssertClose(reference[0], fast[0]);
            fast = Both(op, [other, x], 14, [], out reference);
            AssertClose(reference[0], fast[0]);
        }
    }

    [Theory]
    [InlineData(1, 7, 3, 5)]
    [InlineData(2, 64, 37, 5)]
    [InlineData(1, 300, 100, 4)]
    [InlineData(1, 3, 1, 1)]
    public void LrnFastPathMatchesReference(int batch, int channels, int spatial, int size)
    {
        var x = Random(new Random(channels), batch, channels, spatial, 1);
        NodeAttribute[] attrs = [NodeAttribute.Of("size", (long)size), NodeAttribute.Of("alpha", 0.01f), NodeAttribute.Of("beta", 0.75f),
            NodeAttribute.Of("bias", 2f)];
        var fast = Both("LRN", [x], 13, attrs, out var reference);
        AssertClose(reference[0], fast[0], 1e-5f);
    }

    [Theory]
    [InlineData("Relu")]
    [InlineData("Sigmoid")]
    [InlineData("Tanh")]
    [InlineData("Exp")]
    [InlineData("LeakyRelu")]
    [InlineData("HardSwish")]
    public void UnaryFastPathsMatchReferenceIncludingParallelSplits(string op)
    {
        var rng = new Random(11);
        foreach (var shape in new[] { new[] { 3, 5 }, new[] { 1, 3, 211, 173 } })
        {
            var x = Random(rng, shape);
            var fast = Both(op, [x], 14, [], out var reference);
            AssertClose(reference[0], fast[0], 1e-5f);
        }
    }

    [Fact]
    public void LargeBroadcastsAndSumMatchReference()
    {
        var rng = new Random(13);
        var x = Random(rng, 1, 64, 40, 41);
        var same = Random(rng, 1, 64, 40, 41);
        var channel = Random(rng, 1, 64, 1, 1);
        var row = Random(rng, 41);
        foreach (var op in new[] { "Add", "Mul", "Sub", "Div" })
            foreach (var other in new[] { same, channel, row })
            {
                var fast = Both(op, [x, other], 14, [], out var reference);
                AssertClose(reference[0], fast[0]);
            }
        var sum = Both("Sum", [x, same, x], 13, [], out var expected);
        AssertClose(expected[0], sum[0]);
        sum = Both("Sum", [x, channel], 13, [], out expected);
        AssertClose(expected[0], sum[0]);
    }

    [Fact]
    public void ConstantOfShapeFillsEveryElement()
    {
        var value = Tensor.FromArray(new[] { 2.5f }, [1]);
        var y = ModelBuilder.Run("ConstantOfShape", [Tensor.FromArray(new long[] { 3, 70000 }, [2])], 1, 21,
            NodeAttribute.Of("value", value))[0];
        Assert.Equal([3, 70000], y.Shape);
        Assert.True(y.Span<float>().IndexOfAnyExcept(2.5f) < 0);
    }

    [Theory]
    [InlineData(4420, 2)]
    [InlineData(12, 7)]
    [InlineData(3, 1000)]
    [InlineData(5, 1)]
    public void SoftmaxRowsMatchReference(int rows, int n)
    {
        var x = Random(new Random(n), rows, n);
        var fast = Both("Softmax", [x], 13, [], out var reference);
        AssertClose(reference[0], fast[0], 2e-6f);
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(0, 3)]
    [InlineData(2, 2)]
    [InlineData(-1, 3)]
    public void ConcatBlockCopiesMatchReference(int axis, int count)
    {
        var rng = new Random(17);
        foreach (int scale in new[] { 1, 40 })
        {
            var inputs = new Tensor[count];
            for (int i = 0; i < count; i++)
            {
                int[] shape = [2, 3 * scale, 5, 7 * scale];
                int a = axis < 0 ? axis + 4 : axis;
                shape[a] += i;
                inputs[i] = Random(rng, shape);
            }
            var fast = Both("Concat", inputs, 13, [NodeAttribute.Of("axis", (long)axis)], out var reference);
            Assert.Equal(reference[0].Span<float>().ToArray(), fast[0].Span<float>().ToArray());
        }
    }

    [Fact]
    public void ErfAndGeluFastPathsStayCloseToTheDoubleReference()
    {
        var values = new float[1037];
        for (int i = 0; i < values.Length; i++) values[i] = -6f + 12f * i / (values.Length - 1);
        values[5] = float.NaN;
        values[6] = float.PositiveInfinity;
        values[7] = float.NegativeInfinity;
        var x = Tensor.FromArray(values, [values.Length]);
        var fast = Both("Erf", [x], 13, [], out var reference);
        AssertClose(reference[0], fast[0], 2e-6f);
        fast = Both("Gelu", [x], 20, [], out reference);
        AssertClose(reference[0], fast[0], 2e-6f);
        var clip = Both("Clip", [x, Tensor.Scalar(-1f), Tensor.Scalar(2f)], 13, [], out reference);
        AssertClose(reference[0], clip[0], 0);
    }

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(0)]
    public unsafe void VectorWidthsOfErfAndAffineAgreeWithScalarReferences(int width)
    {
        var rng = new Random(width + 1);
        var x = new float[203];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 10 - 5);
        var erf = new float[x.Length];
        var gelu = new float[x.Length];
        FastErf.Apply(x, erf, gelu: false, width);
        FastErf.Apply(x, gelu, gelu: true, width);
        var affine = new float[x.Length];
        fixed (float* px = x)
        fixed (float* py = affine)
            FastChannelAffine.MultiplyAdd(px, 1.5f, -0.25f, py, x.Length, width);
        for (int i = 0; i < x.Length; i++)
        {
            Assert.Equal(MathErf.Erf(x[i]), erf[i], 2e-6);
            Assert.Equal(0.5 * x[i] * (1 + MathErf.Erf(x[i] / Math.Sqrt(2))), gelu[i], 1e-5);
            Assert.Equal(x[i] * 1.5f - 0.25f, affine[i], 1e-6f);
        }
    }

    [Theory]
    [InlineData(512)]
    [InlineData(256)]
    [InlineData(128)]
    [InlineData(0)]
    public void ReluVectorWidthsKeepNaNAndNegativeZeroAsTheScalarDefinition(int width)
    {
        var rng = new Random(width + 7);
        var x = new float[203];
        for (int i = 0; i < x.Length; i++) x[i] = (float)(rng.NextDouble() * 10 - 5);
        x[3] = float.NaN;
        x[20] = -0f;
        x[41] = float.NegativeInfinity;
        x[42] = float.PositiveInfinity;
        x[200] = float.NaN;
        var y = new float[x.Length];
        ReluFunction.Floats(x, y, width);
        for (int i = 0; i < x.Length; i++)
        {
            float expected = x[i] < 0 ? 0 : x[i];
            Assert.True(BitConverter.SingleToInt32Bits(expected) == BitConverter.SingleToInt32Bits(y[i]), $"x[{i}] = {x[i]}: {y[i]}");
        }
    }

    [Theory]
    [InlineData(-1, true)]
    [InlineData(-1, false)]
    [InlineData(1, true)]
    public void LayerNormalizationRowsMatchReference(int axis, bool withBias)
    {
        var rng = new Random(19);
        var x = Random(rng, 3, 7, 37);
        var scale = Random(rng, axis == -1 ? [37] : [7, 37]);
        var bias = Random(rng, axis == -1 ? [37] : [7, 37]);
        Tensor[] inputs = withBias ? [x, scale, bias] : [x, scale];
        var fast = Both("LayerNormalization", inputs, 17, [NodeAttribute.Of("axis", (long)axis)], out var reference);
        AssertClose(reference[0], fast[0], 1e-5f);
    }
}
