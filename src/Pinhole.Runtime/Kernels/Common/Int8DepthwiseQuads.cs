using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Requant = Pinhole.Runtime.Kernels.Int8DepthwiseDirect.Requant;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Native int8 depthwise convolution for kernels up to four taps wide (3x3 above all) on AVX-512 VBMI. A kernel row's taps
/// for one output are a "quad" of four u8 activations; one VPERMB gathers the quads of 16 outputs from a masked 64-byte
/// load of the input row (the mask merges the zero point into padding columns), VPMADDUBSW multiplies them by the row's
/// four s8 weights into int16 pair sums, and VPMADDWD with ones adds each pair into int32. That is three instructions per
/// kernel row and 16 outputs, with no pair plane built first (<see cref="Int8DepthwiseDirect"/> builds one and needs two
/// VPMADDWD per kernel row), and outputs are stored straight into the output. VPMADDUBSW saturates its int16 sums, so only
/// weights whose pair sums cannot leave int16 for any u8 input qualify (<see cref="PackWeights"/>); for those the result is
/// the reference's int32 arithmetic, bit for bit.
/// </summary>
internal static unsafe class Int8DepthwiseQuads
{
    [ThreadStatic] private static byte[]? _scratch;

    /// <summary>Whether this form runs the geometry on this path (the weights must also have packed, see <see cref="PackWeights"/>).</summary>
    public static bool Supports(in ConvDepthwise.Shape s, GemmIsa isa) => isa == GemmIsa.Vector512 && Avx512BW.IsSupported && Avx512Vbmi.IsSupported
        && s.Kw <= 4 && s.Sw is 1 or 2 && s.Dh == 1 && s.Dw == 1;

    /// <summary>
    /// Per channel and kernel row, the four s8 weights (w[0 .. kw) then zeros) as one int, from weights already minus their
    /// zero point; null when the kernel is wider than four or a weight pair could saturate VPMADDUBSW's int16 sum.
    /// </summary>
    public static int[]? PackWeights(ReadOnlySpan<int> w, int channels, int kh, int kw)
    {
        if (kw > 4) return null;
        var packed = new int[channels * kh];
        for (int row = 0; row < channels * kh; row++)
        {
            int quad = 0;
            for (int pair = 0; pair < 2; pair++)
            {
                int a = 2 * pair < kw ? w[(row * kw) + (2 * pair)] : 0, b = (2 * pair) + 1 < kw ? w[(row * kw) + (2 * pair) + 1] : 0;
                if (!FitsPair(a, b)) return null;
                quad |= ((byte)(sbyte)a | ((byte)(sbyte)b << 8)) << (16 * pair);
            }
            packed[row] = quad;
        }
        return packed;
    }

    /// <summary>Whether a, b are s8 and x * a + y * b stays in int16 for all u8 x, y (VPMADDUBSW would saturate otherwise).</summary>
    private static bool FitsPair(int a, int b) => a is >= -128 and <= 127 && b is >= -128 and <= 127
        && 255 * (Math.Max(a, 0) + Math.Max(b, 0)) <= short.MaxValue && 255 * (Math.Max(-a, 0) + Math.Max(-b, 0)) <= -short.MinValue;

    /// <summary>
    /// y[p] for the planes p of x (channel p % <paramref name="channels"/>): offset[c] + the quad products with u8 activations
    /// (zero point <paramref name="zx"/> in the u8 domain; int8 inputs are moved there by flipping the sign bit), then
    /// clamp(round_half_even(acc * scale[c]) + zy). Needs <see cref="Supports"/>.
    /// </summary>
    public static void Run(byte* x, bool signedInput, int zx, int* quads, int* offset, float* scale, byte* y, int zy, int min, int max, int planes,
        int channels, in ConvDepthwise.Shape s, int threads)
    {
        if ((long)planes * s.Oh * s.Ow * s.Kh * s.Kw < 1 << 15) threads = 1;
        int chunks = Math.Min(planes, threads == 1 ? 1 : 4 * threads);
        IntraOp.For(chunks, threads, new Body(x, signedInput, zx, quads, offset, scale, y, zy, min, max, planes, channels, chunks, s));
    }

    /// <summary>The VPERMB index that gathers 16 outputs' quads: bytes (j * stride + k) for output j, tap k.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<byte> Index(int stride) => stride == 1
        ? Vector512.Create((byte)0, 1, 2, 3, 1, 2, 3, 4, 2, 3, 4, 5, 3, 4, 5, 6, 4, 5, 6, 7, 5, 6, 7, 8, 6, 7, 8, 9, 7, 8, 9, 10,
            8, 9, 10, 11, 9, 10, 11, 12, 10, 11, 12, 13, 11, 12, 13, 14, 12, 13, 14, 15, 13, 14, 15, 16, 14, 15, 16, 17, 15, 16, 17, 18)
        : Vector512.Create((byte)0, 1, 2, 3, 2, 3, 4, 5, 4, 5, 6, 7, 6, 7, 8, 9, 8, 9, 10, 11, 10, 11, 12, 13, 12, 13, 14, 15, 14, 15, 16, 17,
            16, 17, 18, 19, 18, 19, 20, 21, 20, 21, 22, 23, 22, 23, 24, 25, 24, 25, 26, 27, 26, 27, 28, 29, 28, 29, 30, 31, 30, 31, 32, 33);

