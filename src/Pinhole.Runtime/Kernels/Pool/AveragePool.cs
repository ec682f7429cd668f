using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>AveragePool (opset 1+; count_include_pad from 7, ceil_mode from 10, dilations from 19).</summary>
internal static class AveragePool
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "AveragePool", 1, info => new NnPoolKernel(info, NnPoolKind.Average));
}
