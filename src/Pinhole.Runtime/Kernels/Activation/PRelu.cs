using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>PRelu: elementwise x for x >= 0, slope * x otherwise (slope broadcast to X), with broadcasting, every numeric type.</summary>
internal readonly struct PReluOp : INumericBinary
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "PRelu", 1, info => MathLegacyBroadcast.Check(info, new NumericBinaryKernel<PReluOp>()));

    public static T Invoke<T>(T x, T y) where T : unmanaged, INumber<T> => x < T.Zero ? x * y : x;

    public static bool TryInvoke<T>(ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<T> destination) where T : unmanaged, INumber<T>
    {
        return false;
    }
}
