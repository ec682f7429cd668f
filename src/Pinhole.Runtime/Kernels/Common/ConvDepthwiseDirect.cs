using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Depthwise 3x3 convolution (stride 1 or 2 across, any stride and dilation down) straight from the NCHW plane, 16 outputs
/// per 512-bit vector, with no padded copy of the plane: interior taps are plain loads, taps that cross the left or right
/// edge are loaded from inside the row and moved into place by a two-table permute that fills the outside with zeros,
/// and stride 2 picks even and odd columns with the same permute. Rows above or below the image are a zero row.
/// The common "same" shapes (one column of padding on the left, stride 1 or 2) take a faster form: each input block is
/// loaded once and the neighbouring taps are made with VALIGND (<see cref="Stride1Same"/>, <see cref="Stride2Same"/>),
/// which also covers rows of any width. Needs AVX-512F and, for other shapes, rows at least 16 wide
/// (<see cref="Supports"/>); the padded path in <see cref="ConvDepthwise"/> covers the rest.
/// </summary>
internal static unsafe class ConvDepthwiseDirect
{
    [ThreadStatic] private static float[]? _zeroRow;

    public static bool Supports(in ConvDepthwise.Shape s, GemmIsa isa) =>
        isa == GemmIsa.Vector512 && Avx512F.IsSupported && s.Kh == 3 && s.Kw == 3 && s.Dw == 1 && (s.Sw == 1 || s.Sw == 2) && (s.Iw >= 16 || SameWidth(s) || HalfWidth(s));

    /// <summary>
    /// Planes p0..p1 of y = act(bias + depthwise3x3(x, w)): the clamp in registers, any other activation after each plane.
    /// Plane p uses weights and bias of channel p % channels.
    /// </summary>
    public static void Planes(float* x, float* w, float* bias, float* y, int p0, int p1, int channels, in ConvDepthwise.Shape s,
        in EpilogueArgs epi)
    {
        var zeros = _zeroRow;
        if (zeros == null || zeros.Length < s.Iw) _zeroRow = zeros = new float[Math.Max(s.Iw, 256)];
        // Blocks of 16 outputs on a grid from 0; those in [interiorBegin, interiorEnd) read only inside the row.
        int need = s.Sw == 1 ? 18 : 33;
        int interiorBegin = Math.Min(RoundUp16((s.Pl + s.Sw - 1) / s.Sw), RoundUp16(s.Ow));
        int interiorEnd = interiorBegin;
        while (interiorEnd + 16 <= s.Ow && (interiorEnd * s.Sw) - s.Pl + need <= s.Iw) interiorEnd += 16;
        bool same = SameWidth(s), half = HalfWidth(s);
        int edges = same || half ? 0 : (interiorBegin / 16) + ((RoundUp16(s.Ow) - interiorEnd) / 16);
        var edge = stackalloc EdgeColumn[edges];
        for (int e = 0, ox = 0; ox < s.Ow && !same && !half; ox += 16)
            if (ox < interiorBegin || ox >= interiorEnd) edge[e++] = new EdgeColumn(ox, (ox * s.Sw) - s.Pl, s.Sw, s.Iw, s.Ow);
        float low = epi.Clamp ? epi.Low : float.NegativeInfinity, high = epi.Clamp ? epi.High : float.PositiveInfinity;
        fixed (float* zero = zeros)
        {
            for (int p = p0; p < p1; p++)
            {
                int ch = p % channels;
                var taps = new Taps(w + (ch * 9), bias != null ? bias[ch] : 0f, low, high);
                float* xp = x + ((nint)p * s.Ih * s.Iw);
                float* yp = y + ((nint)p * s.Oh * s.Ow);
                if (same) Stride1Same(xp, zero, yp, s, taps);
                else if (half) Stride2Same(xp, zero, yp, s, taps);
                else if (s.Sw == 1) Stride1(xp, zero, yp, s, taps, edge, edges, interiorBegin, interiorEnd);
                else Stride2(xp, zero, yp, s, taps, edge, edges, interiorBegin, interiorEnd);
                epi.Activation?.Apply(new Span<float>(yp, s.Oh * s.Ow));
            }
        }
    }

    /// <summary>Stride 1 with one column of padding each side: <see cref="Stride1Same"/>, any width.</summary>
    private static bool SameWidth(in ConvDepthwise.Shape s) => s.Sw == 1 && s.Pl == 1 && s.Ow == s.Iw;

    /// <summary>Stride 2 with one column of padding on the left: <see cref="Stride2Same"/>, any width.</summary>
    private static bool HalfWidth(in ConvDepthwise.Shape s) => s.Sw == 2 && s.Pl == 1 && s.Ow == (s.Iw + 1) / 2;

