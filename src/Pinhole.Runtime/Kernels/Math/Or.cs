using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Or: elementwise Or with broadcasting.</summary>
internal static class Or
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Or", 1, info => MathLegacyBroadcast.Check(info, new LogicalKernel(LogicalKind.Or)));
}
