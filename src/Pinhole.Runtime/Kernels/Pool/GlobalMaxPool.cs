using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>GlobalMaxPool (opset 1+).</summary>
internal static class GlobalMaxPool
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "GlobalMaxPool", 1, info => new NnGlobalPoolKernel(info, NnPoolKind.Max));
}
