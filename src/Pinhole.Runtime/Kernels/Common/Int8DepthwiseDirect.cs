using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Native int8 depthwise convolution (dilation 1, horizontal stride 1 or 2, any kernel size and vertical stride), exact
/// int32 arithmetic with the requantization fused. Each input row is padded with the input zero point and expanded once
/// into a "pair row" of int16 pairs: P[i] = (x[i], x[i + 1]) for stride 1, (x[2i], x[2i + 1]) for stride 2, so that one
/// VPMADDWD of P[ox + offset] with the broadcast weight pair (w[kx], w[kx + 1]) adds two taps for 16 (AVX-512), 8 or 4
/// outputs (a 3x3 kernel takes six; an odd kernel width pairs its last tap with weight 0). The last kh pair rows stay in a
/// small ring buffer (L1), each built once and read by every output row that needs it. Activations are u8 (int8 moved by
/// flipping the sign bit), weights w - zw as int16 (|w - zw| &lt;= 383), so pair sums cannot saturate; padding holds the
/// zero point, whose products cancel in the folded per-channel offset <c>bias - zx * sum(w - zw)</c>. All of it is
/// int32 arithmetic that wraps as the reference's does, so results are bit-identical.
/// </summary>
internal static unsafe class Int8DepthwiseDirect
{
    [ThreadStatic] private static int[]? _pairs;
    [ThreadStatic] private static byte[]? _row;

    /// <summary>Whether the geometry runs here (the rest takes <see cref="Int8Depthwise"/> or the reference).</summary>
    public static bool Supports(int strideW, int dilationH, int dilationW) => strideW is 1 or 2 && dilationH == 1 && dilationW == 1;

    /// <summary>Tap pairs per kernel row.</summary>
    public static int PairsPerRow(int kw) => (kw + 1) / 2;

    /// <summary>
    /// Per channel, the kernel as int16 weight pairs (low half w[ky][2j], high half w[ky][2j + 1] or 0), kh * <see cref="PairsPerRow"/>
    /// ints per channel, from weights already minus their zero point.
    /// </summary>
    public static int[] PackWeights(ReadOnlySpan<int> w, int channels, int kh, int kw)
    {
        int pairs = PairsPerRow(kw);
        var packed = new int[channels * kh * pairs];
        for (int c = 0; c < channels; c++)
            for (int ky = 0; ky < kh; ky++)
                for (int j = 0; j < pairs; j++)
                {
                    int at = (((c * kh) + ky) * kw) + (2 * j);
                    int lo = w[at], hi = (2 * j) + 1 < kw ? w[at + 1] : 0;
                    packed[(((c * kh) + ky) * pairs) + j] = (ushort)(short)lo | ((ushort)(short)hi << 16);
                }
        return packed;
    }

    /// <summary>
    /// y[p] for the planes p of x (channel p % <paramref name="channels"/>): acc = offset[c] + sum of the pair products with
    /// u8 activations (zero point <paramref name="zx"/> in the u8 domain), then clamp(round_half_even(acc * scale[c]) + zy).
    /// <paramref name="portable"/> (tests) makes the 128-bit path use only the portable vector API.
    /// </summary>
    public static void Run(byte* x, bool signedInput, int zx, int* weights, int* offset, float* scale, byte* y, int zy, int min, int max, int planes,
        int channels, in ConvDepthwise.Shape s, int threads, GemmIsa isa, bool portable = false)
    {
        if ((long)planes * s.Oh * s.Ow * s.Kh * s.Kw < 1 << 15) threads = 1;
        int chunks = Math.Min(planes, threads == 1 ? 1 : 4 * threads);
        IntraOp.For(chunks, threads, new Body(x, signedInput, zx, weights, offset, scale, y, zy, min, max, planes, channels, chunks, s, isa, portable));
    }

    /// <summary>Lanes per output vector of a path.</summary>
    private static int Lanes(GemmIsa isa) => isa switch { GemmIsa.Vector512 => 16, GemmIsa.Vector256 => 8, GemmIsa.Vector128 => 4, _ => 1 };

