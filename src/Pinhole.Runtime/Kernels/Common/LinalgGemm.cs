using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Shared float32 GEMM: C = act(alpha * op(A) * op(B) + beta * C + bias) over row-major spans, cache-blocked with
/// packed A and B panels and a register-blocked micro-kernel per ISA (<see cref="GemmKernels"/>); threaded through
/// <see cref="IntraOp"/> with results independent of the thread count. The default path is <see cref="Isa.Default"/>.
/// </summary>
public static unsafe class Linalg
{
    /// <summary>Depth of a packed block (k), per ISA: B micro-panels of KC x NR stay in L1.</summary>
    internal static int Kc(GemmIsa isa) => isa == GemmIsa.Vector512 ? 128 : 256;

    /// <summary>
    /// Depth of the k blocks of a GEMM over <paramref name="k"/>: <see cref="Kc(GemmIsa)"/>, or all of k when it is at most a
    /// quarter more, so that no short last block pays a C tile's loads and stores for a few products (ResNet-50's conv1,
    /// k = 147: 128 + 19 -> 147, 89.5 -> 93.3 GFLOP/s). Packed operands and their consumers must agree on it.
    /// </summary>
    internal static int Kc(GemmIsa isa, int k)
    {
        int kc = Kc(isa);
        return k > kc && k <= kc + (kc / 4) ? k : kc;
    }

    /// <summary>Rows of A per L2 block, a multiple of MR.</summary>
    internal static int Mc(GemmIsa isa) => Mr(isa) * (isa == GemmIsa.Vector512 ? 16 : 24);

    /// <summary>Columns of B per packed block.</summary>
    private const int NC = 4096;

    internal static int Mr(GemmIsa isa) => isa switch
    {
        GemmIsa.Vector512 => GemmKernels.Mr512,
        GemmIsa.Vector256 => GemmKernels.Mr256,
        GemmIsa.Vector128 => GemmKernels.Mr128,
        _ => GemmKernels.MrScalar,
    };

    internal static int Nr(GemmIsa isa) => isa switch
    {
        GemmIsa.Vector512 => GemmKernels.Nr512,
        GemmIsa.Vector256 => GemmKernels.Nr256,
        GemmIsa.Vector128 => GemmKernels.Nr128,
        _ => GemmKernels.NrScalar,
    };

    /// <summary>The path used by default (see <see cref="Isa"/>).</summary>
    public static GemmIsa DefaultIsa => Isa.Default;

    [ThreadStatic] private static float[]? _packABuffer;

