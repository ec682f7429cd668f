using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// MaxPool over [planes, H, W] uint8 or int8 (what quantized models pool: max commutes with quantization): the row-buffer
/// scheme of <see cref="NnPoolFast"/> on bytes. int8 values are compared as uint8 with the sign bit flipped (an order-preserving
/// map), padding is the minimum. Per output row, the window's rows reduce into the buffer with 16-byte vectors, then the
/// window along the row: shifted loads (stride 1) or the even bytes of 16-bit lanes (stride 2). The reference is
/// NnPoolKernel's general loop.
/// </summary>
internal static unsafe class NnPoolInt8
{
    /// <summary>Bytes past the row buffer that vector reads may touch.</summary>
    private const int Slack = 64;

    public static bool Supports(in NnPool2D g) => g.Max && g.OutW > 0 && g.OutH > 0 && g.BufferLength <= NnPoolFast.MaxBuffer;

    /// <summary>Whether the 32-byte paths run (Vector256 accelerated and not limited by PINHOLE_ISA=128 or scalar).</summary>
    public static bool WideByDefault => Vector256.IsHardwareAccelerated && Isa.Default >= GemmIsa.Vector256;

    public static void Run(ReadOnlySpan<byte> x, Span<byte> y, int planes, in NnPool2D g, int threads, bool signed) =>
        Run(x, y, planes, g, threads, signed, WideByDefault);

    /// <param name="wide">32-byte vectors where the row allows (tests run both widths).</param>
    internal static void Run(ReadOnlySpan<byte> x, Span<byte> y, int planes, in NnPool2D g, int threads, bool signed, bool wide)
    {
        // Byte planes: a 27 x 27 x 256 pool (186K bytes, about 45 us on one core) still pays for a fork-join.
        int chunks = NnFast.Chunks((long)planes * g.InH * g.InW, planes, threads);
        fixed (byte* px = x)
        fixed (byte* py = y)
            IntraOp.For(chunks, threads, new Body(px, py, planes, chunks, g, signed, wide && Vector256.IsHardwareAccelerated));
    }

    private readonly struct Body(byte* x, byte* y, int planes, int chunks, NnPool2D g, bool signed, bool wide) : IParallelBody
    {
        public void Invoke(int index)
        {
            int from = (int)((long)planes * index / chunks), to = (int)((long)planes * (index + 1) / chunks);
            int inPlane = g.InH * g.InW, outPlane = g.OutH * g.OutW;
            byte* buffer = stackalloc byte[g.BufferLength + Slack];
            new Span<byte>(buffer, g.BufferLength + Slack).Clear();
            for (int p = from; p < to; p++) Plane(x + ((nint)p * inPlane), y + ((nint)p * outPlane), g, buffer, (byte)(signed ? 0x80 : 0), wide);
        }
    }

    private static void Plane(byte* src, byte* dst, in NnPool2D g, byte* buffer, byte flip, bool wide)
    {
        int bufLen = g.BufferLength;
        int left = Math.Min(g.PadLeft, bufLen);
        int width = Math.Clamp(bufLen - g.PadLeft, 0, g.InW);
        byte* interior = buffer + left;
        bool masked = wide && Avx512BW.VL.IsSupported;
        for (int oy = 0; oy < g.OutH; oy++)
        {
            int start = (oy * g.SH) - g.PadTop;
            int lo = Math.Max(0, start), hi = Math.Min(g.InH, start + g.KH);
            if (hi <= lo) new Span<byte>(interior, width).Clear();
            else if (wide && width >= 32) RowsMax32(src + ((nint)lo * g.InW), g.InW, hi - lo, width, flip, interior);
            else RowsMax(src + ((nint)lo * g.InW), g.InW, hi - lo, width, flip, interior);
            byte* output = dst + ((nint)oy * g.OutW);
            if (g.SW == 1) WindowStride1(buffer, g.KW, g.OutW, flip, output, masked);
            else if (g.SW == 2 && wide && g.OutW >= 32) WindowStride2Wide(buffer, g.KW, g.OutW, flip, output);
            else if (g.SW == 2) WindowStride2(buffer, g.KW, g.OutW, flip, output, masked);
            else
            {
                for (int ox = 0; ox < g.OutW; ox++)
                {
                    byte m = 0;
                    for (int kx = 0; kx < g.KW; kx++) m = Math.Max(m, buffer[(ox * g.SW) + kx]);
                    output[ox] = (byte)(m ^ flip);
                }
            }
        }
    }

    /// <summary>d[i] = max over r &lt; rows of (src[r * ld + i] ^ flip), i &lt; n (the buffer's flipped domain); the last vector overlaps the one before.</summary>
    private static void RowsMax(byte* src, int ld, int rows, int n, byte flip, byte* d)
    {
        if (n >= 16 && Vector128.IsHardwareAccelerated)
        {
            var f = Vector128.Create(flip);
            for (int i = 0; ; i += 16)
            {
                if (i + 16 > n) i = n - 16;
                var m = Vector128.Load(src + i) ^ f;
                for (int r = 1; r < rows; r++) m = Vector128.Max(m, Vector128.Load(src + ((nint)r * ld) + i) ^ f);
                m.Store(d + i);
                if (i + 16 >= n) break;
            }
            return;
        }
        for (int i = 0; i < n; i++)
        {
            byte m = (byte)(src[i] ^ flip);
            for (int r = 1; r < rows; r++) m = Math.Max(m, (byte)(src[((nint)r * ld) + i] ^ flip));
            d[i] = m;
        }
    }

