using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

// Generated register-blocked GEMM micro-kernels (accumulators in locals, k loop unrolled, no bounds checks).
// Each computes a full MR x NR tile from packed panels: A panel k-major with MR values per k, B panel with NR per k.
internal static class GemmKernels
{
    internal const int Mr512 = 8, Nr512 = 32, Mr256 = 6, Nr256 = 16, Mr128 = 6, Nr128 = 8, MrScalar = 4, NrScalar = 4;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fma512(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : (a * b) + c;

    /// <summary>min(max(v, lo), hi) with vmaxps/vminps (a NaN passes through: each returns its second operand then).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Clamp512(Vector512<float> v, Vector512<float> lo, Vector512<float> hi) =>
        Avx512F.IsSupported ? Avx512F.Min(hi, Avx512F.Max(lo, v)) : Vector512.Min(Vector512.Max(v, lo), hi);

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector256<float> Fma256(Vector256<float> a, Vector256<float> b, Vector256<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c) : (a * b) + c;

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector128<float> Fma128(Vector128<float> a, Vector128<float> b, Vector128<float> c) =>
        Fma.IsSupported ? Fma.MultiplyAdd(a, b, c)
        : System.Runtime.Intrinsics.Arm.AdvSimd.IsSupported ? System.Runtime.Intrinsics.Arm.AdvSimd.FusedMultiplyAdd(c, a, b)
        : (a * b) + c;

    /// <summary>8x32 tile: c[i*ldc + j] = alpha * sum_k a[k*8+i] * b[k*ldb+j] (+ c when accumulating).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Kernel512(nint kc, float* a, float* b, nint ldb, float* c, nint ldc, float alpha, bool accumulate)
    {
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        nint k = kc, ldb2 = 2 * ldb;
        for (; k >= 2; k -= 2)
        {
            var b0a = Vector512.Load(b);
            var b1a = Vector512.Load(b + 16);
            var a0a = Vector512.Create(a[0]);
            c00 = Fma512(a0a, b0a, c00); c01 = Fma512(a0a, b1a, c01);
            var a1a = Vector512.Create(a[1]);
            c10 = Fma512(a1a, b0a, c10); c11 = Fma512(a1a, b1a, c11);
            var a2a = Vector512.Create(a[2]);
            c20 = Fma512(a2a, b0a, c20); c21 = Fma512(a2a, b1a, c21);
            var a3a = Vector512.Create(a[3]);
            c30 = Fma512(a3a, b0a, c30); c31 = Fma512(a3a, b1a, c31);
            var a4a = Vector512.Create(a[4]);
            c40 = Fma512(a4a, b0a, c40); c41 = Fma512(a4a, b1a, c41);
            var a5a = Vector512.Create(a[5]);
            c50 = Fma512(a5a, b0a, c50); c51 = Fma512(a5a, b1a, c51);
            var a6a = Vector512.Create(a[6]);
            c60 = Fma512(a6a, b0a, c60); c61 = Fma512(a6a, b1a, c61);
            var a7a = Vector512.Create(a[7]);
            c70 = Fma512(a7a, b0a, c70); c71 = Fma512(a7a, b1a, c71);
            var b0b = Vector512.Load(b + ldb);
            var b1b = Vector512.Load(b + ldb + 16);
            var a0b = Vector512.Create(a[8]);
            c00 = Fma512(a0b, b0b, c00); c01 = Fma512(a0b, b1b, c01);
            var a1b = Vector512.Create(a[9]);
            c10 = Fma512(a1b, b0b, c10); c11 = Fma512(a1b, b1b, c11);
            var a2b = Vector512.Create(a[10]);
            c20 = Fma512(a2b, b0b, c20); c21 = Fma512(a2b, b1b, c21);
            var a3b = Vector512.Create(a[11]);
            c30 = Fma512(a3b, b0b, c30); c31 = Fma512(a3b, b1b, c31);
            var a4b = Vector512.Create(a[12]);
            c40 = Fma512(a4b, b0b, c40); c41 = Fma512(a4b, b1b, c41);
            var a5b = Vector512.Create(a[13]);
            c50 = Fma512(a5b, b0b, c50); c51 = Fma512(a5b, b1b, c51);
            var a6b = Vector512.Create(a[14]);
            c60 = Fma512(a6b, b0b, c60); c61 = Fma512(a6b, b1b, c61);
            var a7b = Vector512.Create(a[15]);
            c70 = Fma512(a7b, b0b, c70); c71 = Fma512(a7b, b1b, c71);
            a += 16;
            b += ldb2;
        }
        for (; k > 0; k--)
        {
            var b0a = Vector512.Load(b);
            var b1a = Vector512.Load(b + 16);
            var a0a = Vector512.Create(a[0]);
            c00 = Fma512(a0a, b0a, c00); c01 = Fma512(a0a, b1a, c01);
            var a1a = Vector512.Create(a[1]);
            c10 = Fma512(a1a, b0a, c10); c11 = Fma512(a1a, b1a, c11);
            var a2a = Vector512.Create(a[2]);
            c20 = Fma512(a2a, b0a, c20); c21 = Fma512(a2a, b1a, c21);
            var a3a = Vector512.Create(a[3]);
            c30 = Fma512(a3a, b0a, c30); c31 = Fma512(a3a, b1a, c31);
            var a4a = Vector512.Create(a[4]);
            c40 = Fma512(a4a, b0a, c40); c41 = Fma512(a4a, b1a, c41);
            var a5a = Vector512.Create(a[5]);
            c50 = Fma512(a5a, b0a, c50); c51 = Fma512(a5a, b1a, c51);
            var a6a = Vector512.Create(a[6]);
            c60 = Fma512(a6a, b0a, c60); c61 = Fma512(a6a, b1a, c61);
            var a7a = Vector512.Create(a[7]);
            c70 = Fma512(a7a, b0a, c70); c71 = Fma512(a7a, b1a, c71);
            a += 8;
            b += ldb;
        }
        var va = Vector512.Create(alpha);
        if (accumulate)
        {
            float* r0 = c + (0 * ldc);
            Vector512.Store(Fma512(c00, va, Vector512.Load(r0 + 0)), r0 + 0);
            Vector512.Store(Fma512(c01, va, Vector512.Load(r0 + 16)), r0 + 16);
            float* r1 = c + (1 * ldc);
            Vector512.Store(Fma512(c10, va, Vector512.Load(r1 + 0)), r1 + 0);
            Vector512.Store(Fma512(c11, va, Vector512.Load(r1 + 16)), r1 + 16);
            float* r2 = c + (2 * ldc);
            Vector512.Store(Fma512(c20, va, Vector512.Load(r2 + 0)), r2 + 0);
            Vector512.Store(Fma512(c21, va, Vector512.Load(r2 + 16)), r2 + 16);
            float* r3 = c + (3 * ldc);
            Vector512.Store(Fma512(c30, va, Vector512.Load(r3 + 0)), r3 + 0);
            Vector512.Store(Fma512(c31, va, Vector512.Load(r3 + 16)), r3 + 16);
            float* r4 = c + (4 * ldc);
            Vector512.Store(Fma512(c40, va, Vector512.Load(r4 + 0)), r4 + 0);
            Vector512.Store(Fma512(c41, va, Vector512.Load(r4 + 16)), r4 + 16);
            float* r5 = c + (5 * ldc);
            Vector512.Store(Fma512(c50, va, Vector512.Load(r5 + 0)), r5 + 0);
            Vector512.Store(Fma512(c51, va, Vector512.Load(r5 + 16)), r5 + 16);
            float* r6 = c + (6 * ldc);
            Vector512.Store(Fma512(c60, va, Vector512.Load(r6 + 0)), r6 + 0);
            Vector512.Store(Fma512(c61, va, Vector512.Load(r6 + 16)), r6 + 16);
            float* r7 = c + (7 * ldc);
            Vector512.Store(Fma512(c70, va, Vector512.Load(r7 + 0)), r7 + 0);
            Vector512.Store(Fma512(c71, va, Vector512.Load(r7 + 16)), r7 + 16);
        }
        else
        {
            float* r0 = c + (0 * ldc);
            Vector512.Store(c00 * va, r0 + 0);
            Vector512.Store(c01 * va, r0 + 16);
            float* r1 = c + (1 * ldc);
            Vector512.Store(c10 * va, r1 + 0);
            Vector512.Store(c11 * va, r1 + 16);
            float* r2 = c + (2 * ldc);
            Vector512.Store(c20 * va, r2 + 0);
            Vector512.Store(c21 * va, r2 + 16);
            float* r3 = c + (3 * ldc);
            Vector512.Store(c30 * va, r3 + 0);
            Vector512.Store(c31 * va, r3 + 16);
            float* r4 = c + (4 * ldc);
            Vector512.Store(c40 * va, r4 + 0);
            Vector512.Store(c41 * va, r4 + 16);
            float* r5 = c + (5 * ldc);
            Vector512.Store(c50 * va, r5 + 0);
            Vector512.Store(c51 * va, r5 + 16);
            float* r6 = c + (6 * ldc);
            Vector512.Store(c60 * va, r6 + 0);
            Vector512.Store(c61 * va, r6 + 16);
            float* r7 = c + (7 * ldc);
            Vector512.Store(c70 * va, r7 + 0);
            Vector512.Store(c71 * va, r7 + 16);
        }
    }

    /// <summary>8x32 tile as <see cref="Kernel512"/>, then c = min(max(c + bias[i], lo), hi) before the store.</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Kernel512Epilogue(nint kc, float* a, float* b, nint ldb, float* c, nint ldc, float alpha,
        bool accumulate, float* bias, float lo, float hi)
    {
        Vector512<float> c00 = default, c01 = default;
        Vector512<float> c10 = default, c11 = default;
        Vector512<float> c20 = default, c21 = default;
        Vector512<float> c30 = default, c31 = default;
        Vector512<float> c40 = default, c41 = default;
        Vector512<float> c50 = default, c51 = default;
        Vector512<float> c60 = default, c61 = default;
        Vector512<float> c70 = default, c71 = default;
        nint k = kc, ldb2 = 2 * ldb;
        for (; k >= 2; k -= 2)
        {
            var b0a = Vector512.Load(b);
            var b1a = Vector512.Load(b + 16);
            var a0a = Vector512.Create(a[0]);
            c00 = Fma512(a0a, b0a, c00); c01 = Fma512(a0a, b1a, c01);
            var a1a = Vector512.Create(a[1]);
            c10 = Fma512(a1a, b0a, c10); c11 = Fma512(a1a, b1a, c11);
            var a2a = Vector512.Create(a[2]);
            c20 = Fma512(a2a, b0a, c20); c21 = Fma512(a2a, b1a, c21);
            var a3a = Vector512.Create(a[3]);
            c30 = Fma512(a3a, b0a, c30); c31 = Fma512(a3a, b1a, c31);
            var a4a = Vector512.Create(a[4]);
            c40 = Fma512(a4a, b0a, c40); c41 = Fma512(a4a, b1a, c41);
            var a5a = Vector512.Create(a[5]);
            c50 = Fma512(a5a, b0a, c50); c51 = Fma512(a5a, b1a, c51);
            var a6a = Vector512.Create(a[6]);
            c60 = Fma512(a6a, b0a, c60); c61 = Fma512(a6a, b1a, c61);
            var a7a = Vector512.Create(a[7]);
            c70 = Fma512(a7a, b0a, c70); c71 = Fma512(a7a, b1a, c71);
            var b0b = Vector512.Load(b + ldb);
            var b1b = Vector512.Load(b + ldb + 16);
            var a0b = Vector512.Create(a[8]);
            c00 = Fma512(a0b, b0b, c00); c01 = Fma512(a0b, b1b, c01);
            var a1b = Vector512.Create(a[9]);
            c10 = Fma512(a1b, b0b, c10); c11 = Fma512(a1b, b1b, c11);
            var a2b = Vector512.Create(a[10]);
            c20 = Fma512(a2b, b0b, c20); c21 = Fma512(a2b, b1b, c21);
            var a3b = Vector512.Create(a[11]);
            c30 = Fma512(a3b, b0b, c30); c31 = Fma512(a3b, b1b, c31);
            var a4b = Vector512.Create(a[12]);
            c40 = Fma512(a4b, b0b, c40); c41 = Fma512(a4b, b1b, c41);
            var a5b = Vector512.Create(a[13]);
            c50 = Fma512(a5b, b0b, c50); c51 = Fma512(a5b, b1b, c51);
            var a6b = Vector512.Create(a[14]);
            c60 = Fma512(a6b, b0b, c60); c61 = Fma512(a6b, b1b, c61);
            var a7b = Vector512.Create(a[15]);
            c70 = Fma512(a7b, b0b, c70); c71 = Fma512(a7b, b1b, c71);
            a += 16;
            b += ldb2;
        }
        for (; k > 0; k--)
        {
            var b0a = Vector512.Load(b);
            var b1a = Vector512.Load(b + 16);
            var a0a = Vector512.Create(a[0]);
            c00 = Fma512(a0a, b0a, c00); c01 = Fma512(a0a, b1a, c01);
            var a1a = Vector512.Create(a[1]);
            c10 = Fma512(a1a, b0a, c10); c11 = Fma512(a1a, b1a, c11);
            var a2a = Vector512.Create(a[2]);
            c20 = Fma512(a2a, b0a, c20); c21 = Fma512(a2a, b1a, c21);
            var a3a = Vector512.Create(a[3]);
            c30 = Fma512(a3a, b0a, c30); c31 = Fma512(a3a, b1a, c31);
            var a4a = Vector512.Create(a[4]);
            c40 = Fma512(a4a, b0a, c40); c41 = Fma512(a4a, b1a, c41);
            var a5a = Vector512.Create(a[5]);
            c50 = Fma512(a5a, b0a, c50); c51 = Fma512(a5a, b1a, c51);
            var a6a = Vector512.Create(a[6]);
            c60 = Fma512(a6a, b0a, c60); c61 = Fma512(a6a, b1a, c61);
            var a7a = Vector512.Create(a[7]);
            c70 = Fma512(a7a, b0a, c70); c71 = Fma512(a7a, b1a, c71);
            a += 8;
            b += ldb;
        }
        var va = Vector512.Create(alpha);
        var vlo = Vector512.Create(lo);
        var vhi = Vector512.Create(hi);
        if (accumulate)
        {
            c00 = Fma512(c00, va, Vector512.Load(c + (0 * ldc)));
            c01 = Fma512(c01, va, Vector512.Load(c + (0 * ldc) + 16));
            c10 = Fma512(c10, va, Vector512.Load(c + (1 * ldc)));
            c11 = Fma512(c11, va, Vector512.Load(c + (1 * ldc) + 16));
            c20 = Fma512(c20, va, Vector512.Load(c + (2 * ldc)));
            c21 = Fma512(c21, va, Vector512.Load(c + (2 * ldc) + 16));
            c30 = Fma512(c30, va, Vector512.Load(c + (3 * ldc)));
            c31 = Fma512(c31, va, Vector512.Load(c + (3 * ldc) + 16));
            c40 = Fma512(c40, va, Vector512.Load(c + (4 * ldc)));
            c41 = Fma512(c41, va, Vector512.Load(c + (4 * ldc) + 16));
            c50 = Fma512(c50, va, Vector512.Load(c + (5 * ldc)));
            c51 = Fma512(c51, va, Vector512.Load(c + (5 * ldc) + 16));
            c60 = Fma512(c60, va, Vector512.Load(c + (6 * ldc)));
            c61 = Fma512(c61, va, Vector512.Load(c + (6 * ldc) + 16));
            c70 = Fma512(c70, va, Vector512.Load(c + (7 * ldc)));
            c71 = Fma512(c71, va, Vector512.Load(c + (7 * ldc) + 16));
        }
        else
        {
            c00 *= va;
            c01 *= va;
            c10 *= va;
            c11 *= va;
            c20 *= va;
            c21 *= va;
            c30 *= va;
            c31 *= va;
            c40 *= va;
            c41 *= va;
            c50 *= va;
            c51 *= va;
            c60 *= va;
            c61 *= va;
            c70 *= va;
            c71 *= va;
        }
        var bias0 = Vector512.Create(bias[0]);
        float* r0 = c + (0 * ldc);
        Vector512.Store(Clamp512(c00 + bias0, vlo, vhi), r0 + 0);
        Vector512.Store(Clamp512(c01 + bias0, vlo, vhi), r0 + 16);
        var bias1 = Vector512.Create(bias[1]);
        float* r1 = c + (1 * ldc);
        Vector512.Store(Clamp512(c10 + bias1, vlo, vhi), r1 + 0);
        Vector512.Store(Clamp512(c11 + bias1, vlo, vhi), r1 + 16);
        var bias2 = Vector512.Create(bias[2]);
        float* r2 = c + (2 * ldc);
        Vector512.Store(Clamp512(c20 + bias2, vlo, vhi), r2 + 0);
        Vector512.Store(Clamp512(c21 + bias2, vlo, vhi), r2 + 16);
        var bias3 = Vector512.Create(bias[3]);
        float* r3 = c + (3 * ldc);
        Vector512.Store(Clamp512(c30 + bias3, vlo, vhi), r3 + 0);
        Vector512.Store(Clamp512(c31 + bias3, vlo, vhi), r3 + 16);
        var bias4 = Vector512.Create(bias[4]);
        float* r4 = c + (4 * ldc);
        Vector512.Store(Clamp512(c40 + bias4, vlo, vhi), r4 + 0);
        Vector512.Store(Clamp512(c41 + bias4, vlo, vhi), r4 + 16);
        var bias5 = Vector512.Create(bias[5]);
        float* r5 = c + (5 * ldc);
        Vector512.Store(Clamp512(c50 + bias5, vlo, vhi), r5 + 0);
        Vector512.Store(Clamp512(c51 + bias5, vlo, vhi), r5 + 16);
        var bias6 = Vector512.Create(bias[6]);
        float* r6 = c + (6 * ldc);
        Vector512.Store(Clamp512(c60 + bias6, vlo, vhi), r6 + 0);
        Vector512.Store(Clamp512(c61 + bias6, vlo, vhi), r6 + 16);
        var bias7 = Vector512.Create(bias[7]);
        float* r7 = c + (7 * ldc);
        Vector512.Store(Clamp512(c70 + bias7, vlo, vhi), r7 + 0);
        Vector512.Store(Clamp512(c71 + bias7, vlo, vhi), r7 + 16);
    }

