using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>ReduceMean (opset 1+; axes is an input from opset 18).</summary>
internal static class ReduceMean
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "ReduceMean", 1, info => new NnReduceKernel<NnMeanOp>(info, 18));
}

internal readonly struct NnMeanOp : INnReduceOp
{
    public static double Identity => 0;
    public static double Accumulate(double acc, double x) => acc + x;
    public static double Finish(double acc, int count) => acc / count;
    public static bool TryReduceSpan(ReadOnlySpan<double> x, out double result)
    {
        result = TensorPrimitives.Sum(x);
        return true;
    }

    public static bool TryAccumulateRow(Span<double> acc, ReadOnlySpan<double> row)
    {
        TensorPrimitives.Add(acc, row, acc);
        return true;
    }
}