    private static int RoundUp16(int v) => (v + 15) & ~15;

    /// <summary>The nine weights, the bias and the clamp bounds as vectors.</summary>
    private readonly struct Taps(float* w, float bias, float low, float high)
    {
        public readonly Vector512<float> W00 = Vector512.Create(w[0]), W01 = Vector512.Create(w[1]), W02 = Vector512.Create(w[2]);
        public readonly Vector512<float> W10 = Vector512.Create(w[3]), W11 = Vector512.Create(w[4]), W12 = Vector512.Create(w[5]);
        public readonly Vector512<float> W20 = Vector512.Create(w[6]), W21 = Vector512.Create(w[7]), W22 = Vector512.Create(w[8]);
        public readonly Vector512<float> Bias = Vector512.Create(bias), Low = Vector512.Create(low), High = Vector512.Create(high);
    }

    /// <summary>
    /// A block of 16 outputs that crosses a row edge: its three loads (columns start, start + 1, start + 2 at stride 1;
    /// start, start + 16 and start + 32 at stride 2) with zeros outside the row. The same for every row of a plane.
    /// </summary>
    private readonly struct EdgeColumn
    {
        public readonly int Ox, Count;
        public readonly EdgeLoad16 L0, L1, L2;
        /// <summary>All bits set in the lanes that are outputs (the first <see cref="Count"/>).</summary>
        public readonly Vector512<float> StoreMask;

        public EdgeColumn(int ox, int start, int stride, int width, int outWidth)
        {
            Ox = ox;
            Count = Math.Min(16, outWidth - ox);
            StoreMask = EdgeLoad16.FirstLanes(Count);
            L0 = new EdgeLoad16(start, width);
            L1 = new EdgeLoad16(stride == 1 ? start + 1 : start + 16, width);
            L2 = new EdgeLoad16(stride == 1 ? start + 2 : start + 32, width);
        }
    }

    /// <summary>The lanes of v selected by the edge column's mask to dst.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> v, float* dst, in EdgeColumn c)
    {
        if (c.Count == 16) v.Store(dst);
        else Avx512F.MaskStore(dst, c.StoreMask, v);
    }

    /// <summary>max then min with NaN passed through (vmaxps/vminps return their second operand when either is NaN).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Clamp(Vector512<float> v, Vector512<float> lo, Vector512<float> hi) => Avx512F.Min(hi, Avx512F.Max(lo, v));

    private static void Stride1(float* x, float* zero, float* y, in ConvDepthwise.Shape s, in Taps k, EdgeColumn* edge, int edges,
        int interiorBegin, int interiorEnd)
    {
        var w00 = k.W00; var w01 = k.W01; var w02 = k.W02;
        var w10 = k.W10; var w11 = k.W11; var w12 = k.W12;
        var w20 = k.W20; var w21 = k.W21; var w22 = k.W22;
        var vb = k.Bias; var lo = k.Low; var hi = k.High;
        int pl = s.Pl;
        for (int oy = 0; oy < s.Oh; oy++)
        {
            InputRows(x, zero, oy, s, out float* r0, out float* r1, out float* r2);
            float* yrow = y + ((nint)oy * s.Ow);
            for (int ox = interiorBegin; ox < interiorEnd; ox += 16)
            {
                nint b = ox - pl;
                var a0 = Avx512F.FusedMultiplyAdd(w00, Vector512.Load(r0 + b), vb);
                var a1 = w10 * Vector512.Load(r1 + b);
                var a2 = w20 * Vector512.Load(r2 + b);
                a0 = Avx512F.FusedMultiplyAdd(w01, Vector512.Load(r0 + b + 1), a0);
                a1 = Avx512F.FusedMultiplyAdd(w11, Vector512.Load(r1 + b + 1), a1);
                a2 = Avx512F.FusedMultiplyAdd(w21, Vector512.Load(r2 + b + 1), a2);
                a0 = Avx512F.FusedMultiplyAdd(w02, Vector512.Load(r0 + b + 2), a0);
                a1 = Avx512F.FusedMultiplyAdd(w12, Vector512.Load(r1 + b + 2), a1);
                a2 = Avx512F.FusedMultiplyAdd(w22, Vector512.Load(r2 + b + 2), a2);
                Clamp(a0 + a1 + a2, lo, hi).Store(yrow + ox);
            }
            for (int e = 0; e < edges; e++)
            {
                ref readonly var c = ref edge[e];
                var a0 = Avx512F.FusedMultiplyAdd(w00, c.L0.Load(r0, Vector512<float>.Zero), vb);
                var a1 = w10 * c.L0.Load(r1, Vector512<float>.Zero);
                var a2 = w20 * c.L0.Load(r2, Vector512<float>.Zero);
                a0 = Avx512F.FusedMultiplyAdd(w01, c.L1.Load(r0, Vector512<float>.Zero), a0);
                a1 = Avx512F.FusedMultiplyAdd(w11, c.L1.Load(r1, Vector512<float>.Zero), a1);
                a2 = Avx512F.FusedMultiplyAdd(w21, c.L1.Load(r2, Vector512<float>.Zero), a2);
                a0 = Avx512F.FusedMultiplyAdd(w02, c.L2.Load(r0, Vector512<float>.Zero), a0);
                a1 = Avx512F.FusedMultiplyAdd(w12, c.L2.Load(r1, Vector512<float>.Zero), a1);
                a2 = Avx512F.FusedMultiplyAdd(w22, c.L2.Load(r2, Vector512<float>.Zero), a2);
                Store(Clamp(a0 + a1 + a2, lo, hi), yrow + c.Ox, c);
            }
        }
    }

