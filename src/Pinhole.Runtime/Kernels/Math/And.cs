using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>And: elementwise And with broadcasting.</summary>
internal static class And
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "And", 1, info => MathLegacyBroadcast.Check(info, new LogicalKernel(LogicalKind.And)));
}
