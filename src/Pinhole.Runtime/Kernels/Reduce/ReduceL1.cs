using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>ReduceL1 (opset 1+; axes is an input from opset 18).</summary>
internal static class ReduceL1
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "ReduceL1", 1, info => new NnReduceKernel<NnL1Op>(info, 18));
}

internal readonly struct NnL1Op : INnReduceOp
{
    public static double Identity => 0;
    public static double Accumulate(double acc, double x) => acc + Math.Abs(x);
    public static bool TryReduceSpan(ReadOnlySpan<double> x, out double result)
    {
        result = TensorPrimitives.SumOfMagnitudes(x);
        return true;
    }
}
