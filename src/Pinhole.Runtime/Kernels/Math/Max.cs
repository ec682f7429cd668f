using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Max: elementwise maximum over all inputs (NaN propagates), with broadcasting, every numeric type.</summary>
internal readonly struct MaxOp : INumericBinary
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Max", 1, _ => new VariadicKernel<MaxOp>(mean: false));

    public static T Invoke<T>(T x, T y) where T : unmanaged, INumber<T> => T.Max(x, y);

    public static bool TryInvoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, INumber<T>
    {
        TensorPrimitives.Max(x, y, destination);
        return true;
    }
}
