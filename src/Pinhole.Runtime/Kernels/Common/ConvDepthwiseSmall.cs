using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// 3x3 stride-1 depthwise convolution of planes narrower than 16 (MobileNet's and ShuffleNet's 14x14 and 7x7 stages),
/// AVX-512. Each plane is copied into a zero-padded buffer of rows <c>Ow + 2</c> wide, and the outputs are computed over
/// the flattened buffer 16 at a time, so every tap is one contiguous load and every lane does work (a row at a time
/// would use 7 or 14 of 16 lanes); the two padding columns computed at each row end are dropped when the rows are
/// copied out. The sums are those of <see cref="ConvDepthwiseDirect"/> (three row accumulators, bias in the first).
/// </summary>
internal static unsafe class ConvDepthwiseSmall
{
    [ThreadStatic] private static float[]? _buffer;

    public static bool Supports(in ConvDepthwise.Shape s, GemmIsa isa) =>
        isa == GemmIsa.Vector512 && Avx512F.IsSupported && s is { Kh: 3, Kw: 3, Sh: 1, Sw: 1, Dh: 1, Dw: 1 } && s.Iw <= 16
        && s.Ow + 2 <= 18 && s.Pl >= 0 && s.Pt >= 0 && s.Iw + s.Pl <= s.Ow + 2 && s.Ih + s.Pt <= s.Oh + 2;

    /// <summary>Planes p0..p1 of y = act(bias + depthwise3x3(x, w)); plane p uses the weights and bias of channel p % channels.</summary>
    public static void Planes(float* x, float* w, float* bias, float* y, int p0, int p1, int channels, in ConvDepthwise.Shape s,
        in EpilogueArgs epi)
    {
        int wp = s.Ow + 2, hp = s.Oh + 2, n = s.Oh * wp;
        // Slack past both: tap loads run up to 17 floats past the padded plane, row loads up to 16 past the sums.
        int padded = (hp * wp) + 32, flat = RoundUp16(n) + 16;
        var buffer = _buffer;
        if (buffer == null || buffer.Length < 2 * (padded + flat)) _buffer = buffer = new float[Math.Max(2 * (padded + flat), 1024)];
        var inMask = EdgeLoad16.FirstLanes(s.Iw);
        var outMask = EdgeLoad16.FirstLanes(s.Ow);
        float low = epi.Clamp ? epi.Low : float.NegativeInfinity, high = epi.Clamp ? epi.High : float.PositiveInfinity;
        var lo = Vector512.Create(low);
        var hi = Vector512.Create(high);
        fixed (float* buf = buffer)
        {
            // Two padded planes and two sum buffers: the next plane is copied in, and the last one's sums copied out, while
            // this one is computed (loads right after the stores that wrote their data would wait for them). The
            // padding stays zero: only the interior is ever written.
            new Span<float>(buf, 2 * padded).Clear();
            float* sumsBase = buf + (2 * padded);
            if (p0 < p1) CopyIn(x + ((nint)p0 * s.Ih * s.Iw), buf, s, wp, inMask);
            for (int p = p0; p < p1; p++)
            {
                int ch = p % channels;
                float* plane = buf + ((p - p0) % 2 * padded);
                float* sums = sumsBase + ((p - p0) % 2 * flat);
                if (p + 1 < p1) CopyIn(x + ((nint)(p + 1) * s.Ih * s.Iw), buf + ((p + 1 - p0) % 2 * padded), s, wp, inMask);
                float* k = w + (ch * 9);
                Vector512<float> w00 = Vector512.Create(k[0]), w01 = Vector512.Create(k[1]), w02 = Vector512.Create(k[2]);
                Vector512<float> w10 = Vector512.Create(k[3]), w11 = Vector512.Create(k[4]), w12 = Vector512.Create(k[5]);
                Vector512<float> w20 = Vector512.Create(k[6]), w21 = Vector512.Create(k[7]), w22 = Vector512.Create(k[8]);
                var b = Vector512.Create(bias != null ? bias[ch] : 0f);
                for (int i = 0; i < n; i += 16)
                {
                    float* r0 = plane + i, r1 = r0 + wp, r2 = r1 + wp;
                    var a0 = Avx512F.FusedMultiplyAdd(w00, Vector512.Load(r0), b);
                    var a1 = w10 * Vector512.Load(r1);
                    var a2 = w20 * Vector512.Load(r2);
                    a0 = Avx512F.FusedMultiplyAdd(w01, Vector512.Load(r0 + 1), a0);
                    a1 = Avx512F.FusedMultiplyAdd(w11, Vector512.Load(r1 + 1), a1);
                    a2 = Avx512F.FusedMultiplyAdd(w21, Vector512.Load(r2 + 1), a2);
                    a0 = Avx512F.FusedMultiplyAdd(w02, Vector512.Load(r0 + 2), a0);
                    a1 = Avx512F.FusedMultiplyAdd(w12, Vector512.Load(r1 + 2), a1);
                    a2 = Avx512F.FusedMultiplyAdd(w22, Vector512.Load(r2 + 2), a2);
                    Vector512.Store(Vector512.Min(Vector512.Max(a0 + a1 + a2, lo), hi), sums + i);
                }
                if (p > p0) CopyOut(sumsBase + ((p - 1 - p0) % 2 * flat), y + ((nint)(p - 1) * s.Oh * s.Ow), s, wp, outMask, epi);
            }
            if (p0 < p1) CopyOut(sumsBase + ((p1 - 1 - p0) % 2 * flat), y + ((nint)(p1 - 1) * s.Oh * s.Ow), s, wp, outMask, epi);
        }
    }

    /// <summary>
    /// The rows of one input plane into the interior of a padded plane. Whole-vector stores: the lanes past a row are
    /// zeros, which land on padding or on the next row's interior before that row is written (rows go in order).
    /// </summary>
    private static void CopyIn(float* xp, float* plane, in ConvDepthwise.Shape s, int wp, Vector512<float> mask)
    {
        for (int r = 0; r < s.Ih; r++)
            Vector512.Store(Avx512F.MaskLoad(xp + (r * s.Iw), mask, Vector512<float>.Zero), plane + ((r + s.Pt) * wp) + s.Pl);
    }

    /// <summary>The rows of one plane's sums (rows <c>wp</c> apart) into the output plane, then any non-clamp activation.</summary>
    private static void CopyOut(float* sums, float* yp, in ConvDepthwise.Shape s, int wp, Vector512<float> mask, in EpilogueArgs epi)
    {
        // Whole vectors while they end inside the plane (what a row writes past its end, the next rows overwrite); masked
        // stores for the last rows, which must not touch the next plane (another thread's, or past the tensor).
        int whole = s.Oh - ((16 + s.Ow - 1) / s.Ow);
        int oy = 0;
        for (; oy < whole; oy++)
            Vector512.Store(Vector512.Load(sums + (oy * wp)), yp + (oy * s.Ow));
        for (; oy < s.Oh; oy++)
            Avx512F.MaskStore(yp + (oy * s.Ow), mask, Vector512.Load(sums + (oy * wp)));
        epi.Activation?.Apply(new Span<float>(yp, s.Oh * s.Ow));
    }

    private static int RoundUp16(int v) => (v + 15) & ~15;
}