    private readonly struct Body(byte* x, bool signedInput, int zx, int* weights, int* offset, float* scale, byte* y, int zy, int min, int max,
        int planes, int channels, int chunks, ConvDepthwise.Shape s, GemmIsa isa, bool portable) : IParallelBody
    {
        public void Invoke(int index)
        {
            int p0 = (int)((long)planes * index / chunks), p1 = (int)((long)planes * (index + 1) / chunks);
            int pairs = PairsPerRow(s.Kw), taps = s.Kh * pairs;
            int** tap = stackalloc int*[taps];
            byte pad = (byte)zx, flip = (byte)(signedInput ? 0x80 : 0);
            int inSize = s.Ih * s.Iw, outSize = s.Oh * s.Ow;
            if (s.Sw == s.Sh && s.Sw is 1 or 2)
            {
                Flattened(p0, p1, tap, pairs, taps, pad, flip);
                return;
            }
            {
                // Row by row: the last kh pair rows in a ring buffer, each built once.
                int pairLen = s.Ow + (s.Sw == 1 ? 2 * (pairs - 1) : pairs - 1) + 16;
                int rowLen = (s.Sw == 1 ? pairLen + 1 : 2 * pairLen) + 32;
                int stride = (pairLen + 15) & ~15;
                var (pairBuf, rowBuf) = Buffers((s.Kh * stride) + 16, rowLen);
                int* rowOf = stackalloc int[s.Kh];
                fixed (int* pp = pairBuf)
                fixed (byte* row = rowBuf)
                {
                    for (int p = p0; p < p1; p++)
                    {
                        int c = p % channels;
                        byte* xp = x + ((nint)p * inSize);
                        byte* yp = y + ((nint)p * outSize);
                        for (int i = 0; i < s.Kh; i++) rowOf[i] = int.MinValue;
                        var rq = new Requant(offset[c], scale[c], zy, min, max);
                        for (int oy = 0; oy < s.Oh; oy++)
                        {
                            for (int ky = 0; ky < s.Kh; ky++)
                            {
                                int r = (oy * s.Sh) + ky, slot = r % s.Kh;
                                int* pr = pp + ((nint)slot * stride);
                                if (rowOf[slot] != r)
                                {
                                    rowOf[slot] = r;
                                    PadRow(xp, r - s.Pt, s, pad, flip, row, rowLen);
                                    if (s.Sw == 1) PairsStride1(row, pr, pairLen);
                                    else PairsStride2(row, pr, pairLen);
                                }
                                for (int j = 0; j < pairs; j++) tap[(ky * pairs) + j] = pr + (s.Sw == 1 ? 2 * j : j);
                            }
                            Convolve(tap, weights + ((nint)c * taps), taps, s.Ow, rq, yp + ((nint)oy * s.Ow), isa, portable);
                        }
                    }
                }
            }
        }

        /// <summary>
        /// Equal strides 1 or 2: the padded plane flattened, so that one 1-D convolution covers the plane with full vectors
        /// (small planes too). Stride 1: pair plane P[i] = (x[i], x[i + 1]) of the padded rows (pitch pw = ow + kw - 1);
        /// output (oy, ox) is position oy * pw + ox, tap (ky, j) at offset ky * pw + 2j. Stride 2: the padded rows are stored
        /// by parity (row r in phase r % 2, row r / 2) and zero-extended, P[i] = (x[2i], x[2i + 1]) with pitch hw = ow + (kw - 1) / 2;
        /// output (oy, ox) is position oy * hw + ox, tap (ky, j) at offset (ky / 2) * hw + j of phase ky % 2. The positions
        /// past each output row's end are computed and dropped. Padding is written once per call; each plane copies only its rows.
        /// </summary>
        private void Flattened(int p0, int p1, int** tap, int pairs, int taps, byte pad, byte flip)
        {
            int st = s.Sw;
            int hw = st == 1 ? s.Ow + s.Kw - 1 : s.Ow + ((s.Kw - 1) / 2), pw = st * hw;
            int ph = ((s.Oh - 1) * st) + s.Kh, count = s.Oh * hw;
            int phaseRows = (ph + st - 1) / st;
            int phaseBytes = ((phaseRows + 1) * pw) + 64; // even: the stride-2 phases split evenly into pairs
            int planeBytes = st * phaseBytes;
            int pairLen = st == 1 ? count + ((s.Kh - 1) * pw) + (2 * pairs) + 16 : planeBytes / 2;
            var (pairBuf, byteBuf) = Buffers(pairLen + 32, planeBytes + 64 + count + 16);
            int inSize = s.Ih * s.Iw, outSize = s.Oh * s.Ow;
            int width = Math.Clamp(pw - s.Pl, 0, s.Iw), left = Math.Min(s.Pl, pw);
            int r0 = Math.Max(0, s.Pt), r1 = Math.Min(ph, s.Pt + s.Ih); // padded rows that hold image rows
            fixed (int* pp = pairBuf)
            fixed (byte* bytes = byteBuf)
            {
                byte* outRows = bytes + planeBytes + 64;
                for (int ky = 0; ky < s.Kh; ky++)
                    for (int j = 0; j < pairs; j++)
                        tap[(ky * pairs) + j] = st == 1 ? pp + (ky * pw) + (2 * j) : pp + ((ky % 2) * (phaseBytes / 2)) + ((ky / 2) * hw) + j;
                // Stride 2 with AVX-512BW: a pair is two neighbouring bytes of the plane, so each tap widens 32 bytes as it
                // loads them (VPMOVZXBW) instead of reading a pair plane built first (which cost as much as the products).
                bool widenOnLoad = st == 2 && taps == 6 && isa == GemmIsa.Vector512 && Avx512BW.IsSupported;
                // Stride 1 with AVX-512BW: the pair plane straight from the input rows (masked loads fill the padding), with no
                // byte plane between (whose 16-byte stores the pair loads right after could not forward from).
                bool pairsFromInput = st == 1 && isa == GemmIsa.Vector512 && Avx512BW.IsSupported;
                if (!pairsFromInput) Fill(bytes, planeBytes + 64, pad); // the padded byte plane, read by the other forms only
                int columnBlocks = (pw + 15) / 16;
                var inRow = stackalloc Vector256<byte>[pairsFromInput ? columnBlocks : 0];
                byte* lanes = stackalloc byte[32];
                for (int b = 0; b < (pairsFromInput ? columnBlocks : 0); b++)
                {
                    // Lane j reads input column 16b - Pl + j: set where that column is inside the image.
                    for (int j = 0; j < 32; j++) lanes[j] = (uint)((b * 16) - s.Pl + j) < (uint)s.Iw ? (byte)0xFF : (byte)0;
                    inRow[b] = Vector256.Load(lanes);
                }
                for (int p = p0; p < p1; p++)
                {
                    int c = p % channels;
                    byte* xp = x + ((nint)p * inSize);
                    if (pairsFromInput)
                    {
                        PairsFromInput(xp, pp, s, pw, ph, inRow, columnBlocks, pad, flip);
                        var rqc = new Requant(offset[c], scale[c], zy, min, max);
                        if (s.Kh == 3 && pairs == 2) Row512x6Sliding(pp, pw, weights + ((nint)c * taps), count, rqc, outRows);
                        else Convolve(tap, weights + ((nint)c * taps), taps, count, rqc, outRows, isa, portable);
                        byte* yq = y + ((nint)p * outSize);
                        for (int oy = 0; oy < s.Oh; oy++) Copy(outRows + ((nint)oy * hw), yq + ((nint)oy * s.Ow), s.Ow, 0);
                        continue;
                    }
                    for (int r = r0; r < r1; r++)
                        Copy(xp + ((nint)(r - s.Pt) * s.Iw), bytes + ((r % st) * phaseBytes) + ((nint)(r / st) * pw) + left, width, flip);
                    var rq = new Requant(offset[c], scale[c], zy, min, max);
                    if (widenOnLoad)
                    {
                        // Pair index i of the plane is bytes 2i and 2i + 1: the tap pointers, in bytes.
                        Row512x6Widened(tap, (byte*)pp, bytes, weights + ((nint)c * taps), count, rq, outRows);
                    }
                    else
                    {
                        if (st == 1) PairsStride1(bytes, pp, pairLen);
                        else PairsStride2(bytes, pp, pairLen);
                        Convolve(tap, weights + ((nint)c * taps), taps, count, rq, outRows, isa, portable);
                    }
                    byte* yp = y + ((nint)p * outSize);
                    for (int oy = 0; oy < s.Oh; oy++) Copy(outRows + ((nint)oy * hw), yp + ((nint)oy * s.Ow), s.Ow, 0);
                }
            }
        }
    }

