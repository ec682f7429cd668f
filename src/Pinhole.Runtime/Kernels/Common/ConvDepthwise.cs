using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// 2-D depthwise convolution (one input and one output channel per group), vectorized over output width. Each
/// channel plane is first copied into a zero-padded buffer split into stride phases (column c goes to phase c % s at
/// c / s), so every tap is a contiguous vector load for any stride and dilation; 3x3 keeps its taps in registers.
/// Bias and activation are fused. Channels are split among threads (results do not depend on the thread count).
/// </summary>
internal static unsafe class ConvDepthwise
{
    /// <summary>Geometry of one depthwise convolution.</summary>
    internal readonly record struct Shape(int Ih, int Iw, int Kh, int Kw, int Oh, int Ow, int Sh, int Sw, int Dh, int Dw, int Pt, int Pl);

    [ThreadStatic] private static float[]? _plane;

    /// <summary>y[p] = act(bias[p % channels] + depthwise(x[p], w[p % channels])) for planes p in 0..planes.</summary>
    public static void Run(float* x, float* w, float* bias, float* y, int planes, int channels, in Shape s, in EpilogueArgs epi, int threads,
        GemmIsa isa)
    {
        if ((long)planes * s.Oh * s.Ow * s.Kh * s.Kw < 1 << 15) threads = 1;
        // Planes up to 9 wide: every lane busy over the flattened plane.
        // From 10 wide, rows of one vector with VALIGND taps (ConvDepthwiseDirect) beat the flattened plane's copies in and out.
        bool small = ConvDepthwiseSmall.Supports(s, isa) && (s.Iw < 10 || !ConvDepthwiseDirect.Supports(s, isa));
        if (small || ConvDepthwiseDirect.Supports(s, isa))
        {
            // Chunks of planes share the per-call setup (edge columns, padded buffers); a few chunks per thread balance the load.
            int chunks = Math.Min(planes, threads == 1 ? 1 : 4 * threads);
            IntraOp.For(chunks, threads, new ChunkBody(x, w, bias, y, planes, chunks, channels, s, epi, small));
            return;
        }
        var body = new Body(x, w, bias, y, channels, s, epi, isa);
        IntraOp.For(planes, threads, body);
    }

    /// <summary>Chunks of planes for the 3x3 kernels that work on whole planes (small-plane or direct).</summary>
    private readonly struct ChunkBody(float* x, float* w, float* bias, float* y, int planes, int chunks, int channels, Shape s, EpilogueArgs epi,
        bool small) : IParallelBody
    {
        public void Invoke(int index)
        {
            int p0 = (int)((long)planes * index / chunks), p1 = (int)((long)planes * (index + 1) / chunks);
            if (small) ConvDepthwiseSmall.Planes(x, w, bias, y, p0, p1, channels, s, epi);
            else ConvDepthwiseDirect.Planes(x, w, bias, y, p0, p1, channels, s, epi);
        }
    }

    private readonly struct Body(float* x, float* w, float* bias, float* y, int channels, Shape s, EpilogueArgs epi, GemmIsa isa) : IParallelBody
    {
        public void Invoke(int index)
        {
            int ch = index % channels;
            float b = bias != null ? bias[ch] : 0f;
            float* xp = x + ((nint)index * s.Ih * s.Iw);
            float* yp = y + ((nint)index * s.Oh * s.Ow);
            float* wp = w + ((nint)ch * s.Kh * s.Kw);
            if (isa == GemmIsa.Scalar)
            {
                Scalar(xp, wp, b, yp, s);
                if (epi.Active) epi.Apply(yp, s.Ow, 0, 0, s.Oh, s.Ow);
                return;
            }
            // Bias and a clamp (Relu, Relu6, Clip) are applied in registers; other activations after the plane.
            Vectorized(xp, wp, b, yp, s, epi);
            epi.Activation?.Apply(new Span<float>(yp, s.Oh * s.Ow));
        }
    }

    /// <summary>The reference path: direct loops with bounds checks per tap.</summary>
    private static void Scalar(float* x, float* w, float bias, float* y, in Shape s)
    {
        for (int oy = 0; oy < s.Oh; oy++)
            for (int ox = 0; ox < s.Ow; ox++)
            {
                float acc = bias;
                for (int ky = 0; ky < s.Kh; ky++)
                {
                    int iy = (oy * s.Sh) - s.Pt + (ky * s.Dh);
                    if ((uint)iy >= (uint)s.Ih) continue;
                    for (int kx = 0; kx < s.Kw; kx++)
                    {
                        int ix = (ox * s.Sw) - s.Pl + (kx * s.Dw);
                        if ((uint)ix >= (uint)s.Iw) continue;
                        acc += x[(iy * s.Iw) + ix] * w[(ky * s.Kw) + kx];
                    }
                }
                y[(oy * s.Ow) + ox] = acc;
            }
    }

