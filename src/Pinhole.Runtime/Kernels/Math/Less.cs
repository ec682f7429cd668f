using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Less: elementwise comparison with broadcasting, to a bool tensor.</summary>
internal static class Less
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Less", 1, info => MathLegacyBroadcast.Check(info, new ComparisonKernel(ComparisonKind.Less)));
}
