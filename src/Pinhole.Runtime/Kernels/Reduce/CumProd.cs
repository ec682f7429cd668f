using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>CumProd (opset 26+): running product along the axis given as input 1.</summary>
internal static class CumProd
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "CumProd", 1, info => new NnCumulativeKernel(info, product: true));
}
