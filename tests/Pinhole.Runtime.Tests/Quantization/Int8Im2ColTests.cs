using CsCheck;
using Pinhole.Runtime.Kernels;

namespace Pinhole.Runtime.Tests.Quantization;

/// <summary>The int8 im2col operand, filled a block of columns at a time (as the GEMM does), against its definition.</summary>
public class Int8Im2ColTests
{
    [Fact]
    public void AnyColumnBlockMatchesTheDefinition()
    {
        var shapes = Gen.Select(Gen.Int[1, 3], Gen.Int[1, 7], Gen.Int[1, 3], Gen.Int[0, 3], Gen.Int[1, 2], Gen.Int[1, 70], Gen.Int[1, 40])
            .Where(t => ((t.Item2 - 1) * t.Item5) + 1 <= t.Item6 + (2 * t.Item4) && ((t.Item2 - 1) * t.Item5) + 1 <= t.Item7 + (2 * t.Item4));
        Check(shapes, 300);
    }

    [Fact]
    public void SameWidthBlocksMatchTheDefinition()
    {
        // Stride 1, no dilation, output as wide as the input (the shifted-copy form): odd kernels with half their width as
        // padding, and even kernels that keep the width only with padding on one side are not generated (pads are equal here).
        var shapes = Gen.Select(Gen.Int[1, 3], Gen.Int[0, 3], Gen.Int[1, 40], Gen.Int[1, 40])
            .Select(t => (t.Item1, (2 * t.Item2) + 1, 1, t.Item2, 1, t.Item3, t.Item4))
            .Where(t => t.Item2 <= t.Item6 + (2 * t.Item4) && t.Item2 <= t.Item7 + (2 * t.Item4));
        Check(shapes, 300);
    }

    private static void Check(Gen<(int, int, int, int, int, int, int)> shapes, int iter)
    {
        Gen.Select(shapes, Gen.Int[0, 1000], Gen.Int[0, 1000]).Sample(t =>
        {
            var ((channels, k, stride, pad, dil, h, w), a, b) = t;
            int oh = ((h + (2 * pad) - ((k - 1) * dil) - 1) / stride) + 1, ow = ((w + (2 * pad) - ((k - 1) * dil) - 1) / stride) + 1;
            var s = new ConvDepthwise.Shape(h, w, k, k, oh, ow, stride, stride, dil, dil, pad, pad);
            var x = new byte[channels * h * w];
            new Random(a + b).NextBytes(x);
            const byte Pad = 77;
            int n = oh * ow, depth = channels * k * k;
            int c0 = a % n, c1 = c0 + 1 + (b % (n - c0));
            int ld = c1 - c0 + (b % 5);
            var col = new byte[depth * ld];
            unsafe
            {
                fixed (byte* px = x)
                fixed (byte* pc = col)
                {
                    var im2col = new Int8Im2Col(px, channels, s, Pad);
                    Assert.Equal(depth, im2col.Depth);
                    Assert.Equal(n, im2col.Columns);
                    im2col.Fill(c0, c1, pc, ld);
                }
            }
            for (int c = 0; c < channels; c++)
                for (int ky = 0; ky < k; ky++)
                    for (int kx = 0; kx < k; kx++)
                        for (int j = c0; j < c1; j++)
                        {
                            int iy = ((j / ow) * stride) - pad + (ky * dil), ix = ((j % ow) * stride) - pad + (kx * dil);
                            byte expected = iy < 0 || iy >= h || ix < 0 || ix >= w ? Pad : x[(((c * h) + iy) * w) + ix];
                            int row = (((c * k) + ky) * k) + kx;
                            Assert.True(expected == col[(row * ld) + j - c0], $"{t}: row {row}, column {j}");
                        }
        }, iter: iter);
    }
}
