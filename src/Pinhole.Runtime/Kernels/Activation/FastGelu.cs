using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>com.microsoft FastGelu: tanh-approximated gelu(X + bias), bias optional.</summary>
internal static class FastGelu
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("com.microsoft", "FastGelu", 1, _ => new ContribGelu(tanh: true));
}
