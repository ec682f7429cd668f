using CsCheck;
using Pinhole.Runtime.Kernels;

namespace Pinhole.Runtime.Tests.Quantization;

/// <summary>The native int8 depthwise kernel on every path this machine runs (and the portable 128-bit form) against the ONNX formula.</summary>
public unsafe class Int8DepthwiseDirectTests
{
    public static TheoryData<GemmIsa, bool> Paths() => Int8GemmTests.Paths();

    [Theory]
    [MemberData(nameof(Paths))]
    public void DepthwiseMatchesTheFormula(GemmIsa isa, bool portable)
    {
        // Widths around the 4/8/16-lane vectors, both flattened layouts (stride 1, stride 2) and the row-by-row one (sh != sw).
        Gen.Select(Gen.Int[1, 5], Gen.Int[1, 5], Gen.Int[1, 40], Gen.Int[1, 40], Gen.Int[0, 1023]).Sample(t =>
        {
            var (kh, kw, h, w, flags) = t;
            int sh = 1 + (flags % 3), sw = 1 + ((flags >> 2) & 1), pt = (flags >> 3) % 3, pl = (flags >> 5) % 3;
            int pb = (flags >> 7) % 2, pr = (flags >> 8) % 2;
            bool signedX = (flags & 512) != 0;
            if (sh == 3 && (flags & 2) != 0) sh = sw; // keep many equal-stride cases
            int oh = ((h + pt + pb - kh) / sh) + 1, ow = ((w + pl + pr - kw) / sw) + 1;
            if (h + pt + pb < kh || w + pl + pr < kw) return;
            int planes = 1 + (flags % 5), channels = planes == 4 ? 2 : planes;
            var rnd = new Random(flags + (kh * 1000) + (kw * 10000) + (h * 100000) + (w * 7));
            var x = new byte[planes * h * w];
            rnd.NextBytes(x);
            int zx = signedX ? rnd.Next(-128, 128) : rnd.Next(0, 256), zy = rnd.Next(0, 256);
            var wv = new int[channels * kh * kw];
            for (int i = 0; i < wv.Length; i++) wv[i] = rnd.Next(-383, 384); // w - zw spans [-383, 383] (uint8 minus int8 zero points)
            var bias = new int[channels];
            var scale = new float[channels];
            for (int c = 0; c < channels; c++)
            {
                bias[c] = rnd.Next(-100000, 100000);
                scale[c] = 0.0004f * (1 + (c % 3));
            }
            var shape = new ConvDepthwise.Shape(h, w, kh, kw, oh, ow, sh, sw, 1, 1, pt, pl);
            var expected = Int8DepthwiseReference.Expected(x, signedX, zx, wv, bias, scale, zy, 0, 255, planes, channels, shape);
            var (zu, offset) = Int8DepthwiseReference.Fold(signedX, zx, wv, bias, channels, kh * kw);
            var packed = Int8DepthwiseDirect.PackWeights(wv, channels, kh, kw);
            var y = new byte[expected.Length];
            fixed (byte* px = x)
            fixed (byte* py = y)
            fixed (int* pw = packed)
            fixed (int* po = offset)
            fixed (float* ps = scale)
                Int8DepthwiseDirect.Run(px, signedX, zu, pw, po, ps, py, zy, 0, 255, planes, channels, shape, 1 + (flags % 2), isa, portable);
            Assert.True(expected.AsSpan().SequenceEqual(y), $"{isa} portable={portable} k={kh}x{kw} in={h}x{w} s={sh},{sw} pads={pt},{pl},{pb},{pr}");
        }, iter: 300);
    }
}