    /// <summary>
    /// Stride 1 with one column of padding each side (the output as wide as the input): each tap row loads every input
    /// block once and makes the left and right taps with VALIGND from the blocks beside it (zero past the row's ends), so
    /// a block of 16 outputs costs three loads instead of nine unaligned ones, and the row's edges need no permutes.
    /// </summary>
    private static void Stride1Same(float* x, float* zero, float* y, in ConvDepthwise.Shape s, in Taps k)
    {
        int width = s.Iw, full = width / 16, rem = width % 16;
        var tailMask = EdgeLoad16.FirstLanes(rem);
        var t = k;
        for (int oy = 0; oy < s.Oh; oy++)
        {
            InputRows(x, zero, oy, s, out float* r0, out float* r1, out float* r2);
            float* yrow = y + ((nint)oy * s.Ow);
            Vector512<float> p0 = default, p1 = default, p2 = default;
            if (full == 0)
            {
                // A row narrower than a vector: one partial block.
                var z = Vector512<float>.Zero;
                Avx512F.MaskStore(yrow, tailMask, Block(z, Avx512F.MaskLoad(r0, tailMask, z), z, z, Avx512F.MaskLoad(r1, tailMask, z), z, z,
                    Avx512F.MaskLoad(r2, tailMask, z), z, ref t));
                continue;
            }
            var c0 = Vector512.Load(r0);
            var c1 = Vector512.Load(r1);
            var c2 = Vector512.Load(r2);
            int ox = 0;
            for (; ox + 32 <= width; ox += 16)
            {
                var n0 = Vector512.Load(r0 + ox + 16);
                var n1 = Vector512.Load(r1 + ox + 16);
                var n2 = Vector512.Load(r2 + ox + 16);
                Block(p0, c0, n0, p1, c1, n1, p2, c2, n2, ref t).Store(yrow + ox);
                p0 = c0; p1 = c1; p2 = c2;
                c0 = n0; c1 = n1; c2 = n2;
            }
            // The last full block: the next one is the partial tail (zeros past the row) or nothing.
            {
                var n0 = rem == 0 ? Vector512<float>.Zero : Avx512F.MaskLoad(r0 + ox + 16, tailMask, Vector512<float>.Zero);
                var n1 = rem == 0 ? Vector512<float>.Zero : Avx512F.MaskLoad(r1 + ox + 16, tailMask, Vector512<float>.Zero);
                var n2 = rem == 0 ? Vector512<float>.Zero : Avx512F.MaskLoad(r2 + ox + 16, tailMask, Vector512<float>.Zero);
                Block(p0, c0, n0, p1, c1, n1, p2, c2, n2, ref t).Store(yrow + ox);
                if (rem == 0) continue;
                var z = Vector512<float>.Zero;
                Avx512F.MaskStore(yrow + ox + 16, tailMask, Block(c0, n0, z, c1, n1, z, c2, n2, z, ref t));
            }
        }
    }

