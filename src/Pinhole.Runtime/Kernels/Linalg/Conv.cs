using System.Buffers;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Conv (1-D/2-D/3-D, groups, dilations, strides, pads, auto_pad, bias) by im2col + GEMM; also com.microsoft FusedConv.</summary>
internal sealed class Conv : OpKernel
{
    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "Conv", 1, info => new Conv(info, fused: false));
        KernelRegistry.Register("com.microsoft", "FusedConv", 1, info => new Conv(info, fused: true));
    }

    private readonly string _autoPad;
    private readonly long[]? _kernelShape;
    private readonly long[]? _strides;
    private readonly long[]? _dilations;
    private readonly long[]? _pads;
    private readonly int _group;
    private readonly float[]? _constWeight;
    private readonly LinalgActivation _activation;

    private Conv(KernelInfo info, bool fused)
    {
        _autoPad = info.GetString("auto_pad", "NOTSET");
        if (_autoPad is not ("NOTSET" or "SAME_UPPER" or "SAME_LOWER" or "VALID"))
            throw info.Invalid($"unknown auto_pad '{_autoPad}'");
        _kernelShape = info.GetInts("kernel_shape");
        _strides = info.GetInts("strides");
        _dilations = info.GetInts("dilations");
        _pads = info.GetInts("pads");
        _group = checked((int)info.GetInt("group", 1));
        if (_group < 1) throw info.Invalid("group must be >= 1");
        var w = info.ConstantInput(1);
        if (w != null && LinalgHelpers.ViaFloat32(w.Type) || w?.Type == DataType.Double)
            _constWeight = FloatConversion.ToFloat(w!).ReadOnlySpan<float>().ToArray();
        _activation = LinalgActivation.None;
        if (fused)
        {
            string name = info.GetString("activation", "");
            var p = info.GetFloats("activation_params") ?? [];
            _activation = LinalgActivation.Parse(name, p.Length > 0 ? p[0] : null, p.Length > 1 ? p[1] : null, p.Length > 2 ? p[2] : null)
                ?? throw info.Unsupported($"FusedConv activation '{name}' is not supported");
        }
    }

    private static int[] Attr(KernelContext context, long[]? v, int rank, int def, string name)
    {
        var r = new int[rank];
        if (v == null) { Array.Fill(r, def); return r; }
        if (v.Length != rank) throw context.Error($"attribute '{name}' has {v.Length} values, expected {rank}");
        for (int i = 0; i < rank; i++) r[i] = checked((int)v[i]);
        return r;
    }

    public override void Execute(KernelContext context)
    {
        var xt = context.Input(0);
        var wt = context.Input(1);
        var bt = context.OptionalInput(2);
        if (xt.Rank < 3) throw context.Error($"X must have rank >= 3, got {Tensor.FormatShape(xt.Shape)}");
        if (wt.Rank != xt.Rank) throw context.Error($"W rank {wt.Rank} differs from X rank {xt.Rank}");
        if (!LinalgHelpers.ViaFloat32(xt.Type) && xt.Type != DataType.Double)
            throw context.Error($"element type {DataTypes.OnnxName(xt.Type)} is not supported");
        int r = xt.Rank - 2;
        int batch = xt.Shape[0], channels = xt.Shape[1], m = wt.Shape[0];
        int group = _group;
        if (channels % group != 0 || m % group != 0 || wt.Shape[1] * group != channels)
            throw context.Error($"X {Tensor.FormatShape(xt.Shape)} and W {Tensor.FormatShape(wt.Shape)} do not match group {group}");
        var kernel = _kernelShape != null ? Attr(context, _kernelShape, r, 1, "kernel_shape") : wt.Shape.AsSpan(2).ToArray();
        for (int d = 0; d < r; d++)
            if (kernel[d] != wt.Shape[d + 2]) throw context.Error("kernel_shape does not match W");
        var strides = Attr(context, _strides, r, 1, "strides");
        var dilations = Attr(context, _dilations, r, 1, "dilations");
        int[]? padsAttr = _pads != null ? Attr(context, _pads, 2 * r, 0, "pads") : null;
        var input = xt.Shape.AsSpan(2).ToArray();
        var output = LinalgConv.OutputSize(context, input, kernel, strides, dilations, _autoPad, padsAttr, out var pads);
        if (bt != null && (bt.Rank != 1 || bt.Shape[0] != m)) throw context.Error($"B must have shape [{m}]");

        var outShape = new int[xt.Rank];
        outShape[0] = batch;
        outShape[1] = m;
        output.CopyTo(outShape, 2);
        var x = FloatConversion.ToFloat(xt).ReadOnlySpan<float>();
        var w = _constWeight ?? FloatConversion.ToFloat(wt).ReadOnlySpan<float>().ToArray();
        var yt = xt.Type == DataType.Float ? context.Output(0, DataType.Float, outShape) : Tensor.Zeros(DataType.Float, outShape);
        var y = yt.Span<float>();
        int inCount = 1, outCount = 1, kCount = 1;
        for (int d = 0; d < r; d++) { inCount *= input[d]; outCount *= output[d]; kCount *= kernel[d]; }
        int cg = channels / group, mg = m / group, kg = cg * kCount;
        bool pointwise = kCount == 1;
        for (int d = 0; d < r; d++) pointwise &= strides[d] == 1 && pads[d] == 0 && pads[d + r] == 0;
        bool depthwise = cg == 1 && mg == 1 && r == 2 && group > 1;
        int threads = context.Options.IntraOpThreads;

        if (outCount > 0 && batch > 0)
        {
            if (depthwise)
            {
                for (int n = 0; n < batch; n++)
                    for (int c = 0; c < channels; c++)
                        Depthwise2D(x.Slice(((n * channels) + c) * inCount, inCount), w.AsSpan(c * kCount, kCount), input, kernel, output,
                            strides, dilations, pads, y.Slice(((n * m) + c) * outCount, outCount));
            }
            else
            {
                float[]? col = pointwise ? null : ArrayPool<float>.Shared.Rent(kg * outCount);
                try
                {
                    for (int n = 0; n < batch; n++)
                    {
                        for (int g = 0; g < group; g++)
                        {
                            var xg = x.Slice(((n * channels) + (g * cg)) * inCount, cg * inCount);
                            ReadOnlySpan<float> bmat = xg;
                            if (!pointwise)
                            {
                                LinalgConv.Im2Col(xg, cg, input, kernel, output, strides, dilations, pads, col);
                                bmat = col.AsSpan(0, kg * outCount);
                            }
                            Linalg.Gemm(false, false, mg, outCount, kg, 1f, w.AsSpan(g * mg * kg, mg * kg), kg, bmat, outCount, 0f,
                                y.Slice(((n * m) + (g * mg)) * outCount, mg * outCount), outCount, threads);
                        }
                    }
                }
                finally
                {
                    if (col != null) ArrayPool<float>.Shared.Return(col);
                }
            }
            if (bt != null)
            {
                var bias = FloatConversion.ToFloat(bt).ReadOnlySpan<float>();
                for (int n = 0; n < batch; n++)
                    for (int c = 0; c < m; c++)
                    {
                        var plane = y.Slice(((n * m) + c) * outCount, outCount);
                        System.Numerics.Tensors.TensorPrimitives.Add(plane, bias[c], plane);
                    }
            }
            _activation.Apply(y);
        }
        if (xt.Type != DataType.Float) FloatConversion.FromFloat(y, context.Output(0, xt.Type, outShape));
    }

    /// <summary>One channel of a 2-D depthwise convolution, accumulated row by row.</summary>
    private static void Depthwise2D(ReadOnlySpan<float> x, ReadOnlySpan<float> w, int[] input, int[] kernel, int[] output,
        int[] strides, int[] dilations, int[] pads, Span<float> y)
    {
        int ih = input[0], iw = input[1], kh = kernel[0], kw = kernel[1], oh = output[0], ow = output[1];
        int sh = strides[0], sw = strides[1], dh = dilations[0], dw = dilations[1], pt = pads[0], pl = pads[1];
        for (int o = 0; o < oh; o++)
        {
            var yrow = y.Slice(o * ow, ow);
            for (int a = 0; a < kh; a++)
            {
                int i = (o * sh) - pt + (a * dh);
                if ((uint)i >= (uint)ih) continue;
                var xrow = x.Slice(i * iw, iw);
                for (int b = 0; b < kw; b++)
                {
                    float wv = w[(a * kw) + b];
                    int off = (b * dw) - pl;
                    int lo = off >= 0 ? 0 : (-off + sw - 1) / sw;
                    int hi = iw - off <= 0 ? 0 : Math.Min(ow, ((iw - off - 1) / sw) + 1);
                    if (hi <= lo) continue;
                    if (sw == 1)
                    {
                        var t = yrow.Slice(lo, hi - lo);
                        System.Numerics.Tensors.TensorPrimitives.MultiplyAdd(xrow.Slice(lo + off, hi - lo), wv, t, t);
                    }
                    else
                    {
                        for (int q = lo; q < hi; q++) yrow[q] += wv * xrow[(q * sw) + off];
                    }
                }
            }
        }
    }
}
