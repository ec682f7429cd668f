using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Cast: converts to the element type of attribute 'to' (float8 and sub-byte types are not supported).</summary>
internal sealed class Cast : OpKernel
{
    private readonly DataType _to;
    private readonly bool _saturate;
    private readonly bool _roundUp;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Cast", 1, info => new Cast(info));

    private Cast(KernelInfo info)
    {
        long to = info.GetInt("to");
        if (!Enum.IsDefined(typeof(DataType), (int)to)) throw info.Invalid($"unknown element type {to}");
        _to = (DataType)to;
        if (!TensorCast.IsSupported(_to)) throw info.Unsupported($"cast to {DataTypes.OnnxName(_to)} is not supported");
        _saturate = info.GetInt("saturate", 1) != 0;
        _roundUp = info.GetString("round_mode", "up") == "up";
    }

    public override void Execute(KernelContext context) => Run(context, _to, _saturate, _roundUp);

    internal static void Run(KernelContext context, DataType to, bool saturate, bool roundUp)
    {
        var x = context.Input(0);
        if (x.Type == to)
        {
            context.SetOutput(0, x);
            return;
        }
        if (!TensorCast.IsSupported(x.Type)) throw context.Error($"cast from {DataTypes.OnnxName(x.Type)} is not supported");
        TensorCast.Convert(x, context.Output(0, to, x.Shape), saturate, roundUp);
    }
}
