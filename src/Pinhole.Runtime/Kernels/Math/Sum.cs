using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Sum: elementwise sum of all inputs, with broadcasting, every numeric type.</summary>
internal readonly struct SumOp : INumericBinary
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Sum", 1, _ => new VariadicKernel<SumOp>(mean: false));

    public static T Invoke<T>(T x, T y) where T : unmanaged, INumber<T> => x + y;

    public static bool TryInvoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, INumber<T>
    {
        TensorPrimitives.Add(x, y, destination);
        return true;
    }

    public static bool TryInvoke<T>(ReadOnlySpan<T> x, T y, Span<T> destination) where T : unmanaged, INumber<T>
    {
        TensorPrimitives.Add(x, y, destination);
        return true;
    }

    public static bool TryInvoke<T>(T x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, INumber<T>
    {
        TensorPrimitives.Add(y, x, destination);
        return true;
    }
}
