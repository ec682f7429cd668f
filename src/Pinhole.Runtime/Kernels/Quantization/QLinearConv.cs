using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using static Pinhole.Runtime.Kernels.QuantizationHelpers;

namespace Pinhole.Runtime.Kernels;

/// <summary>QLinearConv: quantized convolution, int32 accumulation plus int32 bias, requantized per output channel.</summary>
internal sealed class QLinearConv : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "QLinearConv", 10, info => new QLinearConv(info));

    private readonly ConvAttributes _attributes;
    private readonly int[]? _packedWeights;

    private QLinearConv(KernelInfo info)
    {
        _attributes = new ConvAttributes(info);
        var w = info.ConstantInput(3);
        bool zeroKnown = !info.HasInput(5) || info.ConstantInput(5) is not null;
        if (w is not null && zeroKnown && w.Type is DataType.Int8 or DataType.UInt8)
        {
            try { _packedWeights = SubtractChannelZeroPoint(null, w, info.ConstantInput(5)); }
            catch (ArgumentException e) { throw info.Invalid(e.Message); }
        }
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        var xScale = context.Input(1);
        var xZeroT = context.OptionalInput(2);
        var w = context.Input(3);
        var wScale = context.Input(4);
        var wZeroT = context.OptionalInput(5);
        var yScale = context.Input(6);
        var yZeroT = context.OptionalInput(7);
        var bias = context.OptionalInput(8);
        if (x.Type is not (DataType.Int8 or DataType.UInt8) || w.Type is not (DataType.Int8 or DataType.UInt8))
            throw context.Error($"x and w must be int8 or uint8, are {DataTypes.OnnxName(x.Type)} and {DataTypes.OnnxName(w.Type)}");
        var outType = yZeroT?.Type ?? x.Type;
        if (outType is not (DataType.Int8 or DataType.UInt8))
            throw context.Error($"output type {DataTypes.OnnxName(outType)} is not supported");
        var g = _attributes.Resolve(context, x.Shape, w.Shape);
        float sx = ScalarFloat(context, xScale, "x_scale");
        float sy = ScalarFloat(context, yScale, "y_scale");
        int zx = ScalarZeroPoint(context, xZeroT, "x_zero_point");
        int zy = ScalarZeroPoint(context, yZeroT, "y_zero_point");
        var sw = ToFloatArray(wScale);
        int mOut = g.OutChannels;
        if (sw.Length != 1 && sw.Length != mOut) throw context.Error($"w_scale has {sw.Length} values; expected 1 or {mOut}");
        if (bias is not null && (bias.Type != DataType.Int32 || bias.Length != mOut))
            throw context.Error($"bias must be int32 with {mOut} values, is {bias}");

        var xi = ToInt32Array(x);
        if (zx != 0) TensorPrimitives.Subtract(xi, zx, xi);
        var wi = _packedWeights ?? SubtractChannelZeroPoint(context, w, wZeroT);
        var acc = ConvolveInt(g, xi, wi);

        var (min, max) = Range(outType);
        int outSize = g.OutSize;
        var result = new float[acc.Length];
        var biasSpan = bias is null ? default : bias.ReadOnlySpan<int>();
        for (int n = 0; n < g.Batch; n++)
        {
            for (int m = 0; m < mOut; m++)
            {
                int off = (n * mOut + m) * outSize;
                var a = acc.AsSpan(off, outSize);
                if (bias is not null && biasSpan[m] != 0) TensorPrimitives.Add(a, biasSpan[m], a);
                float mult = sx * sw[sw.Length == 1 ? 0 : m] / sy;
                Requantize(a, mult, zy, min, max, result.AsSpan(off, outSize));
            }
        }
        int[] shape = [g.Batch, mOut, .. g.OutSpatial];
        var y = context.Output(0, outType, shape);
        StoreIntegers(result, y);
    }
}
