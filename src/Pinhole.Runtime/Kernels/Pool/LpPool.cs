using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>LpPool (opset 1+; p is a float attribute in opset 1, an int from 2).</summary>
internal static class LpPool
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "LpPool", 1, info => new NnPoolKernel(info, NnPoolKind.Lp));
}
