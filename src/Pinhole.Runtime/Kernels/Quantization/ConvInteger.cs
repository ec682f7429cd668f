using System.Runtime.CompilerServices;
using static Pinhole.Runtime.Kernels.QuantizationHelpers;

namespace Pinhole.Runtime.Kernels;

/// <summary>ConvInteger: int32 convolution of (x - x_zero_point) with (w - w_zero_point); padding counts as x_zero_point.</summary>
internal sealed class ConvInteger : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "ConvInteger", 10, info => new ConvInteger(info));

    private readonly ConvAttributes _attributes;
    private readonly int[]? _packedWeights;

    private ConvInteger(KernelInfo info)
    {
        _attributes = new ConvAttributes(info);
        var w = info.ConstantInput(1);
        bool zeroKnown = !info.HasInput(3) || info.ConstantInput(3) is not null;
        if (w is not null && zeroKnown && w.Type is DataType.Int8 or DataType.UInt8)
        {
            try { _packedWeights = SubtractChannelZeroPoint(null, w, info.ConstantInput(3)); }
            catch (ArgumentException e) { throw info.Invalid(e.Message); }
        }
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        var w = context.Input(1);
        if (x.Type is not (DataType.Int8 or DataType.UInt8) || w.Type is not (DataType.Int8 or DataType.UInt8))
            throw context.Error($"inputs must be int8 or uint8, are {DataTypes.OnnxName(x.Type)} and {DataTypes.OnnxName(w.Type)}");
        var g = _attributes.Resolve(context, x.Shape, w.Shape);
        int xZero = ScalarZeroPoint(context, context.OptionalInput(2), "x_zero_point");
        var xi = ToInt32Array(x);
        if (xZero != 0) System.Numerics.Tensors.TensorPrimitives.Subtract(xi, xZero, xi);
        var wi = _packedWeights ?? SubtractChannelZeroPoint(context, w, context.OptionalInput(3));
        var acc = ConvolveInt(g, xi, wi);
        int[] shape = [g.Batch, g.OutChannels, .. g.OutSpatial];
        context.SetOutput(0, Tensor.FromArray(acc, shape));
    }
}