    /// <summary>
    /// The stride-1 pair plane of one input plane: P[r * pw + c] = (b[r][c], b[r][c + 1]) over the padded rows r &lt; ph,
    /// where b is the input in the u8 domain, <paramref name="pad"/> outside it. Each row's blocks of 16 pairs come from 32
    /// bytes loaded with the mask of the columns inside the image (the rest merge the padding), widened to words and
    /// paired by one VPERMW; a row's last block runs into the next row, which overwrites it.
    /// </summary>
    private static void PairsFromInput(byte* xp, int* pp, in ConvDepthwise.Shape s, int pw, int ph, Vector256<byte>* inRow, int columnBlocks,
        byte pad, byte flip)
    {
        var pairs = Vector512.Create((short)0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15, 16);
        var merge = Vector256.Create((byte)(pad ^ flip));
        var f = Vector256.Create(flip);
        var padPairs = Vector512.Create(pad | (pad << 16));
        for (int r = 0; r < ph; r++)
        {
            int* dst = pp + ((nint)r * pw);
            int iy = r - s.Pt;
            if ((uint)iy >= (uint)s.Ih)
            {
                for (int b = 0; b < columnBlocks; b++) padPairs.Store(dst + (b * 16));
                continue;
            }
            byte* src = xp + ((nint)iy * s.Iw) - s.Pl;
            for (int b = 0; b < columnBlocks; b++)
            {
                var bytes = Avx512BW.VL.MaskLoad(src + (b * 16), inRow[b], merge) ^ f;
                Avx512BW.PermuteVar32x16(Avx512BW.ConvertToVector512Int16(bytes).AsInt16(), pairs).AsInt32().Store(dst + (b * 16));
            }
        }
    }

