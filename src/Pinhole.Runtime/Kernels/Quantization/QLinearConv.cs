using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using static Pinhole.Runtime.Kernels.QuantizationHelpers;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// QLinearConv: quantized convolution, int32 accumulation plus int32 bias, requantized per output channel. With constant
/// weights and quantization parameters (<see cref="Int8ConvPlan"/>), 2-D convolutions run on the int8 kernels: 1x1
/// stride 1 as a GEMM straight on the NCHW input, other shapes as a GEMM on im2col columns built a block at a time inside it, depthwise
/// on the exact float depthwise path; the requantization is fused. Everything else takes the reference path below.
/// </summary>
internal sealed class QLinearConv : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "QLinearConv", 10, info => new QLinearConv(info));

    private readonly ConvAttributes _attributes;
    private readonly int[]? _packedWeights;
    private readonly Int8ConvPlan? _plan;
    private readonly GemmIsa _isa;
    private Cached? _last;

    private QLinearConv(KernelInfo info)
    {
        _attributes = new ConvAttributes(info);
        _isa = Int8Gemm.Resolve(Isa.ForKernel);
        bool direct = Int8DepthwiseDirect.Supports(_attributes.Strides is [_, var sw] ? sw : 1,
            _attributes.Dilations is [var dh, _] ? dh : 1, _attributes.Dilations is [_, var dw] ? dw : 1);
        _plan = Int8ConvPlan.TryCreate(info, _attributes.Group, direct);
        if (_plan is not null)
        {
            info.ReleaseConstantInput(3); // only W's shape is read at run time
            return;
        }
        var w = info.ConstantInput(3);
        bool zeroKnown = !info.HasInput(5) || info.ConstantInput(5) is not null;
        if (w is not null && zeroKnown && w.Type is DataType.Int8 or DataType.UInt8)
        {
            try { _packedWeights = SubtractChannelZeroPoint(null, w, info.ConstantInput(5)); }
            catch (ArgumentException e) { throw info.Invalid(e.Message); }
        }
    }

    public override string Variant => _plan is null ? "reference"
        : _plan.Kind == Int8ConvPlan.Method.Depthwise
            ? _plan.DepthwisePairs is null ? $"depthwise-f32exact/{Isa.Name(Isa.ForKernel)}"
            : _plan.DepthwiseQuads is not null && _last is { } last && Int8DepthwiseQuads.Supports(last.Shape, _isa) ? "depthwise-int8-quads/avx512vbmi"
            : $"depthwise-int8/{Int8Gemm.Name(_isa)}"
        : $"{(IsPointwise(_plan.WShape) ? "1x1" : "im2col")}-int8gemm{(_plan.Weights[0].Wide ? "-s16" : _plan.Weights[0].Quads ? "-quads" : "")}/{Int8Gemm.Name(_isa)}";

    private bool IsPointwise(int[] wShape)
    {
        bool p = wShape[2] == 1 && wShape[3] == 1 && _attributes.AutoPad is "NOTSET" or "VALID";
        if (_attributes.Strides is { } s) foreach (int v in s) p &= v == 1;
        if (_attributes.Pads is { } pads && _attributes.AutoPad == "NOTSET") foreach (int v in pads) p &= v == 0;
        return p;
    }

    /// <summary>The geometry of the last input shape (immutable; replaced when the shape changes).</summary>
    private sealed record Cached(int[] XShape, ConvGeometry Geometry, int[] OutShape, ConvDepthwise.Shape Shape, bool Pointwise);

    public override unsafe void Execute(KernelContext context)
    {
        var plan = _plan;
        var x = context.Input(0);
        if (plan is null || x.Type is not (DataType.Int8 or DataType.UInt8) || x.Rank != 4)
        {
            ExecuteReference(context);
            return;
        }
        var outType = plan.OutputType ?? x.Type;
        var geo = _last;
        if (geo is null || !geo.XShape.AsSpan().SequenceEqual(x.Shape))
        {
            var g = _attributes.Resolve(context, x.Shape, plan.WShape);
            var s = new ConvDepthwise.Shape(g.InSpatial[0], g.InSpatial[1], g.Kernel[0], g.Kernel[1], g.OutSpatial[0], g.OutSpatial[1],
                g.Strides[0], g.Strides[1], g.Dilations[0], g.Dilations[1], g.PadsBegin[0], g.PadsBegin[1]);
            bool pointwise = s.Kh == 1 && s.Kw == 1 && s.Sh == 1 && s.Sw == 1 && s.Pt == 0 && s.Pl == 0 && s.Oh == s.Ih && s.Ow == s.Iw;
            _last = geo = new Cached((int[])x.Shape.Clone(), g, [g.Batch, g.OutChannels, .. g.OutSpatial], s, pointwise);
        }
        var y = context.OutputUninitialized(0, outType, geo.OutShape);
        var (min, max) = Range(outType);
        int threads = context.Options.IntraOpThreads;
        var shape = geo.Shape;
        int batch = geo.Geometry.Batch, channels = geo.Geometry.InChannels, m = geo.Geometry.OutChannels;
        int inSize = shape.Ih * shape.Iw, outSize = shape.Oh * shape.Ow;
        if (outSize == 0 || batch == 0) return;
        bool signedInput = x.Type == DataType.Int8;
        fixed (byte* px = x.Bytes())
        fixed (byte* py = y.Bytes())
        {
            if (plan.DepthwiseQuads is { } quads && Int8DepthwiseQuads.Supports(shape, _isa))
            {
                fixed (int* pw = quads)
                fixed (int* po = plan.DepthwiseOffset(signedInput))
                fixed (float* ps = plan.Scale)
                    Int8DepthwiseQuads.Run(px, signedInput, plan.InputZero + (signedInput ? 128 : 0), pw, po, ps, py, plan.OutputZero, min, max,
                        batch * channels, channels, shape, threads);
                return;
            }
            if (plan.DepthwisePairs is { } pairs)
            {
                fixed (int* pw = pairs)
                fixed (int* po = plan.DepthwiseOffset(signedInput))
                fixed (float* ps = plan.Scale)
                    Int8DepthwiseDirect.Run(px, signedInput, plan.InputZero + (signedInput ? 128 : 0), pw, po, ps, py, plan.OutputZero, min, max,
                        batch * channels, channels, shape, threads, _isa);
                return;
            }
            if (plan.Kind == Int8ConvPlan.Method.Depthwise)
            {
                fixed (float* pw = plan.DepthwiseWeights)
                fixed (float* pb = plan.DepthwiseBias)
                fixed (float* ps = plan.Scale)
                    Int8Depthwise.Run(px, signedInput, plan.InputZero, pw, pb, ps, py, plan.OutputZero, min, max, batch * channels, channels, shape,
                        threads, Isa.ForKernel);
                return;
            }
            var requant = plan.Requant!;
            int group = plan.Group, cg = channels / group, mg = m / group;
            fixed (int* rowOffset = requant.RowOffset(signedInput))
            fixed (int* weightZero = requant.WeightZero)
            fixed (float* scale = requant.Scale)
            {
                for (int n = 0; n < batch; n++)
                {
                    for (int g = 0; g < group; g++)
                    {
                        byte* xg = px + ((((nint)n * channels) + (g * cg)) * inSize);
                        nint r0 = (nint)g * mg;
                        var output = new Int8Output(rowOffset + r0, weightZero == null ? null : weightZero + r0, scale + r0,
                            py + ((((nint)n * m) + r0) * outSize), outSize, 1, plan.OutputZero, min, max, requant.ScalesBelowOne);
                        if (geo.Pointwise)
                            Int8Gemm.Run(plan.Weights[g], new Int8Source(xg, outSize, transposed: false, signedInput), outSize, output, threads, _isa);
                        else
                            Int8Gemm.Run(plan.Weights[g], new Int8Im2Col(xg, cg, shape, (byte)plan.InputZero), signedInput, output, threads, _isa);
                    }
                }
            }
        }
    }

    private void ExecuteReference(KernelContext context)
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
