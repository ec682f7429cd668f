using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// The 7x32 tile of <see cref="ConvPixelRows"/>: tile[r*32 + j] (+)= sum_k a[k*aStride + r] * b[k*32 + j], rows being output
/// pixels and columns output channels. Seven rows tile a 7x7 plane exactly; 14 accumulators keep the FMA pipes full.
/// </summary>
internal static unsafe class GemmKernel512Rows7
{
    public const int Rows = 7, Cols = 32;

    public static bool Supported => Isa.HasAvx512F;

    /// <summary>The tile; with <paramref name="prefetchAhead"/> above 0, also prefetches b's rows that far ahead into L2.</summary>
    public static void Run(nint kc, float* a, nint aStride, float* b, float* tile, bool accumulate, nint prefetchAhead)
    {
        if (prefetchAhead > 0) Tile<Prefetch, Packed>(kc, a, aStride, null, b, tile, accumulate, prefetchAhead * Cols);
        else Tile<NoPrefetch, Packed>(kc, a, aStride, null, b, tile, accumulate, 0);
    }

    /// <summary>
    /// The tile read straight from an image: row r's value for k is a[offsets[k] + r * stride] (stride 1 or 2), so that a
    /// convolution whose tiles lie within output rows needs no im2col.
    /// </summary>
    public static void RunDirect(nint kc, float* a, int* offsets, int stride, float* b, float* tile, bool accumulate, nint prefetchAhead)
    {
        if (stride == 1)
        {
            if (prefetchAhead > 0) Tile<Prefetch, Direct1>(kc, a, 0, offsets, b, tile, accumulate, prefetchAhead * Cols);
            else Tile<NoPrefetch, Direct1>(kc, a, 0, offsets, b, tile, accumulate, 0);
        }
        else if (prefetchAhead > 0) Tile<Prefetch, Direct2>(kc, a, 0, offsets, b, tile, accumulate, prefetchAhead * Cols);
        else Tile<NoPrefetch, Direct2>(kc, a, 0, offsets, b, tile, accumulate, 0);
    }

    /// <summary>Where a tile's 7 values for product k are: from <see cref="Row"/>, <see cref="Step"/> floats apart.</summary>
    private interface IPixels
    {
        static abstract int Step { get; }

        static abstract float* Row(float* a, nint aStride, int* offsets, nint k);
    }

    /// <summary>Packed im2col^T (or a 1x1 layer's planes): row k at a + k * aStride.</summary>
    private struct Packed : IPixels
    {
        public static int Step => 1;

        public static float* Row(float* a, nint aStride, int* offsets, nint k) => a + (k * aStride);
    }

    /// <summary>The image itself, pixels of a tile adjacent (stride 1 along the row).</summary>
    private struct Direct1 : IPixels
    {
        public static int Step => 1;

        public static float* Row(float* a, nint aStride, int* offsets, nint k) => a + offsets[k];
    }

    /// <summary>The image itself at stride 2 along the row.</summary>
    private struct Direct2 : IPixels
    {
        public static int Step => 2;

        public static float* Row(float* a, nint aStride, int* offsets, nint k) => a + offsets[k];
    }

    private interface IPrefetch
    {
        static abstract bool Enabled { get; }
    }

    private struct Prefetch : IPrefetch
    {
        public static bool Enabled => true;
    }

    private struct NoPrefetch : IPrefetch
    {
        public static bool Enabled => false;
    }

    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    private static void Tile<TPrefetch, TPixels>(nint kc, float* a, nint aStride, int* offsets, float* b, float* tile, bool accumulate, nint ahead)
        where TPrefetch : struct, IPrefetch
        where TPixels : struct, IPixels
    {
        Vector512<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default, c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default, c50 = default, c51 = default, c60 = default, c61 = default;
        if (accumulate)
        {
            c00 = Vector512.Load(tile); c01 = Vector512.Load(tile + 16);
            c10 = Vector512.Load(tile + 32); c11 = Vector512.Load(tile + 48);
            c20 = Vector512.Load(tile + 64); c21 = Vector512.Load(tile + 80);
            c30 = Vector512.Load(tile + 96); c31 = Vector512.Load(tile + 112);
            c40 = Vector512.Load(tile + 128); c41 = Vector512.Load(tile + 144);
            c50 = Vector512.Load(tile + 160); c51 = Vector512.Load(tile + 176);
            c60 = Vector512.Load(tile + 192); c61 = Vector512.Load(tile + 208);
        }
        for (nint k = 0; k < kc; k++)
        {
            var b0 = Vector512.Load(b);
            var b1 = Vector512.Load(b + 16);
            if (TPrefetch.Enabled)
            {
                Sse.Prefetch1(b + ahead);
                Sse.Prefetch1(b + ahead + 16);
            }
            float* p = TPixels.Row(a, aStride, offsets, k);
            var a0 = Vector512.Create(p[0]);
            c00 = Avx512F.FusedMultiplyAdd(a0, b0, c00); c01 = Avx512F.FusedMultiplyAdd(a0, b1, c01);
            var a1 = Vector512.Create(p[TPixels.Step]);
            c10 = Avx512F.FusedMultiplyAdd(a1, b0, c10); c11 = Avx512F.FusedMultiplyAdd(a1, b1, c11);
            var a2 = Vector512.Create(p[2 * TPixels.Step]);
            c20 = Avx512F.FusedMultiplyAdd(a2, b0, c20); c21 = Avx512F.FusedMultiplyAdd(a2, b1, c21);
            var a3 = Vector512.Create(p[3 * TPixels.Step]);
            c30 = Avx512F.FusedMultiplyAdd(a3, b0, c30); c31 = Avx512F.FusedMultiplyAdd(a3, b1, c31);
            var a4 = Vector512.Create(p[4 * TPixels.Step]);
            c40 = Avx512F.FusedMultiplyAdd(a4, b0, c40); c41 = Avx512F.FusedMultiplyAdd(a4, b1, c41);
            var a5 = Vector512.Create(p[5 * TPixels.Step]);
            c50 = Avx512F.FusedMultiplyAdd(a5, b0, c50); c51 = Avx512F.FusedMultiplyAdd(a5, b1, c51);
            var a6 = Vector512.Create(p[6 * TPixels.Step]);
            c60 = Avx512F.FusedMultiplyAdd(a6, b0, c60); c61 = Avx512F.FusedMultiplyAdd(a6, b1, c61);
            b += Cols;
        }
        c00.Store(tile); c01.Store(tile + 16);
        c10.Store(tile + 32); c11.Store(tile + 48);
        c20.Store(tile + 64); c21.Store(tile + 80);
        c30.Store(tile + 96); c31.Store(tile + 112);
        c40.Store(tile + 128); c41.Store(tile + 144);
        c50.Store(tile + 160); c51.Store(tile + 176);
        c60.Store(tile + 192); c61.Store(tile + 208);
    }
}
