using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>CastLike: Cast to the element type of input 1.</summary>
internal sealed class CastLike : OpKernel
{
    private readonly bool _saturate;
    private readonly bool _roundUp;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "CastLike", 15, info => new CastLike(info));

    private CastLike(KernelInfo info)
    {
        _saturate = info.GetInt("saturate", 1) != 0;
        _roundUp = info.GetString("round_mode", "up") == "up";
    }

    public override void Execute(KernelContext context)
    {
        var to = context.Input(1).Type;
        if (!TensorCast.IsSupported(to)) throw context.Error($"cast to {DataTypes.OnnxName(to)} is not supported");
        Cast.Run(context, to, _saturate, _roundUp);
    }
}