    /// <summary>6x16 tile: c[i*ldc + j] = alpha * sum_k a[k*6+i] * b[k*16+j] (+ c when accumulating).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Kernel256(nint kc, float* a, float* b, float* c, nint ldc, float alpha, bool accumulate)
    {
        Vector256<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector256<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        nint k = kc;
        for (; k >= 2; k -= 2)
        {
            var b0a = Vector256.Load(b + 0);
            var b1a = Vector256.Load(b + 8);
            var a0a = Vector256.Create(a[0]);
            c00 = Fma256(a0a, b0a, c00); c01 = Fma256(a0a, b1a, c01);
            var a1a = Vector256.Create(a[1]);
            c10 = Fma256(a1a, b0a, c10); c11 = Fma256(a1a, b1a, c11);
            var a2a = Vector256.Create(a[2]);
            c20 = Fma256(a2a, b0a, c20); c21 = Fma256(a2a, b1a, c21);
            var a3a = Vector256.Create(a[3]);
            c30 = Fma256(a3a, b0a, c30); c31 = Fma256(a3a, b1a, c31);
            var a4a = Vector256.Create(a[4]);
            c40 = Fma256(a4a, b0a, c40); c41 = Fma256(a4a, b1a, c41);
            var a5a = Vector256.Create(a[5]);
            c50 = Fma256(a5a, b0a, c50); c51 = Fma256(a5a, b1a, c51);
            var b0b = Vector256.Load(b + 16);
            var b1b = Vector256.Load(b + 24);
            var a0b = Vector256.Create(a[6]);
            c00 = Fma256(a0b, b0b, c00); c01 = Fma256(a0b, b1b, c01);
            var a1b = Vector256.Create(a[7]);
            c10 = Fma256(a1b, b0b, c10); c11 = Fma256(a1b, b1b, c11);
            var a2b = Vector256.Create(a[8]);
            c20 = Fma256(a2b, b0b, c20); c21 = Fma256(a2b, b1b, c21);
            var a3b = Vector256.Create(a[9]);
            c30 = Fma256(a3b, b0b, c30); c31 = Fma256(a3b, b1b, c31);
            var a4b = Vector256.Create(a[10]);
            c40 = Fma256(a4b, b0b, c40); c41 = Fma256(a4b, b1b, c41);
            var a5b = Vector256.Create(a[11]);
            c50 = Fma256(a5b, b0b, c50); c51 = Fma256(a5b, b1b, c51);
            a += 12;
            b += 32;
        }
        for (; k > 0; k--)
        {
            var b0a = Vector256.Load(b + 0);
            var b1a = Vector256.Load(b + 8);
            var a0a = Vector256.Create(a[0]);
            c00 = Fma256(a0a, b0a, c00); c01 = Fma256(a0a, b1a, c01);
            var a1a = Vector256.Create(a[1]);
            c10 = Fma256(a1a, b0a, c10); c11 = Fma256(a1a, b1a, c11);
            var a2a = Vector256.Create(a[2]);
            c20 = Fma256(a2a, b0a, c20); c21 = Fma256(a2a, b1a, c21);
            var a3a = Vector256.Create(a[3]);
            c30 = Fma256(a3a, b0a, c30); c31 = Fma256(a3a, b1a, c31);
            var a4a = Vector256.Create(a[4]);
            c40 = Fma256(a4a, b0a, c40); c41 = Fma256(a4a, b1a, c41);
            var a5a = Vector256.Create(a[5]);
            c50 = Fma256(a5a, b0a, c50); c51 = Fma256(a5a, b1a, c51);
            a += 6;
            b += 16;
        }
        var va = Vector256.Create(alpha);
        if (accumulate)
        {
            float* r0 = c + (0 * ldc);
            Vector256.Store(Fma256(c00, va, Vector256.Load(r0 + 0)), r0 + 0);
            Vector256.Store(Fma256(c01, va, Vector256.Load(r0 + 8)), r0 + 8);
            float* r1 = c + (1 * ldc);
            Vector256.Store(Fma256(c10, va, Vector256.Load(r1 + 0)), r1 + 0);
            Vector256.Store(Fma256(c11, va, Vector256.Load(r1 + 8)), r1 + 8);
            float* r2 = c + (2 * ldc);
            Vector256.Store(Fma256(c20, va, Vector256.Load(r2 + 0)), r2 + 0);
            Vector256.Store(Fma256(c21, va, Vector256.Load(r2 + 8)), r2 + 8);
            float* r3 = c + (3 * ldc);
            Vector256.Store(Fma256(c30, va, Vector256.Load(r3 + 0)), r3 + 0);
            Vector256.Store(Fma256(c31, va, Vector256.Load(r3 + 8)), r3 + 8);
            float* r4 = c + (4 * ldc);
            Vector256.Store(Fma256(c40, va, Vector256.Load(r4 + 0)), r4 + 0);
            Vector256.Store(Fma256(c41, va, Vector256.Load(r4 + 8)), r4 + 8);
            float* r5 = c + (5 * ldc);
            Vector256.Store(Fma256(c50, va, Vector256.Load(r5 + 0)), r5 + 0);
            Vector256.Store(Fma256(c51, va, Vector256.Load(r5 + 8)), r5 + 8);
        }
        else
        {
            float* r0 = c + (0 * ldc);
            Vector256.Store(c00 * va, r0 + 0);
            Vector256.Store(c01 * va, r0 + 8);
            float* r1 = c + (1 * ldc);
            Vector256.Store(c10 * va, r1 + 0);
            Vector256.Store(c11 * va, r1 + 8);
            float* r2 = c + (2 * ldc);
            Vector256.Store(c20 * va, r2 + 0);
            Vector256.Store(c21 * va, r2 + 8);
            float* r3 = c + (3 * ldc);
            Vector256.Store(c30 * va, r3 + 0);
            Vector256.Store(c31 * va, r3 + 8);
            float* r4 = c + (4 * ldc);
            Vector256.Store(c40 * va, r4 + 0);
            Vector256.Store(c41 * va, r4 + 8);
            float* r5 = c + (5 * ldc);
            Vector256.Store(c50 * va, r5 + 0);
            Vector256.Store(c51 * va, r5 + 8);
        }
    }

