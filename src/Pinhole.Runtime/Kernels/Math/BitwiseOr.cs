using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>BitwiseOr: elementwise Or with broadcasting.</summary>
internal static class BitwiseOr
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "BitwiseOr", 18, info => MathLegacyBroadcast.Check(info, new BitwiseKernel(LogicalKind.Or)));
}
