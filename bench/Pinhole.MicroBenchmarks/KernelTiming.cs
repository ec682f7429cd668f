using System.Diagnostics;
using System.Runtime.InteropServices;
using Pinhole.Runtime.Kernels;

namespace Pinhole.MicroBenchmarks;

/// <summary>
/// kernel KC: the 8 x 32 Vector512 GEMM micro-kernel alone, over one packed A panel and one B panel of depth KC that stay
/// in L1, so that its rate can be set against the peak FMA loop's: what GEMM 512^3 loses beyond it is the memory hierarchy's.
/// </summary>
internal static unsafe class KernelTiming
{
    public static void Run(int kc)
    {
        if (!System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            Console.WriteLine("kernel: needs AVX-512");
            return;
        }
        var a = (float*)NativeMemory.AlignedAlloc((nuint)(kc * GemmKernels.Mr512 * sizeof(float)), 64);
        var b = (float*)NativeMemory.AlignedAlloc((nuint)(kc * GemmKernels.Nr512 * sizeof(float)), 64);
        var c = (float*)NativeMemory.AlignedAlloc(GemmKernels.Mr512 * GemmKernels.Nr512 * sizeof(float), 64);
        try
        {
            for (int i = 0; i < kc * GemmKernels.Mr512; i++) a[i] = 1e-3f * (i % 7);
            for (int i = 0; i < kc * GemmKernels.Nr512; i++) b[i] = 1e-3f * (i % 5);
            int calls = Math.Max(1, (int)(2e10 / (2.0 * GemmKernels.Mr512 * GemmKernels.Nr512 * kc)));
            double best = 0;
            for (int rep = 0; rep < 5; rep++)
            {
                var sw = Stopwatch.StartNew();
                for (int i = 0; i < calls; i++) GemmKernels.Kernel512(kc, a, b, GemmKernels.Nr512, c, GemmKernels.Nr512, 1f, false);
                best = Math.Max(best, 2.0 * GemmKernels.Mr512 * GemmKernels.Nr512 * kc * calls / sw.Elapsed.TotalSeconds / 1e9);
            }
            Console.WriteLine($"micro-kernel 8x32 Vector512, kc {kc}, operands in L1: {best:F1} GFLOP/s (best of 5)");
        }
        finally
        {
            NativeMemory.AlignedFree(a);
            NativeMemory.AlignedFree(b);
            NativeMemory.AlignedFree(c);
        }
    }
}
