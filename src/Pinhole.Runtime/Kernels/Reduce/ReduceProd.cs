using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>ReduceProd (opset 1+; axes is an input from opset 18).</summary>
internal static class ReduceProd
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "ReduceProd", 1, info => new NnReduceKernel<NnProdOp>(info, 18));
}

internal readonly struct NnProdOp : INnReduceOp
{
    public static double Identity => 1;
    public static double Accumulate(double acc, double x) => acc * x;
    public static bool TryReduceSpan(ReadOnlySpan<double> x, out double result)
    {
        result = TensorPrimitives.Product(x);
        return true;
    }

    public static bool TryAccumulateRow(Span<double> acc, ReadOnlySpan<double> row)
    {
        TensorPrimitives.Multiply(acc, row, acc);
        return true;
    }
}
