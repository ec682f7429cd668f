using System.Runtime.Intrinsics.X86;
using CsCheck;
using Pinhole.Runtime.Kernels;

namespace Pinhole.Runtime.Tests.Quantization;

/// <summary>The VPERMB quad depthwise kernel against the ONNX formula, and which weights it accepts.</summary>
public unsafe class Int8DepthwiseQuadsTests
{
    private static bool Available => Avx512BW.IsSupported && Avx512Vbmi.IsSupported;

    /// <summary>Whether this machine runs the kernel: on one without AVX-512 VBMI the test checks that it is never chosen.</summary>
    public static TheoryData<bool> Machine() => new(Available);

    [Theory]
    [MemberData(nameof(Machine))]
    public void QuadsMatchTheFormula(bool available)
    {
        var any = new ConvDepthwise.Shape(8, 8, 3, 3, 8, 8, 1, 1, 1, 1, 1, 1);
        Assert.Equal(available, Int8DepthwiseQuads.Supports(any, GemmIsa.Vector512));
        Assert.False(Int8DepthwiseQuads.Supports(any, GemmIsa.Vector256));
        if (!available) return;
        // Kernel heights 1-5 (the three-row column form and the row form), widths 1-4, strides 1-3 by 1-2, rows around the
        // 16-output blocks, both input signs, clamping and non-clamping requantization, the weights' extreme accepted pairs.
        Gen.Select(Gen.Int[1, 5], Gen.Int[1, 4], Gen.Int[1, 40], Gen.Int[1, 40], Gen.Int[0, 4095]).Sample(t =>
        {
            var (kh, kw, h, w, flags) = t;
            int sh = 1 + (flags % 3), sw = 1 + ((flags >> 2) & 1), pt = (flags >> 3) % 3, pl = (flags >> 5) % 3;
            int pb = (flags >> 7) % 2, pr = (flags >> 8) % 2;
            bool signedX = (flags & 512) != 0, signedY = (flags & 1024) != 0, wide = (flags & 2048) != 0;
            if (kh == 3 && (flags & 2) != 0) sh = 1 + ((flags >> 4) & 1); // many cases of the column form's strides
            int oh = ((h + pt + pb - kh) / sh) + 1, ow = ((w + pl + pr - kw) / sw) + 1;
            if (h + pt + pb < kh || w + pl + pr < kw) return;
            int planes = 1 + (flags % 5), channels = planes == 4 ? 2 : planes;
            var rnd = new Random(flags + (kh * 1000) + (kw * 10000) + (h * 100000) + (w * 7));
            var x = new byte[planes * h * w];
            rnd.NextBytes(x);
            int zx = signedX ? rnd.Next(-128, 128) : rnd.Next(0, 256);
            var (min, max) = signedY ? (-128, 127) : (flags & 16) != 0 ? (0, 255) : (20, 200);
            int zy = rnd.Next(min, max + 1);
            var wv = new int[channels * kh * kw];
            // 7-bit weights (every pair fits), or the whole s8 range (channels pair taps differently or split them).
            for (int i = 0; i < wv.Length; i++) wv[i] = wide ? rnd.Next(-128, 128) : rnd.Next(-64, 65);
            var bias = new int[channels];
            var scale = new float[channels];
            for (int c = 0; c < channels; c++)
            {
                bias[c] = rnd.Next(-100000, 100000);
                scale[c] = (flags & 32) != 0 ? 1.5f : 0.0004f * (1 + (c % 3));
            }
            var shape = new ConvDepthwise.Shape(h, w, kh, kw, oh, ow, sh, sw, 1, 1, pt, pl);
            var expected = Int8DepthwiseReference.Expected(x, signedX, zx, wv, bias, scale, zy, min, max, planes, channels, shape);
            var (zu, offset) = Int8DepthwiseReference.Fold(signedX, zx, wv, bias, channels, kh * kw);
            var packed = Int8DepthwiseQuads.PackWeights(wv, channels, kh, kw);
            Assert.NotNull(packed);
            var y = new byte[expected.Length];
            Assert.True(Int8DepthwiseQuads.Supports(shape, GemmIsa.Vector512));
            fixed (byte* px = x)
            fixed (byte* py = y)
            fixed (int* pw = packed)
            fixed (int* po = offset)
            fixed (float* ps = scale)
                Int8DepthwiseQuads.Run(px, signedX, zu, pw, po, ps, py, zy, min, max, planes, channels, shape, 1 + (flags % 2));
            Assert.True(expected.AsSpan().SequenceEqual(y), $"k={kh}x{kw} in={h}x{w} s={sh},{sw} pads={pt},{pl},{pb},{pr} signed={signedX},{signedY} scale={scale[0]}");
        }, iter: 400);
    }

    [Theory]
    [InlineData(127, 1, -128, 0, 0x00_80_01_7F)] // taps (0, 1) and (2, 3): 255 * 128 fits int16
    [InlineData(127, 2, -100, 1, 0x00_02_9C_7F)] // 127 + 2 could saturate: taps (0, 2) and (1, 3)
    [InlineData(127, 10, 10, 2, 0x0A_0A_00_7F)] // taps (0, 3) and (1, 2)
    [InlineData(100, 100, 100, 3, 0x00_64_00_64)] // no pairing fits: quad A holds taps 0 and 1, each with a zero partner
    public void EachChannelTakesAPairingThatCannotSaturate(int a, int b, int c, int mode, int quadA)
    {
        var packed = Int8DepthwiseQuads.PackWeights([a, b, c], 1, 1, 3);
        Assert.NotNull(packed);
        Assert.Equal(mode, packed[0]);
        Assert.Equal(quadA, packed[1]);
        Assert.Equal(mode == 3 ? 0x00_00_00_64 : 0, packed[2]); // quad B: tap 2 (and 3) when split
    }

    [Fact]
    public void NonS8WeightsAndWideKernelsAreNotPacked()
    {
        Assert.Null(Int8DepthwiseQuads.PackWeights([128, 0, 0], 1, 1, 3));
        Assert.Null(Int8DepthwiseQuads.PackWeights([-129, 0, 0], 1, 1, 3));
        Assert.Null(Int8DepthwiseQuads.PackWeights(new int[5], 1, 1, 5));
    }
}
