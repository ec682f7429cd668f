using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using static Pinhole.Runtime.Kernels.QuantizationHelpers;

namespace Pinhole.Runtime.Kernels;

/// <summary>DequantizeLinear: y = (x - x_zero_point) * x_scale; per-tensor, per-axis (13+) and blocked (21+).</summary>
internal sealed class DequantizeLinear : OpKernel
{
    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "DequantizeLinear", 10, info => new DequantizeLinear(info));
        KernelRegistry.Register("com.microsoft", "DequantizeLinear", 1, info => new DequantizeLinear(info));
    }

    private readonly long _axis;
    private readonly long _blockSize;
    private readonly DataType _outputType;

    private DequantizeLinear(KernelInfo info)
    {
        bool contrib = info.Node.Domain == "com.microsoft";
        _axis = contrib || info.OpsetVersion >= 13 ? info.GetInt("axis", 1) : 1;
        _blockSize = !contrib && info.OpsetVersion >= 21 ? info.GetInt("block_size", 0) : 0;
        if (_blockSize < 0) throw info.Invalid("block_size must be non-negative");
        _outputType = !contrib && info.OpsetVersion >= 23 ? (DataType)info.GetInt("output_dtype", 0) : DataType.Undefined;
        if (_outputType != DataType.Undefined && !DataTypes.IsFloatingPoint(_outputType))
            throw info.Invalid($"output_dtype {_outputType} is not a floating-point type");
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        var scale = context.Input(1);
        var zero = context.OptionalInput(2);
        bool float8 = QuantizationFloat8.IsFloat8(x.Type);
        if (!float8 && !IsQuantizedInteger(x.Type))
            throw context.Error($"dequantizing {DataTypes.OnnxName(x.Type)} is not supported");
        if (zero is not null && zero.Type != x.Type)
            throw context.Error($"x_zero_point is {DataTypes.OnnxName(zero.Type)}, x is {DataTypes.OnnxName(x.Type)}");
        if (zero is not null && zero.Length != scale.Length)
            throw context.Error($"x_zero_point shape {Tensor.FormatShape(zero.Shape)} differs from x_scale shape {Tensor.FormatShape(scale.Shape)}");
        if (!DataTypes.IsFloatingPoint(scale.Type))
            throw context.Error($"x_scale type {DataTypes.OnnxName(scale.Type)} is not supported");
        var outType = _outputType != DataType.Undefined ? _outputType : scale.Type;
        var layout = ScaleLayout.Create(context, x.Shape, scale.Shape, _axis, _blockSize);
        var xf = float8 ? QuantizationFloat8.Decode(x) : ToFloatArray(x);
        var sf = ToFloatArray(scale);
        var zf = zero is null ? null : float8 ? QuantizationFloat8.Decode(zero) : ToFloatArray(zero);
        var y = context.Output(0, outType, x.Shape);
        Span<float> result = outType == DataType.Float ? y.Span<float>() : new float[x.Length];
        int inner = layout.Inner;
        for (int o = 0; o < layout.Outer; o++)
        {
            for (int d = 0; d < layout.Axis; d++)
            {
                int s = o * layout.OuterStride + d / layout.Block * layout.AxisStride;
                int start = (o * layout.Axis + d) * inner;
                var src = xf.AsSpan(start, inner);
                var dst = result.Slice(start, inner);
                if (layout.InnerStride == 0)
                {
                    if (zf is not null && zf[s] != 0) TensorPrimitives.Subtract(src, zf[s], dst);
                    else src.CopyTo(dst);
                    TensorPrimitives.Multiply(dst, sf[s], dst);
                }
                else
                {
                    if (zf is not null) TensorPrimitives.Subtract(src, zf.AsSpan(s, inner), dst);
                    else src.CopyTo(dst);
                    TensorPrimitives.Multiply(dst, sf.AsSpan(s, inner), dst);
                }
            }
        }
        if (outType != DataType.Float) FloatConversion.FromFloat(result, y);
    }
}
