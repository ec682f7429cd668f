using System.Numerics.Tensors;

namespace Pinhole.Runtime.Kernels;

/// <summary>Geometry of a 2-D (or 1-D as height 1) float pooling without dilation.</summary>
internal readonly record struct NnPool2D(int InH, int InW, int OutH, int OutW, int KH, int KW, int SH, int SW,
    int PadTop, int PadLeft, int PadBottom, int PadRight, bool Max, bool CountIncludePad)
{
    /// <summary>Length of the padded row buffer: every column a window of the output row touches.</summary>
    public int BufferLength => (OutW - 1) * SW + KW;
}

/// <summary>
/// Fast MaxPool / AveragePool over [planes, H, W] float32: per output row, the kernel rows are reduced into one padded
/// row buffer (vectorized over the width), then the window is reduced along the row with shifted vector operations
/// and sampled at the stride. Planes are split over the intra-op threads. The reference is NnPoolKernel's general loop.
/// </summary>
internal static unsafe class NnPoolFast
{
    /// <summary>Largest row buffer kept on the stack.</summary>
    public const int MaxBuffer = 4096;

    public static bool Supports(in NnPool2D g) => g.OutW > 0 && g.OutH > 0 && g.BufferLength <= MaxBuffer;

    public static void Run(ReadOnlySpan<float> x, Span<float> y, int planes, in NnPool2D g, int threads)
    {
        int chunks = NnFast.Chunks((long)planes * g.InH * g.InW, planes, threads);
        fixed (float* px = x)
        fixed (float* py = y)
        {
            var body = new Body(px, py, planes, chunks, g);
            IntraOp.For(chunks, threads, body);
        }
    }

    private readonly struct Body(float* x, float* y, int planes, int chunks, NnPool2D g) : IParallelBody
    {
        public void Invoke(int index)
        {
            int from = (int)((long)planes * index / chunks), to = (int)((long)planes * (index + 1) / chunks);
            int inPlane = g.InH * g.InW, outPlane = g.OutH * g.OutW;
            Span<float> buffer = stackalloc float[g.BufferLength];
            Span<float> sampled = stackalloc float[g.SW == 1 ? 0 : (g.OutW - 1) * g.SW + 1];
            Span<int> colCount = stackalloc int[g.OutW];
            for (int ox = 0; ox < g.OutW; ox++) colCount[ox] = Count(ox * g.SW - g.PadLeft, g.KW, g.InW, g.PadLeft, g.PadRight, g.CountIncludePad);
            for (int p = from; p < to; p++)
                Plane(new ReadOnlySpan<float>(x + (long)p * inPlane, inPlane), new Span<float>(y + (long)p * outPlane, outPlane),
                    g, buffer, sampled, colCount);
        }
    }

    /// <summary>How many elements a window starting at <paramref name="start"/> averages over (padding counts when included).</summary>
    public static int WindowCount(int start, int k, int size, int padBegin, int padEnd, bool includePad) => Count(start, k, size, padBegin, padEnd, includePad);

    private static int Count(int start, int k, int size, int padBegin, int padEnd, bool includePad) => includePad
        ? Math.Max(0, Math.Min(size + padEnd, start + k) - Math.Max(-padBegin, start))
        : Math.Max(0, Math.Min(size, start + k) - Math.Max(0, start));

    /// <summary>Pools one plane; <paramref name="buffer"/> has <see cref="NnPool2D.BufferLength"/> elements.</summary>
    public static void Plane(ReadOnlySpan<float> src, Span<float> dst, in NnPool2D g, Span<float> buffer, Span<float> sampled,
        ReadOnlySpan<int> colCount)
    {
        float identity = g.Max ? float.NegativeInfinity : 0f;
        int bufLen = g.BufferLength, hLen = (g.OutW - 1) * g.SW + 1;
        int left = Math.Min(g.PadLeft, bufLen);
        int width = Math.Clamp(bufLen - g.PadLeft, 0, g.InW);
        buffer[..left].Fill(identity);
        buffer[(left + width)..].Fill(identity);
        var interior = buffer.Slice(left, width);
        for (int oy = 0; oy < g.OutH; oy++)
        {
            int start = oy * g.SH - g.PadTop;
            int lo = Math.Max(0, start), hi = Math.Min(g.InH, start + g.KH);
            if (hi <= lo) interior.Fill(identity);
            else
            {
                src.Slice(lo * g.InW, width).CopyTo(interior);
                for (int r = lo + 1; r < hi; r++)
                {
                    var row = src.Slice(r * g.InW, width);
                    if (g.Max) TensorPrimitives.Max(interior, row, interior);
                    else TensorPrimitives.Add(interior, row, interior);
                }
            }
            var output = dst.Slice(oy * g.OutW, g.OutW);
            var h = g.SW == 1 ? output : sampled;
            if (g.KW == 1) buffer[..hLen].CopyTo(h);
            else
            {
                if (g.Max) TensorPrimitives.Max(buffer[..hLen], buffer.Slice(1, hLen), h);
                else TensorPrimitives.Add(buffer[..hLen], buffer.Slice(1, hLen), h);
                for (int kx = 2; kx < g.KW; kx++)
                {
                    if (g.Max) TensorPrimitives.Max(h, buffer.Slice(kx, hLen), h);
                    else TensorPrimitives.Add(h, buffer.Slice(kx, hLen), h);
                }
            }
            if (g.SW != 1)
                for (int ox = 0; ox < output.Length; ox++) output[ox] = h[ox * g.SW];
            if (!g.Max)
            {
                int rows = Count(start, g.KH, g.InH, g.PadTop, g.PadBottom, g.CountIncludePad);
                for (int ox = 0; ox < output.Length; ox++) output[ox] /= rows * colCount[ox];
            }
        }
    }
}
