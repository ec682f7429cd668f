using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>ReduceMin (opset 1+; axes is an input from opset 18).</summary>
internal static class ReduceMin
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "ReduceMin", 1, info => new NnReduceKernel<NnMinOp>(info, 18));
}

internal readonly struct NnMinOp : INnReduceOp
{
    public static double Identity => double.PositiveInfinity;
    public static double Accumulate(double acc, double x) => double.IsNaN(x) || x < acc ? x : acc;
    public static bool TryReduceSpan(ReadOnlySpan<double> x, out double result)
    {
        result = TensorPrimitives.Min(x);
        return true;
    }

    public static bool TryAccumulateRow(Span<double> acc, ReadOnlySpan<double> row)
    {
        TensorPrimitives.Min(acc, row, acc);
        return true;
    }
}
