using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>GlobalAveragePool (opset 1+).</summary>
internal static class GlobalAveragePool
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "GlobalAveragePool", 1, info => new NnGlobalPoolKernel(info, NnPoolKind.Average));
}
