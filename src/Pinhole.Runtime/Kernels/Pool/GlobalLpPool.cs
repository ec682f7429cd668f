using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>GlobalLpPool (opset 1+; p is a float attribute in opset 1, an int from 2).</summary>
internal static class GlobalLpPool
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "GlobalLpPool", 1, info => new NnGlobalPoolKernel(info, NnPoolKind.Lp));
}