    /// <summary>
    /// Stride 2, one column of padding on the left (the output half the input's width, rounded up): output block k reads input
    /// columns 32k - 1 .. 32k + 31 as two loads per tap row, split into even and odd columns by two permutes; the left taps are
    /// the odd columns moved one lane up by VALIGND, the previous block's last odd column (zero before the row) coming in.
    /// </summary>
    private static void Stride2Same(float* x, float* zero, float* y, in ConvDepthwise.Shape s, in Taps k)
    {
        var t = k;
        int width = s.Iw;
        var evens = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odds = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        // Only the last block can run past the row: its load and store masks.
        int lastIx = 2 * ((s.Ow - 1) & ~15);
        var ma = EdgeLoad16.FirstLanes(width - lastIx);
        var mb = EdgeLoad16.FirstLanes(width - lastIx - 16);
        var storeMask = EdgeLoad16.FirstLanes(s.Ow - ((s.Ow - 1) & ~15));
        for (int oy = 0; oy < s.Oh; oy++)
        {
            InputRows(x, zero, oy, s, out float* r0, out float* r1, out float* r2);
            float* yrow = y + ((nint)oy * s.Ow);
            Vector512<float> o0 = default, o1 = default, o2 = default;
            for (int ox = 0; ox < s.Ow; ox += 16)
            {
                int ix = 2 * ox;
                Vector512<float> a0, b0, a1, b1, a2, b2;
                if (ix + 32 <= width)
                {
                    a0 = Vector512.Load(r0 + ix); b0 = Vector512.Load(r0 + ix + 16);
                    a1 = Vector512.Load(r1 + ix); b1 = Vector512.Load(r1 + ix + 16);
                    a2 = Vector512.Load(r2 + ix); b2 = Vector512.Load(r2 + ix + 16);
                }
                else
                {
                    // Zeros past the row: the padding on the right.
                    var z = Vector512<float>.Zero;
                    a0 = Avx512F.MaskLoad(r0 + ix, ma, z); b0 = Avx512F.MaskLoad(r0 + ix + 16, mb, z);
                    a1 = Avx512F.MaskLoad(r1 + ix, ma, z); b1 = Avx512F.MaskLoad(r1 + ix + 16, mb, z);
                    a2 = Avx512F.MaskLoad(r2 + ix, ma, z); b2 = Avx512F.MaskLoad(r2 + ix + 16, mb, z);
                }
                var e0 = Avx512F.PermuteVar16x32x2(a0, evens, b0); var d0 = Avx512F.PermuteVar16x32x2(a0, odds, b0);
                var e1 = Avx512F.PermuteVar16x32x2(a1, evens, b1); var d1 = Avx512F.PermuteVar16x32x2(a1, odds, b1);
                var e2 = Avx512F.PermuteVar16x32x2(a2, evens, b2); var d2 = Avx512F.PermuteVar16x32x2(a2, odds, b2);
                // Columns 2j - 1, 2j, 2j + 1: (left, centre, right) = (odd shifted up, even, odd).
                var v = Taps9(Left(o0, d0), e0, d0, Left(o1, d1), e1, d1, Left(o2, d2), e2, d2, ref t);
                if (ox + 16 <= s.Ow) v.Store(yrow + ox);
                else Avx512F.MaskStore(yrow + ox, storeMask, v);
                o0 = d0; o1 = d1; o2 = d2;
            }
        }
    }

