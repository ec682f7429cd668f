using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>com.microsoft BiasGelu: exact gelu(A + B), B a bias broadcast over A.</summary>
internal static class BiasGelu
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("com.microsoft", "BiasGelu", 1, _ => new ContribGelu(tanh: false));
}