    /// <summary>6x8 tile: c[i*ldc + j] = alpha * sum_k a[k*6+i] * b[k*8+j] (+ c when accumulating).</summary>
    [MethodImpl(MethodImplOptions.NoInlining | MethodImplOptions.AggressiveOptimization)]
    internal static unsafe void Kernel128(nint kc, float* a, float* b, float* c, nint ldc, float alpha, bool accumulate)
    {
        Vector128<float> c00 = default, c01 = default, c10 = default, c11 = default, c20 = default, c21 = default;
        Vector128<float> c30 = default, c31 = default, c40 = default, c41 = default, c50 = default, c51 = default;
        nint k = kc;
        for (; k >= 2; k -= 2)
        {
            var b0a = Vector128.Load(b + 0);
            var b1a = Vector128.Load(b + 4);
            var a0a = Vector128.Create(a[0]);
            c00 = Fma128(a0a, b0a, c00); c01 = Fma128(a0a, b1a, c01);
            var a1a = Vector128.Create(a[1]);
            c10 = Fma128(a1a, b0a, c10); c11 = Fma128(a1a, b1a, c11);
            var a2a = Vector128.Create(a[2]);
            c20 = Fma128(a2a, b0a, c20); c21 = Fma128(a2a, b1a, c21);
            var a3a = Vector128.Create(a[3]);
            c30 = Fma128(a3a, b0a, c30); c31 = Fma128(a3a, b1a, c31);
            var a4a = Vector128.Create(a[4]);
            c40 = Fma128(a4a, b0a, c40); c41 = Fma128(a4a, b1a, c41);
            var a5a = Vector128.Create(a[5]);
            c50 = Fma128(a5a, b0a, c50); c51 = Fma128(a5a, b1a, c51);
            var b0b = Vector128.Load(b + 8);
            var b1b = Vector128.Load(b + 12);
            var a0b = Vector128.Create(a[6]);
            c00 = Fma128(a0b, b0b, c00); c01 = Fma128(a0b, b1b, c01);
            var a1b = Vector128.Create(a[7]);
            c10 = Fma128(a1b, b0b, c10); c11 = Fma128(a1b, b1b, c11);
            var a2b = Vector128.Create(a[8]);
            c20 = Fma128(a2b, b0b, c20); c21 = Fma128(a2b, b1b, c21);
            var a3b = Vector128.Create(a[9]);
            c30 = Fma128(a3b, b0b, c30); c31 = Fma128(a3b, b1b, c31);
            var a4b = Vector128.Create(a[10]);
            c40 = Fma128(a4b, b0b, c40); c41 = Fma128(a4b, b1b, c41);
            var a5b = Vector128.Create(a[11]);
            c50 = Fma128(a5b, b0b, c50); c51 = Fma128(a5b, b1b, c51);
            a += 12;
            b += 16;
        }
        for (; k > 0; k--)
        {
            var b0a = Vector128.Load(b + 0);
            var b1a = Vector128.Load(b + 4);
            var a0a = Vector128.Create(a[0]);
            c00 = Fma128(a0a, b0a, c00); c01 = Fma128(a0a, b1a, c01);
            var a1a = Vector128.Create(a[1]);
            c10 = Fma128(a1a, b0a, c10); c11 = Fma128(a1a, b1a, c11);
            var a2a = Vector128.Create(a[2]);
            c20 = Fma128(a2a, b0a, c20); c21 = Fma128(a2a, b1a, c21);
            var a3a = Vector128.Create(a[3]);
            c30 = Fma128(a3a, b0a, c30); c31 = Fma128(a3a, b1a, c31);
            var a4a = Vector128.Create(a[4]);
            c40 = Fma128(a4a, b0a, c40); c41 = Fma128(a4a, b1a, c41);
            var a5a = Vector128.Create(a[5]);
            c50 = Fma128(a5a, b0a, c50); c51 = Fma128(a5a, b1a, c51);
            a += 6;
            b += 8;
        }
        var va = Vector128.Create(alpha);
        if (accumulate)
        {
            float* r0 = c + (0 * ldc);
            Vector128.Store(Fma128(c00, va, Vector128.Load(r0 + 0)), r0 + 0);
            Vector128.Store(Fma128(c01, va, Vector128.Load(r0 + 4)), r0 + 4);
            float* r1 = c + (1 * ldc);
            Vector128.Store(Fma128(c10, va, Vector128.Load(r1 + 0)), r1 + 0);
            Vector128.Store(Fma128(c11, va, Vector128.Load(r1 + 4)), r1 + 4);
            float* r2 = c + (2 * ldc);
            Vector128.Store(Fma128(c20, va, Vector128.Load(r2 + 0)), r2 + 0);
            Vector128.Store(Fma128(c21, va, Vector128.Load(r2 + 4)), r2 + 4);
            float* r3 = c + (3 * ldc);
            Vector128.Store(Fma128(c30, va, Vector128.Load(r3 + 0)), r3 + 0);
            Vector128.Store(Fma128(c31, va, Vector128.Load(r3 + 4)), r3 + 4);
            float* r4 = c + (4 * ldc);
            Vector128.Store(Fma128(c40, va, Vector128.Load(r4 + 0)), r4 + 0);
            Vector128.Store(Fma128(c41, va, Vector128.Load(r4 + 4)), r4 + 4);
            float* r5 = c + (5 * ldc);
            Vector128.Store(Fma128(c50, va, Vector128.Load(r5 + 0)), r5 + 0);
            Vector128.Store(Fma128(c51, va, Vector128.Load(r5 + 4)), r5 + 4);
        }
        else
        {
            float* r0 = c + (0 * ldc);
            Vector128.Store(c00 * va, r0 + 0);
            Vector128.Store(c01 * va, r0 + 4);
            float* r1 = c + (1 * ldc);
            Vector128.Store(c10 * va, r1 + 0);
            Vector128.Store(c11 * va, r1 + 4);
            float* r2 = c + (2 * ldc);
            Vector128.Store(c20 * va, r2 + 0);
            Vector128.Store(c21 * va, r2 + 4);
            float* r3 = c + (3 * ldc);
            Vector128.Store(c30 * va, r3 + 0);
            Vector128.Store(c31 * va, r3 + 4);
            float* r4 = c + (4 * ldc);
            Vector128.Store(c40 * va, r4 + 0);
            Vector128.Store(c41 * va, r4 + 4);
            float* r5 = c + (5 * ldc);
            Vector128.Store(c50 * va, r5 + 0);
            Vector128.Store(c51 * va, r5 + 4);
        }
    }

