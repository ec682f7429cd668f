using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Size: the input's element count as an int64 scalar.</summary>
internal sealed class SizeOp : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Size", 1, _ => new SizeOp());

    public override void Execute(KernelContext context) =>
        context.Output(0, DataType.Int64, []).Span<long>()[0] = context.Input(0).Length;
}
