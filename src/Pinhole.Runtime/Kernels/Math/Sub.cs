using System.Numerics;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Sub: elementwise difference A - B, with broadcasting, every numeric type.</summary>
internal readonly struct SubOp : INumericBinary
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Sub", 1, info => MathLegacyBroadcast.Check<SubOp>(info, new NumericBinaryKernel<SubOp>()));

    public static T Invoke<T>(T x, T y) where T : unmanaged, INumber<T> => x - y;

    public static bool TryInvoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, INumber<T>
    {
        TensorPrimitives.Subtract(x, y, destination);
        return true;
    }

    public static bool TryInvoke<T>(ReadOnlySpan<T> x, T y, Span<T> destination) where T : unmanaged, INumber<T>
    {
        TensorPrimitives.Subtract(x, y, destination);
        return true;
    }

    public static bool TryInvoke<T>(T x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, INumber<T>
    {
        TensorPrimitives.Subtract(x, y, destination);
        return true;
    }
}
