using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>CastLike: Cast to the element type of input 1.</summary>
internal sealed class CastLike : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "CastLike", 15, _ => new CastLike());

    public override void Execute(KernelContext context)
    {
        var to = context.Input(1).Type;
        if (!TensorCast.IsSupported(to)) throw context.Error($"cast to {DataTypes.OnnxName(to)} is not supported");
        Cast.Run(context, to);
    }
}
