using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// The right operand of the int8 GEMM (activations, K x N, 8-bit): element (k, j) is <c>Data[k * Ld + j]</c>, or
/// <c>Data[j * Ld + k]</c> when <see cref="Transposed"/> (rows of a MatMul's left operand). Signed (int8) values are
/// moved to u8 by flipping the sign bit (x + 128); the caller folds the +128 into the zero point.
/// </summary>
internal unsafe readonly struct Int8Source(byte* data, int ld, bool transposed, bool signed)
{
    public readonly byte* Data = data;
    public readonly int Ld = ld;
    public readonly bool Transposed = transposed;
    public readonly bool Signed = signed;

    public byte At(int k, int j) => (byte)((Transposed ? Data[((nint)j * Ld) + k] : Data[((nint)k * Ld) + j]) ^ (Signed ? 0x80 : 0));
}

/// <summary>Packs activation panels for the micro-kernels: <c>[group][column][4 bytes]</c>, zero outside K and N.</summary>
internal static unsafe class Int8PackB
{
    /// <summary>Panel of columns j0 .. j0 + nr of the K x N operand.</summary>
    public static void Panel(in Int8Source src, int k, int n, int j0, int nr, int groups, bool wide, byte* dst)
    {
        int w = Math.Min(nr, n - j0);
        int g = 0;
        if (!src.Transposed && nr % 16 == 0 && Sse2.IsSupported)
        {
            // The last panel's columns past N are zero (loaded through a zero-filled copy, never past the operand); a
            // separate instantiation keeps the loads of whole panels plain.
            if (wide) g = w == nr ? Interleave2<WholeRows>(src, k, j0, nr, w, dst) : Interleave2<PartialRows>(src, k, j0, nr, w, dst);
            else g = w == nr ? Interleave4<WholeRows>(src, k, j0, nr, w, dst) : Interleave4<PartialRows>(src, k, j0, nr, w, dst);
        }
        else if (!wide && src.Transposed)
        {
            // A column's group is four consecutive bytes of its row; columns past N are zero.
            uint flip = src.Signed ? 0x80808080u : 0u;
            for (; (g * 4) + 3 < k; g++)
            {
                uint* d = (uint*)(dst + ((nint)g * nr * 4));
                int j = 0;
                for (; j < w; j++) d[j] = *(uint*)(src.Data + ((nint)(j0 + j) * src.Ld) + (g * 4)) ^ flip;
                for (; j < nr; j++) d[j] = 0;
            }
        }
        if (!src.Transposed && g * (wide ? 2 : 4) >= k)
        {
            // Padding groups past K: zeros.
            new Span<byte>(dst + ((nint)g * nr * 4), (groups - g) * nr * 4).Clear();
            return;
        }
        int size = wide ? 2 : 4;
        for (; g < groups; g++)
        {
            byte* d = dst + ((nint)g * nr * 4);
            for (int j = 0; j < nr; j++)
            {
                for (int t = 0; t < size; t++)
                {
                    int kk = (g * size) + t;
                    byte v = j < w && kk < k ? src.At(kk, j0 + j) : (byte)0;
                    if (wide) ((short*)d)[(j * 2) + t] = v;
                    else d[(j * 4) + t] = v;
                }
            }
        }
    }

    /// <summary>
    /// Four rows of 16 columns interleave into 16 columns of four bytes: two rounds of byte/word unpacks. The last group
    /// may be partial: its missing rows are zero. Returns the groups written.
    /// </summary>
    private static int Interleave4<TRows>(in Int8Source src, int k, int j0, int nr, int w, byte* dst) where TRows : IRowLoad
    {
        var flip = Vector128.Create((byte)(src.Signed ? 0x80 : 0));
        int g = 0;
        for (; g * 4 < k; g++)
        {
            byte* s = src.Data + ((nint)g * 4 * src.Ld) + j0;
            byte* d = dst + ((nint)g * nr * 4);
            int rows = Math.Min(4, k - (g * 4));
            for (int j = 0; j < nr; j += 16, d += 64)
            {
                int valid = w - j;
                var r0 = TRows.Load(s + j, valid, flip);
                var r1 = rows > 1 ? TRows.Load(s + j + src.Ld, valid, flip) : default;
                var r2 = rows > 2 ? TRows.Load(s + j + (2 * src.Ld), valid, flip) : default;
                var r3 = rows > 3 ? TRows.Load(s + j + (3 * src.Ld), valid, flip) : default;
                var t0 = Sse2.UnpackLow(r0, r1).AsInt16();
                var t1 = Sse2.UnpackHigh(r0, r1).AsInt16();
                var t2 = Sse2.UnpackLow(r2, r3).AsInt16();
                var t3 = Sse2.UnpackHigh(r2, r3).AsInt16();
                Sse2.UnpackLow(t0, t2).AsByte().Store(d);
                Sse2.UnpackHigh(t0, t2).AsByte().Store(d + 16);
                Sse2.UnpackLow(t1, t3).AsByte().Store(d + 32);
                Sse2.UnpackHigh(t1, t3).AsByte().Store(d + 48);
            }
        }
        return g;
    }

