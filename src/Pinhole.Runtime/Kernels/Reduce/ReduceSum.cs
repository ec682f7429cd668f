using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>ReduceSum (opset 1+; axes is an input from opset 13).</summary>
internal static class ReduceSum
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "ReduceSum", 1, info => new NnReduceKernel<NnSumOp>(info, 13));
}

