using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Min: elementwise minimum over all inputs (NaN propagates), with broadcasting, every numeric type.</summary>
internal readonly struct MinOp : INumericBinary
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Min", 1, _ => new VariadicKernel<MinOp>(mean: false));

    public static T Invoke<T>(T x, T y) where T : unmanaged, INumber<T> => T.Min(x, y);

    public static bool TryInvoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, INumber<T>
    {
        TensorPrimitives.Min(x, y, destination);
        return true;
    }
}
