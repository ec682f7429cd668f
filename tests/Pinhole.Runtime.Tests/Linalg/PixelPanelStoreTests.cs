using CsCheck;
using Pinhole.Runtime.Kernels;

namespace Pinhole.Runtime.Tests.Linalg;

/// <summary>
/// The pixel-row panel's move into NCHW planes (<see cref="PixelPanelStore"/>): its 16x16 register transposes and its tails
/// against the element-by-element definition, for partial channel counts, ranges that start anywhere, the residual, the
/// bias and the clamp, with the planes' other values left alone.
/// </summary>
public class PixelPanelStoreTests
{
    [Fact]
    public unsafe void MatchesTheElementwiseDefinition()
    {
        Gen.Select(Gen.Int[1, 32], Gen.Int[0, 40], Gen.Int[0, 70], Gen.Int[0, 15]).Sample(t =>
        {
            var (count, q0, length, flags) = t;
            int q1 = q0 + length, pixels = q1 + 3;
            bool accumulate = (flags & 1) != 0, withBias = (flags & 2) != 0, clamp = (flags & 4) != 0, nan = (flags & 8) != 0;
            var rng = new Random(count + (q0 * 41) + (length * 977) + (flags * 7919));
            var panel = new float[pixels * 32];
            for (int i = 0; i < panel.Length; i++) panel[i] = (float)((rng.NextDouble() * 4) - 2);
            if (nan && length > 0) panel[(q0 * 32) + (count - 1)] = float.NaN;
            var bias = new float[32];
            for (int i = 0; i < 32; i++) bias[i] = (float)(rng.NextDouble() - 0.5);
            var y = new float[32 * pixels];
            for (int i = 0; i < y.Length; i++) y[i] = (float)((rng.NextDouble() * 2) - 1);
            float lo = clamp ? -0.75f : float.NegativeInfinity, hi = clamp ? 1.25f : float.PositiveInfinity;
            var expected = (float[])y.Clone();
            for (int j = 0; j < count; j++)
            {
                for (int q = q0; q < q1; q++)
                {
                    float b = withBias ? bias[j] : 0f, v = panel[(q * 32) + j];
                    v = accumulate ? expected[(j * pixels) + q] + v + b : v + b;
                    expected[(j * pixels) + q] = Math.Min(Math.Max(v, lo), hi);
                }
            }
            fixed (float* pp = panel)
            fixed (float* py = y)
            fixed (float* pb = bias)
                PixelPanelStore.Store(pp, py, pixels, count, q0, q1, withBias ? pb : null, accumulate, lo, hi);
            Assert.Equal(expected, y);
        });
    }

    [Fact]
    public unsafe void TransposesSixteenBySixteen()
    {
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported) return; // the vector transpose is AVX-512 only
        var rows = new float[16 * 32];
        for (int i = 0; i < 16; i++)
            for (int j = 0; j < 32; j++) rows[(i * 32) + j] = (i * 100) + j;
        var block = new float[256];
        fixed (float* pr = rows)
        fixed (float* pb = block)
            PixelPanelStore.Transpose(pr, pb);
        for (int j = 0; j < 16; j++)
            for (int i = 0; i < 16; i++) Assert.Equal((i * 100) + j, block[(j * 16) + i]);
    }
}
