using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>MaxPool (opset 1+; Indices output from 8, ceil_mode and dilations from 10).</summary>
internal static class MaxPool
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "MaxPool", 1, info => new NnPoolKernel(info, NnPoolKind.Max));
}