    /// <summary>16 outputs from the previous, current and next input blocks of the three rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Block(Vector512<float> p0, Vector512<float> c0, Vector512<float> n0, Vector512<float> p1,
        Vector512<float> c1, Vector512<float> n1, Vector512<float> p2, Vector512<float> c2, Vector512<float> n2, ref Taps k) =>
        Taps9(Left(p0, c0), c0, Right(c0, n0), Left(p1, c1), c1, Right(c1, n1), Left(p2, c2), c2, Right(c2, n2), ref k);

    /// <summary>clamp(bias + the nine taps): per kernel row its left, centre and right columns (one accumulator per row).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Taps9(Vector512<float> l0, Vector512<float> c0, Vector512<float> r0, Vector512<float> l1,
        Vector512<float> c1, Vector512<float> r1, Vector512<float> l2, Vector512<float> c2, Vector512<float> r2, ref Taps k)
    {
        var a0 = Avx512F.FusedMultiplyAdd(k.W00, l0, k.Bias);
        var a1 = k.W10 * l1;
        var a2 = k.W20 * l2;
        a0 = Avx512F.FusedMultiplyAdd(k.W01, c0, a0);
        a1 = Avx512F.FusedMultiplyAdd(k.W11, c1, a1);
        a2 = Avx512F.FusedMultiplyAdd(k.W21, c2, a2);
        a0 = Avx512F.FusedMultiplyAdd(k.W02, r0, a0);
        a1 = Avx512F.FusedMultiplyAdd(k.W12, r1, a1);
        a2 = Avx512F.FusedMultiplyAdd(k.W22, r2, a2);
        return Clamp(a0 + a1 + a2, k.Low, k.High);
    }

    /// <summary>Columns j - 1: the last lane of the previous block, then the current block's first 15.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Left(Vector512<float> previous, Vector512<float> current) =>
        Avx512F.AlignRight32(current.AsInt32(), previous.AsInt32(), 15).AsSingle();

    /// <summary>Columns j + 1: the current block's last 15 lanes, then the next block's first.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Right(Vector512<float> current, Vector512<float> next) =>
        Avx512F.AlignRight32(next.AsInt32(), current.AsInt32(), 1).AsSingle();

    private static void Stride2(float* x, float* zero, float* y, in ConvDepthwise.Shape s, in Taps k, EdgeColumn* edge, int edges,
        int interiorBegin, int interiorEnd)
    {
        var w00 = k.W00; var w01 = k.W01; var w02 = k.W02;
        var w10 = k.W10; var w11 = k.W11; var w12 = k.W12;
        var w20 = k.W20; var w21 = k.W21; var w22 = k.W22;
        var vb = k.Bias; var lo = k.Low; var hi = k.High;
        int pl = s.Pl;
        for (int oy = 0; oy < s.Oh; oy++)
        {
            InputRows(x, zero, oy, s, out float* r0, out float* r1, out float* r2);
            float* yrow = y + ((nint)oy * s.Ow);
            for (int ox = interiorBegin; ox < interiorEnd; ox += 16)
            {
                nint b = (2 * ox) - pl;
                var a0 = Stride2Row(Vector512.Load(r0 + b), Vector512.Load(r0 + b + 16), Vector512.CreateScalar(r0[b + 32]), w00, w01, w02, vb);
                var a1 = Stride2Row(Vector512.Load(r1 + b), Vector512.Load(r1 + b + 16), Vector512.CreateScalar(r1[b + 32]), w10, w11, w12,
                    Vector512<float>.Zero);
                var a2 = Stride2Row(Vector512.Load(r2 + b), Vector512.Load(r2 + b + 16), Vector512.CreateScalar(r2[b + 32]), w20, w21, w22,
                    Vector512<float>.Zero);
                Clamp(a0 + a1 + a2, lo, hi).Store(yrow + ox);
            }
            for (int e = 0; e < edges; e++)
            {
                ref readonly var c = ref edge[e];
                var a0 = Stride2Row(c.L0.Load(r0, Vector512<float>.Zero), c.L1.Load(r0, Vector512<float>.Zero), c.L2.Load(r0, Vector512<float>.Zero), w00, w01, w02, vb);
                var a1 = Stride2Row(c.L0.Load(r1, Vector512<float>.Zero), c.L1.Load(r1, Vector512<float>.Zero), c.L2.Load(r1, Vector512<float>.Zero), w10, w11, w12,
                    Vector512<float>.Zero);
                var a2 = Stride2Row(c.L0.Load(r2, Vector512<float>.Zero), c.L1.Load(r2, Vector512<float>.Zero), c.L2.Load(r2, Vector512<float>.Zero), w20, w21, w22,
                    Vector512<float>.Zero);
                Store(Clamp(a0 + a1 + a2, lo, hi), yrow + c.Ox, c);
            }
        }
    }

    /// <summary>The three input rows of output row <paramref name="oy"/> (the zero row where one lies in the padding).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void InputRows(float* x, float* zero, int oy, in ConvDepthwise.Shape s, out float* r0, out float* r1, out float* r2)
    {
        int iy0 = (oy * s.Sh) - s.Pt;
        r0 = Row(x, zero, iy0, s);
        r1 = Row(x, zero, iy0 + s.Dh, s);
        r2 = Row(x, zero, iy0 + (2 * s.Dh), s);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Row(float* x, float* zero, int iy, in ConvDepthwise.Shape s) =>
        (uint)iy < (uint)s.Ih ? x + ((nint)iy * s.Iw) : zero;

    /// <summary>acc + w0 * x[2j] + w1 * x[2j + 1] + w2 * x[2j + 2] for j in 0..16, where x is p:q:last[0] (33 columns).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Stride2Row(Vector512<float> p, Vector512<float> q, Vector512<float> last, Vector512<float> w0,
        Vector512<float> w1, Vector512<float> w2, Vector512<float> acc)
    {
        var even = Avx512F.PermuteVar16x32x2(p, Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30), q);
        var odd = Avx512F.PermuteVar16x32x2(p, Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31), q);
        // Column 2j + 2 is even[j + 1], and the 33rd column for the last lane.
        var next = Avx512F.PermuteVar16x32x2(even, Vector512.Create(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16), last);
        acc = Avx512F.FusedMultiplyAdd(w0, even, acc);
        acc = Avx512F.FusedMultiplyAdd(w1, odd, acc);
        return Avx512F.FusedMultiplyAdd(w2, next, acc);
    }
}