    /// <summary><see cref="RowsMax"/> with 32-byte vectors (n &gt;= 32); the last vector overlaps the one before.</summary>
    private static void RowsMax32(byte* src, int ld, int rows, int n, byte flip, byte* d)
    {
        var f = Vector256.Create(flip);
        for (int i = 0; ; i += 32)
        {
            if (i + 32 > n) i = n - 32;
            var m = Vector256.Load(src + i) ^ f;
            for (int r = 1; r < rows; r++) m = Vector256.Max(m, Vector256.Load(src + ((nint)r * ld) + i) ^ f);
            m.Store(d + i);
            if (i + 32 >= n) break;
        }
    }

    /// <summary>
    /// <see cref="WindowStride2"/> 32 outputs at a time (outW &gt;= 32); the last vector overlaps the one before, so every store
    /// is whole. Reads up to 64 + kw bytes from 2 ox: within the buffer's slack past the last window.
    /// </summary>
    private static void WindowStride2Wide(byte* b, int kw, int outW, byte flip, byte* output)
    {
        var f = Vector256.Create(flip);
        for (int ox = 0; ; ox += 32)
        {
            if (ox + 32 > outW) ox = outW - 32;
            byte* p = b + (2 * ox);
            var m = Vector256.Narrow(Vector256.Load((ushort*)p), Vector256.Load((ushort*)(p + 32)));
            for (int kx = 1; kx < kw; kx++)
                m = Vector256.Max(m, Vector256.Narrow(Vector256.Load((ushort*)(p + kx)), Vector256.Load((ushort*)(p + kx + 32))));
            (m ^ f).Store(output + ox);
            if (ox + 32 >= outW) break;
        }
    }

    /// <summary>out[ox] = max over kx &lt; kw of b[ox + kx], flipped back (vectors may read up to 15 bytes past the buffer: the slack).</summary>
    private static void WindowStride1(byte* b, int kw, int outW, byte flip, byte* output, bool masked)
    {
        if (!Vector128.IsHardwareAccelerated)
        {
            for (int ox = 0; ox < outW; ox++)
            {
                byte m = b[ox];
                for (int kx = 1; kx < kw; kx++) m = Math.Max(m, b[ox + kx]);
                output[ox] = (byte)(m ^ flip);
            }
            return;
        }
        var f = Vector128.Create(flip);
        for (int ox = 0; ox < outW; ox += 16)
        {
            var m = Vector128.Load(b + ox);
            for (int kx = 1; kx < kw; kx++) m = Vector128.Max(m, Vector128.Load(b + ox + kx));
            Store(m ^ f, output + ox, outW - ox, masked);
        }
    }

    /// <summary>
    /// out[ox] = max over kx &lt; kw of b[2 ox + kx], flipped back: the even bytes of 16-bit lanes (truncating narrow); vectors
    /// may read up to 32 bytes past the buffer (the slack).
    /// </summary>
    private static void WindowStride2(byte* b, int kw, int outW, byte flip, byte* output, bool masked)
    {
        if (!Vector128.IsHardwareAccelerated)
        {
            for (int ox = 0; ox < outW; ox++)
            {
                byte m = b[2 * ox];
                for (int kx = 1; kx < kw; kx++) m = Math.Max(m, b[(2 * ox) + kx]);
                output[ox] = (byte)(m ^ flip);
            }
            return;
        }
        var f = Vector128.Create(flip);
        for (int ox = 0; ox < outW; ox += 16)
        {
            byte* p = b + (2 * ox);
            var m = Vector128.Narrow(Vector128.Load((ushort*)p), Vector128.Load((ushort*)(p + 16)));
            for (int kx = 1; kx < kw; kx++)
                m = Vector128.Max(m, Vector128.Narrow(Vector128.Load((ushort*)(p + kx)), Vector128.Load((ushort*)(p + kx + 16))));
            Store(m ^ f, output + ox, outW - ox, masked);
        }
    }

    /// <summary>
    /// The first min(n, 16) bytes of <paramref name="v"/> at <paramref name="d"/>; with <paramref name="masked"/> (AVX-512BW), a
    /// short tail is one masked store instead of a byte loop (13- and 27-wide rows: SqueezeNet's pool5 and pool3).
    /// </summary>
    private static void Store(Vector128<byte> v, byte* d, int n, bool masked)
    {
        if (n >= 16)
        {
            v.Store(d);
            return;
        }
        if (masked)
        {
            Avx512BW.VL.MaskStore(d, Vector128.LessThan(Vector128<byte>.Indices, Vector128.Create((byte)n)), v);
            return;
        }
        ulong lo = v.AsUInt64().GetElement(0), hi = v.AsUInt64().GetElement(1);
        if (n >= 8)
        {
            *(ulong*)d = lo;
            lo = hi;
            d += 8;
            n -= 8;
        }
        for (int i = 0; i < n; i++) d[i] = (byte)(lo >> (8 * i));
    }
}