    private static (int[] Pairs, byte[] Bytes) Buffers(int pairs, int bytes)
    {
        var p = _pairs;
        if (p == null || p.Length < pairs) _pairs = p = new int[pairs];
        var b = _row;
        if (b == null || b.Length < bytes) _row = b = new byte[bytes];
        return (p, b);
    }

    /// <summary>y[q] for q &lt; count: offset + sum over taps t of the pair product of tap[t][q] and w[t], requantized.</summary>
    private static void Convolve(int** tap, int* w, int taps, int count, in Requant rq, byte* y, GemmIsa isa, bool portable)
    {
        switch (isa)
        {
            case GemmIsa.Vector512 when taps == 6: Row512x6(tap, w, count, rq, y); break;
            case GemmIsa.Vector512: Row512(tap, w, taps, count, rq, y); break;
            case GemmIsa.Vector256: Row256(tap, w, taps, count, rq, y); break;
            case GemmIsa.Vector128 when portable: Row128<MaddS16Portable>(tap, w, taps, count, rq, y); break;
            case GemmIsa.Vector128: Row128<MaddS16>(tap, w, taps, count, rq, y); break;
            default: RowScalar(tap, w, taps, count, rq, y); break;
        }
    }

    /// <summary>Input row <paramref name="iy"/> (u8 domain) shifted by the left padding into row[0 .. rowLen), the zero point outside the image.</summary>
    private static void PadRow(byte* xp, int iy, in ConvDepthwise.Shape s, byte pad, byte flip, byte* row, int rowLen)
    {
        Fill(row, rowLen, pad);
        if ((uint)iy >= (uint)s.Ih) return;
        int width = Math.Clamp(rowLen - s.Pl, 0, s.Iw);
        Copy(xp + ((nint)iy * s.Iw), row + Math.Min(s.Pl, rowLen), width, flip);
    }

    /// <summary>dst[0 .. n) = v (short rows: overlapping plain stores instead of a library call).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Fill(byte* dst, int n, byte v)
    {
        if (n >= 16 && Vector128.IsHardwareAccelerated)
        {
            var vv = Vector128.Create(v);
            for (int i = 0; i + 16 <= n; i += 16) vv.Store(dst + i);
            vv.Store(dst + n - 16);
            return;
        }
        ulong v8 = v * 0x0101010101010101ul;
        if (n >= 8)
        {
            for (int i = 0; i + 8 <= n; i += 8) *(ulong*)(dst + i) = v8;
            *(ulong*)(dst + n - 8) = v8;
            return;
        }
        for (int i = 0; i < n; i++) dst[i] = v;
    }

    /// <summary>dst[i] = src[i] ^ flip for i &lt; n, touching nothing outside either range (the last block overlaps the one before).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Copy(byte* src, byte* dst, int n, byte flip)
    {
        if (n >= 16 && Vector128.IsHardwareAccelerated)
        {
            var f = Vector128.Create(flip);
            for (int i = 0; i + 16 <= n; i += 16) (Vector128.Load(src + i) ^ f).Store(dst + i);
            (Vector128.Load(src + n - 16) ^ f).Store(dst + n - 16);
            return;
        }
        ulong f8 = flip * 0x0101010101010101ul;
        if (n >= 8)
        {
            for (int i = 0; i + 8 <= n; i += 8) *(ulong*)(dst + i) = *(ulong*)(src + i) ^ f8;
            *(ulong*)(dst + n - 8) = *(ulong*)(src + n - 8) ^ f8;
            return;
        }
        for (int i = 0; i < n; i++) dst[i] = (byte)(src[i] ^ flip);
    }

    /// <summary>P[i] = row[i] | row[i + 1] &lt;&lt; 16 for i &lt; n rounded up to 16 (reads row[0 .. n + 32), writes p[0 .. n + 16)).</summary>
    private static void PairsStride1(byte* row, int* p, int n)
    {
        int i = 0;
        if (Avx512BW.IsSupported)
        {
            // 32 bytes widened to words, then one word permute makes the 16 overlapping pairs (w[j], w[j + 1]).
            var pairs = Vector512.Create((short)0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13, 14, 14, 15, 15, 16);
            for (; i < n; i += 16)
                Avx512BW.PermuteVar32x16(Avx512BW.ConvertToVector512Int16(Vector256.Load(row + i)).AsInt16(), pairs).AsInt32().Store(p + i);
            return;
        }
        if (Avx512F.IsSupported)
        {
            for (; i < n; i += 16)
            {
                var a = Avx512F.ConvertToVector512Int32(Vector128.Load(row + i));
                var b = Avx512F.ConvertToVector512Int32(Vector128.Load(row + i + 1));
                (a | (b << 16)).Store(p + i);
            }
            return;
        }
        if (Vector128.IsHardwareAccelerated)
        {
            for (; i < n; i += 8)
            {
                var a = Vector128.WidenLower(Vector128.Load(row + i));
                var b = Vector128.WidenLower(Vector128.Load(row + i + 1));
                (Vector128.WidenLower(a) | (Vector128.WidenLower(b) << 16)).AsInt32().Store(p + i);
                (Vector128.WidenUpper(a) | (Vector128.WidenUpper(b) << 16)).AsInt32().Store(p + i + 4);
            }
            return;
        }
        for (; i < n; i++) p[i] = row[i] | (row[i + 1] << 16);
    }

