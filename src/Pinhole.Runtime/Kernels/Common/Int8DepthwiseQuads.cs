using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Requant = Pinhole.Runtime.Kernels.Int8DepthwiseDirect.Requant;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Native int8 depthwise convolution for kernels up to four taps wide (3x3 above all) on AVX-512 VBMI. A kernel row's taps
/// for one output are a "quad" of four u8 activations; one VPERMB gathers the quads of 16 outputs from a masked 64-byte
/// load of the input row (the mask merges the zero point into padding columns), VPMADDUBSW multiplies them by the row's
/// four s8 weights into int16 pair sums, and VPMADDWD with ones adds each pair into int32: three instructions per kernel row
/// and 16 outputs, with no pair plane built first (<see cref="Int8DepthwiseDirect"/> builds one and needs two VPMADDWD per
/// kernel row). Down each column of 16 outputs an input row's quads are gathered once for every output row that reads them,
/// and outputs go straight into the output. VPMADDUBSW saturates its int16 sums, so each channel pairs its taps in an order
/// whose pair sums cannot leave int16 for any u8 input, or gives every product its own lane in two quads per kernel row
/// (<see cref="PackWeights"/>); the result is the reference's int32 arithmetic, bit for bit.
/// </summary>
internal static unsafe class Int8DepthwiseQuads
{
    [ThreadStatic] private static byte[]? _scratch;

    /// <summary>Whether this form runs the geometry on this path (the weights must also have packed, see <see cref="PackWeights"/>).</summary>
    public static bool Supports(in ConvDepthwise.Shape s, GemmIsa isa) => isa == GemmIsa.Vector512 && Avx512BW.IsSupported && Avx512Vbmi.IsSupported
        && s.Kw <= 4 && s.Sw is 1 or 2 && s.Dh == 1 && s.Dw == 1;

    /// <summary>
    /// The tap order of a quad per pairing mode: VPMADDUBSW adds slots (0, 1) and (2, 3), so a channel whose natural pairs
    /// could saturate may pair its taps differently (modes 1 and 2). Mode 3 (<see cref="Split"/>) gives each product its own
    /// int16 lane, taps 0 and 1 in quad A and taps 2 and 3 in quad B (the other slots weigh 0), which never saturates.
    /// </summary>
    private static readonly byte[][] Orders = [[0, 1, 2, 3], [0, 2, 1, 3], [0, 3, 1, 2], [0, 0, 1, 1], [2, 2, 3, 3]];

    private const int Split = 3;

    /// <summary>Ints per channel in <see cref="PackWeights"/>' layout.</summary>
    private static int ChannelInts(int kh) => 1 + (2 * kh);

    /// <summary>
    /// Per channel: the pairing mode, then per kernel row quad A's four s8 weights as one int, then per kernel row quad B's
    /// (zero unless the mode is <see cref="Split"/>), from weights already minus their zero point. Each channel takes the first
    /// pairing whose pair sums cannot leave int16 for any u8 input, else the split form. Null when the kernel is wider than
    /// four or a weight is not s8.
    /// </summary>
    public static int[]? PackWeights(ReadOnlySpan<int> w, int channels, int kh, int kw)
    {
        if (kw > 4) return null;
        foreach (int v in w)
            if (v is < -128 or > 127) return null;
        int stride = ChannelInts(kh);
        var packed = new int[channels * stride];
        Span<int> taps = stackalloc int[4];
        for (int c = 0; c < channels; c++)
        {
            int mode = 0;
            for (; mode < Split; mode++)
            {
                bool fits = true;
                for (int ky = 0; ky < kh && fits; ky++)
                {
                    Taps(w, (c * kh) + ky, kw, taps);
                    var order = Orders[mode];
                    fits = FitsPair(taps[order[0]], taps[order[1]]) && FitsPair(taps[order[2]], taps[order[3]]);
                }
                if (fits) break;
            }
            int at = c * stride;
            packed[at] = mode;
            for (int ky = 0; ky < kh; ky++)
            {
                Taps(w, (c * kh) + ky, kw, taps);
                packed[at + 1 + ky] = Quad(taps, Orders[mode], mode == Split);
                if (mode == Split) packed[at + 1 + kh + ky] = Quad(taps, Orders[Split + 1], true);
            }
        }
        return packed;
    }

