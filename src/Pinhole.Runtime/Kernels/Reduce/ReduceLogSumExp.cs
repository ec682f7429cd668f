using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>ReduceLogSumExp (opset 1+; axes is an input from opset 18).</summary>
internal static class ReduceLogSumExp
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "ReduceLogSumExp", 1, info => new NnReduceKernel<NnSumOp>(info, 18, logSumExp: true));
}