    /// <summary>
    /// P[i] = row[2i] | row[2i + 1] &lt;&lt; 16 (the bytes zero-extended to 16 bits) for i &lt; n rounded up to 8
    /// (reads row[0 .. 2n + 16), writes p[0 .. n + 8)).
    /// </summary>
    private static void PairsStride2(byte* row, int* p, int n)
    {
        ushort* d = (ushort*)p;
        int bytes = 2 * n;
        if (Vector128.IsHardwareAccelerated)
        {
            for (int i = 0; i < bytes; i += 16)
            {
                var v = Vector128.Load(row + i);
                Vector128.WidenLower(v).Store(d + i);
                Vector128.WidenUpper(v).Store(d + i + 8);
            }
            return;
        }
        for (int i = 0; i < bytes; i++) d[i] = row[i];
    }

    /// <summary>The per-channel requantization: clamp(round_half_even(acc * scale), min - zp, max - zp) + zp.</summary>
    internal readonly struct Requant(int offset, float scale, int zp, int min, int max)
    {
        public readonly int Offset = offset;
        public readonly float Scale = scale;
        public readonly int Zp = zp;
        public readonly float Low = min - zp;
        public readonly float High = max - zp;

        /// <summary>
        /// Whether the rounded values may be narrowed with saturating packs instead of clamped as floats: |scale| below 1
        /// (float(acc) * scale fits VCVTPS2DQ) and the whole 8-bit range (see <see cref="Int8GemmKernels"/>' fused epilogue).
        /// </summary>
        public readonly bool Saturating = MathF.Abs(scale) < 1f && (min, max) is (0, 255) or (-128, 127);
        public readonly bool Signed = min < 0;

        public byte Scalar(int acc) => (byte)((int)MathF.Round(Math.Clamp(acc * Scale, Low, High)) + Zp);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector128<byte> Requant512(Vector512<int> acc, Vector512<float> scale, Vector512<float> lo, Vector512<float> hi, Vector512<int> zp)
    {
        // Avx512F Min/Max (VMINPS/VMAXPS): the values are finite, so the IEEE corner cases Vector512.Min/Max handle do not arise.
        var f = Avx512F.Min(Avx512F.Max(Vector512.ConvertToSingle(acc) * scale, lo), hi);
        // VCVTPS2DQ rounds half to even (default MXCSR); the value is in range, so VPMOVDB's truncation is exact.
        return Avx512F.ConvertToVector128Byte(Avx512F.ConvertToVector512Int32(f) + zp);
    }

    /// <summary>offset + the six pair products of a 3x3 kernel for 16 outputs at byte offset <paramref name="o"/> of the pair rows.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Taps6(byte* t0, byte* t1, byte* t2, byte* t3, byte* t4, byte* t5, nint o, Vector512<byte> w0, Vector512<byte> w1,
        Vector512<byte> w2, Vector512<byte> w3, Vector512<byte> w4, Vector512<byte> w5, Vector512<int> vo)
    {
        var a = vo + MaddS16.Madd(Vector512.Load(t0 + o), w0) + MaddS16.Madd(Vector512.Load(t1 + o), w1);
        var b = MaddS16.Madd(Vector512.Load(t2 + o), w2) + MaddS16.Madd(Vector512.Load(t3 + o), w3);
        var c = MaddS16.Madd(Vector512.Load(t4 + o), w4) + MaddS16.Madd(Vector512.Load(t5 + o), w5);
        return a + b + c;
    }