    /// <summary>The kernel row's taps, zero past the kernel width.</summary>
    private static void Taps(ReadOnlySpan<int> w, int row, int kw, Span<int> taps)
    {
        for (int k = 0; k < 4; k++) taps[k] = k < kw ? w[(row * kw) + k] : 0;
    }

    /// <summary>Four s8 weights as one int: slot k weighs the tap <paramref name="order"/>[k] (odd slots 0 when split).</summary>
    private static int Quad(ReadOnlySpan<int> taps, byte[] order, bool split)
    {
        int quad = 0;
        for (int k = 0; k < 4; k++) quad |= (split && k % 2 == 1 ? 0 : (byte)(sbyte)taps[order[k]]) << (8 * k);
        return quad;
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
        // The tables every plane reads, built once per call by the calling thread and only read by the workers (built per
        // chunk, they were redone 8 times per call at 2 threads).
        int blocks = (s.Ow + 15) / 16;
        int bytes = 64 + ((blocks + Orders.Length) * 64) + s.Iw + 64;
        var scratch = _scratch;
        if (scratch == null || scratch.Length < bytes) _scratch = scratch = new byte[bytes];
        byte raw = (byte)(zx ^ (signedInput ? 0x80 : 0));
        fixed (byte* buffer = scratch)
        {
            // Per tap order, the VPERMB index that gathers 16 outputs' quads: byte j * sw + order[k] for output j, slot k.
            var indices = (Vector512<byte>*)(((nint)buffer + 63) & ~(nint)63);
            for (int o = 0; o < Orders.Length; o++)
                for (int j = 0; j < 64; j++) ((byte*)(indices + o))[j] = (byte)(((j / 4) * s.Sw) + Orders[o][j % 4]);
            // Per 16-output column block, the load mask: the bytes its quads read that lie inside the image row (the rest
            // merge the zero point). Input rows are read in place, so reading them overlaps the arithmetic.
            var masks = indices + Orders.Length;
            int span = (15 * s.Sw) + 4;
            for (int b = 0; b < blocks; b++)
            {
                byte* m = (byte*)(masks + b);
                int col0 = (b * 16 * s.Sw) - s.Pl;
                for (int j = 0; j < 64; j++) m[j] = j < span && (uint)(col0 + j) < (uint)s.Iw ? (byte)0xFF : (byte)0;
            }
            byte* padRow = (byte*)(masks + blocks); // the raw zero point: what rows above and below the image read
            new Span<byte>(padRow, s.Iw + 64).Fill(raw);
            var tables = new Tables(indices, masks, padRow, raw);
            IntraOp.For(chunks, threads, new Body(x, signedInput, quads, offset, scale, y, zy, min, max, planes, channels, chunks, s, tables));
        }
    }

    /// <summary>The per-call tables (see <see cref="Run"/>).</summary>
    private readonly struct Tables(Vector512<byte>* indices, Vector512<byte>* masks, byte* padRow, byte raw)
    {
        public readonly Vector512<byte>* Indices = indices;
        public readonly Vector512<byte>* Masks = masks;
        public readonly byte* PadRow = padRow;
        public readonly byte Raw = raw;
    }

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

    /// <summary>Whether channels take one quad per kernel row (a pairing mode) or two (<see cref="Split"/>).</summary>
    private interface IQuads
    {
        static abstract bool Two { get; }
    }

    private readonly struct Paired : IQuads
    {
        public static bool Two => false;
    }

    private readonly struct Halved : IQuads
    {
        public static bool Two => true;
    }

