using System.Buffers;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>Which vector width the float32 GEMM micro-kernel uses.</summary>
public enum GemmIsa
{
    Scalar,
    Vector128,
    Vector256,
}

/// <summary>
/// Shared float32 GEMM: C = alpha * op(A) * op(B) + beta * C over row-major spans, cache-blocked with packed A and B
/// panels and a register-blocked micro-kernel (Vector256 FMA, Vector128, or scalar). PINHOLE_ISA=scalar|128|256
/// (read once) forces a path.
/// </summary>
public static class Linalg
{
    private const int MR = 6;
    private const int KC = 256;
    private const int MC = 120;
    private const int NC = 2048;

    /// <summary>The path used by default: the widest accelerated one, unless PINHOLE_ISA forces another.</summary>
    public static GemmIsa DefaultIsa { get; } = ReadIsa();

    private static GemmIsa ReadIsa()
    {
        var best = Vector256.IsHardwareAccelerated ? GemmIsa.Vector256
            : Vector128.IsHardwareAccelerated ? GemmIsa.Vector128 : GemmIsa.Scalar;
        return Environment.GetEnvironmentVariable("PINHOLE_ISA")?.Trim().ToLowerInvariant() switch
        {
            "scalar" => GemmIsa.Scalar,
            "128" => Vector128.IsHardwareAccelerated ? GemmIsa.Vector128 : GemmIsa.Scalar,
            "256" => best,
            _ => best,
        };
    }

    private static int PanelWidth(GemmIsa isa) => isa switch
    {
        GemmIsa.Vector256 => 16,
        GemmIsa.Vector128 => 8,
        _ => 4,
    };

