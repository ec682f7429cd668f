using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// MaxPool and AveragePool 3x3 with stride 1 or 2 across (any stride down, any padding, ceil mode) straight from the plane,
/// 16 outputs per 512-bit vector: the three rows are reduced first, then the three columns of each window (even/odd
/// permutes at stride 2), in the reference's order. Columns past the row's ends come in as the identity (-infinity or 0,
/// <see cref="EdgeLoad16"/>), rows past the plane's ends are a row of it; averages divide by the reference's window
/// counts. NaN handling of max follows vmaxps, as in ONNX Runtime's kernels. The reference is <see cref="NnPoolFast"/>.
/// </summary>
internal static unsafe class NnPoolDirect
{
    [ThreadStatic] private static float[]? _lowestRow;
    [ThreadStatic] private static float[]? _zeroRow;

    public static bool Supports(in NnPool2D g) =>
        NnFast.Use512 && Avx512F.IsSupported && g.KH == 3 && g.KW == 3 && (g.SW == 1 || g.SW == 2) && g.InW >= 16;

    public static void Run(float* x, float* y, int planes, in NnPool2D g, int threads)
    {
        int chunks = NnFast.Chunks((long)planes * g.InH * g.InW, planes, threads);
        int blocks = (g.OutW + 15) / 16;
        var columns = stackalloc Block[blocks];
        for (int q = 0; q < blocks; q++) columns[q] = new Block(16 * q, (16 * q * g.SW) - g.PadLeft, g.SW, g.InW, g.OutW, g);
        IntraOp.For(chunks, threads, new Body(x, y, planes, chunks, g, columns, blocks));
    }

    /// <summary>One block of 16 outputs: its three loads (see <see cref="ConvDepthwiseDirect"/>) and the store mask.</summary>
    private readonly struct Block
    {
        public readonly int Ox, Count;
        public readonly EdgeLoad16 L0, L1, L2;
        public readonly Vector512<float> StoreMask;
        /// <summary>Average pooling: the window's column count per output (the reference's colCount).</summary>
        public readonly Vector512<float> Columns;

        public Block(int ox, int start, int stride, int width, int outWidth, in NnPool2D g)
        {
            Ox = ox;
            Count = Math.Min(16, outWidth - ox);
            StoreMask = EdgeLoad16.FirstLanes(Count);
            Columns = default;
            if (!g.Max)
            {
                Span<float> columns = stackalloc float[16];
                for (int j = 0; j < 16; j++)
                    columns[j] = NnPoolFast.WindowCount(((ox + j) * g.SW) - g.PadLeft, g.KW, g.InW, g.PadLeft, g.PadRight, g.CountIncludePad);
                Columns = Vector512.Create((ReadOnlySpan<float>)columns);
            }
            L0 = new EdgeLoad16(start, width);
            L1 = new EdgeLoad16(stride == 1 ? start + 1 : start + 16, width);
            L2 = new EdgeLoad16(stride == 1 ? start + 2 : start + 32, width);
        }
    }

    private readonly struct Body(float* x, float* y, int planes, int chunks, NnPool2D g, Block* columns, int blocks) : IParallelBody
    {
        public void Invoke(int index)
        {
            int from = (int)((long)planes * index / chunks), to = (int)((long)planes * (index + 1) / chunks);
            float[] lowest;
            if (g.Max)
            {
                lowest = _lowestRow ?? [];
                if (lowest.Length < g.InW)
                {
                    _lowestRow = lowest = new float[Math.Max(g.InW, 256)];
                    Array.Fill(lowest, float.NegativeInfinity);
                }
            }
            else
            {
                lowest = _zeroRow ?? [];
                if (lowest.Length < g.InW) _zeroRow = lowest = new float[Math.Max(g.InW, 256)];
            }
            fixed (float* low = lowest)
            {
                for (int p = from; p < to; p++)
                    Plane(x + ((nint)p * g.InH * g.InW), y + ((nint)p * g.OutH * g.OutW), low, g, columns, blocks);
            }
        }
    }