    private static void Vectorized(float* x, float* w, float bias, float* y, in Shape s, in EpilogueArgs epi)
    {
        int sw = s.Sw;
        int owPad = (s.Ow + 7) & ~7;
        // Padded rows: the rows any output row touches; each row holds sw phases of `phase` floats.
        int rows = ((s.Oh - 1) * s.Sh) + ((s.Kh - 1) * s.Dh) + 1;
        int phase = owPad + (((s.Kw - 1) * s.Dw) / sw) + 1;
        bool unzip = sw == 2;
        if (unzip) phase = (phase + 7) & ~7;
        int rowStride = phase * sw;
        int need = rows * rowStride;
        var buf = _plane;
        if (buf == null || buf.Length < need + rowStride) _plane = buf = new float[Math.Max(need + rowStride, 4096)];
        fixed (float* p = buf)
        {
            // Stride 2 builds each padded row at the end of the buffer, then splits it into the even and odd phases.
            float* padded = p + need;
            for (int r = 0; r < rows; r++)
            {
                float* dst = p + ((nint)r * rowStride);
                int iy = r - s.Pt;
                if ((uint)iy >= (uint)s.Ih)
                {
                    Fill(dst, rowStride);
                    continue;
                }
                float* src = x + ((nint)iy * s.Iw);
                // padded column c = ix + Pl goes to phase c % sw, index c / sw.
                if (sw == 1)
                {
                    PadRow(src, s.Iw, s.Pl, dst, rowStride);
                }
                else if (unzip)
                {
                    PadRow(src, s.Iw, s.Pl, padded, 2 * phase);
                    for (int i = 0; i < phase; i += 8)
                    {
                        var (even, odd) = Deinterleave(Vector256.Load(padded + (2 * i)), Vector256.Load(padded + (2 * i) + 8));
                        even.Store(dst + i);
                        odd.Store(dst + phase + i);
                    }
                }
                else
                {
                    // Phase q holds padded columns q, q + sw, ...: input column i * sw + q - Pl.
                    for (int q = 0; q < sw; q++)
                    {
                        float* d = dst + (q * phase);
                        int ix = q - s.Pl;
                        for (int i = 0; i < phase; i++, ix += sw)
                            d[i] = (uint)ix < (uint)s.Iw ? src[ix] : 0f;
                    }
                }
            }
            float* tail = stackalloc float[8];
            var lo = Vector256.Create(epi.Clamp ? epi.Low : float.NegativeInfinity);
            var hi = Vector256.Create(epi.Clamp ? epi.High : float.PositiveInfinity);
            if (s.Kh == 3 && s.Kw == 3) Rows3x3(p, w, bias, y, s, phase, rowStride, tail, epi.Clamp, lo, hi);
            else RowsGeneric(p, w, bias, y, s, phase, rowStride, tail, epi.Clamp, lo, hi);
        }
    }

    /// <summary>dst[0..length) = 0.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fill(float* dst, int length)
    {
        int i = 0;
        for (; i <= length - 8; i += 8) Vector256<float>.Zero.Store(dst + i);
        for (; i < length; i++) dst[i] = 0f;
    }

    /// <summary>dst[0..length) = the input row shifted right by <paramref name="pad"/>, zero outside it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void PadRow(float* src, int width, int pad, float* dst, int length)
    {
        int n = Math.Min(width, length - pad);
        for (int i = 0; i < pad; i++) dst[i] = 0f;
        float* d = dst + pad;
        int j = 0;
        for (; j <= n - 8; j += 8) Vector256.Load(src + j).Store(d + j);
        for (; j < n; j++) d[j] = src[j];
        for (int i = pad + Math.Max(n, 0); i < length; i++) dst[i] = 0f;
    }