    /// <summary>4x4 tile in scalar code (the reference path).</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static unsafe void KernelScalar(nint kc, float* a, float* b, float* c, nint ldc, float alpha, bool accumulate)
    {
        float c00 = 0, c01 = 0, c02 = 0, c03 = 0, c10 = 0, c11 = 0, c12 = 0, c13 = 0;
        float c20 = 0, c21 = 0, c22 = 0, c23 = 0, c30 = 0, c31 = 0, c32 = 0, c33 = 0;
        for (nint k = 0; k < kc; k++)
        {
            float b0 = b[0];
            float b1 = b[1];
            float b2 = b[2];
            float b3 = b[3];
            float a0 = a[0];
            c00 += a0 * b0; c01 += a0 * b1; c02 += a0 * b2; c03 += a0 * b3;
            float a1 = a[1];
            c10 += a1 * b0; c11 += a1 * b1; c12 += a1 * b2; c13 += a1 * b3;
            float a2 = a[2];
            c20 += a2 * b0; c21 += a2 * b1; c22 += a2 * b2; c23 += a2 * b3;
            float a3 = a[3];
            c30 += a3 * b0; c31 += a3 * b1; c32 += a3 * b2; c33 += a3 * b3;
            a += 4;
            b += 4;
        }
        float* r0 = c + (0 * ldc);
        r0[0] = (accumulate ? r0[0] : 0f) + (alpha * c00);
        r0[1] = (accumulate ? r0[1] : 0f) + (alpha * c01);
        r0[2] = (accumulate ? r0[2] : 0f) + (alpha * c02);
        r0[3] = (accumulate ? r0[3] : 0f) + (alpha * c03);
        float* r1 = c + (1 * ldc);
        r1[0] = (accumulate ? r1[0] : 0f) + (alpha * c10);
        r1[1] = (accumulate ? r1[1] : 0f) + (alpha * c11);
        r1[2] = (accumulate ? r1[2] : 0f) + (alpha * c12);
        r1[3] = (accumulate ? r1[3] : 0f) + (alpha * c13);
        float* r2 = c + (2 * ldc);
        r2[0] = (accumulate ? r2[0] : 0f) + (alpha * c20);
        r2[1] = (accumulate ? r2[1] : 0f) + (alpha * c21);
        r2[2] = (accumulate ? r2[2] : 0f) + (alpha * c22);
        r2[3] = (accumulate ? r2[3] : 0f) + (alpha * c23);
        float* r3 = c + (3 * ldc);
        r3[0] = (accumulate ? r3[0] : 0f) + (alpha * c30);
        r3[1] = (accumulate ? r3[1] : 0f) + (alpha * c31);
        r3[2] = (accumulate ? r3[2] : 0f) + (alpha * c32);
        r3[3] = (accumulate ? r3[3] : 0f) + (alpha * c33);
    }
}
