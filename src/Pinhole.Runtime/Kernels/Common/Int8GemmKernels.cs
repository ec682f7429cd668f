using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Register-blocked micro-kernels of the int8 GEMM: an 8-row panel of packed weights (<see cref="Int8PackedWeights"/>)
/// times one packed activation panel (<c>[group][column][4 bytes]</c>, NR columns) into an 8 x NR int32 tile, and the
/// GEMV form for a single activation column (expanded so that each group's 4 bytes repeat once per panel row).
/// </summary>
internal static unsafe class Int8GemmKernels
{
    public const int Mr = Int8PackedWeights.Mr;
    public const int Nr512 = 32;
    public const int Nr256 = 8;
    public const int Nr128 = 4;
    public const int NrScalar = 4;

    /// <summary>8 x 32 tile: 16 zmm accumulators; per group two activation vectors and eight weight broadcasts.</summary>
    public static void Tile512<T>(byte* a, byte* b, int groups, int* c) where T : IInt8Madd
    {
        Vector512<int> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<int> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default, c70 = default, c71 = default;
        for (int g = 0; g < groups; g++, a += 32, b += 128)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 64);
            var w = Vector512.Create(*(int*)a).AsByte();
            c00 += T.Madd(b0, w); c01 += T.Madd(b1, w);
            w = Vector512.Create(*(int*)(a + 4)).AsByte();
            c10 += T.Madd(b0, w); c11 += T.Madd(b1, w);
            w = Vector512.Create(*(int*)(a + 8)).AsByte();
            c20 += T.Madd(b0, w); c21 += T.Madd(b1, w);
            w = Vector512.Create(*(int*)(a + 12)).AsByte();
            c30 += T.Madd(b0, w); c31 += T.Madd(b1, w);
            w = Vector512.Create(*(int*)(a + 16)).AsByte();
            c40 += T.Madd(b0, w); c41 += T.Madd(b1, w);
            w = Vector512.Create(*(int*)(a + 20)).AsByte();
            c50 += T.Madd(b0, w); c51 += T.Madd(b1, w);
            w = Vector512.Create(*(int*)(a + 24)).AsByte();
            c60 += T.Madd(b0, w); c61 += T.Madd(b1, w);
            w = Vector512.Create(*(int*)(a + 28)).AsByte();
            c70 += T.Madd(b0, w); c71 += T.Madd(b1, w);
        }
        c00.Store(c); c01.Store(c + 16);
        c10.Store(c + 32); c11.Store(c + 48);
        c20.Store(c + 64); c21.Store(c + 80);
        c30.Store(c + 96); c31.Store(c + 112);
        c40.Store(c + 128); c41.Store(c + 144);
        c50.Store(c + 160); c51.Store(c + 176);
        c60.Store(c + 192); c61.Store(c + 208);
        c70.Store(c + 224); c71.Store(c + 240);
    }

    /// <summary>
    /// The 8 x 16 half of <see cref="Tile512{T}"/> (the first 16 columns of the 32-column panel), for a last panel with 16 or
    /// fewer real columns (13 x 13 and 14 x 14 images leave 9 and 4): half the products. Stores rows at stride 32.
    /// </summary>
    public static void Tile512Half<T>(byte* a, byte* b, int groups, int* c) where T : IInt8Madd
    {
        Vector512<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int g = 0; g < groups; g++, a += 32, b += 128)
        {
            var b0 = Vector512.Load(b);
            c0 += T.Madd(b0, Vector512.Create(*(int*)a).AsByte());
            c1 += T.Madd(b0, Vector512.Create(*(int*)(a + 4)).AsByte());
            c2 += T.Madd(b0, Vector512.Create(*(int*)(a + 8)).AsByte());
            c3 += T.Madd(b0, Vector512.Create(*(int*)(a + 12)).AsByte());
            c4 += T.Madd(b0, Vector512.Create(*(int*)(a + 16)).AsByte());
            c5 += T.Madd(b0, Vector512.Create(*(int*)(a + 20)).AsByte());
            c6 += T.Madd(b0, Vector512.Create(*(int*)(a + 24)).AsByte());
            c7 += T.Madd(b0, Vector512.Create(*(int*)(a + 28)).AsByte());
        }
        c0.Store(c); c1.Store(c + 32); c2.Store(c + 64); c3.Store(c + 96);
        c4.Store(c + 128); c5.Store(c + 160); c6.Store(c + 192); c7.Store(c + 224);
    }

    /// <summary><see cref="Tile512Half{T}"/> over weights packed with the quad bound (see <see cref="Tile512Quads"/>); residuals are the caller's.</summary>
    public static void Tile512HalfQuads(byte* a, byte* b, int groups, int* c)
    {
        Vector512<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        var ones = Vector512.Create((short)1);
        for (int g = 0; g < groups; g += 2, a += 64, b += 256)
        {
            var b0 = Vector512.Load(b);
            var b2 = Vector512.Load(b + 128);
            c0 += HalfQuad(b0, b2, a, ones);
            c1 += HalfQuad(b0, b2, a + 4, ones);
            c2 += HalfQuad(b0, b2, a + 8, ones);
            c3 += HalfQuad(b0, b2, a + 12, ones);
            c4 += HalfQuad(b0, b2, a + 16, ones);
            c5 += HalfQuad(b0, b2, a + 20, ones);
            c6 += HalfQuad(b0, b2, a + 24, ones);
            c7 += HalfQuad(b0, b2, a + 28, ones);
        }
        c0.Store(c); c1.Store(c + 32); c2.Store(c + 64); c3.Store(c + 96);
        c4.Store(c + 128); c5.Store(c + 160); c6.Store(c + 192); c7.Store(c + 224);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<int> HalfQuad(Vector512<byte> b0, Vector512<byte> b2, byte* a, Vector512<short> ones) =>
        Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(b0, Vector512.Create(*(int*)a).AsSByte())
            + Avx512BW.MultiplyAddAdjacent(b2, Vector512.Create(*(int*)(a + 32)).AsSByte()), ones);

    /// <summary>
    /// <see cref="Tile512{T}"/> with the requantization fused into the store (<see cref="Int8Output"/>'s 8-bit form without
    /// weight zero points, a full 8 x 32 block at rows i0.., columns j0..): the accumulators go straight from registers to
    /// bytes, the same operations as <see cref="Int8Output.Store"/> without the int32 tile round trip. Residuals of shrunk
    /// saturating pairs (u8 layout, entries e0 .. e1) are added in registers first.
    /// </summary>
    public static void Tile512Requant<T>(byte* a, byte* b, int groups, in Int8Output o, int i0, int j0, int* index, int* value, int e0, int e1)
        where T : IInt8Madd
    {
        byte* panel = b;
        int* off = o.RowOffset + i0;
        // The accumulators start at the rows' constant terms (bias and zero-point folds), which the requantization adds first.
        Vector512<int> c00 = Vector512.Create(off[0]), c10 = Vector512.Create(off[1]), c20 = Vector512.Create(off[2]), c30 = Vector512.Create(off[3]);
        Vector512<int> c40 = Vector512.Create(off[4]), c50 = Vector512.Create(off[5]), c60 = Vector512.Create(off[6]), c70 = Vector512.Create(off[7]);
        Vector512<int> c01 = c00, c11 = c10, c21 = c20, c31 = c30, c41 = c40, c51 = c50, c61 = c60, c71 = c70;
        for (int g = 0; g < groups; g++, a += 32, b += 128)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 64);
            var w = Vector512.Create(*(int*)a).AsByte();
            c00 += T.Madd(b0, w); c01 += T.Madd(b1, w);
            w = Vector512.Create(*(int*)(a + 4)).AsByte();
            c10 += T.Madd(b0, w); c11 += T.Madd(b1, w);
            w = Vector512.Create(*(int*)(a + 8)).AsByte();
            c20 += T.Madd(b0, w); c21 += T.Madd(b1, w);
            w = Vector512.Create(*(int*)(a + 12)).AsByte();
            c30 += T.Madd(b0, w); c31 += T.Madd(b1, w);
            w = Vector512.Create(*(int*)(a + 16)).AsByte();
            c40 += T.Madd(b0, w); c41 += T.Madd(b1, w);
            w = Vector512.Create(*(int*)(a + 20)).AsByte();
            c50 += T.Madd(b0, w); c51 += T.Madd(b1, w);
            w = Vector512.Create(*(int*)(a + 24)).AsByte();
            c60 += T.Madd(b0, w); c61 += T.Madd(b1, w);
            w = Vector512.Create(*(int*)(a + 28)).AsByte();
            c70 += T.Madd(b0, w); c71 += T.Madd(b1, w);
        }
        for (int e = e0; e < e1; e++)
        {
            var (x0, x1) = Residual(panel, index[e], value[e]);
            switch (index[e] & 7)
            {
                case 0: c00 += x0; c01 += x1; break;
                case 1: c10 += x0; c11 += x1; break;
                case 2: c20 += x0; c21 += x1; break;
                case 3: c30 += x0; c31 += x1; break;
                case 4: c40 += x0; c41 += x1; break;
                case 5: c50 += x0; c51 += x1; break;
                case 6: c60 += x0; c61 += x1; break;
                default: c70 += x0; c71 += x1; break;
            }
        }
        byte* y = o.Y + (i0 * o.RowStride) + j0;
        RequantRowPair(c00, c01, c10, c11, o, i0, y);
        RequantRowPair(c20, c21, c30, c31, o, i0 + 2, y + (2 * o.RowStride));
        RequantRowPair(c40, c41, c50, c51, o, i0 + 4, y + (4 * o.RowStride));
        RequantRowPair(c60, c61, c70, c71, o, i0 + 6, y + (6 * o.RowStride));
    }

    /// <summary>
    /// The 8 x 32 tile over u8 weights packed with the quad bound (<see cref="Int8PackedWeights.Quads"/>): two groups' VPMADDUBSW
    /// int16 sums are added (exact: each quad's magnitude is at most 128) before one VPMADDWD widens them, three multiplies per
    /// two groups and row half instead of four. Stores the int32 tile at <paramref name="c"/>, or, when <paramref name="requant"/>,
    /// requantizes the block at rows i0.., columns j0.. as <see cref="Tile512Requant{T}"/> does. The residuals of shrunk weights
    /// (entries e0 .. e1 of <paramref name="index"/> / <paramref name="value"/>, see <see cref="Correct"/>) are added in registers first.
    /// </summary>
    public static void Tile512Quads(byte* a, byte* b, int groups, int* c, bool requant, in Int8Output o, int i0, int j0, int* index, int* value,
        int e0, int e1)
    {
        byte* panel = b;
        int* zeros = stackalloc int[Mr];
        new Span<int>(zeros, Mr).Clear();
        int* off = requant ? o.RowOffset + i0 : zeros;
        // The accumulators start at the rows' constant terms (bias and zero-point folds), which the requantization adds first.
        Vector512<int> c00 = Vector512.Create(off[0]), c10 = Vector512.Create(off[1]), c20 = Vector512.Create(off[2]), c30 = Vector512.Create(off[3]);
        Vector512<int> c40 = Vector512.Create(off[4]), c50 = Vector512.Create(off[5]), c60 = Vector512.Create(off[6]), c70 = Vector512.Create(off[7]);
        Vector512<int> c01 = c00, c11 = c10, c21 = c20, c31 = c30, c41 = c40, c51 = c50, c61 = c60, c71 = c70;
        for (int g = 0; g < groups; g += 2, a += 64, b += 256)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 64);
            var b2 = Vector512.Load(b + 128);
            var b3 = Vector512.Load(b + 192);
            Quad(b0, b1, b2, b3, a, ref c00, ref c01);
            Quad(b0, b1, b2, b3, a + 4, ref c10, ref c11);
            Quad(b0, b1, b2, b3, a + 8, ref c20, ref c21);
            Quad(b0, b1, b2, b3, a + 12, ref c30, ref c31);
            Quad(b0, b1, b2, b3, a + 16, ref c40, ref c41);
            Quad(b0, b1, b2, b3, a + 20, ref c50, ref c51);
            Quad(b0, b1, b2, b3, a + 24, ref c60, ref c61);
            Quad(b0, b1, b2, b3, a + 28, ref c70, ref c71);
        }
        for (int e = e0; e < e1; e++)
        {
            var (x0, x1) = Residual(panel, index[e], value[e]);
            switch (index[e] & 7)
            {
                case 0: c00 += x0; c01 += x1; break;
                case 1: c10 += x0; c11 += x1; break;
                case 2: c20 += x0; c21 += x1; break;
                case 3: c30 += x0; c31 += x1; break;
                case 4: c40 += x0; c41 += x1; break;
                case 5: c50 += x0; c51 += x1; break;
                case 6: c60 += x0; c61 += x1; break;
                default: c70 += x0; c71 += x1; break;
            }
        }
        if (!requant)
        {
            c00.Store(c); c01.Store(c + 16);
            c10.Store(c + 32); c11.Store(c + 48);
            c20.Store(c + 64); c21.Store(c + 80);
            c30.Store(c + 96); c31.Store(c + 112);
            c40.Store(c + 128); c41.Store(c + 144);
            c50.Store(c + 160); c51.Store(c + 176);
            c60.Store(c + 192); c61.Store(c + 208);
            c70.Store(c + 224); c71.Store(c + 240);
            return;
        }
        byte* y = o.Y + (i0 * o.RowStride) + j0;
        RequantRowPair(c00, c01, c10, c11, o, i0, y);
        RequantRowPair(c20, c21, c30, c31, o, i0 + 2, y + (2 * o.RowStride));
        RequantRowPair(c40, c41, c50, c51, o, i0 + 4, y + (4 * o.RowStride));
        RequantRowPair(c60, c61, c70, c71, o, i0 + 6, y + (6 * o.RowStride));
    }

    /// <summary>
    /// A residual's contribution to its row's two accumulators: x[k] of the 32 columns (byte k % 4 of each column's group
    /// k / 4 in the packed u8 panel) times the residual, by VPMADDWD with a zero high half (|residual| &lt;= 255).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static (Vector512<int>, Vector512<int>) Residual(byte* panel, int index, int value)
    {
        int k = index >> 3, shift = (k & 3) * 8;
        byte* group = panel + ((nint)(k >> 2) * 128);
        var vv = Vector512.Create(value & 0xFFFF).AsInt16();
        var mask = Vector512.Create(0xFFu);
        return (Avx512BW.MultiplyAddAdjacent(((Vector512.Load((uint*)group) >>> shift) & mask).AsInt16(), vv),
            Avx512BW.MultiplyAddAdjacent(((Vector512.Load((uint*)(group + 64)) >>> shift) & mask).AsInt16(), vv));
    }

    /// <summary>One row of a quad step: groups g (b0, b1: columns 0-15, 16-31) and g + 1 (b2, b3), the row's weights at a and a + 32.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Quad(Vector512<byte> b0, Vector512<byte> b1, Vector512<byte> b2, Vector512<byte> b3, byte* a, ref Vector512<int> c0,
        ref Vector512<int> c1)
    {
        var w0 = Vector512.Create(*(int*)a).AsSByte();
        var w1 = Vector512.Create(*(int*)(a + 32)).AsSByte();
        var ones = Vector512.Create((short)1);
        c0 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(b0, w0) + Avx512BW.MultiplyAddAdjacent(b2, w1), ones);
        c1 += Avx512BW.MultiplyAddAdjacent(Avx512BW.MultiplyAddAdjacent(b1, w0) + Avx512BW.MultiplyAddAdjacent(b3, w1), ones);
    }

    /// <summary>
    /// Two rows of 32 outputs (rows i, i + 1 of the output, accumulators a0 a1 and b0 b1 that include the rows' offsets). When <see cref="Int8Output.Saturating"/>,
    /// the rounded values are narrowed with saturation instead of clamped as floats: VPACKSSDW to int16, the zero point added
    /// with int16 saturation, VPACKUSWB/VPACKSSWB to bytes. With every |scale| &lt; 1 the products cannot overflow VCVTPS2DQ, and
    /// saturating at int16 and then at 8 bits gives the same bytes as clamping round(v * scale) + zp to the type's range.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RequantRowPair(Vector512<int> a0, Vector512<int> a1, Vector512<int> b0, Vector512<int> b1, in Int8Output o, int i, byte* y)
    {
        float* scale = o.Scale + i;
        if (!o.Saturating)
        {
            var lo = Vector512.Create(o.Low);
            var hi = Vector512.Create(o.High);
            var zp = Vector512.Create(o.ZeroPoint);
            RequantRow(a0, a1, scale[0], lo, hi, zp, y);
            RequantRow(b0, b1, scale[1], lo, hi, zp, y + o.RowStride);
            return;
        }
        var sa = Vector512.Create(scale[0]);
        var sb = Vector512.Create(scale[1]);
        var ra0 = Avx512F.ConvertToVector512Int32(Vector512.ConvertToSingle(a0) * sa);
        var ra1 = Avx512F.ConvertToVector512Int32(Vector512.ConvertToSingle(a1) * sa);
        var rb0 = Avx512F.ConvertToVector512Int32(Vector512.ConvertToSingle(b0) * sb);
        var rb1 = Avx512F.ConvertToVector512Int32(Vector512.ConvertToSingle(b1) * sb);
        var zp16 = Vector512.Create((short)o.ZeroPoint);
        var pa = Avx512BW.AddSaturate(Avx512BW.PackSignedSaturate(ra0, ra1), zp16);
        var pb = Avx512BW.AddSaturate(Avx512BW.PackSignedSaturate(rb0, rb1), zp16);
        var bytes = o.SignedOutput ? Avx512BW.PackSignedSaturate(pa, pb).AsInt32() : Avx512BW.PackUnsignedSaturate(pa, pb).AsInt32();
        // The packs interleave per 128-bit lane: dword 4L + q holds columns 4L.. of ra0, ra1, rb0, rb1 for q = 0..3.
        var rows = Avx512F.PermuteVar16x32(bytes, Vector512.Create(0, 4, 8, 12, 1, 5, 9, 13, 2, 6, 10, 14, 3, 7, 11, 15)).AsByte();
        rows.GetLower().Store(y);
        rows.GetUpper().Store(y + o.RowStride);
    }

    /// <summary>32 outputs of one row (accumulators that include the row's offset): clamp(round_half_even(float(acc) * scale)) + zp as bytes (see <see cref="Int8Output"/>).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void RequantRow(Vector512<int> c0, Vector512<int> c1, float scale, Vector512<float> lo, Vector512<float> hi, Vector512<int> zp, byte* y)
    {
        var vs = Vector512.Create(scale);
        var f0 = Avx512F.Min(Avx512F.Max(Vector512.ConvertToSingle(c0) * vs, lo), hi);
        var f1 = Avx512F.Min(Avx512F.Max(Vector512.ConvertToSingle(c1) * vs, lo), hi);
        // VCVTPS2DQ rounds half to even (default MXCSR); the values are in range, so VPMOVDB's truncation is exact.
        Avx512F.ConvertToVector128Byte(Avx512F.ConvertToVector512Int32(f0) + zp).Store(y);
        Avx512F.ConvertToVector128Byte(Avx512F.ConvertToVector512Int32(f1) + zp).Store(y + 16);
    }

    /// <summary>8 x 8 tile: 8 ymm accumulators (16 registers in all), one activation vector per group.</summary>
    public static void Tile256<T>(byte* a, byte* b, int groups, int* c) where T : IInt8Madd
    {
        Vector256<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int g = 0; g < groups; g++, a += 32, b += 32)
        {
            var b0 = Vector256.Load(b);
            c0 += T.Madd(b0, Vector256.Create(*(int*)a).AsByte());
            c1 += T.Madd(b0, Vector256.Create(*(int*)(a + 4)).AsByte());
            c2 += T.Madd(b0, Vector256.Create(*(int*)(a + 8)).AsByte());
            c3 += T.Madd(b0, Vector256.Create(*(int*)(a + 12)).AsByte());
            c4 += T.Madd(b0, Vector256.Create(*(int*)(a + 16)).AsByte());
            c5 += T.Madd(b0, Vector256.Create(*(int*)(a + 20)).AsByte());
            c6 += T.Madd(b0, Vector256.Create(*(int*)(a + 24)).AsByte());
            c7 += T.Madd(b0, Vector256.Create(*(int*)(a + 28)).AsByte());
        }
        c0.Store(c); c1.Store(c + 8); c2.Store(c + 16); c3.Store(c + 24);
        c4.Store(c + 32); c5.Store(c + 40); c6.Store(c + 48); c7.Store(c + 56);
    }

    /// <summary>8 x 4 tile with 128-bit vectors (SSSE3, ARM SDOT, or the portable form).</summary>
    public static void Tile128<T>(byte* a, byte* b, int groups, int* c) where T : IInt8Madd
    {
        Vector128<int> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (int g = 0; g < groups; g++, a += 32, b += 16)
        {
            var b0 = Vector128.Load(b);
            c0 += T.Madd(b0, Vector128.Create(*(int*)a).AsByte());
            c1 += T.Madd(b0, Vector128.Create(*(int*)(a + 4)).AsByte());
            c2 += T.Madd(b0, Vector128.Create(*(int*)(a + 8)).AsByte());
            c3 += T.Madd(b0, Vector128.Create(*(int*)(a + 12)).AsByte());
            c4 += T.Madd(b0, Vector128.Create(*(int*)(a + 16)).AsByte());
            c5 += T.Madd(b0, Vector128.Create(*(int*)(a + 20)).AsByte());
            c6 += T.Madd(b0, Vector128.Create(*(int*)(a + 24)).AsByte());
            c7 += T.Madd(b0, Vector128.Create(*(int*)(a + 28)).AsByte());
        }
        c0.Store(c); c1.Store(c + 4); c2.Store(c + 8); c3.Store(c + 12);
        c4.Store(c + 16); c5.Store(c + 20); c6.Store(c + 24); c7.Store(c + 28);
    }

    /// <summary>The scalar reference tile (8 x <paramref name="nr"/>) over the same packed layouts.</summary>
    public static void TileScalar(byte* a, byte* b, int groups, int nr, bool wide, int* c)
    {
        for (int i = 0; i < Mr * nr; i++) c[i] = 0;
        for (int g = 0; g < groups; g++, a += 32, b += nr * 4)
            for (int r = 0; r < Mr; r++)
                for (int j = 0; j < nr; j++)
                    c[(r * nr) + j] += Dot(b + (j * 4), a + (r * 4), wide);
    }

    /// <summary>The exact sum of one group's products.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static int Dot(byte* b, byte* a, bool wide) => wide
        ? (((short*)b)[0] * ((short*)a)[0]) + (((short*)b)[1] * ((short*)a)[1])
        : (b[0] * (sbyte)a[0]) + (b[1] * (sbyte)a[1]) + (b[2] * (sbyte)a[2]) + (b[3] * (sbyte)a[3]);

    /// <summary>
    /// GEMV over one panel: c[r] = sum over groups of row r's group times the column's group, with <paramref name="bx"/>
    /// holding each group's 4 bytes 8 times (32 bytes per group), so both operands are plain vector loads.
    /// </summary>
    public static void Gemv512<T>(byte* a, byte* bx, int groups, int* c) where T : IInt8Madd
    {
        // Two groups per vector: lanes 0-7 hold rows 0-7 of group g, lanes 8-15 those of group g + 1 (groups is even).
        Vector512<int> s0 = default, s1 = default;
        int g = 0;
        for (; g + 3 < groups; g += 4)
        {
            s0 += T.Madd(Vector512.Load(bx + (g * 32)), Vector512.Load(a + (g * 32)));
            s1 += T.Madd(Vector512.Load(bx + (g * 32) + 64), Vector512.Load(a + (g * 32) + 64));
        }
        if (g < groups) s0 += T.Madd(Vector512.Load(bx + (g * 32)), Vector512.Load(a + (g * 32)));
        var s = s0 + s1;
        (s.GetLower() + s.GetUpper()).Store(c);
    }

    public static void Gemv256<T>(byte* a, byte* bx, int groups, int* c) where T : IInt8Madd
    {
        Vector256<int> s0 = default, s1 = default;
        int g = 0;
        for (; g + 1 < groups; g += 2)
        {
            s0 += T.Madd(Vector256.Load(bx + (g * 32)), Vector256.Load(a + (g * 32)));
            s1 += T.Madd(Vector256.Load(bx + (g * 32) + 32), Vector256.Load(a + (g * 32) + 32));
        }
        if (g < groups) s0 += T.Madd(Vector256.Load(bx + (g * 32)), Vector256.Load(a + (g * 32)));
        (s0 + s1).Store(c);
    }

    public static void Gemv128<T>(byte* a, byte* bx, int groups, int* c) where T : IInt8Madd
    {
        Vector128<int> lo = default, hi = default;
        for (int g = 0; g < groups; g++)
        {
            lo += T.Madd(Vector128.Load(bx + (g * 32)), Vector128.Load(a + (g * 32)));
            hi += T.Madd(Vector128.Load(bx + (g * 32) + 16), Vector128.Load(a + (g * 32) + 16));
        }
        lo.Store(c);
        hi.Store(c + 4);
    }

    public static void GemvScalar(byte* a, byte* bx, int groups, bool wide, int* c)
    {
        for (int r = 0; r < Mr; r++) c[r] = 0;
        for (int g = 0; g < groups; g++)
            for (int r = 0; r < Mr; r++)
                c[r] += Dot(bx + (g * 32) + (r * 4), a + (g * 32) + (r * 4), wide);
    }

    /// <summary>
    /// Adds the residuals of shrunk saturating weight pairs (entries e0 .. e1 of <paramref name="a"/>) to a tile:
    /// tile[row][j] += residual * x[k][j], x read back from the packed u8 panel (byte k % 4 of column j's group k / 4).
    /// </summary>
    public static void Correct(Int8PackedWeights a, int e0, int e1, byte* panel, int nr, int* tile)
    {
        var index = a.CorrectionIndex;
        var value = a.CorrectionValue;
        for (int e = e0; e < e1; e++)
        {
            int r = index[e] & 7, k = index[e] >> 3, v = value[e];
            uint* group = (uint*)(panel + ((nint)(k >> 2) * nr * 4));
            int shift = (k & 3) * 8;
            int* row = tile + (r * nr);
            if (nr == Nr512 && Vector512.IsHardwareAccelerated)
            {
                var vv = Vector512.Create(v);
                var mask = Vector512.Create(0xFFu);
                var x0 = ((Vector512.Load(group) >>> shift) & mask).AsInt32();
                var x1 = ((Vector512.Load(group + 16) >>> shift) & mask).AsInt32();
                (Vector512.Load(row) + (x0 * vv)).Store(row);
                (Vector512.Load(row + 16) + (x1 * vv)).Store(row + 16);
                continue;
            }
            for (int j = 0; j < nr; j++) row[j] += v * (int)((group[j] >> shift) & 0xFF);
        }
    }

    /// <summary>The GEMV form of <see cref="Correct"/>: x[k] from the expanded column (its first copy of each group).</summary>
    public static void CorrectGemv(Int8PackedWeights a, int e0, int e1, byte* bx, int* c)
    {
        var index = a.CorrectionIndex;
        var value = a.CorrectionValue;
        for (int e = e0; e < e1; e++)
        {
            int r = index[e] & 7, k = index[e] >> 3;
            c[r] += value[e] * bx[((k >> 2) * 32) + (k & 3)];
        }
    }
}
