using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>ReduceSumSquare (opset 1+; axes is an input from opset 18).</summary>
internal static class ReduceSumSquare
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "ReduceSumSquare", 1, info => new NnReduceKernel<NnSumSquareOp>(info, 18));
}

internal readonly struct NnSumSquareOp : INnReduceOp
{
    public static double Identity => 0;
    public static double Accumulate(double acc, double x) => acc + x * x;
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
