using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>ReduceMax (opset 1+; axes is an input from opset 18).</summary>
internal static class ReduceMax
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "ReduceMax", 1, info => new NnReduceKernel<NnMaxOp>(info, 18));
}

internal readonly struct NnMaxOp : INnReduceOp
{
    public static double Identity => double.NegativeInfinity;
    public static double Accumulate(double acc, double x) => double.IsNaN(x) || x > acc ? x : acc;
    public static bool TryReduceSpan(ReadOnlySpan<double> x, out double result)
    {
        result = TensorPrimitives.Max(x);
        return true;
    }

    public static bool TryAccumulateRow(Span<double> acc, ReadOnlySpan<double> row)
    {
        TensorPrimitives.Max(acc, row, acc);
        return true;
    }
}
