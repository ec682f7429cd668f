using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Hardmax. Before opset 13 the input is coerced to 2-D at axis (default 1); from 13 it runs along one axis (default -1).</summary>
internal static class Hardmax
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Hardmax", 1, info => new NnSoftmaxKernel(info, NnSoftmaxKind.Hardmax));
}
