using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.Arm;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Int8 GEMM: C (M x N) = W (M x K, packed s8 weights, <see cref="Int8PackedWeights"/>) times X (K x N, u8/s8
/// activations, <see cref="Int8Source"/>) with exact int32 accumulation, requantized by <see cref="Int8Output"/>. Activation
/// panels of NR columns are packed per call into a per-thread buffer and used at once by every 8-row weight panel
/// (weights stay in L2, the panel in L1); one activation column takes the GEMV kernel. Paths (<see cref="GemmIsa"/>):
/// AVX-512BW (8 x 32 tiles), AVX2 (8 x 8), 128-bit (SSSE3, ARM SDOT, or portable; 8 x 4) and scalar. Work is split over
/// column panels (and row panels when there are few columns) with <see cref="IntraOp"/>; integer results do not depend on the split.
/// </summary>
internal static unsafe class Int8Gemm
{
    /// <summary>Activation columns up to which the GEMV kernel runs column by column.</summary>
    private const int GemvColumns = 2;

    [ThreadStatic] private static byte[]? _panel;

    public static int Nr(GemmIsa isa) => isa switch
    {
        GemmIsa.Vector512 => Int8GemmKernels.Nr512,
        GemmIsa.Vector256 => Int8GemmKernels.Nr256,
        GemmIsa.Vector128 => Int8GemmKernels.Nr128,
        _ => Int8GemmKernels.NrScalar,
    };

    /// <summary>Whether the int8 kernels of <paramref name="isa"/> run on this machine.</summary>
    public static bool IsSupported(GemmIsa isa) => isa switch
    {
        GemmIsa.Vector512 => Avx512BW.IsSupported,
        GemmIsa.Vector256 => Avx2.IsSupported,
        GemmIsa.Vector128 => Vector128.IsHardwareAccelerated,
        _ => true,
    };

    /// <summary>The widest supported int8 path not wider than <paramref name="isa"/>.</summary>
    public static GemmIsa Resolve(GemmIsa isa)
    {
        while (isa > GemmIsa.Scalar && !IsSupported(isa)) isa--;
        return isa;
    }

    /// <summary>Short name for profiles.</summary>
    public static string Name(GemmIsa isa) => isa switch
    {
        GemmIsa.Vector512 => "avx512bw",
        GemmIsa.Vector256 => "avx2",
        GemmIsa.Vector128 => Ssse3.IsSupported ? "ssse3" : Dp.IsSupported ? "sdot" : "v128",
        _ => "scalar",
    };

    /// <summary>
    /// Runs the GEMM over all N columns of <paramref name="b"/>. <paramref name="portable"/> (tests) makes the 128-bit path
    /// use only the portable vector API.
    /// </summary>
    public static void Run(Int8PackedWeights a, in Int8Source b, int n, in Int8Output output, int threads, GemmIsa isa, bool portable = false) =>
        Run(a, b, default, implicitColumns: false, n, output, threads, isa, portable);

    /// <summary>
    /// Runs the GEMM of a convolution whose right operand is the im2col matrix of <paramref name="conv"/>, built a block of
    /// columns at a time inside the parallel loop (never whole). <paramref name="signed"/>: the input is int8.
    /// </summary>
    public static void Run(Int8PackedWeights a, in Int8Im2Col conv, bool signed, in Int8Output output, int threads, GemmIsa isa, bool portable = false)
    {
        int n = conv.Columns;
        if (n > GemvColumns)
        {
            Run(a, new Int8Source(null, 0, false, signed), conv, implicitColumns: true, n, output, threads, isa, portable);
            return;
        }
        // One or two output pixels: the whole (small) operand, then the GEMV.
        int need = conv.Depth * n;
        var buf = _columns;
        if (buf == null || buf.Length < need) _columns = buf = new byte[need];
        fixed (byte* col = buf)
        {
            conv.Fill(0, n, col, n);
            Run(a, new Int8Source(col, n, false, signed), default, implicitColumns: false, n, output, threads, isa, portable);
        }
    }

    private static void Run(Int8PackedWeights a, in Int8Source b, in Int8Im2Col conv, bool implicitColumns, int n, in Int8Output output, int threads,
        GemmIsa isa, bool portable)
    {
        if (!IsSupported(isa)) throw new PlatformNotSupportedException($"int8 GEMM path {isa} is not supported on this machine");
        int m = a.Rows;
        if (m == 0 || n == 0) return;
        if ((long)m * n * a.Depth < 1 << 16) threads = 1;
        fixed (byte* pa = a.Data)
        {
            int rowPanels = a.Panels;
            if (n <= GemvColumns)
            {
                int chunks = Math.Min(rowPanels, threads == 1 ? 1 : 4 * threads);
                IntraOp.For(chunks, threads, new GemvBody(a, pa, b, n, output, isa, portable, chunks));
                return;
            }
            int nr = Nr(isa), panels = (n + nr - 1) / nr;
            int colChunks = Math.Min(panels, threads == 1 ? 1 : 4 * threads);
            int rowParts = threads > 1 && colChunks < 2 * threads ? Math.Min(rowPanels, (2 * threads + colChunks - 1) / colChunks) : 1;
            IntraOp.For(colChunks * rowParts, threads,
                new GemmBody(a, pa, b, conv, implicitColumns, n, output, isa, portable, nr, panels, colChunks, rowParts));
        }
    }

    /// <summary>Bytes of im2col columns built at a time (whole panels; at least one).</summary>
    private const int ColumnBlockBytes = 512 << 10;

    [ThreadStatic] private static byte[]? _columns;

    private readonly struct GemmBody(Int8PackedWeights a, byte* pa, Int8Source b, Int8Im2Col conv, bool implicitColumns, int n, Int8Output output,
        GemmIsa isa, bool portable, int nr, int panels, int colChunks, int rowParts) : IParallelBody
    {
        public void Invoke(int index)
        {
            int cc = index % colChunks, rp = index / colChunks;
            int p0 = (int)((long)panels * cc / colChunks), p1 = (int)((long)panels * (cc + 1) / colChunks);
            int rowPanels = a.Panels;
            int r0 = (int)((long)rowPanels * rp / rowParts), r1 = (int)((long)rowPanels * (rp + 1) / rowParts);
            int need = a.Groups * nr * 4;
            var buf = _panel;
            if (buf == null || buf.Length < need) _panel = buf = new byte[Math.Max(need, 4096)];
            int* tile = stackalloc int[Int8GemmKernels.Mr * Int8GemmKernels.Nr512];
            int* colSum = stackalloc int[Int8GemmKernels.Nr512];
            fixed (byte* panel = buf)
            {
                if (!implicitColumns)
                {
                    for (int p = p0; p < p1; p++) Panel(b, n, p * nr, 0, r0, r1, panel, tile, colSum);
                    return;
                }
                int blockPanels = Math.Max(1, ColumnBlockBytes / (a.Depth * nr));
                int colNeed = blockPanels * nr * a.Depth;
                var cols = _columns;
                if (cols == null || cols.Length < colNeed) _columns = cols = new byte[colNeed];
                fixed (byte* col = cols)
                {
                    for (int q0 = p0; q0 < p1; q0 += blockPanels)
                    {
                        int q1 = Math.Min(p1, q0 + blockPanels);
                        int c0 = q0 * nr, c1 = Math.Min(n, q1 * nr), ld = (q1 - q0) * nr;
                        conv.Fill(c0, c1, col, ld);
                        var block = new Int8Source(col, ld, false, b.Signed);
                        for (int p = q0; p < q1; p++) Panel(block, c1 - c0, (p * nr) - c0, c0, r0, r1, panel, tile, colSum);
                    }
                }
            }
        }

        /// <summary>
        /// Packs the panel of columns <paramref name="j"/> .. of <paramref name="src"/> (<paramref name="width"/> columns) and
        /// multiplies it by weight panels r0 .. r1 (through the per-call <paramref name="tile"/> and <paramref name="colSum"/>);
        /// output column = <paramref name="j"/> + <paramref name="shift"/>.
        /// </summary>
        private void Panel(in Int8Source src, int width, int j, int shift, int r0, int r1, byte* panel, int* tile, int* colSum)
        {
            int groups = a.Groups, m = a.Rows;
            bool wide = a.Wide;
            int j0 = j + shift, w = Math.Min(nr, width - j);
            Int8PackB.Panel(src, a.Depth, width, j, nr, groups, wide, panel);
            if (output.WeightZero != null) Int8PackB.ColumnSums(panel, groups, nr, wide, colSum);
            // Whole 8 x 32 blocks of 8-bit output without weight zero points are requantized from registers (residuals in registers).
            bool quads = isa == GemmIsa.Vector512 && a.Quads;
            bool fusable = isa == GemmIsa.Vector512 && w == nr && output.Y != null && output.ColumnStride == 1 && output.WeightZero == null;
            bool half = isa == GemmIsa.Vector512 && w <= 16;
            fixed (int* corrIndex = a.CorrectionIndex)
            fixed (int* corrValue = a.CorrectionValue)
            {
                for (int rpan = r0; rpan < r1; rpan++)
                {
                    byte* ap = pa + ((nint)rpan * a.PanelBytes);
                    int i8 = rpan * Int8GemmKernels.Mr;
                    int e0 = 0, e1 = 0;
                    if (a.CorrectionStart is { } start)
                    {
                        e0 = start[rpan];
                        e1 = start[rpan + 1];
                    }
                    bool whole = fusable && i8 + Int8GemmKernels.Mr <= m;
                    if (half)
                    {
                        // A last panel of 16 or fewer columns: half the products, residuals on the tile.
                        if (quads) Int8GemmKernels.Tile512HalfQuads(ap, panel, groups, tile);
                        else if (wide) Int8GemmKernels.Tile512Half<MaddS16>(ap, panel, groups, tile);
                        else Int8GemmKernels.Tile512Half<MaddU8>(ap, panel, groups, tile);
                        if (e0 < e1) Int8GemmKernels.Correct(a, e0, e1, panel, nr, tile);
                    }
                    else if (quads)
                    {
                        // Residuals in registers; the requantization too for whole blocks.
                        Int8GemmKernels.Tile512Quads(ap, panel, groups, tile, whole, output, i8, j0, corrIndex, corrValue, e0, e1);
                        if (whole) continue;
                    }
                    else if (whole)
                    {
                        if (wide) Int8GemmKernels.Tile512Requant<MaddS16>(ap, panel, groups, output, i8, j0, null, null, 0, 0);
                        else Int8GemmKernels.Tile512Requant<MaddU8>(ap, panel, groups, output, i8, j0, corrIndex, corrValue, e0, e1);
                        continue;
                    }
                    else
                    {
                        Tile(isa, wide, portable, ap, panel, groups, nr, tile);
                        if (e0 < e1) Int8GemmKernels.Correct(a, e0, e1, panel, nr, tile);
                    }
                    output.Store(tile, nr, colSum, i8, Math.Min(Int8GemmKernels.Mr, m - i8), j0, w);
                }
            }
        }
    }

    private readonly struct GemvBody(Int8PackedWeights a, byte* pa, Int8Source b, int n, Int8Output output, GemmIsa isa, bool portable, int chunks)
        : IParallelBody
    {
        public void Invoke(int index)
        {
            int rowPanels = a.Panels;
            int r0 = (int)((long)rowPanels * index / chunks), r1 = (int)((long)rowPanels * (index + 1) / chunks);
            int groups = a.Groups, m = a.Rows;
            bool wide = a.Wide;
            int need = groups * 32;
            var buf = _panel;
            if (buf == null || buf.Length < need) _panel = buf = new byte[Math.Max(need, 4096)];
            int* c = stackalloc int[Int8GemmKernels.Mr];
            int colSum = 0;
            fixed (byte* bx = buf)
            {
                for (int j = 0; j < n; j++)
                {
                    Int8PackB.Expanded(b, a.Depth, j, groups, wide, bx);
                    if (output.WeightZero != null)
                    {
                        colSum = 0;
                        for (int k = 0; k < a.Depth; k++) colSum += b.At(k, j);
                    }
                    for (int rpan = r0; rpan < r1; rpan++)
                    {
                        Gemv(isa, wide, portable, pa + ((nint)rpan * a.PanelBytes), bx, groups, c);
                        if (a.CorrectionStart is { } start && start[rpan] < start[rpan + 1])
                            Int8GemmKernels.CorrectGemv(a, start[rpan], start[rpan + 1], bx, c);
                        int i0 = rpan * Int8GemmKernels.Mr;
                        output.Store(c, 1, &colSum, i0, Math.Min(Int8GemmKernels.Mr, m - i0), j, 1);
                    }
                }
            }
        }
    }

    private static void Tile(GemmIsa isa, bool wide, bool portable, byte* a, byte* b, int groups, int nr, int* c)
    {
        switch (isa)
        {
            case GemmIsa.Vector512:
                if (wide) Int8GemmKernels.Tile512<MaddS16>(a, b, groups, c); else Int8GemmKernels.Tile512<MaddU8>(a, b, groups, c);
                break;
            case GemmIsa.Vector256:
                if (wide) Int8GemmKernels.Tile256<MaddS16>(a, b, groups, c); else Int8GemmKernels.Tile256<MaddU8>(a, b, groups, c);
                break;
            case GemmIsa.Vector128 when portable:
                if (wide) Int8GemmKernels.Tile128<MaddS16Portable>(a, b, groups, c); else Int8GemmKernels.Tile128<MaddU8Portable>(a, b, groups, c);
                break;
            case GemmIsa.Vector128:
                if (wide) Int8GemmKernels.Tile128<MaddS16>(a, b, groups, c); else Int8GemmKernels.Tile128<MaddU8>(a, b, groups, c);
                break;
            default:
                Int8GemmKernels.TileScalar(a, b, groups, nr, wide, c);
                break;
        }
    }

    private static void Gemv(GemmIsa isa, bool wide, bool portable, byte* a, byte* bx, int groups, int* c)
    {
        switch (isa)
        {
            case GemmIsa.Vector512:
                if (wide) Int8GemmKernels.Gemv512<MaddS16>(a, bx, groups, c); else Int8GemmKernels.Gemv512<MaddU8>(a, bx, groups, c);
                break;
            case GemmIsa.Vector256:
                if (wide) Int8GemmKernels.Gemv256<MaddS16>(a, bx, groups, c); else Int8GemmKernels.Gemv256<MaddU8>(a, bx, groups, c);
                break;
            case GemmIsa.Vector128 when portable:
                if (wide) Int8GemmKernels.Gemv128<MaddS16Portable>(a, bx, groups, c); else Int8GemmKernels.Gemv128<MaddU8Portable>(a, bx, groups, c);
                break;
            case GemmIsa.Vector128:
                if (wide) Int8GemmKernels.Gemv128<MaddS16>(a, bx, groups, c); else Int8GemmKernels.Gemv128<MaddU8>(a, bx, groups, c);
                break;
            default:
                Int8GemmKernels.GemvScalar(a, bx, groups, wide, c);
                break;
        }
    }
}
