using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>LogSoftmax. Before opset 13 the input is coerced to 2-D at axis (default 1); from 13 it runs along one axis (default -1).</summary>
internal static class LogSoftmax
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "LogSoftmax", 1, info => new NnSoftmaxKernel(info, NnSoftmaxKind.LogSoftmax));
}
