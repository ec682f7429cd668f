using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>GreaterOrEqual: elementwise comparison with broadcasting, to a bool tensor.</summary>
internal static class GreaterOrEqual
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "GreaterOrEqual", 12, info => MathLegacyBroadcast.Check(info, new ComparisonKernel(ComparisonKind.GreaterOrEqual)));
}