    /// <summary>C[m,n] = alpha * sum_k op(A)[m,k] op(B)[k,n] + beta * C[m,n]; lda/ldb/ldc are row strides of the stored matrices.</summary>
    public static void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int threads = 1) =>
        Gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, threads, DefaultIsa);

    /// <summary>Row-major C = A * B with dense strides (lda = k, ldb = n, ldc = n), overwriting C.</summary>
    public static void MatMul(int m, int n, int k, ReadOnlySpan<float> a, ReadOnlySpan<float> b, Span<float> c, int threads = 1) =>
        Gemm(false, false, m, n, k, 1f, a, k, b, n, 0f, c, n, threads, DefaultIsa);

    public static void Gemm(bool transA, bool transB, int m, int n, int k, float alpha,
        ReadOnlySpan<float> a, int lda, ReadOnlySpan<float> b, int ldb, float beta, Span<float> c, int ldc, int threads, GemmIsa isa)
    {
        if (m < 0 || n < 0 || k < 0) throw new ArgumentOutOfRangeException(nameof(m), "negative GEMM size");
        if (m == 0 || n == 0) return;
        CheckSize(c, m, n, ldc, nameof(c));
        if (k > 0)
        {
            if (transA) CheckSize(a, k, m, lda, nameof(a)); else CheckSize(a, m, k, lda, nameof(a));
            if (transB) CheckSize(b, n, k, ldb, nameof(b)); else CheckSize(b, k, n, ldb, nameof(b));
        }

        // C = beta * C first; beta == 0 ignores C (NaN included).
        for (int i = 0; i < m; i++)
        {
            var row = c.Slice(i * ldc, n);
            if (beta == 0f) row.Clear();
            else if (beta != 1f) System.Numerics.Tensors.TensorPrimitives.Multiply(row, beta, row);
        }
        if (k == 0 || alpha == 0f) return;

        int nr = PanelWidth(isa);
        int ncMax = Math.Min(NC, RoundUp(n, nr));
        int kcMax = Math.Min(KC, k);
        float[] packB = ArrayPool<float>.Shared.Rent(ncMax * kcMax);
        int mBlocks = (m + MC - 1) / MC;
        bool parallel = threads > 1 && mBlocks > 1;
        float[]? packA = parallel ? null : ArrayPool<float>.Shared.Rent(MC * kcMax);
        try
        {
            for (int jc = 0; jc < n; jc += NC)
            {
                int nc = Math.Min(NC, n - jc);
                for (int pc = 0; pc < k; pc += KC)
                {
                    int kc = Math.Min(KC, k - pc);
                    PackB(transB, b, ldb, pc, kc, jc, nc, nr, packB);
                    if (!parallel)
                    {
                        for (int ic = 0; ic < m; ic += MC)
                        {
                            int mc = Math.Min(MC, m - ic);
                            PackA(transA, a, lda, ic, mc, pc, kc, packA!);
                            Macro(isa, mc, nc, kc, alpha, packA!, packB, c.Slice(ic * ldc + jc), ldc, nr);
                        }
                    }
                    else
                    {
                        RunParallel(threads, mBlocks, m, nc, kc, pc, jc, alpha, transA, a, lda, packB, c, ldc, nr, isa);
                    }
                }
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(packB);
            if (packA != null) ArrayPool<float>.Shared.Return(packA);
        }
    }

    private static unsafe void RunParallel(int threads, int mBlocks, int m, int nc, int kc, int pc, int jc, float alpha,
        bool transA, ReadOnlySpan<float> a, int lda, float[] packB, Span<float> c, int ldc, int nr, GemmIsa isa)
    {
        // Spans cannot be captured by the lambda: pin and pass pointers. Each M block is written by one worker, in the
        // same order of operations as the serial path, so results do not depend on the thread count.
        fixed (float* pa = a)
        fixed (float* pcPtr = c)
        {
            nint aAddr = (nint)pa, cAddr = (nint)pcPtr;
            int aLen = a.Length, cLen = c.Length;
            Parallel.For(0, mBlocks, new ParallelOptions { MaxDegreeOfParallelism = threads },
                () => ArrayPool<float>.Shared.Rent(MC * kc),
                (blk, _, local) =>
                {
                    var aSpan = new ReadOnlySpan<float>((float*)aAddr, aLen);
                    var cSpan = new Span<float>((float*)cAddr, cLen);
                    int ic = blk * MC;
                    int mc = Math.Min(MC, m - ic);
                    PackA(transA, aSpan, lda, ic, mc, pc, kc, local);
                    Macro(isa, mc, nc, kc, alpha, local, packB, cSpan.Slice(ic * ldc + jc), ldc, nr);
                    return local;
                },
                local => ArrayPool<float>.Shared.Return(local));
        }
    }

    private static void CheckSize(ReadOnlySpan<float> s, int rows, int cols, int ld, string name)
    {
        if (ld < cols || (long)(rows - 1) * ld + cols > s.Length)
            throw new ArgumentException($"GEMM operand {name} too small for {rows}x{cols} with stride {ld}", name);
    }

    private static int RoundUp(int x, int r) => (x + r - 1) / r * r;

    /// <summary>Packs op(B)[pc..pc+kc, jc..jc+nc] into panels of nr columns: panel p holds kc rows of nr (zero-padded).</summary>
    private static void PackB(bool transB, ReadOnlySpan<float> b, int ldb, int pc, int kc, int jc, int nc, int nr, Span<float> dst)
    {
        int panels = (nc + nr - 1) / nr;
        for (int p = 0; p < panels; p++)
        {
            int j0 = jc + p * nr;
            int w = Math.Min(nr, nc - p * nr);
            var panel = dst.Slice(p * kc * nr, kc * nr);
            if (!transB)
            {
                for (int kk = 0; kk < kc; kk++)
                {
                    var src = b.Slice((pc + kk) * ldb + j0, w);
                    var d = panel.Slice(kk * nr, nr);
                    src.CopyTo(d);
                    if (w < nr) d.Slice(w).Clear();
                }
            }
            else
            {
                if (w < nr) panel.Clear();
                for (int j = 0; j < w; j++)
                {
                    var src = b.Slice((j0 + j) * ldb + pc, kc);
                    for (int kk = 0; kk < kc; kk++) panel[kk * nr + j] = src[kk];
                }
            }
        }
    }

    /// <summary>Packs op(A)[ic..ic+mc, pc..pc+kc] into panels of MR rows: panel p holds kc columns of MR (zero-padded).</summary>
    private static void PackA(bool transA, ReadOnlySpan<float> a, int lda, int ic, int mc, int pc, int kc, Span<float> dst)
    {
        int panels = (mc + MR - 1) / MR;
        for (int p = 0; p < panels; p++)
        {
            int i0 = ic + p * MR;
            int h = Math.Min(MR, mc - p * MR);
            var panel = dst.Slice(p * kc * MR, kc * MR);
            if (h < MR) panel.Clear();
            if (!transA)
            {
                for (int i = 0; i < h; i++)
                {
                    var src = a.Slice((i0 + i) * lda + pc, kc);
                    for (int kk = 0; kk < kc; kk++) panel[kk * MR + i] = src[kk];
                }
            }
            else
            {
                for (int kk = 0; kk < kc; kk++)
                {
                    var src = a.Slice((pc + kk) * lda + i0, h);
                    src.CopyTo(panel.Slice(kk * MR, h));
                }
            }
        }
    }

    private static void Macro(GemmIsa isa, int mc, int nc, int kc, float alpha, float[] packA, float[] packB,
        Span<float> c, int ldc, int nr)
    {
        Span<float> tile = stackalloc float[MR * 16];
        ref float pa = ref MemoryMarshal.GetArrayDataReference(packA);
        ref float pb = ref MemoryMarshal.GetArrayDataReference(packB);
        for (int jr = 0; jr < nc; jr += nr)
        {
            int w = Math.Min(nr, nc - jr);
            ref float bPanel = ref Unsafe.Add(ref pb, (nint)(jr / nr) * kc * nr);
            for (int ir = 0; ir < mc; ir += MR)
            {
                int h = Math.Min(MR, mc - ir);
                ref float aPanel = ref Unsafe.Add(ref pa, (nint)(ir / MR) * kc * MR);
                switch (isa)
                {
                    case GemmIsa.Vector256: Kernel256(kc, ref aPanel, ref bPanel, tile); break;
                    case GemmIsa.Vector128: Kernel128(kc, ref aPanel, ref bPanel, tile); break;
                    default: KernelScalar(kc, ref aPanel, ref bPanel, tile); break;
                }
                for (int i = 0; i < h; i++)
                {
                    var dst = c.Slice((ir + i) * ldc + jr, w);
                    var src = tile.Slice(i * nr, w);
                    if (alpha == 1f) System.Numerics.Tensors.TensorPrimitives.Add(dst, src, dst);
                    else System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(src, alpha, dst, dst);
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fma256(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Fma128(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c)
        : System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? System.Runtime.Intrinsics.Arm.AdvSimd.FusedMultiplyAdd(c, a, b)
        : (a * b) + c;

    /// <summary>6x16 tile: tile[i*16 + j] = sum_k A[k*6+i] * B[k*16+j].</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel256(int kc, ref float a, ref float b, Span<float> tile)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int kk = 0; kk < kc; kk++)
        {
            var b0 = Vector256.LoadUnsafe(ref b);
            var b1 = Vector256.LoadUnsafe(ref b, 8);
            var av = Vector256.Create(a);
            c00 = Fma256(av, b0, c00); c01 = Fma256(av, b1, c01);
            av = Vector256.Create(Unsafe.Add(ref a, 1));
            c10 = Fma256(av, b0, c10); c11 = Fma256(av, b1, c11);
            av = Vector256.Create(Unsafe.Add(ref a, 2));
            c20 = Fma256(av, b0, c20); c21 = Fma256(av, b1, c21);
            av = Vector256.Create(Unsafe.Add(ref a, 3));
            c30 = Fma256(av, b0, c30); c31 = Fma256(av, b1, c31);
            av = Vector256.Create(Unsafe.Add(ref a, 4));
            c40 = Fma256(av, b0, c40); c41 = Fma256(av, b1, c41);
            av = Vector256.Create(Unsafe.Add(ref a, 5));
            c50 = Fma256(av, b0, c50); c51 = Fma256(av, b1, c51);
            a = ref Unsafe.Add(ref a, MR);
            b = ref Unsafe.Add(ref b, 16);
        }
        ref float t = ref MemoryMarshal.GetReference(tile);
        c00.StoreUnsafe(ref t, 0); c01.StoreUnsafe(ref t, 8);
        c10.StoreUnsafe(ref t, 16); c11.StoreUnsafe(ref t, 24);
        c20.StoreUnsafe(ref t, 32); c21.StoreUnsafe(ref t, 40);
        c30.StoreUnsafe(ref t, 48); c31.StoreUnsafe(ref t, 56);
        c40.StoreUnsafe(ref t, 64); c41.StoreUnsafe(ref t, 72);
        c50.StoreUnsafe(ref t, 80); c51.StoreUnsafe(ref t, 88);
    }

    /// <summary>6x8 tile with Vector128.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Kernel128(int kc, ref float a, ref float b, Span<float> tile)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        for (int kk = 0; kk < kc; kk++)
        {
            var b0 = Vector128.LoadUnsafe(ref b);
            var b1 = Vector128.LoadUnsafe(ref b, 4);
            var av = Vector128.Create(a);
            c00 = Fma128(av, b0, c00); c01 = Fma128(av, b1, c01);
            av = Vector128.Create(Unsafe.Add(ref a, 1));
            c10 = Fma128(av, b0, c10); c11 = Fma128(av, b1, c11);
            av = Vector128.Create(Unsafe.Add(ref a, 2));
            c20 = Fma128(av, b0, c20); c21 = Fma128(av, b1, c21);
            av = Vector128.Create(Unsafe.Add(ref a, 3));
            c30 = Fma128(av, b0, c30); c31 = Fma128(av, b1, c31);
            av = Vector128.Create(Unsafe.Add(ref a, 4));
            c40 = Fma128(av, b0, c40); c41 = Fma128(av, b1, c41);
            av = Vector128.Create(Unsafe.Add(ref a, 5));
            c50 = Fma128(av, b0, c50); c51 = Fma128(av, b1, c51);
            a = ref Unsafe.Add(ref a, MR);
            b = ref Unsafe.Add(ref b, 8);
        }
        ref float t = ref MemoryMarshal.GetReference(tile);
        c00.StoreUnsafe(ref t, 0); c01.StoreUnsafe(ref t, 4);
        c10.StoreUnsafe(ref t, 8); c11.StoreUnsafe(ref t, 12);
        c20.StoreUnsafe(ref t, 16); c21.StoreUnsafe(ref t, 20);
        c30.StoreUnsafe(ref t, 24); c31.StoreUnsafe(ref t, 28);
        c40.StoreUnsafe(ref t, 32); c41.StoreUnsafe(ref t, 36);
        c50.StoreUnsafe(ref t, 40); c51.StoreUnsafe(ref t, 44);
    }

    /// <summary>6x4 tile, scalar.</summary>
    private static void KernelScalar(int kc, ref float a, ref float b, Span<float> tile)
    {
        Span<float> acc = stackalloc float[MR * 4];
        acc.Clear();
        for (int kk = 0; kk < kc; kk++)
        {
            float b0 = b, b1 = Unsafe.Add(ref b, 1), b2 = Unsafe.Add(ref b, 2), b3 = Unsafe.Add(ref b, 3);
            for (int i = 0; i < MR; i++)
            {
                float av = Unsafe.Add(ref a, i);
                acc[i * 4] += av * b0;
                acc[(i * 4) + 1] += av * b1;
                acc[(i * 4) + 2] += av * b2;
                acc[(i * 4) + 3] += av * b3;
            }
            a = ref Unsafe.Add(ref a, MR);
            b = ref Unsafe.Add(ref b, 4);
        }
        acc.CopyTo(tile);
    }
}
