using System.Runtime.Intrinsics;

namespace Pinhole.Runtime.Kernels;

/// <summary>y[n, c, s] = x[n, c, s] * a[c] + b[c] over [batch, channels, spatial] float32, planes over the intra-op threads.</summary>
internal static unsafe class FastChannelAffine
{
    public static void Run(ReadOnlySpan<float> x, Span<float> y, int batch, int channels, int spatial, ReadOnlySpan<float> a, ReadOnlySpan<float> b, int threads)
    {
        int planes = batch * channels;
        if (planes == 0 || spatial == 0) return;
        int chunks = NnFast.Chunks((long)planes * spatial, planes, threads);
        fixed (float* px = x)
        fixed (float* py = y)
        fixed (float* pa = a)
        fixed (float* pb = b)
        {
            var body = new Body(px, py, pa, pb, planes, channels, spatial, chunks);
            IntraOp.For(chunks, threads, body);
        }
    }

    private readonly struct Body(float* x, float* y, float* a, float* b, int planes, int channels, int spatial, int chunks) : IParallelBody
    {
        public void Invoke(int index)
        {
            int from = (int)((long)planes * index / chunks), to = (int)((long)planes * (index + 1) / chunks);
            for (int p = from; p < to; p++)
            {
                int c = p % channels;
                long offset = (long)p * spatial;
                MultiplyAdd(x + offset, a[c], b[c], y + offset, spatial);
            }
        }
    }

    /// <summary>y[i] = x[i] * a + b (fused), vectorized with a scalar tail; x and y may be the same.</summary>
    public static void MultiplyAdd(float* x, float a, float b, float* y, int n) =>
        MultiplyAdd(x, a, b, y, n, NnFast.Use512 ? 512 : NnFast.Use256 ? 256 : 0);

    /// <summary><see cref="MultiplyAdd(float*, float, float, float*, int)"/> with vectors of at most <paramref name="width"/> bits (0: scalar; for tests).</summary>
    internal static void MultiplyAdd(float* x, float a, float b, float* y, int n, int width)
    {
        int i = 0;
        if (width >= 512 && Vector512.IsHardwareAccelerated)
        {
            var va = Vector512.Create(a);
            var vb = Vector512.Create(b);
            for (; i <= n - 16; i += 16) Vector512.Store(Vector512.FusedMultiplyAdd(Vector512.Load(x + i), va, vb), y + i);
        }
        if (width >= 256 && Vector256.IsHardwareAccelerated)
        {
            var va = Vector256.Create(a);
            var vb = Vector256.Create(b);
            for (; i <= n - 8; i += 8) Vector256.Store(Vector256.FusedMultiplyAdd(Vector256.Load(x + i), va, vb), y + i);
        }
        for (; i < n; i++) y[i] = MathF.FusedMultiplyAdd(x[i], a, b);
    }
}
