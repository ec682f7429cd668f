using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>PRelu (opset 1/6: slope of shape [C] applies along axis 1): elementwise x for x >= 0, slope * x otherwise (slope broadcast to X), with broadcasting, every numeric type.</summary>
internal readonly struct PReluOp : INumericBinary
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "PRelu", 1, info =>
            info.OpsetVersion < 7 ? MathLegacyBroadcast.AtAxis<PReluOp>(1) : new NumericBinaryKernel<PReluOp>());

    public static T Invoke<T>(T x, T y) where T : unmanaged, INumber<T> => x < T.Zero ? x * y : x;

    public static bool TryInvoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, INumber<T>
    {
        return false;
    }
}
