using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Greater: elementwise comparison with broadcasting, to a bool tensor.</summary>
internal static class Greater
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Greater", 1, info => MathLegacyBroadcast.Check(info, new ComparisonKernel(ComparisonKind.Greater)));
}