    private static void Plane(float* x, float* y, float* low, in NnPool2D g, Block* columns, int blocks)
    {
        if (!g.Max)
        {
            AveragePlane(x, y, low, g, columns, blocks);
            return;
        }
        var fill = Vector512.Create(float.NegativeInfinity);
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        var next = Vector512.Create(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
        for (int oy = 0; oy < g.OutH; oy++)
        {
            int iy = (oy * g.SH) - g.PadTop;
            float* r0 = Row(x, low, iy, g), r1 = Row(x, low, iy + 1, g), r2 = Row(x, low, iy + 2, g);
            float* yrow = y + ((nint)oy * g.OutW);
            for (int q = 0; q < blocks; q++)
            {
                ref readonly var c = ref columns[q];
                // Rows first (three loads per row position), then the window along the row.
                var a = Max3(c.L0.Load(r0, fill), c.L0.Load(r1, fill), c.L0.Load(r2, fill));
                var b = Max3(c.L1.Load(r0, fill), c.L1.Load(r1, fill), c.L1.Load(r2, fill));
                var d = Max3(c.L2.Load(r0, fill), c.L2.Load(r1, fill), c.L2.Load(r2, fill));
                Vector512<float> m;
                if (g.SW == 1)
                {
                    m = Max3(a, b, d);
                }
                else
                {
                    var e = Avx512F.PermuteVar16x32x2(a, even, b);
                    var o = Avx512F.PermuteVar16x32x2(a, odd, b);
                    m = Max3(e, o, Avx512F.PermuteVar16x32x2(e, next, d));
                }
                if (c.Count == 16) m.Store(yrow + c.Ox);
                else Avx512F.MaskStore(yrow + c.Ox, c.StoreMask, m);
            }
        }
    }

    private static void AveragePlane(float* x, float* y, float* zero, in NnPool2D g, Block* columns, int blocks)
    {
        var fill = Vector512<float>.Zero;
        var even = Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
        var odd = Vector512.Create(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
        var next = Vector512.Create(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16);
        for (int oy = 0; oy < g.OutH; oy++)
        {
            int iy = (oy * g.SH) - g.PadTop;
            float* r0 = Row(x, zero, iy, g), r1 = Row(x, zero, iy + 1, g), r2 = Row(x, zero, iy + 2, g);
            float* yrow = y + ((nint)oy * g.OutW);
            var rows = Vector512.Create((float)NnPoolFast.WindowCount(iy, g.KH, g.InH, g.PadTop, g.PadBottom, g.CountIncludePad));
            for (int q = 0; q < blocks; q++)
            {
                ref readonly var c = ref columns[q];
                // Rows first, then the window along the row, in the reference's order ((x0 + x1) + x2).
                var a = c.L0.Load(r0, fill) + c.L0.Load(r1, fill) + c.L0.Load(r2, fill);
                var b = c.L1.Load(r0, fill) + c.L1.Load(r1, fill) + c.L1.Load(r2, fill);
                var d = c.L2.Load(r0, fill) + c.L2.Load(r1, fill) + c.L2.Load(r2, fill);
                Vector512<float> sum;
                if (g.SW == 1)
                {
                    sum = a + b + d;
                }
                else
                {
                    var e = Avx512F.PermuteVar16x32x2(a, even, b);
                    var o = Avx512F.PermuteVar16x32x2(a, odd, b);
                    sum = e + o + Avx512F.PermuteVar16x32x2(e, next, d);
                }
                var m = sum / (rows * c.Columns);
                if (c.Count == 16) m.Store(yrow + c.Ox);
                else Avx512F.MaskStore(yrow + c.Ox, c.StoreMask, m);
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static float* Row(float* x, float* low, int iy, in NnPool2D g) => (uint)iy < (uint)g.InH ? x + ((nint)iy * g.InW) : low;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Max3(Vector512<float> a, Vector512<float> b, Vector512<float> c) => Avx512F.Max(Avx512F.Max(a, b), c);
}
