using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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
        var body = new Body(x, w, bias, y, channels, s, epi, isa);
        IntraOp.For(planes, (long)planes * s.Oh * s.Ow * s.Kh * s.Kw < 1 << 15 ? 1 : threads, body);
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
            if (isa == GemmIsa.Scalar) Scalar(xp, wp, b, yp, s);
            else Vectorized(xp, wp, b, yp, s);
            if (epi.Active) epi.Apply(yp, s.Ow, 0, 0, s.Oh, s.Ow);
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

    private static void Vectorized(float* x, float* w, float bias, float* y, in Shape s)
    {
        int sw = s.Sw;
        int owPad = (s.Ow + 7) & ~7;
        // Padded rows: the rows any output row touches; each row holds sw phases of `phase` floats.
        int rows = ((s.Oh - 1) * s.Sh) + ((s.Kh - 1) * s.Dh) + 1;
        int phase = owPad + (((s.Kw - 1) * s.Dw) / sw) + 1;
        int rowStride = phase * sw;
        int need = rows * rowStride;
        var buf = _plane;
        if (buf == null || buf.Length < need) _plane = buf = new float[Math.Max(need, 4096)];
        fixed (float* p = buf)
        {
            for (int r = 0; r < rows; r++)
            {
                float* dst = p + ((nint)r * rowStride);
                new Span<float>(dst, rowStride).Clear();
                int iy = r - s.Pt;
                if ((uint)iy >= (uint)s.Ih) continue;
                float* src = x + ((nint)iy * s.Iw);
                // padded column c = ix + Pl goes to phase c % sw, index c / sw.
                if (sw == 1)
                {
                    int n = Math.Min(s.Iw, phase - s.Pl);
                    if (n > 0) Buffer.MemoryCopy(src, dst + s.Pl, n * sizeof(float), n * sizeof(float));
                }
                else
                {
                    for (int ix = 0; ix < s.Iw; ix++)
                    {
                        int c = ix + s.Pl;
                        int q = c % sw, i = c / sw;
                        if (i < phase) dst[(q * phase) + i] = src[ix];
                    }
                }
            }
            float* tail = stackalloc float[8];
            if (s.Kh == 3 && s.Kw == 3) Rows3x3(p, w, bias, y, s, phase, rowStride, tail);
            else RowsGeneric(p, w, bias, y, s, phase, rowStride, tail);
        }
    }

    private static void RowsGeneric(float* p, float* w, float bias, float* y, in Shape s, int phase, int rowStride, float* tail)
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
                Store(acc, yrow + ox, s.Ow - ox, tail);
            }
        }
    }

    private static void Rows3x3(float* p, float* w, float bias, float* y, in Shape s, int phase, int rowStride, float* tail)
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
                var acc = Fma(w00, Vector256.Load(q + o0), vb);
                acc = Fma(w01, Vector256.Load(q + o1), acc);
                acc = Fma(w02, Vector256.Load(q + o2), acc);
                acc = Fma(w10, Vector256.Load(q + r1 + o0), acc);
                acc = Fma(w11, Vector256.Load(q + r1 + o1), acc);
                acc = Fma(w12, Vector256.Load(q + r1 + o2), acc);
                acc = Fma(w20, Vector256.Load(q + r2 + o0), acc);
                acc = Fma(w21, Vector256.Load(q + r2 + o1), acc);
                acc = Fma(w22, Vector256.Load(q + r2 + o2), acc);
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
