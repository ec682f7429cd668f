using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Equal: elementwise comparison with broadcasting, to a bool tensor.</summary>
internal static class Equal
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Equal", 1, info => MathLegacyBroadcast.Check(info, new ComparisonKernel(ComparisonKind.Equal)));
}
