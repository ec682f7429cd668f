using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Neg: elementwise negation, every numeric type.</summary>
internal readonly struct NegFunction : INumericFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Neg", 1, _ => new NumericUnaryKernel<NegFunction>(default));

    public T Invoke<T>(T x) where T : unmanaged, INumber<T> => T.Zero - x;

    public bool TryInvoke<T>(ReadOnlySpan<T> x, Span<T> destination) where T : unmanaged, INumber<T>
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) return false;
        TensorPrimitives.Negate(x, destination);
        return true;
    }
}
