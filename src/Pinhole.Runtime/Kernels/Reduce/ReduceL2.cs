using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>ReduceL2 (opset 1+; axes is an input from opset 18).</summary>
internal static class ReduceL2
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "ReduceL2", 1, info => new NnReduceKernel<NnL2Op>(info, 18));
}

internal readonly struct NnL2Op : INnReduceOp
{
    public static double Identity => 0;
    public static double Accumulate(double acc, double x) => acc + x * x;
    public static double Finish(double acc, int count) => Math.Sqrt(acc);
    public static bool TryReduceSpan(ReadOnlySpan<double> x, out double result)
    {
        result = TensorPrimitives.SumOfSquares(x);
        return true;
    }

    public static bool TryAccumulateRow(Span<double> acc, ReadOnlySpan<double> row)
    {
        TensorPrimitives.MultiplyAdd(row, row, acc, acc);
        return true;
    }
}
