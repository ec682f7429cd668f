using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Mul: elementwise product, with broadcasting, every numeric type.</summary>
internal readonly struct MulOp : INumericBinary
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Mul", 1, info => MathLegacyBroadcast.Check<MulOp>(info, new NumericBinaryKernel<MulOp>(inPlace: true)));

    public static T Invoke<T>(T x, T y) where T : unmanaged, INumber<T> => x * y;

    public static bool TryInvoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, INumber<T>
    {
        TensorPrimitives.Multiply(x, y, destination);
        return true;
    }

    public static bool TryInvoke<T>(ReadOnlySpan<T> x, T y, Span<T> destination) where T : unmanaged, INumber<T>
    {
        TensorPrimitives.Multiply(x, y, destination);
        return true;
    }

    public static bool TryInvoke<T>(T x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, INumber<T>
    {
        TensorPrimitives.Multiply(y, x, destination);
        return true;
    }
}
