using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Xor: elementwise Xor with broadcasting.</summary>
internal static class Xor
{
    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "Xor", 1, info => MathLegacyBroadcast.Check(info, new LogicalKernel(LogicalKind.Xor)));
}