    /// <summary>C[m,n] = alpha * sum_k op(A)[m,k] op(B)[k,n] + beta * C[m,n]; lda/ldb/ldc are row strides of the stored matrices.</summary>
    public static void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int threads = 1) =>
        Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads, Isa.Default, default);

    /// <summary>Row-major C = A * B with dense strides (lda = k, ldb = n, ldc = n), overwriting C.</summary>
    public static void MatMul(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int threads = 1) =>
        Gemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n, threads, Isa.Default, default);

    public static void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int threads, GemmIsa isa) =>
        Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads, isa, default);

    /// <summary>The general entry: C = epilogue(alpha * op(A) * op(B) + beta * C) on the given ISA path.</summary>
    public static void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int threads, GemmIsa isa,
        GemmEpilogue epilogue)
    {
        CheckDims(m, n, k);
        if (m > 0 && n > 0 && k > 0)
        {
            if (transA) CheckSize(a, k, m, lda, nameof(a)); else CheckSize(a, m, k, lda, nameof(a));
            if (transB) CheckSize(b, n, k, ldb, nameof(b)); else CheckSize(b, k, n, ldb, nameof(b));
        }
        fixed (float* pa = a)
        fixed (float* pb = b)
            Run(isa, transA, null, pa, lda, transB, null, pb, ldb, m, n, k, alpha, beta, c, ldc, threads, epilogue);
    }

    /// <summary>Packs op(A) (m x k) once, for GEMMs that reuse a constant left operand (such as convolution weights).</summary>
    public static PackedMatrix PackA(bool transA, int m, int k, ReadOnlySpan<float> a, int lda) => PackA(transA, m, k, a, lda, Isa.Default);

    public static PackedMatrix PackA(bool transA, int m, int k, ReadOnlySpan<float> a, int lda, GemmIsa isa)
    {
        CheckDims(m, 1, k);
        if (m > 0 && k > 0)
        {
            if (transA) CheckSize(a, k, m, lda, nameof(a)); else CheckSize(a, m, k, lda, nameof(a));
        }
        int mr = Mr(isa), kcMax = Kc(isa, k);
        int mPad = RoundUp(m, mr);
        var data = new float[Math.Max(1, mPad * k)];
        fixed (float* pa = a)
        fixed (float* pd = data)
        {
            for (int pc = 0; pc < k; pc += kcMax)
            {
                int kc = Math.Min(kcMax, k - pc);
                PackAPanels(transA, pa, lda, 0, m, pc, kc, mr, pd + ((nint)pc * mPad));
            }
        }
        return new PackedMatrix(m, k, data, isa, packedA: true);
    }

    /// <summary>Packs op(B) (k x n) once, for GEMMs with a constant right operand (MatMul/Gemm weights).</summary>
    public static PackedMatrix PackB(bool transB, int k, int n, ReadOnlySpan<float> b, int ldb, GemmIsa isa)
    {
        CheckDims(1, n, k);
        if (n > 0 && k > 0)
        {
            if (transB) CheckSize(b, n, k, ldb, nameof(b)); else CheckSize(b, k, n, ldb, nameof(b));
        }
        int nr = Nr(isa), kcMax = Kc(isa, k);
        int nPad = RoundUp(n, nr);
        var data = new float[Math.Max(1, nPad * k)];
        fixed (float* pb = b)
        fixed (float* pd = data)
        {
            for (int pc = 0; pc < k; pc += kcMax)
            {
                int kc = Math.Min(kcMax, k - pc);
                PackBPanels(transB, pb, ldb, pc, kc, 0, n, nr, 0, (n + nr - 1) / nr, pd + ((nint)pc * nPad), atLoad: true);
            }
        }
        return new PackedMatrix(k, n, data, isa, packedA: false);
    }

    /// <summary>C = alpha * A * op(B) + beta * C with A packed by <see cref="PackA(bool, int, int, ReadOnlySpan{float}, int)"/>.</summary>
    public static void Gemm(PackedMatrix a, bool transB, int n, float alpha, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        int threads = 1) => Gemm(a, transB, n, alpha, b, ldb, beta, c, ldc, threads, default);

    public static void Gemm(PackedMatrix a, bool transB, int n, float alpha, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc,
        int threads, GemmEpilogue epilogue)
    {
        if (!a.IsPackedA) throw new ArgumentException("matrix was packed as a right operand", nameof(a));
        int m = a.Rows, k = a.Columns;
        CheckDims(m, n, k);
        if (m > 0 && n > 0 && k > 0)
        {
            if (transB) CheckSize(b, n, k, ldb, nameof(b)); else CheckSize(b, k, n, ldb, nameof(b));
        }
        fixed (float* pa = a.Data)
        fixed (float* pb = b)
            Run(a.Isa, false, pa, null, 0, transB, null, pb, ldb, m, n, k, alpha, beta, c, ldc, threads, epilogue);
    }

    /// <summary>C = epilogue(alpha * op(A) * B + beta * C) with B packed by <see cref="PackB"/>.</summary>
    public static void Gemm(bool transA, int m, float alpha, ReadOnlySpan<float> a, int lda, PackedMatrix b, float beta, Span<float> c, int ldc,
        int threads, GemmEpilogue epilogue)
    {
        if (b.IsPackedA) throw new ArgumentException("matrix was packed as a left operand", nameof(b));
        int k = b.Rows, n = b.Columns;
        CheckDims(m, n, k);
        if (m > 0 && n > 0 && k > 0)
        {
            if (transA) CheckSize(a, k, m, lda, nameof(a)); else CheckSize(a, m, k, lda, nameof(a));
        }
        fixed (float* pa = a)
        fixed (float* pb = b.Data)
            Run(b.Isa, transA, null, pa, lda, false, pb, null, 0, m, n, k, alpha, beta, c, ldc, threads, epilogue);
    }

    private static void CheckDims(int m, int n, int k)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), "negative GEMM size");
    }

    private static void CheckSize(ReadOnlySpan<float> s, int rows, int cols, int ld, string name)
    {
        if (ld < cols || (long)(rows - 1) * ld + cols > s.Length)
            throw new ArgumentException($"GEMM operand {name} too small for {rows}x{cols} with stride {ld}", name);
    }

    internal static int RoundUp(int x, int r) => (x + r - 1) / r * r;

    /// <summary>p[0], p[2], ..., p[14] (reads p[0..16)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static Vector256<float> Evens(float* p)
    {
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
            return System.Runtime.Intrinsics.X86.Avx512F.PermuteVar16x32(Vector512.Load(p), Vector512.Create(0, 2, 4, 6, 8, 10, 12, 14, 1, 3, 5, 7, 9, 11, 13, 15)).GetLower();
        if (System.Runtime.Intrinsics.X86.Avx2.IsSupported)
        {
            var order = Vector256.Create(0, 2, 4, 6, 1, 3, 5, 7);
            var a = System.Runtime.Intrinsics.X86.Avx2.PermuteVar8x32(Vector256.Load(p), order);
            var b = System.Runtime.Intrinsics.X86.Avx2.PermuteVar8x32(Vector256.Load(p + 8), order);
            return System.Runtime.Intrinsics.X86.Avx.Permute2x128(a, b, 0x20);
        }
        return Vector256.Create(p[0], p[2], p[4], p[6], p[8], p[10], p[12], p[14]);
    }

    /// <summary>dst[0..count) = src[0..count): inline vector copies for the short rows of panel packing (a call to memmove per row costs more than the copy).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void CopyFloats(float* src, float* dst, int count)
    {
        int i = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            for (; i <= count - 16; i += 16)
            {
                Vector256.Load(src + i).Store(dst + i);
                Vector256.Load(src + i + 8).Store(dst + i + 8);
            }
            if (i <= count - 8)
            {
                Vector256.Load(src + i).Store(dst + i);
                i += 8;
            }
        }
        for (; i < count; i++) dst[i] = src[i];
    }

    private static void Run(GemmIsa isa, bool transA, float* packedA, float* a, nint lda, bool transB, float* packedB, float* b, nint ldb,
        int m, int n, int k, float alpha, float beta, Span<float> c, int ldc, int threads, GemmEpilogue epilogue, ConvImage* image = null)
    {
        if (!Isa.IsSupported(isa)) throw new PlatformNotSupportedException($"GEMM path {isa} is not supported on this machine");
        if (m == 0 || n == 0) return;
        CheckSize(c, m, n, ldc, nameof(c));
        if (!epilogue.RowBias.IsEmpty && epilogue.RowBias.Length < m) throw new ArgumentException("row bias too short", nameof(epilogue));
        if (!epilogue.ColumnBias.IsEmpty && epilogue.ColumnBias.Length < n) throw new ArgumentException("column bias too short", nameof(epilogue));
        fixed (float* pc = c)
        fixed (float* rowBias = epilogue.RowBias)
        fixed (float* colBias = epilogue.ColumnBias)
        {
            var epi = new EpilogueArgs(epilogue.RowBias.IsEmpty ? null : rowBias, epilogue.ColumnBias.IsEmpty ? null : colBias, epilogue.Activation);
            if (beta != 0f && beta != 1f)
            {
                for (int i = 0; i < m; i++)
                {
                    var row = new Span<float>(pc + ((nint)i * ldc), n);
                    TensorPrimitives.Multiply(row, beta, row);
                }
            }
            bool accumulate = beta != 0f;
            if (k == 0 || alpha == 0f)
            {
                for (int i = 0; i < m; i++)
                {
                    float* row = pc + ((nint)i * ldc);
                    if (!accumulate) new Span<float>(row, n).Clear();
                    if (epi.Active) epi.Apply(row, ldc, i, 0, 1, n);
                }
                return;
            }
            if ((long)m * n * k < 1 << 17) threads = 1;
            if (m == 1 && packedA == null && image == null) Gemv(isa, transA, a, lda, transB, packedB, b, ldb, n, k, alpha, accumulate, pc, epi, threads);
            else Blocked(isa, transA, packedA, a, lda, transB, packedB, b, ldb, m, n, k, alpha, accumulate, pc, ldc, epi, threads, image);
        }
    }

    private static void Blocked(GemmIsa isa, bool transA, float* packedA, float* a, nint lda, bool transB, float* packedB, float* b, nint ldb,
        int m, int n, int k, float alpha, bool accumulate, float* c, nint ldc, in EpilogueArgs epi, int threads, ConvImage* image)
    {
        int mr = Mr(isa), nr = Nr(isa), kcMax = Kc(isa, k), mc = Mc(isa);
        int mPad = RoundUp(m, mr), nPad = RoundUp(n, nr);
        bool bInPlace = ReadsBInPlace(isa, transB, b, image);
        if (packedA != null && packedB == null && (long)mPad * k * sizeof(float) <= PanelOrderMaxABytes && (n <= PanelOrderMaxColumns || bInPlace))
        {
            // A small packed A (convolution weights) stays in L2: finish each column panel over all of k while it is in L1.
            int panels = (n + nr - 1) / nr;
            int chunks = threads > 1 ? Math.Min(panels, 8 * threads) : 1;
            IntraOp.For(chunks, threads, new PanelBody(isa, packedA, mPad, transB, b, ldb, image, m, n, k, alpha, accumulate, c, ldc, epi, panels, chunks));
            return;
        }
        if (threads > 1 && packedB == null && (packedA != null || m <= n) && n >= ColumnSplitMinPanels * nr * threads)
        {
            // Each thread packs and multiplies its own columns of B: split by rows, every thread packed all of B (for an
            // implicit GEMM the whole im2col matrix, a sixth of a 3x3 stride-2 layer's time). A split by columns repacks A
            // per thread instead, unless it is packed already: the smaller operand is the one done twice.
            IntraOp.For(threads, threads, new ColumnSplitBody(isa, transA, packedA, a, lda, transB, b, ldb, m, n, k, alpha, accumulate,
                c, ldc, epi, image, threads));
            return;
        }
        if (threads > 1 && m >= RowSplitMinRows * threads)
        {
            // One parallel region: each thread runs the whole blocked GEMM on its own rows, packing B for itself, instead
            // of two fork-joins per k block (16 for k = 1024), which cost ResNet-50's 14x14 stage a fifth of its 2-thread speed.
            IntraOp.For(threads, threads, new RowSplitBody(isa, transA, packedA, a, lda, transB, packedB, b, ldb, m, n, k, alpha, accumulate,
                c, ldc, epi, image, threads));
            return;
        }
        BlockedRows(isa, transA, packedA, a, lda, transB, packedB, b, ldb, m, n, k, alpha, accumulate, c, ldc, epi, threads, image, 0, m);
    }

    /// <summary>
    /// Fewest rows per thread for <see cref="RowSplitBody"/>: each thread packs all of B, which must stay cheap next to its
    /// share of the products (1/64 of them at most). MobileNetV2's 960 -> 160 at 8x8, 2 threads: 0.144 -> 0.102 ms.
    /// </summary>
    private const int RowSplitMinRows = 64;

    private readonly struct RowSplitBody(GemmIsa isa, bool transA, float* packedA, float* a, nint lda, bool transB, float* packedB, float* b,
        nint ldb, int m, int n, int k, float alpha, bool accumulate, float* c, nint ldc, EpilogueArgs epi, ConvImage* image, int parts)
        : IParallelBody
    {
        public void Invoke(int index)
        {
            int mr = Mr(isa);
            int r0 = RoundUp((int)((long)m * index / parts), mr), r1 = index == parts - 1 ? m : RoundUp((int)((long)m * (index + 1) / parts), mr);
            if (r0 < r1) BlockedRows(isa, transA, packedA, a, lda, transB, packedB, b, ldb, m, n, k, alpha, accumulate, c, ldc, epi, 1, image, r0, Math.Min(r1, m));
        }
    }

    /// <summary>Fewest column panels per thread for <see cref="ColumnSplitBody"/>.</summary>
    private const int ColumnSplitMinPanels = 4;

    private readonly struct ColumnSplitBody(GemmIsa isa, bool transA, float* packedA, float* a, nint lda, bool transB, float* b, nint ldb, int m,
        int n, int k, float alpha, bool accumulate, float* c, nint ldc, EpilogueArgs epi, ConvImage* image, int parts) : IParallelBody
    {
        public void Invoke(int index)
        {
            int nr = Nr(isa), panels = (n + nr - 1) / nr;
            int c0 = (int)((long)panels * index / parts) * nr, c1 = Math.Min(n, (int)((long)panels * (index + 1) / parts) * nr);
            if (c0 < c1) BlockedRows(isa, transA, packedA, a, lda, transB, null, b, ldb, m, n, k, alpha, accumulate, c, ldc, epi, 1, image, 0, m, c0, c1);
        }
    }

    /// <summary>
    /// The blocked GEMM over rows <paramref name="rowStart"/> to <paramref name="rowEnd"/> and columns <paramref name="colStart"/> (a
    /// multiple of nr) to <paramref name="colEnd"/> of C (packed A indexed for all m rows; all n columns when colEnd is 0).
    /// </summary>
    private static void BlockedRows(GemmIsa isa, bool transA, float* packedA, float* a, nint lda, bool transB, float* packedB, float* b, nint ldb,
        int m, int n, int k, float alpha, bool accumulate, float* c, nint ldc, in EpilogueArgs epi, int threads, ConvImage* image, int rowStart, int rowEnd,
        int colStart = 0, int colEnd = 0)
    {
        if (colEnd == 0) colEnd = n;
        int mr = Mr(isa), nr = Nr(isa), kcMax = Kc(isa, k), mc = Mc(isa);
        int mPad = RoundUp(m, mr), nPad = RoundUp(n, nr);
        int ncMax = packedB != null ? nPad : Math.Min(NC, nPad);
        int kcFirst = Math.Min(kcMax, k);
        float[]? packBArray = packedB != null ? null : ArrayPool<float>.Shared.Rent((ncMax * kcFirst) + CacheLineFloats);
        int mBlocks = (rowEnd - rowStart + mc - 1) / mc;
        try
        {
            fixed (float* packBase = packBArray)
            {
                float* packBuf = AlignToCacheLine(packBase);
                for (int jc = colStart; jc < colEnd; jc += ncMax)
                {
                    int nc = Math.Min(ncMax, colEnd - jc);
                    int panels = (nc + nr - 1) / nr;
                    for (int pc = 0; pc < k; pc += kcMax)
                    {
                        int kc = Math.Min(kcMax, k - pc);
                        float* bBlock;
                        if (packedB != null)
                        {
                            bBlock = packedB + ((nint)pc * nPad);
                        }
                        else
                        {
                            bBlock = packBuf;
                            int chunks = threads > 1 ? Math.Min(panels, 4 * threads) : 1;
                            var pack = new PackBBody(transB, b, ldb, pc, kc, jc, nc, nr, panels, chunks, packBuf, image);
                            IntraOp.For(chunks, threads, pack);
                        }
                        int nParts = threads > 1 ? Math.Clamp(((3 * threads) + mBlocks - 1) / mBlocks, 1, panels) : 1;
                        int panelsPerPart = (panels + nParts - 1) / nParts;
                        nParts = (panels + panelsPerPart - 1) / panelsPerPart;
                        var body = new MacroBody(isa, transA, packedA, a, lda, mPad, bBlock, rowEnd, nc, jc, pc, kc, k, alpha,
                            accumulate || pc > 0, c, ldc, epi, mc, nParts, panelsPerPart, rowStart);
                        IntraOp.For(mBlocks * nParts, threads, body);
                    }
                }
            }
        }
        finally
        {
            if (packBArray != null) ArrayPool<float>.Shared.Return(packBArray);
        }
    }

    /// <summary>
    /// Whether full column panels of a plain row-major B (a 1x1 convolution's input) feed the Vector512 micro-kernel in place,
    /// row k at b + k * ldb, instead of being copied into a packed panel first. The copy cost a third of the time when few
    /// rows of A share each panel (32 -> 16 channels at 32x32: 72 -> 103 GFLOP/s without it).
    /// </summary>
    private static bool ReadsBInPlace(GemmIsa isa, bool transB, float* b, ConvImage* image) =>
        isa == GemmIsa.Vector512 && !transB && b != null && image == null;

    /// <summary>Largest packed A (bytes) for the panel order of <see cref="PanelBody"/>: about half of a Zen 4 / Cortex-A7x L2.</summary>
    private const long PanelOrderMaxABytes = 512 * 1024;

    /// <summary>
    /// Widest C for the panel order: measured slower in a model for very wide outputs (super-resolution's 224x224 planes,
    /// 1 thread), where the blocked order's shared packed B block wins; the same on the ResNet-50, DenseNet and MobileNet sizes.
    /// </summary>
    private const int PanelOrderMaxColumns = 2 * NC;

    [ThreadStatic] private static float[]? _panelBuffer;

    /// <summary>
    /// Column panels per group when a one-block 1x1 GEMM runs row tiles outer (<see cref="PanelBody"/>): MobileNetV2's 16 -> 96
    /// at 122x122 0.61 -> 0.52 ms (8 to 32 measured alike), ResNet-50's 64 -> 256 at 56x56 1.06 -> 0.98.
    /// </summary>
    private const int GroupPanels = 16;

    /// <summary>Spare floats in a packing buffer so that its packed panels can start on a cache line.</summary>
    private const int CacheLineFloats = 16;

    /// <summary>
    /// The first 64-byte boundary at or after <paramref name="p"/>: the Vector512 kernels read packed panels (and the packer
    /// writes them) 64 bytes at a time, which at a managed array's 16-byte alignment could each touch two cache lines.
    /// </summary>
    private static float* AlignToCacheLine(float* p) => (float*)(((nint)p + 63) & ~(nint)63);

    /// <summary>
    /// Column panels p0..p1 of C = epilogue(alpha * A * op(B) (+ C)) with A packed: each panel of B (or of the image's im2col
    /// matrix) is packed per k block into a small per-thread buffer and used at once by every row tile, and each C tile gets
    /// its epilogue as soon as its last k block is done. One parallel loop per GEMM; the result does not depend on the split.
    /// </summary>
    private readonly struct PanelBody(GemmIsa isa, float* packedA, int mPad, bool transB, float* b, nint ldb, ConvImage* image, int m, int n,
        int k, float alpha, bool accumulate, float* c, nint ldc, EpilogueArgs epi, int panels, int chunks) : IParallelBody
    {
        public void Invoke(int index)
        {
            int p0 = (int)((long)panels * index / chunks), p1 = (int)((long)panels * (index + 1) / chunks);
            int nr = Nr(isa), mr = Mr(isa), kcMax = Kc(isa, k);
            var buf = _panelBuffer;
            if (buf == null || buf.Length < (kcMax * nr) + CacheLineFloats) _panelBuffer = buf = new float[(kcMax * nr) + CacheLineFloats];
            float* tile = stackalloc float[GemmKernels.Mr512 * GemmKernels.Nr512 > 256 ? GemmKernels.Mr512 * GemmKernels.Nr512 : 256];
            if (k <= kcMax && m > mr && ReadsBInPlace(isa, transB, b, image))
            {
                // One k block over B in place: row tiles outer within groups of panels, so each tile row of C is written as
                // one run across the group instead of 32 floats in each of m planes per panel.
                int full = Math.Min(p1, n / nr);
                for (int g0 = p0; g0 < full; g0 += GroupPanels)
                {
                    int g1 = Math.Min(full, g0 + GroupPanels);
                    for (int ir = 0; ir < m; ir += mr)
                    {
                        int h = Math.Min(mr, m - ir);
                        float* aPanel = packedA + ((nint)ir * k);
                        for (int p = g0; p < g1; p++)
                        {
                            int j0 = p * nr;
                            float* bPanel = b + j0, cTile = c + ((nint)ir * ldc) + j0;
                            if (h == mr && epi.Fusable(isa))
                            {
                                KernelWithEpilogue(k, aPanel, bPanel, cTile, ldc, alpha, accumulate, epi, ir, ldb);
                                continue;
                            }
                            if (h == mr)
                            {
                                GemmKernels.Kernel512(k, aPanel, bPanel, ldb, cTile, ldc, alpha, accumulate);
                            }
                            else
                            {
                                GemmKernels.Kernel512(k, aPanel, bPanel, ldb, tile, nr, alpha, false);
                                StoreTile(tile, nr, cTile, ldc, h, nr, accumulate);
                            }
                            if (epi.Active) epi.Apply(cTile, ldc, ir, j0, h, nr);
                        }
                    }
                }
                p0 = Math.Max(p0, full);
            }
            fixed (float* panelBase = buf)
            {
                float* panel = AlignToCacheLine(panelBase);
                for (int p = p0; p < p1; p++)
                {
                    int j0 = p * nr, w = Math.Min(nr, n - j0);
                    bool inPlace = w == nr && ReadsBInPlace(isa, transB, b, image);
                    for (int pc = 0; pc < k; pc += kcMax)
                    {
                        int kc = Math.Min(kcMax, k - pc);
                        float* bPanel = panel;
                        nint bStride = nr;
                        if (inPlace)
                        {
                            bPanel = b + ((nint)pc * ldb) + j0;
                            bStride = ldb;
                        }
                        else
                        {
                            // The packers write panel p at dst + p * kc * nr; aim that at the buffer.
                            float* dst = panel - ((nint)p * kc * nr);
                            if (image != null) image->PackPanels(pc, kc, 0, n, nr, p, p + 1, dst);
                            else PackBPanels(transB, b, ldb, pc, kc, 0, n, nr, p, p + 1, dst);
                        }
                        bool acc = accumulate || pc > 0, last = pc + kc == k;
                        float* aBlock = packedA + ((nint)pc * mPad);
                        for (int ir = 0; ir < m; ir += mr)
                        {
                            int h = Math.Min(mr, m - ir);
                            float* aPanel = aBlock + ((nint)ir * kc);
                            float* cTile = c + ((nint)ir * ldc) + j0;
                            if (h == mr && w == nr && last && epi.Fusable(isa))
                            {
                                KernelWithEpilogue(kc, aPanel, bPanel, cTile, ldc, alpha, acc, epi, ir, bStride);
                                continue;
                            }
                            if (h == mr && w == nr)
                            {
                                if (inPlace) GemmKernels.Kernel512(kc, aPanel, bPanel, bStride, cTile, ldc, alpha, acc);
                                else Kernel(isa, kc, aPanel, bPanel, cTile, ldc, alpha, acc);
                            }
                            else if (inPlace)
                            {
                                // A last partial row tile: the full-width kernel into the scratch tile.
                                GemmKernels.Kernel512(kc, aPanel, bPanel, bStride, tile, nr, alpha, false);
                                StoreTile(tile, nr, cTile, ldc, h, w, acc);
                            }
                            else
                            {
                                PartialKernel(isa, kc, aPanel, panel, tile, nr, alpha, w);
                                StoreTile(tile, nr, cTile, ldc, h, w, acc);
                            }
                            if (last && epi.Active) epi.Apply(cTile, ldc, ir, j0, h, w);
                        }
                    }
                }
            }
        }
    }

    private readonly struct PackBBody(bool transB, float* b, nint ldb, int pc, int kc, int jc, int nc, int nr, int panels, int chunks, float* dst,
        ConvImage* image) : IParallelBody
    {
        public void Invoke(int index)
        {
            int p0 = (int)((long)panels * index / chunks), p1 = (int)((long)panels * (index + 1) / chunks);
            if (image != null) image->PackPanels(pc, kc, jc, nc, nr, p0, p1, dst);
            else PackBPanels(transB, b, ldb, pc, kc, jc, nc, nr, p0, p1, dst);
        }
    }

    /// <summary>
    /// Implicit-GEMM convolution: C = epilogue(A * B) where B (k = c*kh*kw rows, n = oh*ow columns) is the im2col matrix
    /// of <paramref name="image"/>, packed panel by panel straight from the image (no im2col buffer).
    /// </summary>
    internal static void GemmConv(PackedMatrix a, in ConvImage image, Span<float> c, int threads, GemmEpilogue epilogue, float beta = 0f)
    {
        if (!a.IsPackedA) throw new ArgumentException("matrix was packed as a right operand", nameof(a));
        int n = image.Oh * image.Ow;
        if (a.Columns != image.C * image.Kh * image.Kw) throw new ArgumentException("weights do not match the image", nameof(a));
        fixed (float* pa = a.Data)
        fixed (ConvImage* img = &image)
            Run(a.Isa, false, pa, null, 0, false, null, null, 0, a.Rows, n, a.Columns, 1f, beta, c, n, threads, epilogue, img);
    }

    /// <summary>Rows <paramref name="rowStart"/> (a multiple of mr) to <paramref name="m"/> of C, in blocks of mcMax rows by nParts column parts.</summary>
    private readonly struct MacroBody(GemmIsa isa, bool transA, float* packedA, float* a, nint lda, int mPad, float* bBlock, int m, int nc, int jc,
        int pc, int kc, int k, float alpha, bool accumulate, float* c, nint ldc, EpilogueArgs epi, int mcMax, int nParts, int panelsPerPart,
        int rowStart = 0)
        : IParallelBody
    {
        public void Invoke(int index)
        {
            int blk = index / nParts, part = index % nParts;
            int ic = rowStart + (blk * mcMax);
            int mc = Math.Min(mcMax, m - ic);
            int nr = Nr(isa), mr = Mr(isa);
            int p0 = part * panelsPerPart;
            int j0 = p0 * nr;
            int ncPart = Math.Min(panelsPerPart * nr, nc - j0);
            if (ncPart <= 0) return;
            float* aBlock;
            if (packedA != null)
            {
                aBlock = packedA + ((nint)pc * mPad) + ((nint)ic * kc);
            }
            else
            {
                var buf = _packABuffer;
                int need = RoundUp(mcMax, mr) * Kc(isa, k);
                if (buf == null || buf.Length < need) _packABuffer = buf = new float[need];
                fixed (float* pbuf = buf)
                {
                    PackAPanels(transA, a, lda, ic, mc, pc, kc, mr, pbuf);
                    Macro(pbuf, ic, mc, j0, ncPart);
                }
                return;
            }
            Macro(aBlock, ic, mc, j0, ncPart);
        }

        private void Macro(float* aBlock, int ic, int mc, int j0, int ncPart)
        {
            int nr = Nr(isa), mr = Mr(isa);
            bool last = pc + kc == k;
            float* tile = stackalloc float[GemmKernels.Mr512 * GemmKernels.Nr512 > 256 ? GemmKernels.Mr512 * GemmKernels.Nr512 : 256];
            for (int jr = 0; jr < ncPart; jr += nr)
            {
                int w = Math.Min(nr, ncPart - jr);
                float* bPanel = bBlock + ((nint)(j0 + jr) * kc);
                for (int ir = 0; ir < mc; ir += mr)
                {
                    int h = Math.Min(mr, mc - ir);
                    float* aPanel = aBlock + ((nint)ir * kc);
                    float* cTile = c + ((nint)(ic + ir) * ldc) + jc + j0 + jr;
                    if (h == mr && w == nr && last && epi.Fusable(isa))
                    {
                        KernelWithEpilogue(kc, aPanel, bPanel, cTile, ldc, alpha, accumulate, epi, ic + ir);
                        continue;
                    }
                    if (h == mr && w == nr)
                    {
                        Kernel(isa, kc, aPanel, bPanel, cTile, ldc, alpha, accumulate);
                    }
                    else
                    {
                        PartialKernel(isa, kc, aPanel, bPanel, tile, nr, alpha, w);
                        StoreTile(tile, nr, cTile, ldc, h, w, accumulate);
                    }
                    if (last && epi.Active) epi.Apply(cTile, ldc, ic + ir, jc + j0 + jr, h, w);
                }
            }
        }
    }

    private static readonly float[] ZeroBias = new float[GemmKernels.Mr512];

    /// <summary>A full Vector512 tile whose epilogue (row bias, clamp) is applied in registers before the store.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void KernelWithEpilogue(nint kc, float* a, float* b, float* c, nint ldc, float alpha, bool accumulate, in EpilogueArgs epi, int row0,
        nint ldb = GemmKernels.Nr512)
    {
        float lo = epi.Clamp ? epi.Low : float.NegativeInfinity, hi = epi.Clamp ? epi.High : float.PositiveInfinity;
        if (epi.RowBias != null)
        {
            GemmKernels.Kernel512Epilogue(kc, a, b, ldb, c, ldc, alpha, accumulate, epi.RowBias + row0, lo, hi);
            return;
        }
        fixed (float* zero = ZeroBias) GemmKernels.Kernel512Epilogue(kc, a, b, ldb, c, ldc, alpha, accumulate, zero, lo, hi);
    }

    /// <summary>The first <paramref name="h"/> x <paramref name="w"/> of a scratch tile into C (added when accumulating).</summary>
    private static void StoreTile(float* tile, int ldt, float* c, nint ldc, int h, int w, bool accumulate)
    {
        for (int i = 0; i < h; i++)
        {
            float* dst = c + (i * ldc);
            float* src = tile + (i * ldt);
            if (accumulate) for (int j = 0; j < w; j++) dst[j] += src[j];
            else for (int j = 0; j < w; j++) dst[j] = src[j];
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    /// <summary>A tile into a scratch tile for a partial panel; only <paramref name="w"/> columns will be read.</summary>
    private static void PartialKernel(GemmIsa isa, nint kc, float* a, float* b, float* tile, nint ldc, float alpha, int w)
    {
        if (isa == GemmIsa.Vector512 && w <= 16) GemmKernel512Half.Run(kc, a, b, tile, ldc, alpha, false);
        else Kernel(isa, kc, a, b, tile, ldc, alpha, false);
    }

    private static void Kernel(GemmIsa isa, nint kc, float* a, float* b, float* c, nint ldc, float alpha, bool accumulate)
    {
        switch (isa)
        {
            case GemmIsa.Vector512: GemmKernels.Kernel512(kc, a, b, GemmKernels.Nr512, c, ldc, alpha, accumulate); break;
            case GemmIsa.Vector256: GemmKernels.Kernel256(kc, a, b, c, ldc, alpha, accumulate); break;
            case GemmIsa.Vector128: GemmKernels.Kernel128(kc, a, b, c, ldc, alpha, accumulate); break;
            default: GemmKernels.KernelScalar(kc, a, b, c, ldc, alpha, accumulate); break;
        }
    }

    /// <summary>Packs op(B)[pc..pc+kc, jc + p*nr ..] for panels p0..p1 into panels of nr columns (kc x nr each, zero-padded).</summary>
    /// <remarks>
    /// With <paramref name="atLoad"/> (constant weights packed while a model loads) no vector code runs here: a method that
    /// inlines vector code has its ReadyToRun code rejected on this CPU and runs at tier 0 first. Per run, the vector
    /// copies sit in helpers of their own.
    /// </remarks>
    private static void PackBPanels(bool transB, float* b, nint ldb, int pc, int kc, int jc, int nc, int nr, int p0, int p1, float* dst,
        bool atLoad = false)
    {
        if (!atLoad && !transB && p1 - p0 > 1)
        {
            // Whole panels row by row: each row of B is read once, left to right, and its 32-float pieces go to their
            // panels, instead of one panel at a time reading kc rows a stride apart (GEMM 512^3: a tenth of its time).
            int whole = Math.Min(p1, nc / nr);
            if (whole > p0 + 1)
            {
                PackWholePanelsByRows(b + ((nint)pc * ldb) + jc + (p0 * nr), ldb, kc, nr, whole - p0, dst + ((nint)p0 * kc * nr));
                p0 = whole;
            }
        }
        for (int p = p0; p < p1; p++)
        {
            int j0 = jc + (p * nr);
            int w = Math.Min(nr, nc - (p * nr));
            float* panel = dst + ((nint)p * kc * nr);
            if (!transB)
            {
                float* src = b + ((nint)pc * ldb) + j0;
                if (w == nr)
                {
                    if (atLoad)
                    {
                        long rowBytes = (long)nr * sizeof(float);
                        for (int kk = 0; kk < kc; kk++) Buffer.MemoryCopy(src + (kk * ldb), panel + ((nint)kk * nr), rowBytes, rowBytes);
                    }
                    else
                    {
                        // A memmove call per 32-float row cost GEMM 512^3 5% of its time.
                        CopyPanelRows(src, ldb, kc, nr, panel);
                    }
                }
                else
                {
                    for (int kk = 0; kk < kc; kk++)
                    {
                        float* s = src + (kk * ldb);
                        float* d = panel + ((nint)kk * nr);
                        int j = 0;
                        for (; j < w; j++) d[j] = s[j];
                        for (; j < nr; j++) d[j] = 0f;
                    }
                }
            }
            else
            {
                if (w < nr) new Span<float>(panel, kc * nr).Clear();
                for (int j = 0; j < w; j++)
                {
                    float* src = b + ((nint)(j0 + j) * ldb) + pc;
                    for (int kk = 0; kk < kc; kk++) panel[((nint)kk * nr) + j] = src[kk];
                }
            }
        }
    }

    /// <summary>kc rows of nr floats, ld apart, into one panel (vector copies, compiled by the JIT at first use).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void CopyPanelRows(float* src, nint ld, int kc, int nr, float* panel)
    {
        for (int kk = 0; kk < kc; kk++) CopyFloats(src + (kk * ld), panel + ((nint)kk * nr), nr);
    }

    /// <summary><paramref name="panels"/> whole panels of nr columns, kc rows of B ld apart, filled row by row.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void PackWholePanelsByRows(float* src, nint ld, int kc, int nr, int panels, float* dst)
    {
        nint panelFloats = (nint)kc * nr;
        for (int kk = 0; kk < kc; kk++)
        {
            float* s = src + (kk * ld);
            float* d = dst + ((nint)kk * nr);
            for (int p = 0; p < panels; p++, s += nr, d += panelFloats) CopyFloats(s, d, nr);
        }
    }

    /// <summary>Packs op(A)[ic..ic+mc, pc..pc+kc] into panels of mr rows (kc x mr each, zero-padded).</summary>
    private static void PackAPanels(bool transA, float* a, nint lda, int ic, int mc, int pc, int kc, int mr, float* dst)
    {
        int panels = (mc + mr - 1) / mr;
        for (int p = 0; p < panels; p++)
        {
            int i0 = ic + (p * mr);
            int h = Math.Min(mr, mc - (p * mr));
            float* panel = dst + ((nint)p * kc * mr);
            if (h < mr) new Span<float>(panel, kc * mr).Clear();
            if (!transA)
            {
                for (int i = 0; i < h; i++)
                {
                    float* src = a + ((nint)(i0 + i) * lda) + pc;
                    for (int kk = 0; kk < kc; kk++) panel[((nint)kk * mr) + i] = src[kk];
                }
            }
            else
            {
                for (int kk = 0; kk < kc; kk++)
                {
                    float* src = a + ((nint)(pc + kk) * lda) + i0;
                    float* d = panel + ((nint)kk * mr);
                    for (int i = 0; i < h; i++) d[i] = src[i];
                }
            }
        }
    }

    /// <summary>m == 1: y = alpha * a * op(B) (+ y), vectorized over n; B packed (panels over k blocks) or plain.</summary>
    private static void Gemv(GemmIsa isa, bool transA, float* a, nint lda, bool transB, float* packedB, float* b, nint ldb, int n, int k,
        float alpha, bool accumulate, float* y, in EpilogueArgs epi, int threads)
    {
        // A is 1 x k: element kk is at a[kk] (a[kk * lda] when transposed).
        float[]? copy = null;
        float* av = a;
        if (transA && lda != 1)
        {
            copy = ArrayPool<float>.Shared.Rent(k);
            for (int kk = 0; kk < k; kk++) copy[kk] = a[kk * lda];
        }
        try
        {
            fixed (float* pcopy = copy)
            {
                if (copy != null) av = pcopy;
                if (packedB != null)
                {
                    int nr = Nr(isa);
                    int panels = (n + nr - 1) / nr;
                    int chunks = threads > 1 ? Math.Min(panels, 4 * threads) : 1;
                    IntraOp.For(chunks, threads, new GemvPackedBody(isa, av, packedB, n, k, alpha, accumulate, y, epi, panels, chunks));
                    return;
                }
                var ys = new Span<float>(y, n);
                if (!accumulate) ys.Clear();
                if (!transB)
                {
                    // y += alpha * a[kk] * B[kk, :], in k order for every column.
                    for (int kk = 0; kk < k; kk++)
                    {
                        var row = new ReadOnlySpan<float>(b + (kk * ldb), n);
                        float s = alpha * av[kk];
                        if (isa == GemmIsa.Scalar) for (int j = 0; j < n; j++) y[j] += s * row[j];
                        else TensorPrimitives.MultiplyAdd(row, s, ys, ys);
                    }
                }
                else
                {
                    var aspan = new ReadOnlySpan<float>(av, k);
                    for (int j = 0; j < n; j++)
                    {
                        var row = new ReadOnlySpan<float>(b + (j * ldb), k);
                        float dot = 0;
                        if (isa == GemmIsa.Scalar) for (int kk = 0; kk < k; kk++) dot += aspan[kk] * row[kk];
                        else dot = TensorPrimitives.Dot(aspan, row);
                        y[j] += alpha * dot;
                    }
                }
                if (epi.Active) epi.Apply(y, n, 0, 0, 1, n);
            }
        }
        finally
        {
            if (copy != null) ArrayPool<float>.Shared.Return(copy);
        }
    }

    private readonly struct GemvPackedBody(GemmIsa isa, float* a, float* packedB, int n, int k, float alpha, bool accumulate, float* y,
        EpilogueArgs epi, int panels, int chunks) : IParallelBody
    {
        public void Invoke(int index)
        {
            int p0 = (int)((long)panels * index / chunks), p1 = (int)((long)panels * (index + 1) / chunks);
            int nr = Nr(isa), kcMax = Kc(isa, k), nPad = RoundUp(n, nr);
            float* acc = stackalloc float[GemmKernels.Nr512];
            for (int p = p0; p < p1; p++)
            {
                for (int j = 0; j < nr; j++) acc[j] = 0f;
                for (int pc = 0; pc < k; pc += kcMax)
                {
                    int kc = Math.Min(kcMax, k - pc);
                    float* panel = packedB + ((nint)pc * nPad) + ((nint)p * kc * nr);
                    GemvPanel(isa, a + pc, panel, kc, nr, acc);
                }
                int j0 = p * nr, w = Math.Min(nr, n - j0);
                for (int j = 0; j < w; j++) y[j0 + j] = (accumulate ? y[j0 + j] : 0f) + (alpha * acc[j]);
                if (epi.Active) epi.Apply(y + j0, n, 0, j0, 1, w);
            }
        }
    }

    /// <summary>acc[0..nr] += sum_kk a[kk] * panel[kk*nr ..].</summary>
    private static void GemvPanel(GemmIsa isa, float* a, float* panel, int kc, int nr, float* acc)
    {
        if (isa == GemmIsa.Scalar)
        {
            for (int kk = 0; kk < kc; kk++)
            {
                float s = a[kk];
                float* row = panel + ((nint)kk * nr);
                for (int j = 0; j < nr; j++) acc[j] += s * row[j];
            }
            return;
        }
        // Whole panel rows per k step (contiguous loads, two chains per column block) where the width allows it.
        if (isa == GemmIsa.Vector512 && nr == 32)
        {
            var c0 = Vector512.Load(acc);
            var c1 = Vector512.Load(acc + 16);
            var d0 = Vector512<float>.Zero;
            var d1 = Vector512<float>.Zero;
            int kk = 0;
            for (; kk + 1 < kc; kk += 2)
            {
                float* row = panel + ((nint)kk * 32);
                var s = Vector512.Create(a[kk]);
                var t = Vector512.Create(a[kk + 1]);
                c0 = Vector512.FusedMultiplyAdd(s, Vector512.Load(row), c0);
                c1 = Vector512.FusedMultiplyAdd(s, Vector512.Load(row + 16), c1);
                d0 = Vector512.FusedMultiplyAdd(t, Vector512.Load(row + 32), d0);
                d1 = Vector512.FusedMultiplyAdd(t, Vector512.Load(row + 48), d1);
            }
            if (kk < kc)
            {
                float* row = panel + ((nint)kk * 32);
                var s = Vector512.Create(a[kk]);
                c0 = Vector512.FusedMultiplyAdd(s, Vector512.Load(row), c0);
                c1 = Vector512.FusedMultiplyAdd(s, Vector512.Load(row + 16), c1);
            }
            (c0 + d0).Store(acc);
            (c1 + d1).Store(acc + 16);
            return;
        }
        if (isa == GemmIsa.Vector256 && nr == 16)
        {
            var c0 = Vector256.Load(acc);
            var c1 = Vector256.Load(acc + 8);
            var d0 = Vector256<float>.Zero;
            var d1 = Vector256<float>.Zero;
            int kk = 0;
            for (; kk + 1 < kc; kk += 2)
            {
                float* row = panel + ((nint)kk * 16);
                var s = Vector256.Create(a[kk]);
                var t = Vector256.Create(a[kk + 1]);
                c0 = Vector256.FusedMultiplyAdd(s, Vector256.Load(row), c0);
                c1 = Vector256.FusedMultiplyAdd(s, Vector256.Load(row + 8), c1);
                d0 = Vector256.FusedMultiplyAdd(t, Vector256.Load(row + 16), d0);
                d1 = Vector256.FusedMultiplyAdd(t, Vector256.Load(row + 24), d1);
            }
            if (kk < kc)
            {
                float* row = panel + ((nint)kk * 16);
                var s = Vector256.Create(a[kk]);
                c0 = Vector256.FusedMultiplyAdd(s, Vector256.Load(row), c0);
                c1 = Vector256.FusedMultiplyAdd(s, Vector256.Load(row + 8), c1);
            }
            (c0 + d0).Store(acc);
            (c1 + d1).Store(acc + 8);
            return;
        }
        // nr is a multiple of 4 on the other vector paths; Vector128 chunks keep one code path for every width.
        for (int j = 0; j < nr; j += 4)
        {
            var s0 = Vector128.Load(acc + j);
            var s1 = Vector128<float>.Zero;
            int kk = 0;
            for (; kk + 1 < kc; kk += 2)
            {
                s0 += Vector128.Create(a[kk]) * Vector128.Load(panel + ((nint)kk * nr) + j);
                s1 += Vector128.Create(a[kk + 1]) * Vector128.Load(panel + ((nint)(kk + 1) * nr) + j);
            }
            if (kk < kc) s0 += Vector128.Create(a[kk]) * Vector128.Load(panel + ((nint)kk * nr) + j);
            (s0 + s1).Store(acc + j);
        }
    }
}

/// <summary>A 2-D image (C planes of Ih x Iw) seen as the im2col matrix of a convolution, for <see cref="Linalg.GemmConv"/>.</summary>
internal unsafe struct ConvImage
{
    public float* X;
    public int C, Ih, Iw, Kh, Kw, Oh, Ow, Sh, Sw, Dh, Dw, Pt, Pl;

    /// <summary>Packs rows pc..pc+kc, columns jc + p*nr.. of the im2col matrix for panels p0..p1 (kc x nr each, zero-padded).</summary>
    public readonly void PackPanels(int pc, int kc, int jc, int nc, int nr, int p0, int p1, float* dst)
    {
        if (ConvPanelPack512.Supported(this, nr))
        {
            ConvPanelPack512.Pack(this, pc, kc, jc, nc, p0, p1, dst);
            return;
        }
        int kk2 = Kh * Kw;
        for (int p = p0; p < p1; p++)
        {
            int j0 = jc + (p * nr);
            int w = Math.Min(nr, nc - (p * nr));
            float* panel = dst + ((nint)p * kc * nr);
            int oy0 = j0 / Ow, ox0 = j0 - (oy0 * Ow);
            int ci = pc / kk2, rem = pc - (ci * kk2), ky = rem / Kw, kx = rem - (ky * Kw);
            // Fast path: a full panel inside one output row at stride 1 is one contiguous input run when it misses the padding.
            bool oneRun = Sw == 1 && w == nr && ox0 + w <= Ow;
            int ixBase = ox0 - Pl, iyBase = (oy0 * Sh) - Pt;
            for (int kk = 0; kk < kc; kk++)
            {
                float* d = panel + ((nint)kk * nr);
                float* plane = X + ((nint)ci * Ih * Iw);
                if (oneRun)
                {
                    int iy = iyBase + (ky * Dh), ix = ixBase + (kx * Dw);
                    if ((uint)iy < (uint)Ih && ix >= 0 && ix + nr <= Iw)
                    {
                        Linalg.CopyFloats(plane + ((nint)iy * Iw) + ix, d, nr);
                        if (++kx == Kw)
                        {
                            kx = 0;
                            if (++ky == Kh) { ky = 0; ci++; }
                        }
                        continue;
                    }
                }
                int oy = oy0, ox = ox0, filled = 0;
                while (filled < w)
                {
                    int seg = Math.Min(w - filled, Ow - ox);
                    int iy = (oy * Sh) - Pt + (ky * Dh);
                    float* dd = d + filled;
                    if ((uint)iy >= (uint)Ih)
                    {
                        for (int j = 0; j < seg; j++) dd[j] = 0f;
                    }
                    else
                    {
                        float* row = plane + ((nint)iy * Iw);
                        int ix0 = (ox * Sw) - Pl + (kx * Dw);
                        if (Sw == 1)
                        {
                            int lo = Math.Clamp(-ix0, 0, seg), hi = Math.Clamp(Iw - ix0, lo, seg);
                            for (int j = 0; j < lo; j++) dd[j] = 0f;
                            if (hi > lo) Linalg.CopyFloats(row + ix0 + lo, dd + lo, hi - lo);
                            for (int j = hi; j < seg; j++) dd[j] = 0f;
                        }
                        else if (Sw == 2 && Vector256.IsHardwareAccelerated)
                        {
                            // Valid j: 0 <= ix0 + 2j < Iw; whole vectors of 8 (16 inputs inside the row) by deinterleaving.
                            int lo = Math.Clamp((1 - ix0) >> 1, 0, seg), hi = Math.Clamp((Iw - ix0 + 1) >> 1, lo, seg);
                            int j = 0;
                            for (; j < lo; j++) dd[j] = 0f;
                            for (; j <= hi - 8 && ix0 + (2 * j) + 16 <= Iw; j += 8) Linalg.Evens(row + ix0 + (2 * j)).Store(dd + j);
                            for (; j < hi; j++) dd[j] = row[ix0 + (2 * j)];
                            for (; j < seg; j++) dd[j] = 0f;
                        }
                        else
                        {
                            for (int j = 0, ix = ix0; j < seg; j++, ix += Sw) dd[j] = (uint)ix < (uint)Iw ? row[ix] : 0f;
                        }
                    }
                    filled += seg;
                    ox = 0;
                    oy++;
                }
                for (int j = w; j < nr; j++) d[j] = 0f;
                if (++kx == Kw)
                {
                    kx = 0;
                    if (++ky == Kh) { ky = 0; ci++; }
                }
            }
        }
    }
}

/// <summary>A GEMM operand packed once (<see cref="Linalg.PackA(bool, int, int, ReadOnlySpan{float}, int)"/> or <see cref="Linalg.PackB"/>); immutable, shareable.</summary>
public sealed class PackedMatrix
{
    internal PackedMatrix(int rows, int columns, float[] data, GemmIsa isa, bool packedA)
    {
        Rows = rows;
        Columns = columns;
        Data = data;
        Isa = isa;
        IsPackedA = packedA;
    }

    public int Rows { get; }
    public int Columns { get; }
    public GemmIsa Isa { get; }
    internal bool IsPackedA { get; }
    internal float[] Data { get; }
}
