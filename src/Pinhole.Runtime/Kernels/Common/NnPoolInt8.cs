using System.Numerics;
using System.Numerics.Tensors;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// MaxPool over [planes, H, W] uint8 or int8 (what quantized models pool: max commutes with quantization): the row-buffer
/// scheme of <see cref="NnPoolFast"/> on bytes, 4× the lanes of float. The reference is NnPoolKernel's general loop.
/// </summary>
internal static unsafe class NnPoolInt8
{
    public static bool Supports(in NnPool2D g) => g.Max && g.OutW > 0 && g.OutH > 0 && g.BufferLength <= NnPoolFast.MaxBuffer;

    public static void Run<T>(ReadOnlySpan<T> x, Span<T> y, int planes, in NnPool2D g, int threads)
        where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
    {
        int chunks = NnFast.Chunks((long)planes * g.InH * g.InW / 4, planes, threads);
        fixed (T* px = x)
        fixed (T* py = y)
            IntraOp.For(chunks, threads, new Body<T>(px, py, planes, chunks, g));
    }

    private readonly struct Body<T>(T* x, T* y, int planes, int chunks, NnPool2D g) : IParallelBody
        where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
    {
        public void Invoke(int index)
        {
            int from = (int)((long)planes * index / chunks), to = (int)((long)planes * (index + 1) / chunks);
            int inPlane = g.InH * g.InW, outPlane = g.OutH * g.OutW;
            Span<T> buffer = stackalloc T[g.BufferLength];
            Span<T> sampled = stackalloc T[g.SW == 1 ? 0 : (g.OutW - 1) * g.SW + 1];
            for (int p = from; p < to; p++)
                Plane(new ReadOnlySpan<T>(x + (long)p * inPlane, inPlane), new Span<T>(y + (long)p * outPlane, outPlane), g, buffer, sampled);
        }
    }

    private static void Plane<T>(ReadOnlySpan<T> src, Span<T> dst, in NnPool2D g, Span<T> buffer, Span<T> sampled)
        where T : unmanaged, IBinaryInteger<T>, IMinMaxValue<T>
    {
        int bufLen = g.BufferLength, hLen = (g.OutW - 1) * g.SW + 1;
        int left = Math.Min(g.PadLeft, bufLen);
        int width = Math.Clamp(bufLen - g.PadLeft, 0, g.InW);
        buffer[..left].Fill(T.MinValue);
        buffer[(left + width)..].Fill(T.MinValue);
        var interior = buffer.Slice(left, width);
        for (int oy = 0; oy < g.OutH; oy++)
        {
            int start = oy * g.SH - g.PadTop;
            int lo = Math.Max(0, start), hi = Math.Min(g.InH, start + g.KH);
            if (hi <= lo) interior.Fill(T.MinValue);
            else
            {
                src.Slice(lo * g.InW, width).CopyTo(interior);
                for (int r = lo + 1; r < hi; r++) TensorPrimitives.Max(interior, src.Slice(r * g.InW, width), interior);
            }
            var output = dst.Slice(oy * g.OutW, g.OutW);
            var h = g.SW == 1 ? output : sampled;
            if (g.KW == 1) buffer[..hLen].CopyTo(h);
            else
            {
                TensorPrimitives.Max(buffer[..hLen], buffer.Slice(1, hLen), h);
                for (int kx = 2; kx < g.KW; kx++) TensorPrimitives.Max(h, buffer.Slice(kx, hLen), h);
            }
            if (g.SW != 1)
                for (int ox = 0; ox < output.Length; ox++) output[ox] = h[ox * g.SW];
        }
    }
}
