using System.Numerics.Tensors;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Fast LRN over [batch, channels, spatial] float32: spatial tiles, each with its channel squares on the stack; the
/// channel window is summed with vector adds and x * (bias + k * sum)^-beta is computed as x * exp(-beta * log(...)).
/// Tiles are split over the intra-op threads. The reference is LRN's scalar loop.
/// </summary>
internal static unsafe class NnLrnFast
{
    /// <summary>Floats of squares kept on the stack per tile.</summary>
    private const int StackFloats = 16384;

    public static bool Supports(int channels) => channels > 0 && channels <= StackFloats / 8;

    public static void Run(ReadOnlySpan<float> x, Span<float> y, int batch, int channels, int spatial, int size,
        float k, float bias, float beta, int threads)
    {
        if (batch == 0 || spatial == 0) return;
        int tile = Math.Min(spatial, Math.Max(8, StackFloats / channels / 8 * 8));
        int tilesPerImage = (spatial + tile - 1) / tile;
        int items = batch * tilesPerImage;
        int chunks = NnFast.Chunks((long)batch * channels * spatial, items, threads);
        fixed (float* px = x)
        fixed (float* py = y)
        {
            var body = new Body(px, py, channels, spatial, size, k, bias, beta, tile, tilesPerImage, items, chunks);
            IntraOp.For(chunks, threads, body);
        }
    }

    private readonly struct Body(float* x, float* y, int channels, int spatial, int size, float k, float bias, float beta,
        int tile, int tilesPerImage, int items, int chunks) : IParallelBody
    {
        public void Invoke(int index)
        {
            int from = (int)((long)items * index / chunks), to = (int)((long)items * (index + 1) / chunks);
            Span<float> squares = stackalloc float[channels * tile];
            int before = (size - 1) / 2, after = size - 1 - before;
            for (int item = from; item < to; item++)
            {
                int b = item / tilesPerImage, s0 = item % tilesPerImage * tile;
                int n = Math.Min(tile, spatial - s0);
                float* image = x + (long)b * channels * spatial + s0;
                float* result = y + (long)b * channels * spatial + s0;
                for (int c = 0; c < channels; c++)
                {
                    var row = new ReadOnlySpan<float>(image + (long)c * spatial, n);
                    TensorPrimitives.Multiply(row, row, squares.Slice(c * tile, n));
                }
                for (int c = 0; c < channels; c++)
                {
                    int lo = Math.Max(0, c - before), hi = Math.Min(channels - 1, c + after);
                    var acc = new Span<float>(result + (long)c * spatial, n);
                    squares.Slice(lo * tile, n).CopyTo(acc);
                    for (int j = lo + 1; j <= hi; j++) TensorPrimitives.Add(acc, squares.Slice(j * tile, n), acc);
                    // acc = bias + k * sum; then x * exp(-beta * log(acc))
                    FastChannelAffine.MultiplyAdd(result + (long)c * spatial, k, bias, result + (long)c * spatial, n);
                    TensorPrimitives.Log(acc, acc);
                    TensorPrimitives.Multiply(acc, -beta, acc);
                    TensorPrimitives.Exp(acc, acc);
                    TensorPrimitives.Multiply(acc, new ReadOnlySpan<float>(image + (long)c * spatial, n), acc);
                }
            }
        }
    }
}
