using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Mean: elementwise mean of all inputs, with broadcasting, every numeric type.</summary>
internal readonly struct MeanOp : INumericBinary
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Mean", 1, _ => new VariadicKernel<MeanOp>(mean: true));

    public static T Invoke<T>(T x, T y) where T : unmanaged, INumber<T> => x + y;

    public static bool TryInvoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, INumber<T>
    {
        TensorPrimitives.Add(x, y, destination);
        return true;
    }
}
