using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Abs: elementwise absolute value, every numeric type.</summary>
internal readonly struct AbsFunction : INumericFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Abs", 1, _ => new NumericUnaryKernel<AbsFunction>(default));

    public T Invoke<T>(T x) where T : unmanaged, INumber<T> => x < T.Zero ? T.Zero - x : x;

    public bool TryInvoke<T>(ReadOnlySpan<T> x, Span<T> destination) where T : unmanaged, INumber<T>
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) return false;
        TensorPrimitives.Abs(x, destination);
        return true;
    }
}