    /// <summary><see cref="Taps6"/> from bytes: each tap's 32 bytes at <paramref name="o"/> zero-extended to its 16 int16 pairs.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Taps6Widened(byte* t0, byte* t1, byte* t2, byte* t3, byte* t4, byte* t5, nint o, Vector512<short> w0,
        Vector512<short> w1, Vector512<short> w2, Vector512<short> w3, Vector512<short> w4, Vector512<short> w5, Vector512<int> vo)
    {
        var a = vo + Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(t0 + o)), w0)
            + Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(t1 + o)), w1);
        var b = Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(t2 + o)), w2)
            + Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(t3 + o)), w3);
        var c = Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(t4 + o)), w4)
            + Avx512BW.MultiplyAddAdjacent(Avx512BW.ConvertToVector512Int16(Vector256.Load(t5 + o)), w5);
        return a + b + c;
    }

    /// <summary>
    /// 32 outputs requantized by rounding and saturating packs (<see cref="Requant.Saturating"/>): VCVTPS2DQ, VPACKSSDW, the
    /// zero point added with VPADDSW, VPACKUSWB / VPACKSSWB, and a VPERMD that puts the two vectors' dwords back in order.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<byte> Pack32(Vector512<int> a, Vector512<int> b, Vector512<float> scale, Vector512<short> zp, bool signed)
    {
        var ra = Avx512F.ConvertToVector512Int32(Vector512.ConvertToSingle(a) * scale);
        var rb = Avx512F.ConvertToVector512Int32(Vector512.ConvertToSingle(b) * scale);
        var words = Avx512BW.AddSaturate(Avx512BW.PackSignedSaturate(ra, rb), zp);
        var bytes = signed ? Avx512BW.PackSignedSaturate(words, words).AsInt32() : Avx512BW.PackUnsignedSaturate(words, words).AsInt32();
        // Lane L holds dwords (a[4L..], b[4L..]) twice: take a's four, then b's.
        return Avx512F.PermuteVar16x32(bytes, Vector512.Create(0, 4, 8, 12, 1, 5, 9, 13, 0, 0, 0, 0, 0, 0, 0, 0)).GetLower().AsByte();
    }

    private static void Store16(Vector128<byte> q, byte* y, int n)
    {
        if (n >= 16)
        {
            q.Store(y);
            return;
        }
        byte* tail = stackalloc byte[16];
        q.Store(tail);
        for (int j = 0; j < n; j++) y[j] = tail[j];
    }

    private static void Row512(int** tap, int* w, int taps, int count, in Requant rq, byte* y)
    {
        var vo = Vector512.Create(rq.Offset);
        var vs = Vector512.Create(rq.Scale);
        var lo = Vector512.Create(rq.Low);
        var hi = Vector512.Create(rq.High);
        var zp = Vector512.Create(rq.Zp);
        int q = 0;
        Vector128<byte> r;
        for (; ; q += 16)
        {
            var acc = vo;
            for (int t = 0; t < taps; t++) acc += MaddS16.Madd(Vector512.Load((byte*)(tap[t] + q)), Vector512.Create(w[t]).AsByte());
            r = Requant512(acc, vs, lo, hi, zp);
            if (q + 16 > count) break;
            r.Store(y + q);
            if (q + 16 == count) return;
        }
        Store16(r, y + q, count - q);
    }

    /// <summary>
    /// <see cref="Row512x6"/> for the stride-1 pair plane (rows <paramref name="pw"/> apart): a kernel row's second tap pair
    /// is its first two positions on, so each row's block is loaded once and shifted by VALIGND into the next block
    /// (three loads per 16 outputs instead of six unaligned ones).
    /// </summary>
    private static void Row512x6Sliding(int* pairs, int pw, int* w, int count, in Requant rq, byte* y)
    {
        var vo = Vector512.Create(rq.Offset);
        var vs = Vector512.Create(rq.Scale);
        var lo = Vector512.Create(rq.Low);
        var hi = Vector512.Create(rq.High);
        var zp = Vector512.Create(rq.Zp);
        int* r0 = pairs, r1 = pairs + pw, r2 = pairs + (2 * pw);
        var w0 = Vector512.Create(w[0]).AsInt16();
        var w1 = Vector512.Create(w[1]).AsInt16();
        var w2 = Vector512.Create(w[2]).AsInt16();
        var w3 = Vector512.Create(w[3]).AsInt16();
        var w4 = Vector512.Create(w[4]).AsInt16();
        var w5 = Vector512.Create(w[5]).AsInt16();
        var c0 = Vector512.Load(r0);
        var c1 = Vector512.Load(r1);
        var c2 = Vector512.Load(r2);
        int q = 0;
        if (rq.Saturating)
        {
            var zp16 = Vector512.Create((short)rq.Zp);
            for (; q + 32 <= count; q += 32)
            {
                var n0 = Vector512.Load(r0 + q + 16);
                var n1 = Vector512.Load(r1 + q + 16);
                var n2 = Vector512.Load(r2 + q + 16);
                var a = Slide6(c0, n0, c1, n1, c2, n2, w0, w1, w2, w3, w4, w5, vo);
                c0 = Vector512.Load(r0 + q + 32);
                c1 = Vector512.Load(r1 + q + 32);
                c2 = Vector512.Load(r2 + q + 32);
                var b = Slide6(n0, c0, n1, c1, n2, c2, w0, w1, w2, w3, w4, w5, vo);
                Pack32(a, b, vs, zp16, rq.Signed).Store(y + q);
            }
        }
        Vector128<byte> r;
        for (; ; q += 16)
        {
            var n0 = Vector512.Load(r0 + q + 16);
            var n1 = Vector512.Load(r1 + q + 16);
            var n2 = Vector512.Load(r2 + q + 16);
            r = Requant512(Slide6(c0, n0, c1, n1, c2, n2, w0, w1, w2, w3, w4, w5, vo), vs, lo, hi, zp);
            if (q + 16 > count) break;
            r.Store(y + q);
            if (q + 16 == count) return;
            c0 = n0; c1 = n1; c2 = n2;
        }
        Store16(r, y + q, count - q);
    }

    /// <summary>The six pair products of one block: per kernel row, the block and the block two positions on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> Slide6(Vector512<int> c0, Vector512<int> n0, Vector512<int> c1, Vector512<int> n1, Vector512<int> c2,
        Vector512<int> n2, Vector512<short> w0, Vector512<short> w1, Vector512<short> w2, Vector512<short> w3, Vector512<short> w4,
        Vector512<short> w5, Vector512<int> vo)
    {
        var a = vo + Avx512BW.MultiplyAddAdjacent(c0.AsInt16(), w0) + Avx512BW.MultiplyAddAdjacent(Avx512F.AlignRight32(n0, c0, 2).AsInt16(), w1);
        var b = Avx512BW.MultiplyAddAdjacent(c1.AsInt16(), w2) + Avx512BW.MultiplyAddAdjacent(Avx512F.AlignRight32(n1, c1, 2).AsInt16(), w3);
        var c = Avx512BW.MultiplyAddAdjacent(c2.AsInt16(), w4) + Avx512BW.MultiplyAddAdjacent(Avx512F.AlignRight32(n2, c2, 2).AsInt16(), w5);
        return a + b + c;
    }

    /// <summary><see cref="Row512"/> for six tap pairs (3x3 kernels), pointers and weights in registers.</summary>
    private static void Row512x6(int** tap, int* w, int count, in Requant rq, byte* y)
    {
        var vo = Vector512.Create(rq.Offset);
        var vs = Vector512.Create(rq.Scale);
        var lo = Vector512.Create(rq.Low);
        var hi = Vector512.Create(rq.High);
        var zp = Vector512.Create(rq.Zp);
        byte* t0 = (byte*)tap[0], t1 = (byte*)tap[1], t2 = (byte*)tap[2], t3 = (byte*)tap[3], t4 = (byte*)tap[4], t5 = (byte*)tap[5];
        var w0 = Vector512.Create(w[0]).AsByte();
        var w1 = Vector512.Create(w[1]).AsByte();
        var w2 = Vector512.Create(w[2]).AsByte();
        var w3 = Vector512.Create(w[3]).AsByte();
        var w4 = Vector512.Create(w[4]).AsByte();
        var w5 = Vector512.Create(w[5]).AsByte();
        // Whole vectors, then one masked tail outside the loop (a call inside it would spill the registers every iteration).
        int q = 0;
        if (rq.Saturating)
        {
            var zp16 = Vector512.Create((short)rq.Zp);
            for (; q + 32 <= count; q += 32)
                Pack32(Taps6(t0, t1, t2, t3, t4, t5, (nint)q * 4, w0, w1, w2, w3, w4, w5, vo),
                    Taps6(t0, t1, t2, t3, t4, t5, (nint)(q + 16) * 4, w0, w1, w2, w3, w4, w5, vo), vs, zp16, rq.Signed).Store(y + q);
        }
        Vector128<byte> r;
        for (; ; q += 16)
        {
            r = Requant512(Taps6(t0, t1, t2, t3, t4, t5, (nint)q * 4, w0, w1, w2, w3, w4, w5, vo), vs, lo, hi, zp);
            if (q + 16 > count) break;
            r.Store(y + q);
            if (q + 16 == count) return;
        }
        Store16(r, y + q, count - q);
    }

    /// <summary>
    /// <see cref="Row512x6"/> for stride 2 straight from the parity-split byte plane: tap t at pair offset (tap[t] - pairs)
    /// reads 32 bytes at <paramref name="bytes"/> + 2 * that offset and zero-extends them to the 16 int16 pairs.
    /// </summary>
    private static void Row512x6Widened(int** tap, byte* pairs, byte* bytes, int* w, int count, in Requant rq, byte* y)
    {
        var vo = Vector512.Create(rq.Offset);
        var vs = Vector512.Create(rq.Scale);
        var lo = Vector512.Create(rq.Low);
        var hi = Vector512.Create(rq.High);
        var zp = Vector512.Create(rq.Zp);
        byte* t0 = bytes + ((byte*)tap[0] - pairs) / 2, t1 = bytes + ((byte*)tap[1] - pairs) / 2, t2 = bytes + ((byte*)tap[2] - pairs) / 2;
        byte* t3 = bytes + ((byte*)tap[3] - pairs) / 2, t4 = bytes + ((byte*)tap[4] - pairs) / 2, t5 = bytes + ((byte*)tap[5] - pairs) / 2;
        var w0 = Vector512.Create(w[0]).AsInt16();
        var w1 = Vector512.Create(w[1]).AsInt16();
        var w2 = Vector512.Create(w[2]).AsInt16();
        var w3 = Vector512.Create(w[3]).AsInt16();
        var w4 = Vector512.Create(w[4]).AsInt16();
        var w5 = Vector512.Create(w[5]).AsInt16();
        int q = 0;
        if (rq.Saturating)
        {
            var zp16 = Vector512.Create((short)rq.Zp);
            for (; q + 32 <= count; q += 32)
                Pack32(Taps6Widened(t0, t1, t2, t3, t4, t5, (nint)q * 2, w0, w1, w2, w3, w4, w5, vo),
                    Taps6Widened(t0, t1, t2, t3, t4, t5, (nint)(q + 16) * 2, w0, w1, w2, w3, w4, w5, vo), vs, zp16, rq.Signed).Store(y + q);
        }
        Vector128<byte> r;
        for (; ; q += 16)
        {
            r = Requant512(Taps6Widened(t0, t1, t2, t3, t4, t5, (nint)q * 2, w0, w1, w2, w3, w4, w5, vo), vs, lo, hi, zp);
            if (q + 16 > count) break;
            r.Store(y + q);
            if (q + 16 == count) return;
        }
        Store16(r, y + q, count - q);
    }

    private static void Row256(int** tap, int* w, int taps, int ow, in Requant rq, byte* y)
    {
        var vo = Vector256.Create(rq.Offset);
        var vs = Vector256.Create(rq.Scale);
        var lo = Vector256.Create(rq.Low);
        var hi = Vector256.Create(rq.High);
        var zp = Vector256.Create(rq.Zp);
        int* tail = stackalloc int[8];
        for (int ox = 0; ox < ow; ox += 8)
        {
            var acc = vo;
            for (int t = 0; t < taps; t++) acc += MaddS16.Madd(Vector256.Load((byte*)(tap[t] + ox)), Vector256.Create(w[t]).AsByte());
            var q = Vector256.ConvertToInt32(Vector256.Round(Vector256.Min(Vector256.Max(Vector256.ConvertToSingle(acc) * vs, lo), hi))) + zp;
            if (ox + 8 <= ow)
            {
                var s16 = Vector256.Narrow(q, q);
                *(ulong*)(y + ox) = Vector128.Narrow(s16.GetLower(), s16.GetLower()).AsUInt64().GetElement(0);
            }
            else
            {
                q.Store(tail);
                for (int j = 0; j < ow - ox; j++) y[ox + j] = (byte)tail[j];
            }
        }
    }

    private static void Row128<T>(int** tap, int* w, int taps, int ow, in Requant rq, byte* y) where T : IInt8Madd
    {
        var vo = Vector128.Create(rq.Offset);
        var vs = Vector128.Create(rq.Scale);
        var lo = Vector128.Create(rq.Low);
        var hi = Vector128.Create(rq.High);
        var zp = Vector128.Create(rq.Zp);
        int* q = stackalloc int[4];
        for (int ox = 0; ox < ow; ox += 4)
        {
            var acc = vo;
            for (int t = 0; t < taps; t++) acc += T.Madd(Vector128.Load((byte*)(tap[t] + ox)), Vector128.Create(w[t]).AsByte());
            (Vector128.ConvertToInt32(Vector128.Round(Vector128.Min(Vector128.Max(Vector128.ConvertToSingle(acc) * vs, lo), hi))) + zp).Store(q);
            int n = Math.Min(4, ow - ox);
            for (int j = 0; j < n; j++) y[ox + j] = (byte)q[j];
        }
    }

    /// <summary>The scalar reference over the same pair rows.</summary>
    private static void RowScalar(int** tap, int* w, int taps, int ow, in Requant rq, byte* y)
    {
        for (int ox = 0; ox < ow; ox++)
        {
            int acc = rq.Offset;
            for (int t = 0; t < taps; t++)
            {
                int v = tap[t][ox], wt = w[t];
                acc += ((v & 0xFFFF) * (short)wt) + ((v >>> 16) * (wt >> 16));
            }
            y[ox] = rq.Scalar(acc);
        }
    }
}