    /// <summary>Two rows of 16 columns widen to int16 and interleave into 16 columns of two int16. Returns the groups written.</summary>
    private static int Interleave2<TRows>(in Int8Source src, int k, int j0, int nr, int w, byte* dst) where TRows : IRowLoad
    {
        var flip = Vector128.Create((byte)(src.Signed ? 0x80 : 0));
        int g = 0;
        for (; g * 2 < k; g++)
        {
            byte* s = src.Data + ((nint)g * 2 * src.Ld) + j0;
            byte* d = dst + ((nint)g * nr * 4);
            bool pair = (g * 2) + 1 < k;
            for (int j = 0; j < nr; j += 16, d += 64)
            {
                int valid = w - j;
                var r0 = TRows.Load(s + j, valid, flip);
                var r1 = pair ? TRows.Load(s + j + src.Ld, valid, flip) : default;
                var w0 = Sse2.UnpackLow(r0, Vector128<byte>.Zero).AsInt16();
                var w1 = Sse2.UnpackLow(r1, Vector128<byte>.Zero).AsInt16();
                var w2 = Sse2.UnpackHigh(r0, Vector128<byte>.Zero).AsInt16();
                var w3 = Sse2.UnpackHigh(r1, Vector128<byte>.Zero).AsInt16();
                Sse2.UnpackLow(w0, w1).AsByte().Store(d);
                Sse2.UnpackHigh(w0, w1).AsByte().Store(d + 16);
                Sse2.UnpackLow(w2, w3).AsByte().Store(d + 32);
                Sse2.UnpackHigh(w2, w3).AsByte().Store(d + 48);
            }
        }
        return g;
    }

    private interface IRowLoad
    {
        /// <summary>16 bytes at <paramref name="p"/>, sign-flipped, of which the first <paramref name="valid"/> are columns of the operand.</summary>
        static abstract Vector128<byte> Load(byte* p, int valid, Vector128<byte> flip);
    }

    private readonly struct WholeRows : IRowLoad
    {
        public static Vector128<byte> Load(byte* p, int valid, Vector128<byte> flip) => Vector128.Load(p) ^ flip;
    }

    private readonly struct PartialRows : IRowLoad
    {
        public static Vector128<byte> Load(byte* p, int valid, Vector128<byte> flip) => Row(p, valid, flip);
    }

    /// <summary>16 bytes from <paramref name="p"/> (sign-flipped), of which only the first <paramref name="valid"/> are read; the rest are zero.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<byte> Row(byte* p, int valid, Vector128<byte> flip)
    {
        if (valid >= 16) return Vector128.Load(p) ^ flip;
        if (valid <= 0) return default;
        Vector128<byte> v = default;
        Buffer.MemoryCopy(p, &v, 16, valid);
        return (v ^ flip) & Vector128.LessThan(Vector128.Create((byte)0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15), Vector128.Create((byte)valid));
    }

    /// <summary>Column j of the operand as a GEMV operand: each group's 4 bytes written 8 times (32 bytes per group).</summary>
    public static void Expanded(in Int8Source src, int k, int j, int groups, bool wide, byte* dst)
    {
        int size = wide ? 2 : 4;
        for (int g = 0; g < groups; g++)
        {
            uint group = 0;
            for (int t = 0; t < size; t++)
            {
                int kk = (g * size) + t;
                uint v = kk < k ? src.At(kk, j) : 0u;
                group |= wide ? v << (16 * t) : v << (8 * t);
            }
            uint* d = (uint*)(dst + ((nint)g * 32));
            for (int r = 0; r < 8; r++) d[r] = group;
        }
    }

    /// <summary>colSum[j] = sum over K of column j of a packed panel (for weight zero points).</summary>
    public static void ColumnSums(byte* panel, int groups, int nr, bool wide, int* colSum)
    {
        for (int j = 0; j < nr; j++) colSum[j] = 0;
        for (int g = 0; g < groups; g++)
        {
            byte* d = panel + ((nint)g * nr * 4);
            for (int j = 0; j < nr; j++)
                colSum[j] += wide ? ((short*)d)[2 * j] + ((short*)d)[(2 * j) + 1] : d[4 * j] + d[(4 * j) + 1] + d[(4 * j) + 2] + d[(4 * j) + 3];
        }
    }
}
