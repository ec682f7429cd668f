using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// MaxPool 3x3 with stride 1 or 2 across (any stride down, any padding, ceil mode) over uint8 or int8 planes, straight from
/// the plane, 64 outputs per 512-bit vector: the byte form of <see cref="NnPoolDirect"/>. Per output row the three rows are
/// reduced first (masked loads: columns outside the row read the type's minimum), then the three columns of each window,
/// at stride 2 through even/odd byte permutes (VPERMT2B, AVX-512 VBMI). One call per output row and block, where the
/// row-buffer kernel (<see cref="NnPoolInt8"/>) makes several on 16- or 32-byte vectors: SqueezeNet's 27- and 54-wide pools
/// take half the time or less. The reference is NnPoolKernel's general loop.
/// </summary>
internal static unsafe class NnPoolDirectInt8
{
    [ThreadStatic] private static byte[]? _fillRow;

    public static bool Supports(in NnPool2D g) =>
        NnFast.Use512 && Avx512BW.IsSupported && Avx512Vbmi.IsSupported && g.Max && g.KH == 3 && g.KW == 3 && (g.SW == 1 || g.SW == 2)
        && g.OutW > 0 && g.OutH > 0;

    public static void Run(byte* x, byte* y, int planes, in NnPool2D g, int threads, bool signed)
    {
        int chunks = NnFast.Chunks((long)planes * g.InH * g.InW, planes, threads);
        int blocks = (g.OutW + 63) / 64;
        var columns = stackalloc Block[blocks];
        for (int q = 0; q < blocks; q++) columns[q] = new Block(64 * q, (64 * q * g.SW) - g.PadLeft, g.SW, g.InW, g.OutW);
        if (signed) IntraOp.For(chunks, threads, new Body<SignedMax>(x, y, planes, chunks, g, columns, blocks));
        else IntraOp.For(chunks, threads, new Body<UnsignedMax>(x, y, planes, chunks, g, columns, blocks));
    }

    /// <summary>The maximum of the element type and its identity (the type's minimum, what padding reads).</summary>
    private interface IByteMax
    {
        static abstract byte Lowest { get; }
        static abstract Vector512<byte> Max(Vector512<byte> a, Vector512<byte> b);
    }

    private readonly struct UnsignedMax : IByteMax
    {
        public static byte Lowest => 0;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> Max(Vector512<byte> a, Vector512<byte> b) => Avx512BW.Max(a, b);
    }

    private readonly struct SignedMax : IByteMax
    {
        public static byte Lowest => 0x80;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public static Vector512<byte> Max(Vector512<byte> a, Vector512<byte> b) => Avx512BW.Max(a.AsSByte(), b.AsSByte()).AsByte();
    }

    /// <summary>
    /// One block of 64 outputs: where its three loads start and which of their lanes lie inside the row (stride 1: columns
    /// +0, +1, +2; stride 2: +0, +64, +128), whether the second and third load reach the row at all, and the store mask.
    /// </summary>
    private readonly struct Block
    {
        public readonly int Ox, Count, Start;
        public readonly Vector512<byte> M0, M1, M2, StoreMask;
        public readonly bool Any1, Any2;

        public Block(int ox, int start, int stride, int width, int outWidth)
        {
            Ox = ox;
            Count = Math.Min(64, outWidth - ox);
            Start = start;
            StoreMask = Inside(0, Count);
            int step = stride == 1 ? 1 : 64;
            M0 = Inside(start, width);
            M1 = Inside(start + step, width);
            M2 = Inside(start + (2 * step), width);
            Any1 = M1 != Vector512<byte>.Zero;
            Any2 = M2 != Vector512<byte>.Zero;
        }

        /// <summary>All bits set in lanes j with 0 &lt;= start + j &lt; width: lo &lt;= j &lt; hi.</summary>
        private static Vector512<byte> Inside(int start, int width)
        {
            byte lo = (byte)Math.Clamp(-(long)start, 0, 64), hi = (byte)Math.Clamp((long)width - start, 0, 64);
            return Vector512.GreaterThanOrEqual(Vector512<byte>.Indices, Vector512.Create(lo)) & Vector512.LessThan(Vector512<byte>.Indices, Vector512.Create(hi));
        }
    }

