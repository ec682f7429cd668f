using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>BitwiseAnd: elementwise And with broadcasting.</summary>
internal static class BitwiseAnd
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "BitwiseAnd", 18, info => MathLegacyBroadcast.Check(info, new BitwiseKernel(LogicalKind.And)));
}
