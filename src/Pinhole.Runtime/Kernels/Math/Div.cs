using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Div: elementwise quotient A / B (integers truncate toward zero), with broadcasting, every numeric type.</summary>
internal readonly struct DivOp : INumericBinary
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Div", 1, info => MathLegacyBroadcast.Check<DivOp>(info, new NumericBinaryKernel<DivOp>()));

    public static T Invoke<T>(T x, T y) where T : unmanaged, INumber<T> => x / y;

    public static bool TryInvoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, INumber<T>
    {
        TensorPrimitives.Divide(x, y, destination);
        return true;
    }

    // Floating point only: integer division must keep the scalar loop's divide-by-zero and overflow errors.
    public static bool TryInvoke<T>(ReadOnlySpan<T> x, T y, Span<T> destination) where T : unmanaged, INumber<T>
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) return false;
        TensorPrimitives.Divide(x, y, destination);
        return true;
    }

    public static bool TryInvoke<T>(T x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, INumber<T>
    {
        if (typeof(T) != typeof(float) && typeof(T) != typeof(double)) return false;
        TensorPrimitives.Divide(x, y, destination);
        return true;
    }
}
