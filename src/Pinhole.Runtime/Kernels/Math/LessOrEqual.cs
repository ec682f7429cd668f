using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>LessOrEqual: elementwise comparison with broadcasting, to a bool tensor.</summary>
internal static class LessOrEqual
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "LessOrEqual", 12, info => MathLegacyBroadcast.Check(info, new ComparisonKernel(ComparisonKind.LessOrEqual)));
}