    /// <summary>The store mask of a row's last 16-output block.</summary>
    private static Vector128<byte> LastMask(int ow) =>
        Vector128.LessThan(Vector128.Create((byte)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector128.Create((byte)(ow - (((ow + 15) / 16) - 1) * 16)));

    /// <summary>How input bytes reach the u8 domain: as they are (uint8) or with the sign bit flipped (int8).</summary>
    private interface ISign
    {
        static abstract Vector512<byte> ToUnsigned(Vector512<byte> v);
    }

    private readonly struct Unsigned : ISign
    {
        public static Vector512<byte> ToUnsigned(Vector512<byte> v) => v;
    }

    private readonly struct Signed : ISign
    {
        public static Vector512<byte> ToUnsigned(Vector512<byte> v) => v ^ Vector512.Create((byte)0x80);
    }

    /// <summary>A vertical stride known to the compiler.</summary>
    private interface IStride
    {
        static abstract int Value { get; }
    }

    private readonly struct One : IStride
    {
        public static int Value => 1;
    }

    private readonly struct Two : IStride
    {
        public static int Value => 2;
    }

    private readonly struct Body(byte* x, bool signedInput, int zx, int* quads, int* offset, float* scale, byte* y, int zy, int min, int max,
        int planes, int channels, int chunks, ConvDepthwise.Shape s) : IParallelBody
    {
        public void Invoke(int index)
        {
            int p0 = (int)((long)planes * index / chunks), p1 = (int)((long)planes * (index + 1) / chunks);
            int blocks = (s.Ow + 15) / 16;
            // Per 16-output column block, the load mask: the bytes its quads read that lie inside the image row (the rest
            // merge the zero point). Input rows are read in place, so reading them overlaps the arithmetic.
            int span = (15 * s.Sw) + 4;
            int bytes = 64 + (blocks * 64) + s.Iw + 64;
            var scratch = _scratch;
            if (scratch == null || scratch.Length < bytes) _scratch = scratch = new byte[bytes];
            byte flip = (byte)(signedInput ? 0x80 : 0), raw = (byte)(zx ^ flip);
            fixed (byte* buffer = scratch)
            {
                var masks = (Vector512<byte>*)(((nint)buffer + 63) & ~(nint)63);
                byte* padRow = (byte*)(masks + blocks); // the raw zero point: what rows above and below the image read
                new Span<byte>(padRow, s.Iw + 64).Fill(raw);
                for (int b = 0; b < blocks; b++)
                {
                    byte* m = (byte*)(masks + b);
                    int col0 = (b * 16 * s.Sw) - s.Pl;
                    for (int j = 0; j < 64; j++) m[j] = j < span && (uint)(col0 + j) < (uint)s.Iw ? (byte)0xFF : (byte)0;
                }
                for (int p = p0; p < p1; p++)
                {
                    int c = p % channels;
                    var rq = new Requant(offset[c], scale[c], zy, min, max);
                    byte* xp = x + ((nint)p * s.Ih * s.Iw), yp = y + ((nint)p * s.Oh * s.Ow);
                    int* wq = quads + ((nint)c * s.Kh);
                    // One instantiation per input sign and vertical stride, each laid out for its own loop.
                    if (s.Kh == 3 && s.Sh == 1)
                    {
                        if (signedInput) Columns3<Signed, One>(xp, yp, wq, rq, masks, padRow, raw);
                        else Columns3<Unsigned, One>(xp, yp, wq, rq, masks, padRow, raw);
                    }
                    else if (s.Kh == 3 && s.Sh == 2)
                    {
                        if (signedInput) Columns3<Signed, Two>(xp, yp, wq, rq, masks, padRow, raw);
                        else Columns3<Unsigned, Two>(xp, yp, wq, rq, masks, padRow, raw);
                    }
                    else
                    {
                        Rows(xp, yp, wq, rq, masks, padRow, raw, flip);
                    }
                }
            }
        }

        /// <summary>Input row <paramref name="r"/> of the padded plane: the image row, or the zero-point row above and below it.</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private byte* Row(byte* xp, byte* padRow, int r)
        {
            int iy = r - s.Pt;
            return ((uint)iy < (uint)s.Ih ? xp + ((nint)iy * s.Iw) : padRow) - s.Pl;
        }

        /// <summary>
        /// Three kernel rows, vertical stride 1 or 2: down each 16-output column block, every input row's quads are gathered
        /// once and kept in registers for the output rows that share them (one row load and VPERMB per output row at stride 1).
        /// </summary>
        private void Columns3<TSign, TStride>(byte* xp, byte* yp, int* wq, in Requant rq, Vector512<byte>* masks, byte* padRow, byte raw)
            where TSign : ISign
            where TStride : IStride
        {
            var index = Index(s.Sw);
            var merge = Vector512.Create(raw);
            var ones = Vector512.Create((short)1);
            var vo = Vector512.Create(rq.Offset);
            var vs = Vector512.Create(rq.Scale);
            var lo = Vector512.Create(rq.Low);
            var hi = Vector512.Create(rq.High);
            var zp = Vector512.Create(rq.Zp);
            var w0 = Vector512.Create(wq[0]).AsSByte();
            var w1 = Vector512.Create(wq[1]).AsSByte();
            var w2 = Vector512.Create(wq[2]).AsSByte();
            int blocks = (s.Ow + 15) / 16;
            var lastMask = LastMask(s.Ow);
            for (int b = 0; b < blocks; b++)
            {
                var mask = masks[b];
                nint col = (nint)b * 16 * s.Sw;
                byte* yc = yp + (b * 16);
                var q0 = Avx512Vbmi.PermuteVar64x8(TSign.ToUnsigned(Avx512BW.MaskLoad(Row(xp, padRow, 0) + col, mask, merge)), index);
                var q1 = TStride.Value == 1 ? Avx512Vbmi.PermuteVar64x8(TSign.ToUnsigned(Avx512BW.MaskLoad(Row(xp, padRow, 1) + col, mask, merge)), index) : q0;
                for (int oy = 0; oy < s.Oh; oy++)
                {
                    int top = oy * TStride.Value;
                    if (TStride.Value == 2) q1 = Avx512Vbmi.PermuteVar64x8(TSign.ToUnsigned(Avx512BW.MaskLoad(Row(xp, padRow, top + 1) + col, mask, merge)), index);
                    var q2 = Avx512Vbmi.PermuteVar64x8(TSign.ToUnsigned(Avx512BW.MaskLoad(Row(xp, padRow, top + 2) + col, mask, merge)), index);
                    var acc = vo + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(q0, w0), ones)
                        + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(q1, w1), ones)
                        + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(q2, w2), ones);
                    var r = Int8DepthwiseDirect.Requant512(acc, vs, lo, hi, zp);
                    if (b + 1 < blocks) r.Store(yc + ((nint)oy * s.Ow));
                    else Avx512BW.VL.MaskStore(yc + ((nint)oy * s.Ow), lastMask, r);
                    if (TStride.Value == 1)
                    {
                        q0 = q1;
                        q1 = q2;
                    }
                    else
                    {
                        q0 = q2;
                    }
                }
            }
        }

        /// <summary>Any kernel height and vertical stride: row by row, every kernel row loaded for every output row.</summary>
        private void Rows(byte* xp, byte* yp, int* wq, in Requant rq, Vector512<byte>* masks, byte* padRow, byte raw, byte flip)
        {
            var index = Index(s.Sw);
            var merge = Vector512.Create(raw);
            var f = Vector512.Create(flip);
            var ones = Vector512.Create((short)1);
            var vo = Vector512.Create(rq.Offset);
            var vs = Vector512.Create(rq.Scale);
            var lo = Vector512.Create(rq.Low);
            var hi = Vector512.Create(rq.High);
            var zp = Vector512.Create(rq.Zp);
            int blocks = (s.Ow + 15) / 16;
            var lastMask = LastMask(s.Ow);
            for (int oy = 0; oy < s.Oh; oy++)
            {
                byte* yr = yp + ((nint)oy * s.Ow);
                for (int b = 0; b < blocks; b++)
                {
                    var mask = masks[b];
                    nint col = (nint)b * 16 * s.Sw;
                    var acc = vo;
                    for (int ky = 0; ky < s.Kh; ky++)
                    {
                        var v = Avx512BW.MaskLoad(Row(xp, padRow, (oy * s.Sh) + ky) + col, mask, merge) ^ f;
                        var sums = Avx512BW.MultiplyAddAdjacent(Avx512Vbmi.PermuteVar64x8(v, index), Vector512.Create(wq[ky]).AsSByte());
                        acc += Avx512BW.MultiplyAddAdjacent(sums, ones);
                    }
                    var r = Int8DepthwiseDirect.Requant512(acc, vs, lo, hi, zp);
                    if (b + 1 < blocks) r.Store(yr + (b * 16));
                    else Avx512BW.VL.MaskStore(yr + (b * 16), lastMask, r);
                }
            }
        }
    }

}