    private readonly struct Body<T>(byte* x, byte* y, int planes, int chunks, NnPool2D g, Block* columns, int blocks) : IParallelBody
        where T : struct, IByteMax
    {
        public void Invoke(int index)
        {
            int from = (int)((long)planes * index / chunks), to = (int)((long)planes * (index + 1) / chunks);
            // Rows above and below the plane read a row of the type's minimum (allocated once per thread, refilled when the type changes).
            var fill = _fillRow;
            if (fill == null || fill.Length < g.InW) _fillRow = fill = new byte[Math.Max(g.InW, 256)];
            if (fill[0] != T.Lowest || fill[^1] != T.Lowest) fill.AsSpan().Fill(T.Lowest);
            fixed (byte* low = fill)
            {
                for (int p = from; p < to; p++)
                    Plane(x + ((nint)p * g.InH * g.InW), y + ((nint)p * g.OutH * g.OutW), low, g, columns, blocks);
            }
        }

        private static void Plane(byte* x, byte* y, byte* low, in NnPool2D g, Block* columns, int blocks)
        {
            var lowest = Vector512.Create(T.Lowest);
            var even = Vector512<byte>.Indices * 2;
            var odd = even + Vector512<byte>.One;
            var next = Vector512<byte>.Indices + Vector512<byte>.One;
            for (int oy = 0; oy < g.OutH; oy++)
            {
                int iy = (oy * g.SH) - g.PadTop;
                byte* r0 = Row(x, low, iy, g), r1 = Row(x, low, iy + 1, g), r2 = Row(x, low, iy + 2, g);
                byte* yrow = y + ((nint)oy * g.OutW);
                for (int q = 0; q < blocks; q++)
                {
                    ref readonly var c = ref columns[q];
                    // Rows first (three loads per column position), then the window along the row.
                    var a = Max3(Load(r0 + c.Start, c.M0, lowest), Load(r1 + c.Start, c.M0, lowest), Load(r2 + c.Start, c.M0, lowest));
                    Vector512<byte> m;
                    if (g.SW == 1)
                    {
                        var b = Max3(Load(r0 + c.Start + 1, c.M1, lowest), Load(r1 + c.Start + 1, c.M1, lowest), Load(r2 + c.Start + 1, c.M1, lowest));
                        var d = Max3(Load(r0 + c.Start + 2, c.M2, lowest), Load(r1 + c.Start + 2, c.M2, lowest), Load(r2 + c.Start + 2, c.M2, lowest));
                        m = Max3(a, b, d);
                    }
                    else
                    {
                        var b = c.Any1
                            ? Max3(Load(r0 + c.Start + 64, c.M1, lowest), Load(r1 + c.Start + 64, c.M1, lowest), Load(r2 + c.Start + 64, c.M1, lowest))
                            : lowest;
                        var d = c.Any2
                            ? Max3(Load(r0 + c.Start + 128, c.M2, lowest), Load(r1 + c.Start + 128, c.M2, lowest), Load(r2 + c.Start + 128, c.M2, lowest))
                            : lowest;
                        // Window j covers columns 2j, 2j + 1, 2j + 2: the even bytes, the odd bytes, and the even bytes shifted by one.
                        var e = Avx512Vbmi.PermuteVar64x8x2(a, even, b);
                        var o = Avx512Vbmi.PermuteVar64x8x2(a, odd, b);
                        m = Max3(e, o, Avx512Vbmi.PermuteVar64x8x2(e, next, d));
                    }
                    if (c.Count == 64) m.Store(yrow + c.Ox);
                    else Avx512BW.MaskStore(yrow + c.Ox, c.StoreMask, m);
                }
            }
        }

        /// <summary>64 bytes from <paramref name="p"/>, lanes outside <paramref name="mask"/> the minimum (never read: no fault).</summary>
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<byte> Load(byte* p, Vector512<byte> mask, Vector512<byte> lowest) => Avx512BW.MaskLoad(p, mask, lowest);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static Vector512<byte> Max3(Vector512<byte> a, Vector512<byte> b, Vector512<byte> c) => T.Max(T.Max(a, b), c);

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private static byte* Row(byte* x, byte* low, int iy, in NnPool2D g) => (uint)iy < (uint)g.InH ? x + ((nint)iy * g.InW) : low;
    }
}
