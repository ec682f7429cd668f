using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// The left 16 columns of <see cref="GemmKernels.Kernel512"/>'s 8x32 tile (same packed panels, same sums in the same
/// order): for the last column panel of a GEMM when 16 or fewer of its 32 columns are real (13x13 and 14x14 images:
/// 169 = 5 x 32 + 9, 196 = 6 x 32 + 4), so the padding columns cost nothing.
/// </summary>
internal static unsafe class GemmKernel512Half
{
    public static void Run(nint kc, float* a, float* b, float* c, nint ldc, float alpha, bool accumulate)
    {
        Vector512<float> c0 = default, c1 = default, c2 = default, c3 = default, c4 = default, c5 = default, c6 = default, c7 = default;
        for (nint k = 0; k < kc; k++)
        {
            var bv = Vector512.Load(b);
            c0 = Fma(Vector512.Create(a[0]), bv, c0);
            c1 = Fma(Vector512.Create(a[1]), bv, c1);
            c2 = Fma(Vector512.Create(a[2]), bv, c2);
            c3 = Fma(Vector512.Create(a[3]), bv, c3);
            c4 = Fma(Vector512.Create(a[4]), bv, c4);
            c5 = Fma(Vector512.Create(a[5]), bv, c5);
            c6 = Fma(Vector512.Create(a[6]), bv, c6);
            c7 = Fma(Vector512.Create(a[7]), bv, c7);
            a += 8;
            b += GemmKernels.Nr512;
        }
        var va = Vector512.Create(alpha);
        Store(c0, va, c, accumulate);
        Store(c1, va, c + ldc, accumulate);
        Store(c2, va, c + (2 * ldc), accumulate);
        Store(c3, va, c + (3 * ldc), accumulate);
        Store(c4, va, c + (4 * ldc), accumulate);
        Store(c5, va, c + (5 * ldc), accumulate);
        Store(c6, va, c + (6 * ldc), accumulate);
        Store(c7, va, c + (7 * ldc), accumulate);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector512<float> Fma(Vector512<float> a, Vector512<float> b, Vector512<float> c) =>
        Avx512F.IsSupported ? Avx512F.FusedMultiplyAdd(a, b, c) : (a * b) + c; // as GemmKernels.Kernel512

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Store(Vector512<float> sum, Vector512<float> alpha, float* row, bool accumulate) =>
        Vector512.Store(accumulate ? Fma(sum, alpha, Vector512.Load(row)) : sum * alpha, row);
}
