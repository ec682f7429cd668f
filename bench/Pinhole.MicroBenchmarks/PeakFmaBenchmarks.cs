using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using BenchmarkDotNet.Attributes;

namespace Pinhole.MicroBenchmarks;

/// <summary>Peak FMA rate of one core: independent FMA chains on 10 vector accumulators (latency 4 x 2 pipes covered).</summary>
public class PeakFmaBenchmarks : IFlopCount
{
    private const long Iterations = 10_000_000;
    private const int Chains = 10;

    public double Flops(string method) => Iterations * Chains * 2.0 * (method.Contains("512", StringComparison.Ordinal) ? 16 : 8);

    [Benchmark]
    public float Fma256() => Fma256Loop(Iterations).ToScalar();

    [Benchmark]
    public float Fma512() => Avx512F.IsSupported ? Fma512Loop(Iterations).ToScalar() : 0f;

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static Vector256<float> Fma256Loop(long iterations)
    {
        var x = Vector256.Create(0.999f);
        var y = Vector256.Create(0.001f);
        Vector256<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default;
        Vector256<float> a5 = default, a6 = default, a7 = default, a8 = default, a9 = default;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Fma.MultiplyAdd(a0, x, y); a1 = Fma.MultiplyAdd(a1, x, y); a2 = Fma.MultiplyAdd(a2, x, y);
            a3 = Fma.MultiplyAdd(a3, x, y); a4 = Fma.MultiplyAdd(a4, x, y); a5 = Fma.MultiplyAdd(a5, x, y);
            a6 = Fma.MultiplyAdd(a6, x, y); a7 = Fma.MultiplyAdd(a7, x, y); a8 = Fma.MultiplyAdd(a8, x, y);
            a9 = Fma.MultiplyAdd(a9, x, y);
        }
        return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static Vector512<float> Fma512Loop(long iterations)
    {
        var x = Vector512.Create(0.999f);
        var y = Vector512.Create(0.001f);
        Vector512<float> a0 = default, a1 = default, a2 = default, a3 = default, a4 = default;
        Vector512<float> a5 = default, a6 = default, a7 = default, a8 = default, a9 = default;
        for (long i = 0; i < iterations; i++)
        {
            a0 = Avx512F.FusedMultiplyAdd(a0, x, y); a1 = Avx512F.FusedMultiplyAdd(a1, x, y); a2 = Avx512F.FusedMultiplyAdd(a2, x, y);
            a3 = Avx512F.FusedMultiplyAdd(a3, x, y); a4 = Avx512F.FusedMultiplyAdd(a4, x, y); a5 = Avx512F.FusedMultiplyAdd(a5, x, y);
            a6 = Avx512F.FusedMultiplyAdd(a6, x, y); a7 = Avx512F.FusedMultiplyAdd(a7, x, y); a8 = Avx512F.FusedMultiplyAdd(a8, x, y);
            a9 = Avx512F.FusedMultiplyAdd(a9, x, y);
        }
        return a0 + a1 + a2 + a3 + a4 + a5 + a6 + a7 + a8 + a9;
    }
}
