using System.Runtime.CompilerServices;
using static Pinhole.Runtime.Kernels.QuantizationHelpers;

namespace Pinhole.Runtime.Kernels;

/// <summary>QuantizeLinear: y = saturate(round_half_even(x / y_scale) + y_zero_point); per-tensor, per-axis (13+) and blocked (21+).</summary>
internal sealed class QuantizeLinear : OpKernel
{
    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "QuantizeLinear", 10, info => new QuantizeLinear(info));
        KernelRegistry.Register("com.microsoft", "QuantizeLinear", 1, info => new QuantizeLinear(info));
    }

    private readonly long _axis;
    private readonly long _blockSize;
    private readonly DataType _outputType;
    private readonly bool _saturate;

    private QuantizeLinear(KernelInfo info)
    {
        bool contrib = info.Node.Domain == "com.microsoft";
        _axis = contrib || info.OpsetVersion >= 13 ? info.GetInt("axis", 1) : 1;
        _blockSize = !contrib && info.OpsetVersion >= 21 ? info.GetInt("block_size", 0) : 0;
        if (_blockSize < 0) throw info.Invalid("block_size must be non-negative");
        _outputType = !contrib && info.OpsetVersion >= 21 ? (DataType)info.GetInt("output_dtype", 0) : DataType.Undefined;
        _saturate = contrib || info.OpsetVersion < 19 || info.GetInt("saturate", 1) != 0;
        if (_outputType != DataType.Undefined && !IsQuantizedInteger(_outputType) && !QuantizationFloat8.IsFloat8(_outputType))
            throw info.Unsupported($"output_dtype {_outputType} is not supported");
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        var scale = context.Input(1);
        var zero = context.OptionalInput(2);
        var outType = _outputType != DataType.Undefined ? _outputType : zero?.Type ?? DataType.UInt8;
        bool float8 = QuantizationFloat8.IsFloat8(outType);
        if (!float8 && (!IsQuantizedInteger(outType) || outType == DataType.Int32))
            throw context.Error($"quantizing to {DataTypes.OnnxName(outType)} is not supported");
        if (zero is not null && zero.Type != outType)
            throw context.Error($"y_zero_point is {DataTypes.OnnxName(zero.Type)}, output_dtype is {DataTypes.OnnxName(outType)}");
        if (zero is not null && zero.Length != scale.Length)
            throw context.Error($"y_zero_point shape {Tensor.FormatShape(zero.Shape)} differs from y_scale shape {Tensor.FormatShape(scale.Shape)}");
        if (!DataTypes.IsFloatingPoint(x.Type) && x.Type != DataType.Int32)
            throw context.Error($"input type {DataTypes.OnnxName(x.Type)} is not supported");
        if (x.Type == DataType.Float && scale.Length == 1 && _blockSize == 0 && outType is DataType.Int8 or DataType.UInt8 && scale.Type == DataType.Float)
        {
            // Per-tensor float to 8-bit: one vectorized pass, no float temporaries.
            var (lo, hi) = Range(outType);
            float s = scale.ReadOnlySpan<float>()[0];
            int zp = zero is null ? 0 : (int)ReadInt64(zero, 0);
            var yq = context.OutputUninitialized(0, outType, x.Shape);
            unsafe
            {
                fixed (float* px = x.ReadOnlySpan<float>())
                fixed (byte* py = yq.Bytes())
                {
                    int threads = context.Options.IntraOpThreads;
                    int chunks = NnFast.Chunks(x.Length, x.Length / 64, threads);
                    IntraOp.For(chunks, threads, new QuantizeBody(px, py, x.Length, chunks, s, zp, lo, hi));
                }
            }
            return;
        }
        var layout = ScaleLayout.Create(context, x.Shape, scale.Shape, _axis, _blockSize);
        var xf = ToFloatArray(x);
        var sf = ToFloatArray(scale);
        var zf = zero is null ? new float[scale.Length] : float8 ? QuantizationFloat8.Decode(zero) : ToFloatArray(zero);
        var (min, max) = float8 ? (float.NegativeInfinity, float.PositiveInfinity) : Range(outType);
        var result = new float[x.Length];
        int inner = layout.Inner;
        for (int o = 0; o < layout.Outer; o++)
        {
            for (int d = 0; d < layout.Axis; d++)
            {
                int s = o * layout.OuterStride + d / layout.Block * layout.AxisStride;
                int start = (o * layout.Axis + d) * inner;
                var src = xf.AsSpan(start, inner);
                var dst = result.AsSpan(start, inner);
                if (float8)
                {
                    if (layout.InnerStride == 0) Scale(src, sf[s], zf[s], dst);
                    else Scale(src, sf.AsSpan(s, inner), zf.AsSpan(s, inner), dst);
                }
                else if (layout.InnerStride == 0) Quantize(src, sf[s], zf[s], min, max, dst);
                else Quantize(src, sf.AsSpan(s, inner), zf.AsSpan(s, inner), min, max, dst);
            }
        }
        var y = context.Output(0, outType, x.Shape);
        if (float8) QuantizationFloat8.Encode(result, outType, _saturate, y.Span<byte>());
        else StoreIntegers(result, y);
    }

    private static void Scale(ReadOnlySpan<float> x, float scale, float zero, Span<float> dst)
    {
        System.Numerics.Tensors.TensorPrimitives.Divide(x, scale, dst);
        if (zero != 0) System.Numerics.Tensors.TensorPrimitives.Add(dst, zero, dst);
    }

    private static void Scale(ReadOnlySpan<float> x, ReadOnlySpan<float> scale, ReadOnlySpan<float> zero, Span<float> dst)
    {
        System.Numerics.Tensors.TensorPrimitives.Divide(x, scale, dst);
        System.Numerics.Tensors.TensorPrimitives.Add(dst, zero, dst);
    }

    /// <summary>Chunk <c>index</c> of the per-tensor float to 8-bit pass (64-element aligned bounds).</summary>
    private readonly unsafe struct QuantizeBody(float* x, byte* y, int count, int chunks, float scale, int zp, int min, int max) : IParallelBody
    {
        public void Invoke(int index)
        {
            int from = (int)((long)count * index / chunks) & ~63, to = index == chunks - 1 ? count : (int)((long)count * (index + 1) / chunks) & ~63;
            Int8Convert.Quantize(x + from, to - from, scale, zp, min, max, y + from);
        }
    }
}
