using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Relu: elementwise max(x, 0), every numeric type.</summary>
internal readonly struct ReluFunction : INumericFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Relu", 1, _ => new NumericUnaryKernel<ReluFunction>(default, inPlace: true));

    public T Invoke<T>(T x) where T : unmanaged, INumber<T> => x < T.Zero ? T.Zero : x;

    public bool TryInvoke<T>(ReadOnlySpan<T> x, Span<T> destination) where T : unmanaged, INumber<T>
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) return false;
        TensorPrimitives.Max(x, T.Zero, destination);
        return true;
    }
}
