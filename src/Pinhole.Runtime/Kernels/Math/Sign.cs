using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Sign: elementwise sign (-1, 0 or 1; NaN stays NaN), every numeric type.</summary>
internal readonly struct SignFunction : INumericFunction
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Sign", 9, _ => new NumericUnaryKernel<SignFunction>(default));

    public T Invoke<T>(T x) where T : unmanaged, INumber<T> => x > T.Zero ? T.One : x < T.Zero ? T.Zero - T.One : x;

    public bool TryInvoke<T>(ReadOnlySpan<T> x, Span<T> destination) where T : unmanaged, INumber<T>
    {
        return false;
    }
}
