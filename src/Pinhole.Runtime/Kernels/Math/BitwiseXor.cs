using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>BitwiseXor: elementwise Xor with broadcasting.</summary>
internal static class BitwiseXor
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "BitwiseXor", 18, info => MathLegacyBroadcast.Check(info, new BitwiseKernel(LogicalKind.Xor)));
}