    /// <summary>The even and odd elements of the 16 floats a:b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector256<float> Even, Vector256<float> Odd) Deinterleave(Vector256<float> a, Vector256<float> b)
    {
        if (Avx2.IsSupported)
        {
            var order = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
            var lo = Avx2.PermuteVar8x32(a, order);
            var hi = Avx2.PermuteVar8x32(b, order);
            return (Avx.Permute2x128(lo, hi, 0x20), Avx.Permute2x128(lo, hi, 0x31));
        }
        var sa = Vector256.Shuffle(a, Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7));
        var sb = Vector256.Shuffle(b, Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7));
        return (Vector256.Create(sa.GetLower(), sb.GetLower()), Vector256.Create(sa.GetUpper(), sb.GetUpper()));
    }

    private static void RowsGeneric(float* p, float* w, float bias, float* y, in Shape s, int phase, int rowStride, float* tail, bool clamp,
        Vector256<float> lo, Vector256<float> hi)
    {
        var vb = Vector256.Create(bias);
        for (int oy = 0; oy < s.Oh; oy++)
        {
            float* yrow = y + ((nint)oy * s.Ow);
            for (int ox = 0; ox < s.Ow; ox += 8)
            {
                var acc = vb;
                for (int ky = 0; ky < s.Kh; ky++)
                {
                    float* row = p + ((nint)((oy * s.Sh) + (ky * s.Dh)) * rowStride) + ox;
                    float* wr = w + (ky * s.Kw);
                    for (int kx = 0; kx < s.Kw; kx++)
                    {
                        int c = kx * s.Dw;
                        acc = Fma(Vector256.Create(wr[kx]), Vector256.Load(row + ((c % s.Sw) * phase) + (c / s.Sw)), acc);
                    }
                }
                if (clamp) acc = Vector256.Min(Vector256.Max(acc, lo), hi);
                Store(acc, yrow + ox, s.Ow - ox, tail);
            }
        }
    }

    private static void Rows3x3(float* p, float* w, float bias, float* y, in Shape s, int phase, int rowStride, float* tail, bool clamp,
        Vector256<float> lo, Vector256<float> hi)
    {
        var vb = Vector256.Create(bias);
        var w00 = Vector256.Create(w[0]); var w01 = Vector256.Create(w[1]); var w02 = Vector256.Create(w[2]);
        var w10 = Vector256.Create(w[3]); var w11 = Vector256.Create(w[4]); var w12 = Vector256.Create(w[5]);
        var w20 = Vector256.Create(w[6]); var w21 = Vector256.Create(w[7]); var w22 = Vector256.Create(w[8]);
        int sw = s.Sw, d = s.Dw;
        nint o0 = 0, o1 = ((d % sw) * phase) + (d / sw), o2 = ((2 * d % sw) * phase) + (2 * d / sw);
        nint r1 = (nint)s.Dh * rowStride, r2 = 2 * r1;
        for (int oy = 0; oy < s.Oh; oy++)
        {
            float* yrow = y + ((nint)oy * s.Ow);
            float* row = p + ((nint)oy * s.Sh * rowStride);
            for (int ox = 0; ox < s.Ow; ox += 8)
            {
                float* q = row + ox;
                // One chain per kernel row, summed at the end: three short dependency chains instead of one long one.
                var a0 = Fma(w00, Vector256.Load(q + o0), vb);
                var a1 = w10 * Vector256.Load(q + r1 + o0);
                var a2 = w20 * Vector256.Load(q + r2 + o0);
                a0 = Fma(w01, Vector256.Load(q + o1), a0);
                a1 = Fma(w11, Vector256.Load(q + r1 + o1), a1);
                a2 = Fma(w21, Vector256.Load(q + r2 + o1), a2);
                a0 = Fma(w02, Vector256.Load(q + o2), a0);
                a1 = Fma(w12, Vector256.Load(q + r1 + o2), a1);
                a2 = Fma(w22, Vector256.Load(q + r2 + o2), a2);
                var acc = a0 + a1 + a2;
                if (clamp) acc = Vector256.Min(Vector256.Max(acc, lo), hi);
                Store(acc, yrow + ox, s.Ow - ox, tail);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector256<float> v, float* dst, int left, float* tail)
    {
        if (left >= 8)
        {
            v.Store(dst);
            return;
        }
        v.Store(tail);
        for (int i = 0; i < left; i++) dst[i] = tail[i];
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fma(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        System.Runtime.Intrinsics.X86.Fma.IsSupported ? System.Runtime.Intrinsics.X86.Fma.MultiplyAdd(a, b, c) : (a * b) + c;
}
