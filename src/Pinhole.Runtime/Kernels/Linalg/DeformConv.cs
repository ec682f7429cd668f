using System.Buffers;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>DeformConv (opset 19), 2-D: bilinear-sampled im2col with per-position offsets and optional mask, then GEMM.</summary>
internal sealed class DeformConv : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "DeformConv", 19, info => new DeformConv(info));

    private readonly long[]? _kernelShape;
    private readonly long[]? _strides;
    private readonly long[]? _dilations;
    private readonly long[]? _pads;
    private readonly int _group;
    private readonly int _offsetGroup;

    private DeformConv(KernelInfo info)
    {
        _kernelShape = info.GetInts("kernel_shape");
        _strides = info.GetInts("strides");
        _dilations = info.GetInts("dilations");
        _pads = info.GetInts("pads");
        _group = checked((int)info.GetInt("group", 1));
        _offsetGroup = checked((int)info.GetInt("offset_group", 1));
        if (_group < 1 || _offsetGroup < 1) throw info.Invalid("group and offset_group must be >= 1");
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
        var offT = context.Input(2);
        var bt = context.OptionalInput(3);
        var maskT = context.OptionalInput(4);
        if (xt.Rank != 4 || wt.Rank != 4) throw context.Error("only 2-D DeformConv is supported (X and W of rank 4)");
        if (!LinalgHelpers.ViaFloat32(xt.Type) && xt.Type != DataType.Double)
            throw context.Error($"element type {DataTypes.OnnxName(xt.Type)} is not supported");
        int batch = xt.Shape[0], channels = xt.Shape[1], ih = xt.Shape[2], iw = xt.Shape[3];
        int m = wt.Shape[0], group = _group, og = _offsetGroup;
        if (channels % group != 0 || m % group != 0 || wt.Shape[1] * group != channels || channels % og != 0)
            throw context.Error("channel counts do not match group/offset_group");
        var kernel = _kernelShape != null ? Attr(context, _kernelShape, 2, 1, "kernel_shape") : [wt.Shape[2], wt.Shape[3]];
        if (kernel[0] != wt.Shape[2] || kernel[1] != wt.Shape[3]) throw context.Error("kernel_shape does not match W");
        var s = Attr(context, _strides, 2, 1, "strides");
        var d = Attr(context, _dilations, 2, 1, "dilations");
        var p = Attr(context, _pads, 4, 0, "pads");
        int kh = kernel[0], kw = kernel[1], kCount = kh * kw;
        int oh = ((ih + p[0] + p[2] - (((kh - 1) * d[0]) + 1)) / s[0]) + 1;
        int ow = ((iw + p[1] + p[3] - (((kw - 1) * d[1]) + 1)) / s[1]) + 1;
        if (oh <= 0 || ow <= 0) throw context.Error("kernel larger than padded input");
        int outCount = oh * ow;
        if (offT.Rank != 4 || offT.Shape[0] != batch || offT.Shape[1] != og * 2 * kCount || offT.Shape[2] != oh || offT.Shape[3] != ow)
            throw context.Error($"offset must have shape [{batch},{og * 2 * kCount},{oh},{ow}]");
        if (maskT != null && (maskT.Rank != 4 || maskT.Shape[0] != batch || maskT.Shape[1] != og * kCount || maskT.Shape[2] != oh || maskT.Shape[3] != ow))
            throw context.Error($"mask must have shape [{batch},{og * kCount},{oh},{ow}]");
        var x = FloatConversion.ToFloat(xt).ReadOnlySpan<float>();
        var w = FloatConversion.ToFloat(wt).ReadOnlySpan<float>();
        var off = FloatConversion.ToFloat(offT).ReadOnlySpan<float>();
        var mask = maskT != null ? FloatConversion.ToFloat(maskT).ReadOnlySpan<float>() : default;
        int[] outShape = [batch, m, oh, ow];
        var yt = xt.Type == DataType.Float ? context.Output(0, DataType.Float, outShape) : Tensor.Zeros(DataType.Float, outShape);
        var y = yt.Span<float>();
        int cg = channels / group, mg = m / group, kg = cg * kCount, cPerOg = channels / og;
        float[] col = ArrayPool<float>.Shared.Rent(channels * kCount * outCount);
        try
        {
            for (int n = 0; n < batch; n++)
            {
                for (int c = 0; c < channels; c++)
                {
                    int g = c / cPerOg;
                    var plane = x.Slice(((n * channels) + c) * ih * iw, ih * iw);
                    for (int a = 0; a < kh; a++)
                        for (int b = 0; b < kw; b++)
                        {
                            int k = (a * kw) + b;
                            var dst = col.AsSpan(((c * kCount) + k) * outCount, outCount);
                            var offH = off.Slice(((n * og * 2 * kCount) + (g * 2 * kCount) + (2 * k)) * outCount, outCount);
                            var offW = off.Slice(((n * og * 2 * kCount) + (g * 2 * kCount) + (2 * k) + 1) * outCount, outCount);
                            var mk = maskT != null ? mask.Slice(((n * og * kCount) + (g * kCount) + k) * outCount, outCount) : default;
                            for (int i = 0; i < oh; i++)
                                for (int j = 0; j < ow; j++)
                                {
                                    int o = (i * ow) + j;
                                    float hh = (i * s[0]) - p[0] + (a * d[0]) + offH[o];
                                    float ww = (j * s[1]) - p[1] + (b * d[1]) + offW[o];
                                    float v = Bilinear(plane, ih, iw, hh, ww);
                                    dst[o] = maskT != null ? v * mk[o] : v;
                                }
                        }
                }
                for (int g = 0; g < group; g++)
                    Linalg.Gemm(false, false, mg, outCount, kg, 1f, w.Slice(g * mg * kg, mg * kg), kg, col.AsSpan(g * kg * outCount, kg * outCount),
                        outCount, 0f, y.Slice(((n * m) + (g * mg)) * outCount, mg * outCount), outCount, context.Options.IntraOpThreads);
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(col);
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

    private static float Bilinear(ReadOnlySpan<float> plane, int h, int w, float y, float x)
    {
        if (y <= -1 || y >= h || x <= -1 || x >= w) return 0f;
        int y0 = (int)MathF.Floor(y), x0 = (int)MathF.Floor(x);
        float ly = y - y0, lx = x - x0, hy = 1 - ly, hx = 1 - lx;
        float v00 = y0 >= 0 && x0 >= 0 ? plane[(y0 * w) + x0] : 0f;
        float v01 = y0 >= 0 && x0 + 1 < w ? plane[(y0 * w) + x0 + 1] : 0f;
        float v10 = y0 + 1 < h && x0 >= 0 ? plane[((y0 + 1) * w) + x0] : 0f;
        float v11 = y0 + 1 < h && x0 + 1 < w ? plane[((y0 + 1) * w) + x0 + 1] : 0f;
        return (hy * hx * v00) + (hy * lx * v01) + (ly * hx * v10) + (ly * lx * v11);
    }
}