    private readonly struct Body(byte* x, bool signedInput, int* quads, int* offset, float* scale, byte* y, int zy, int min, int max,
        int planes, int channels, int chunks, ConvDepthwise.Shape s, Tables t) : IParallelBody
    {
        public void Invoke(int index)
        {
            int p0 = (int)((long)planes * index / chunks), p1 = (int)((long)planes * (index + 1) / chunks);
            byte flip = (byte)(signedInput ? 0x80 : 0), raw = t.Raw;
            var indices = t.Indices;
            var masks = t.Masks;
            byte* padRow = t.PadRow;
            {
                int channelInts = ChannelInts(s.Kh);
                for (int p = p0; p < p1; p++)
                {
                    int c = p % channels;
                    var rq = new Requant(offset[c], scale[c], zy, min, max);
                    byte* xp = x + ((nint)p * s.Ih * s.Iw), yp = y + ((nint)p * s.Oh * s.Ow);
                    int* wq = quads + ((nint)c * channelInts);
                    int mode = wq[0];
                    var planeArgs = new PlaneArgs(xp, yp, wq + 1, indices + mode, indices + Split + 1, masks, padRow, raw);
                    // One instantiation per input sign, vertical stride and quads per row, each laid out for its own loop.
                    bool split = mode == Split;
                    if (s.Kh == 3 && s.Sh == 1)
                    {
                        if (signedInput) { if (split) Columns3<Signed, One, Halved>(planeArgs, rq); else Columns3<Signed, One, Paired>(planeArgs, rq); }
                        else if (split) Columns3<Unsigned, One, Halved>(planeArgs, rq);
                        else Columns3<Unsigned, One, Paired>(planeArgs, rq);
                    }
                    else if (s.Kh == 3 && s.Sh == 2)
                    {
                        if (signedInput) { if (split) Columns3<Signed, Two, Halved>(planeArgs, rq); else Columns3<Signed, Two, Paired>(planeArgs, rq); }
                        else if (split) Columns3<Unsigned, Two, Halved>(planeArgs, rq);
                        else Columns3<Unsigned, Two, Paired>(planeArgs, rq);
                    }
                    else
                    {
                        Rows(planeArgs, rq, flip, split);
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
        private void Columns3<TSign, TStride, TQuads>(in PlaneArgs a, in Requant rq)
            where TSign : ISign
            where TStride : IStride
            where TQuads : IQuads
        {
            byte* xp = a.Input, padRow = a.PadRow;
            var indexA = *a.IndexA;
            var indexB = *a.IndexB;
            var merge = Vector512.Create(a.Raw);
            var ones = Vector512.Create((short)1);
            var vo = Vector512.Create(rq.Offset);
            var vs = Vector512.Create(rq.Scale);
            var lo = Vector512.Create(rq.Low);
            var hi = Vector512.Create(rq.High);
            var zp = Vector512.Create(rq.Zp);
            var wa0 = Vector512.Create(a.Weights[0]).AsSByte();
            var wa1 = Vector512.Create(a.Weights[1]).AsSByte();
            var wa2 = Vector512.Create(a.Weights[2]).AsSByte();
            var wb0 = Vector512.Create(TQuads.Two ? a.Weights[3] : 0).AsSByte();
            var wb1 = Vector512.Create(TQuads.Two ? a.Weights[4] : 0).AsSByte();
            var wb2 = Vector512.Create(TQuads.Two ? a.Weights[5] : 0).AsSByte();
            int blocks = (s.Ow + 15) / 16;
            var lastMask = LastMask(s.Ow);
            for (int b = 0; b < blocks; b++)
            {
                var mask = a.Masks[b];
                nint col = (nint)b * 16 * s.Sw;
                byte* yc = a.Output + (b * 16);
                var v0 = TSign.ToUnsigned(Avx512BW.MaskLoad(Row(xp, padRow, 0) + col, mask, merge));
                var qa0 = Avx512Vbmi.PermuteVar64x8(v0, indexA);
                var qb0 = TQuads.Two ? Avx512Vbmi.PermuteVar64x8(v0, indexB) : default;
                var qa1 = qa0;
                var qb1 = qb0;
                if (TStride.Value == 1)
                {
                    var v1 = TSign.ToUnsigned(Avx512BW.MaskLoad(Row(xp, padRow, 1) + col, mask, merge));
                    qa1 = Avx512Vbmi.PermuteVar64x8(v1, indexA);
                    if (TQuads.Two) qb1 = Avx512Vbmi.PermuteVar64x8(v1, indexB);
                }
                for (int oy = 0; oy < s.Oh; oy++)
                {
                    int top = oy * TStride.Value;
                    if (TStride.Value == 2)
                    {
                        var v1 = TSign.ToUnsigned(Avx512BW.MaskLoad(Row(xp, padRow, top + 1) + col, mask, merge));
                        qa1 = Avx512Vbmi.PermuteVar64x8(v1, indexA);
                        if (TQuads.Two) qb1 = Avx512Vbmi.PermuteVar64x8(v1, indexB);
                    }
                    var v2 = TSign.ToUnsigned(Avx512BW.MaskLoad(Row(xp, padRow, top + 2) + col, mask, merge));
                    var qa2 = Avx512Vbmi.PermuteVar64x8(v2, indexA);
                    var acc = vo + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(qa0, wa0), ones)
                        + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(qa1, wa1), ones)
                        + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(qa2, wa2), ones);
                    var qb2 = qb1;
                    if (TQuads.Two)
                    {
                        qb2 = Avx512Vbmi.PermuteVar64x8(v2, indexB);
                        acc += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(qb0, wb0), ones)
                            + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(qb1, wb1), ones)
                            + Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(qb2, wb2), ones);
                    }
                    var r = Int8DepthwiseDirect.Requant512(acc, vs, lo, hi, zp);
                    if (b + 1 < blocks) r.Store(yc + ((nint)oy * s.Ow));
                    else Avx512BW.VL.MaskStore(yc + ((nint)oy * s.Ow), lastMask, r);
                    if (TStride.Value == 1)
                    {
                        qa0 = qa1;
                        qa1 = qa2;
                        qb0 = qb1;
                        qb1 = qb2;
                    }
                    else
                    {
                        qa0 = qa2;
                        qb0 = qb2;
                    }
                }
            }
        }

        /// <summary>Any kernel height and vertical stride: row by row, every kernel row loaded for every output row.</summary>
        private void Rows(in PlaneArgs a, in Requant rq, byte flip, bool split)
        {
            var indexA = *a.IndexA;
            var indexB = *a.IndexB;
            var merge = Vector512.Create(a.Raw);
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
                byte* yr = a.Output + ((nint)oy * s.Ow);
                for (int b = 0; b < blocks; b++)
                {
                    var mask = a.Masks[b];
                    nint col = (nint)b * 16 * s.Sw;
                    var acc = vo;
                    for (int ky = 0; ky < s.Kh; ky++)
                    {
                        var v = Avx512BW.MaskLoad(Row(a.Input, a.PadRow, (oy * s.Sh) + ky) + col, mask, merge) ^ f;
                        var sums = Avx512BW.MultiplyAddAdjacent(Avx512Vbmi.PermuteVar64x8(v, indexA), Vector512.Create(a.Weights[ky]).AsSByte());
                        acc += Avx512BW.MultiplyAddAdjacent(sums, ones);
                        if (!split) continue;
                        sums = Avx512BW.MultiplyAddAdjacent(Avx512Vbmi.PermuteVar64x8(v, indexB), Vector512.Create(a.Weights[s.Kh + ky]).AsSByte());
                        acc += Avx512BW.MultiplyAddAdjacent(sums, ones);
                    }
                    var r = Int8DepthwiseDirect.Requant512(acc, vs, lo, hi, zp);
                    if (b + 1 < blocks) r.Store(yr + (b * 16));
                    else Avx512BW.VL.MaskStore(yr + (b * 16), lastMask, r);
                }
            }
        }
    }

    /// <summary>One plane's operands: input and output planes, the channel's quads (A per row, then B), gather indices, masks.</summary>
    private readonly struct PlaneArgs(byte* input, byte* output, int* weights, Vector512<byte>* indexA, Vector512<byte>* indexB, Vector512<byte>* masks,
        byte* padRow, byte raw)
    {
        public readonly byte* Input = input;
        public readonly byte* Output = output;
        public readonly int* Weights = weights;
        public readonly Vector512<byte>* IndexA = indexA;
        public readonly Vector512<byte>* IndexB = indexB;
        public readonly Vector512<byte>* Masks = masks;
        public readonly byte* PadRow = padRow;
        public readonly byte Raw = raw;
    }
}
