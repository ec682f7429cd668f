using System.Buffers;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>ConvTranspose (any spatial rank, groups, dilations, output_padding, output_shape, auto_pad) by GEMM + col2im.</summary>
internal sealed class ConvTranspose : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "ConvTranspose", 1, info => new ConvTranspose(info));

    private readonly string _autoPad;
    private readonly long[]? _kernelShape;
    private readonly long[]? _strides;
    private readonly long[]? _dilations;
    private readonly long[]? _pads;
    private readonly long[]? _outputPadding;
    private readonly long[]? _outputShape;
    private readonly int _group;

    private ConvTranspose(KernelInfo info)
    {
        _autoPad = info.GetString("auto_pad", "NOTSET");
        if (_autoPad is not ("NOTSET" or "SAME_UPPER" or "SAME_LOWER" or "VALID"))
            throw info.Invalid($"unknown auto_pad '{_autoPad}'");
        _kernelShape = info.GetInts("kernel_shape");
        _strides = info.GetInts("strides");
        _dilations = info.GetInts("dilations");
        _pads = info.GetInts("pads");
        _outputPadding = info.GetInts("output_padding");
        _outputShape = info.GetInts("output_shape");
        _group = checked((int)info.GetInt("group", 1));
        if (_group < 1) throw info.Invalid("group must be >= 1");
    }

    private static int[] Attr(KernelContext context, long[]? v, int rank, int def, string name)
    {
        var r = new int[rank];
        if (v == null) { Array.Fill(r, def); return r; }
        if (v.Length < rank) throw context.Error($"attribute '{name}' has {v.Length} values, expected {rank}");
        // output_shape may include the batch and channel dimensions: take the trailing values.
        for (int i = 0; i < rank; i++) r[i] = checked((int)v[v.Length - rank + i]);
        return r;
    }

    public override void Execute(KernelContext context)
    {
        var xt = context.Input(0);
        var wt = context.Input(1);
        var bt = context.OptionalInput(2);
        if (xt.Rank < 3 || wt.Rank != xt.Rank) throw context.Error($"X {Tensor.FormatShape(xt.Shape)} and W {Tensor.FormatShape(wt.Shape)} ranks are invalid");
        if (!LinalgHelpers.ViaFloat32(xt.Type) && xt.Type != DataType.Double)
            throw context.Error($"element type {DataTypes.OnnxName(xt.Type)} is not supported");
        int r = xt.Rank - 2;
        int batch = xt.Shape[0], channels = xt.Shape[1], group = _group;
        if (wt.Shape[0] != channels || channels % group != 0)
            throw context.Error($"W {Tensor.FormatShape(wt.Shape)} does not match X {Tensor.FormatShape(xt.Shape)} with group {group}");
        int mg = wt.Shape[1], m = mg * group, cg = channels / group;
        var kernel = _kernelShape != null ? Attr(context, _kernelShape, r, 1, "kernel_shape") : wt.Shape.AsSpan(2).ToArray();
        for (int d = 0; d < r; d++)
            if (kernel[d] != wt.Shape[d + 2]) throw context.Error("kernel_shape does not match W");
        var strides = Attr(context, _strides, r, 1, "strides");
        var dilations = Attr(context, _dilations, r, 1, "dilations");
        var outPad = Attr(context, _outputPadding, r, 0, "output_padding");
        var input = xt.Shape.AsSpan(2).ToArray();
        var pads = new int[2 * r];
        var output = new int[r];
        for (int d = 0; d < r; d++)
        {
            int ext = ((kernel[d] - 1) * dilations[d]) + 1;
            int full = (strides[d] * (input[d] - 1)) + outPad[d] + ext;
            if (_outputShape != null || _autoPad is "SAME_UPPER" or "SAME_LOWER")
            {
                output[d] = _outputShape != null ? Attr(context, _outputShape, r, 0, "output_shape")[d] : input[d] * strides[d];
                int total = full - output[d];
                int halfTotal = (int)Math.Floor(total / 2.0); // floor, as the reference does for negative totals
                if (_autoPad == "SAME_UPPER") { pads[d] = halfTotal; pads[d + r] = total - halfTotal; }
                else { pads[d] = total - halfTotal; pads[d + r] = halfTotal; }
            }
            else
            {
                if (_pads != null && _autoPad != "VALID")
                {
                    var p = Attr(context, _pads, 2 * r, 0, "pads");
                    pads[d] = p[d];
                    pads[d + r] = p[d + r];
                }
                output[d] = full - pads[d] - pads[d + r];
            }
            if (output[d] < 0) throw context.Error($"negative output size on spatial axis {d}");
        }
        var outShape = new int[xt.Rank];
        outShape[0] = batch;
        outShape[1] = m;
        output.CopyTo(outShape, 2);
        var x = FloatConversion.ToFloat(xt).ReadOnlySpan<float>();
        var w = FloatConversion.ToFloat(wt).ReadOnlySpan<float>();
        var yt = xt.Type == DataType.Float ? context.Output(0, DataType.Float, outShape) : Tensor.Zeros(DataType.Float, outShape);
        var y = yt.Span<float>();
        int inCount = 1, outCount = 1, kCount = 1;
        for (int d = 0; d < r; d++) { inCount *= input[d]; outCount *= output[d]; kCount *= kernel[d]; }
        int rows = mg * kCount;
        if (y.Length > 0 && inCount > 0)
        {
            float[] col = ArrayPool<float>.Shared.Rent(rows * inCount);
            try
            {
                for (int n = 0; n < batch; n++)
                    for (int g = 0; g < group; g++)
                    {
                        // col[mg*k, in] = W_g^T [mg*k, cg] * X_g [cg, in]
                        Linalg.Gemm(true, false, rows, inCount, cg, 1f, w.Slice(g * cg * rows, cg * rows), rows,
                            x.Slice(((n * channels) + (g * cg)) * inCount, cg * inCount), inCount, 0f, col, inCount, context.Options.IntraOpThreads);
                        LinalgConv.Col2Im(col, mg, output, kernel, input, strides, dilations, pads,
                            y.Slice(((n * m) + (g * mg)) * outCount, mg * outCount));
                    }
            }
            finally
            {
                ArrayPool<float>.Shared.Return(col);
            }
        }
        if (bt != null)
        {
            if (bt.Rank != 1 || bt.Shape[0] != m) throw context.Error($"B must have shape [{m}]");
            var bias = FloatConversion.ToFloat(bt).ReadOnlySpan<float>();
            for (int n = 0; n < batch; n++)
                for (int c = 0; c < m; c++)
                {
                    var plane = y.Slice(((n * m) + c) * outCount, outCount);
                    System.Numerics.Tensors.TensorPrimitives.Add(plane, bias[c], plane);
                }
        }
        if (xt.Type != DataType.Float) FloatConversion.FromFloat(y, context.Output(0, xt.Type, outShape));
    }
}
