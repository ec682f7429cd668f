using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>ArgMin (opset 1+; select_last_index from 12).</summary>
internal static class ArgMin
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "ArgMin", 1, info => new NnArgKernel(info, max: false));
}
