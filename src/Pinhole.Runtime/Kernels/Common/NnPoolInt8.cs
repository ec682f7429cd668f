using System.Runtime.Intrinsics;

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

    public static void Run(ReadOnlySpan<byte> x, Span<byte> y, int planes, in NnPool2D g, int threads, bool signed)
    {
        // Byte planes: a 27 x 27 x 256 pool (186K bytes, about 45 us on one core) still pays for a fork-join.
        int chunks = NnFast.Chunks((long)planes * g.InH * g.InW, planes, threads);
        fixed (byte* px = x)
        fixed (byte* py = y)
            IntraOp.For(chunks, threads, new Body(px, py, planes, chunks, g, signed));
    }

    private readonly struct Body(byte* x, byte* y, int planes, int chunks, NnPool2D g, bool signed) : IParallelBody
    {
        public void Invoke(int index)
        {
            int from = (int)((long)planes * index / chunks), to = (int)((long)planes * (index + 1) / chunks);
            int inPlane = g.InH * g.InW, outPlane = g.OutH * g.OutW;
            byte* buffer = stackalloc byte[g.BufferLength + Slack];
            new Span<byte>(buffer, g.BufferLength + Slack).Clear();
            for (int p = from; p < to; p++) Plane(x + ((nint)p * inPlane), y + ((nint)p * outPlane), g, buffer, (byte)(signed ? 0x80 : 0));
        }
    }

    private static void Plane(byte* src, byte* dst, in NnPool2D g, byte* buffer, byte flip)
    {
        int bufLen = g.BufferLength;
        int left = Math.Min(g.PadLeft, bufLen);
        int width = Math.Clamp(bufLen - g.PadLeft, 0, g.InW);
        byte* interior = buffer + left;
        for (int oy = 0; oy < g.OutH; oy++)
        {
            int start = (oy * g.SH) - g.PadTop;
            int lo = Math.Max(0, start), hi = Math.Min(g.InH, start + g.KH);
            if (hi <= lo) new Span<byte>(interior, width).Clear();
            else RowsMax(src + ((nint)lo * g.InW), g.InW, hi - lo, width, flip, interior);
            byte* output = dst + ((nint)oy * g.OutW);
            if (g.SW == 1) WindowStride1(buffer, g.KW, g.OutW, flip, output);
            else if (g.SW == 2) WindowStride2(buffer, g.KW, g.OutW, flip, output);
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

    /// <summary>out[ox] = max over kx &lt; kw of b[ox + kx], flipped back (vectors may read up to 15 bytes past the buffer: the slack).</summary>
    private static void WindowStride1(byte* b, int kw, int outW, byte flip, byte* output)
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
            Store(m ^ f, output + ox, outW - ox);
        }
    }

    /// <summary>
    /// out[ox] = max over kx &lt; kw of b[2 ox + kx], flipped back: the even bytes of 16-bit lanes (truncating narrow); vectors
    /// may read up to 32 bytes past the buffer (the slack).
    /// </summary>
    private static void WindowStride2(byte* b, int kw, int outW, byte flip, byte* output)
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
            Store(m ^ f, output + ox, outW - ox);
        }
    }

    /// <summary>The first min(n, 16) bytes of <paramref name="v"/> at <paramref name="d"/>.</summary>
    private static void Store(Vector128<byte> v, byte* d, int n)
    {
        if (n >= 16)
        {
            v.Store(d);
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
