using System.Buffers;
using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Conv (1-D/2-D/3-D, groups, dilations, strides, pads, auto_pad, bias) and com.microsoft FusedConv. The method is
/// chosen at prepare time when W is constant: depthwise (vectorized direct kernel), pointwise (1x1 stride 1: packed
/// GEMM straight on the input), or im2col + packed GEMM; bias and activation run in the GEMM epilogue. Weights are
/// packed once and not kept unpacked.
/// </summary>
internal sealed class Conv : OpKernel
{
    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "Conv", 1, info => new Conv(info, fused: false));
        KernelRegistry.Register("com.microsoft", "FusedConv", 1, info => new Conv(info, fused: true));
    }

    private enum Method { General, Depthwise, Pointwise, Im2Col, Winograd, PixelRows }

    private readonly string _autoPad;
    private readonly long[]? _kernelShape;
    private readonly long[]? _strides;
    private readonly long[]? _dilations;
    private readonly long[]? _pads;
    private readonly int _group;
    private readonly GemmIsa _isa = Isa.ForKernel;  // replaced by Isa.ForRows once the weights give the row count
    private readonly Method _method;
    private readonly int[]? _wShape;
    /// <summary>Depthwise only: the weights as float32 (the kernel's only copy).</summary>
    private readonly float[]? _depthwiseWeight;
    /// <summary>Winograd only: the transformed weights (the kernel's only copy).</summary>
    private readonly ConvWinograd? _winograd;
    /// <summary>Pixel-rows only: the weights in channel panels (the kernel's only copy).</summary>
    private readonly ConvPixelRows? _pixelRows;
    /// <summary>Per group, the constant weight packed for the GEMM.</summary>
    private readonly PackedMatrix[]? _packedWeight;
    private readonly float[]? _constBias;
    private readonly LinalgActivation _activation;
    /// <summary>FusedConv's optional input Z (index 3): Y = activation(conv(X, W) + B + Z), as ONNX Runtime defines it.</summary>
    private readonly bool _hasSum;
    /// <summary>Geometry of the last input shape (immutable; replaced when the shape changes).</summary>
    private Geometry? _last;

    /// <summary>The overridable initializer the weights were prepared from (null when W is a true constant or unprepared).</summary>
    private readonly Tensor? _preparedW;

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
        _activation = LinalgActivation.None;
        if (fused)
        {
            string name = info.GetString("activation", "");
            var p = info.GetFloats("activation_params") ?? [];
            _activation = LinalgActivation.Parse(name, p.Length > 0 ? p[0] : null, p.Length > 1 ? p[1] : null, p.Length > 2 ? p[2] : null)
                ?? throw info.Unsupported($"FusedConv activation '{name}' is not supported");
            _hasSum = info.HasInput(3);
        }
        var b = info.ConstantInput(2);
        if (b != null && b.Rank == 1 && (LinalgHelpers.ViaFloat32(b.Type) || b.Type == DataType.Double))
            _constBias = FloatConversion.ToFloat(b).ReadOnlySpan<float>().ToArray();

        // An overridable initializer (IR >= 4 lists weights as graph inputs) is prepared for too; Execute checks that
        // the run still uses that very tensor and otherwise takes the runtime-W path.
        var w = info.ConstantInput(1);
        if (w == null && info.DefaultInput(1) is { } defaultW)
        {
            w = defaultW;
            _preparedW = defaultW;
        }
        if (w == null || w.Rank < 3 || !(LinalgHelpers.ViaFloat32(w.Type) || w.Type == DataType.Double) || w.Shape[0] % _group != 0) return;
        int r = w.Rank - 2;
        int m = w.Shape[0], mg = m / _group, kCount = 1;
        for (int d = 0; d < r; d++) kCount *= w.Shape[d + 2];
        int kg = w.Shape[1] * kCount;
        if (m == 0 || kg == 0) return;
        _wShape = w.Shape;
        var wf = FloatConversion.ToFloat(w).ReadOnlySpan<float>();
        if (w.Shape[1] == 1 && mg == 1 && r == 2 && _group > 1)
        {
            _method = Method.Depthwise;
            _depthwiseWeight = wf.ToArray();
            info.ReleaseConstantInput(1); // only W's shape is read at run time
            return;
        }
        bool pointwise = kCount == 1 && _autoPad != "SAME_UPPER" && _autoPad != "SAME_LOWER";
        if (_strides != null) foreach (long s in _strides) pointwise &= s == 1;
        if (_pads != null && _autoPad == "NOTSET") foreach (long p in _pads) pointwise &= p == 0;
        _method = pointwise ? Method.Pointwise : Method.Im2Col;
        _isa = Isa.ForRows(mg);
        int? pixels = _group == 1 && r == 2 && ConvPixelRows.Supported(Isa.ForKernel, kCount) ? OutputPixels(info, w.Shape) : null;
        bool smallImage = false;
        int ow = pixels != null && OutputExtent(info, 1, w.Shape[3]) is long width ? (int)width : 0;
        long strideW = _strides is { Length: 2 } st ? st[1] : 1;
        bool pixelRows = pixels is int p1 && ConvPixelRows.Worthwhile(m, p1);
        bool winograd = !pixelRows && !pointwise && WinogradFits(info, w.Shape, Isa.ForKernel, out smallImage);
        pixelRows |= !winograd && pixels is int p2 && ConvPixelRows.DirectWorthwhile(m, kg, ow, p2, strideW, pointwise);
        if (pixelRows)
        {
            _method = Method.PixelRows;
            _isa = Isa.ForKernel;
            _pixelRows = new ConvPixelRows(wf, m, kg);
            info.ReleaseConstantInput(1); // only W's shape is read at run time
            return;
        }
        if (winograd)
        {
            _method = Method.Winograd;
            _winograd = new ConvWinograd(wf, m, w.Shape[1], smallImage ? Isa.ForKernel : _isa, smallImage);
            info.ReleaseConstantInput(1); // only W's shape is read at run time
            return;
        }
        _packedWeight = new PackedMatrix[_group];
        for (int g = 0; g < _group; g++)
            _packedWeight[g] = Linalg.PackA(false, mg, kg, wf.Slice(g * mg * kg, mg * kg), kg, _isa);
        info.ReleaseConstantInput(1); // only W's shape is read at run time
    }

    /// <summary>
    /// Whether F(2x2, 3x3) Winograd applies (2-D 3x3, stride 1, no dilation, group 1) and should win for the input width that
    /// static shape inference gives (unknown widths keep the implicit GEMM).
    /// </summary>
    private bool WinogradFits(KernelInfo info, int[] wShape, GemmIsa isa, out bool smallImage)
    {
        smallImage = false;
        if (wShape.Length != 4 || wShape[2] != 3 || wShape[3] != 3 || _group != 1 || !ConvWinograd.Supported(isa)) return false;
        if (!AllOnes(_strides) || !AllOnes(_dilations)) return false;
        if (OutputExtent(info, 0, 3) is not long oh || OutputExtent(info, 1, 3) is not long ow) return false;
        if (ConvWinograd.Worthwhile(wShape[0], wShape[1], (int)ow)) return true;
        smallImage = ConvWinograd.WorthwhileSmall(wShape[0], wShape[1], (int)oh, (int)ow);
        return smallImage;
    }

    /// <summary>The output plane's pixel count for the input extents that static shape inference gives (null when unknown).</summary>
    private int? OutputPixels(KernelInfo info, int[] wShape) =>
        OutputExtent(info, 0, wShape[2]) is long oh && OutputExtent(info, 1, wShape[3]) is long ow && oh * ow < int.MaxValue ? (int)(oh * ow) : null;

    /// <summary>Whether every value is 1 (or there are none): a loop, since LINQ over long is JIT-compiled at every start.</summary>
    private static bool AllOnes(long[]? values)
    {
        if (values is null) return true;
        foreach (long v in values)
            if (v != 1) return false;
        return true;
    }

    /// <summary>
    /// The output extent along spatial axis <paramref name="axis"/> of a 2-D convolution with a <paramref name="kernel"/>-wide
    /// window, for the input extent that static shape inference declares (null when unknown, empty or out of range).
    /// </summary>
    private long? OutputExtent(KernelInfo info, int axis, int kernel)
    {
        if (info.InputType(0) is not IR.TensorTypeInfo { Shape: { Length: 4 } shape } || shape[axis + 2].Value is not long input || input <= 0)
            return null;
        long stride = _strides is { Length: 2 } s ? s[axis] : 1, dilation = _dilations is { Length: 2 } d ? d[axis] : 1;
        if (stride <= 0) return null;
        long window = (dilation * (kernel - 1)) + 1;
        long output = _autoPad switch
        {
            "SAME_UPPER" or "SAME_LOWER" => (input + stride - 1) / stride,
            "VALID" => ((input - window) / stride) + 1,
            _ => ((input + (_pads is { Length: 4 } p ? p[axis] + p[axis + 2] : 0) - window) / stride) + 1,
        };
        return output is > 0 and < int.MaxValue ? output : null;
    }

    /// <summary>
    /// The GEMM methods add Z by accumulating onto it (C += A·B, then bias and activation), so Y may take Z's storage:
    /// the residual join of a ResNet or MobileNet block then costs no pass of its own.
    /// </summary>
    public override int InPlaceInput => _hasSum && _method is Method.Pointwise or Method.Im2Col or Method.PixelRows ? 3 : -1;

    public override string Variant
    {
        get
        {
            string method = _method switch
            {
                Method.Depthwise => "depthwise",
                Method.Winograd => "winograd",
                Method.Pointwise => "1x1-gemm",
                Method.PixelRows => "pixel-rows",
                Method.Im2Col => _wShape!.Length == 4 ? "implicit-gemm" : "im2col+gemm",
                _ => "im2col+gemm(runtime W)",
            };
            string act = _activation.IsNone ? "" : "+" + _activation.Name;
            return $"{method}/{Isa.Name(_isa)}{act}";
        }
    }

    /// <summary>Everything derived from the input shape, validated once per distinct shape.</summary>
    private sealed class Geometry
    {
        public required int[] XShape;
        public required int[] OutShape;
        public required int[] Input;
        public required int[] Kernel;
        public required int[] Output;
        public required int[] Strides;
        public required int[] Dilations;
        public required int[] Pads;
        public int InCount, OutCount, KCount;
        public bool Pointwise;
    }

    private static int[] Attr(KernelContext context, long[]? v, int rank, int def, string name)
    {
        if (v == null) return IntArrays.Filled(rank, def);
        var r = new int[rank];
        if (v.Length != rank) throw context.Error($"attribute '{name}' has {v.Length} values, expected {rank}");
        for (int i = 0; i < rank; i++) r[i] = checked((int)v[i]);
        return r;
    }

    private Geometry Prepare(KernelContext context, Tensor xt, Tensor wt)
    {
        if (xt.Rank < 3) throw context.Error($"X must have rank >= 3, got {Tensor.FormatShape(xt.Shape)}");
        if (wt.Rank != xt.Rank) throw context.Error($"W rank {wt.Rank} differs from X rank {xt.Rank}");
        if (!LinalgHelpers.ViaFloat32(xt.Type) && xt.Type != DataType.Double)
            throw context.Error($"element type {DataTypes.OnnxName(xt.Type)} is not supported");
        int r = xt.Rank - 2;
        int channels = xt.Shape[1], m = wt.Shape[0];
        if (channels % _group != 0 || m % _group != 0 || wt.Shape[1] * _group != channels)
            throw context.Error($"X {Tensor.FormatShape(xt.Shape)} and W {Tensor.FormatShape(wt.Shape)} do not match group {_group}");
        var kernel = _kernelShape != null ? Attr(context, _kernelShape, r, 1, "kernel_shape") : wt.Shape.AsSpan(2).ToArray();
        for (int d = 0; d < r; d++)
            if (kernel[d] != wt.Shape[d + 2]) throw context.Error("kernel_shape does not match W");
        var strides = Attr(context, _strides, r, 1, "strides");
        var dilations = Attr(context, _dilations, r, 1, "dilations");
        int[]? padsAttr = _pads != null ? Attr(context, _pads, 2 * r, 0, "pads") : null;
        var input = xt.Shape.AsSpan(2).ToArray();
        var output = LinalgConv.OutputSize(context, input, kernel, strides, dilations, _autoPad, padsAttr, out var pads);
        var outShape = new int[xt.Rank];
        outShape[0] = xt.Shape[0];
        outShape[1] = m;
        output.CopyTo(outShape, 2);
        var g = new Geometry
        {
            XShape = (int[])xt.Shape.Clone(),
            OutShape = outShape,
            Input = input,
            Kernel = kernel,
            Output = output,
            Strides = strides,
            Dilations = dilations,
            Pads = pads,
            InCount = 1,
            OutCount = 1,
            KCount = 1,
        };
        for (int d = 0; d < r; d++) { g.InCount *= input[d]; g.OutCount *= output[d]; g.KCount *= kernel[d]; }
        bool pointwise = g.KCount == 1;
        for (int d = 0; d < r; d++) pointwise &= strides[d] == 1 && pads[d] == 0 && pads[d + r] == 0;
        g.Pointwise = pointwise;
        return g;
    }

    public override unsafe void Execute(KernelContext context)
    {
        var xt = context.Input(0);
        var wt = context.Input(1);
        var bt = context.OptionalInput(2);
        bool usePrepared = _preparedW is null || ReferenceEquals(wt, _preparedW);
        var packedWeight = usePrepared ? _packedWeight : null;
        var geo = _last;
        if (geo == null || !geo.XShape.AsSpan().SequenceEqual(xt.Shape) || !SameW(geo, wt, usePrepared))
        {
            geo = Prepare(context, xt, wt);
            _last = geo;
        }
        int batch = xt.Shape[0], channels = xt.Shape[1], m = wt.Shape[0];
        if (bt != null && (bt.Rank != 1 || bt.Shape[0] != m)) throw context.Error($"B must have shape [{m}]");
        var outShape = geo.OutShape;
        var yt = xt.Type == DataType.Float ? context.OutputUninitialized(0, DataType.Float, outShape) : Tensor.Zeros(DataType.Float, outShape);
        var y = yt.Span<float>();
        int outCount = geo.OutCount, inCount = geo.InCount;
        int group = _group;
        int cg = channels / group, mg = m / group, kg = cg * geo.KCount;
        int threads = context.Options.IntraOpThreads;
        ReadOnlySpan<float> bias = _constBias ?? (bt != null ? FloatConversion.ToFloat(bt).ReadOnlySpan<float>() : default);
        var zt = _hasSum ? context.OptionalInput(3) : null;
        // With Z: the GEMM paths start from Z and accumulate (beta = 1); the others add Z and apply the activation after.
        bool sumByGemm = zt != null && !(usePrepared && _method is Method.Depthwise or Method.Winograd);
        var activation = zt != null && !sumByGemm ? LinalgActivation.None : _activation;
        float beta = sumByGemm ? 1f : 0f;
        if (zt != null)
        {
            if (zt.Type != DataType.Float || xt.Type != DataType.Float || !zt.Shape.AsSpan().SequenceEqual(outShape))
                throw context.Error($"Z ({DataTypes.OnnxName(zt.Type)} {Tensor.FormatShape(zt.Shape)}) must be float with the output's shape {Tensor.FormatShape(outShape)}");
            var z = zt.ReadOnlySpan<float>();
            if (sumByGemm && !Unsafe.AreSame(ref MemoryMarshal.GetReference(y), ref MemoryMarshal.GetReference(z))) z.CopyTo(y);
        }
        if (outCount > 0 && batch > 0)
        {
            var x = FloatConversion.ToFloat(xt).ReadOnlySpan<float>();
            if (_method == Method.Depthwise && usePrepared)
            {
                var s = new ConvDepthwise.Shape(geo.Input[0], geo.Input[1], geo.Kernel[0], geo.Kernel[1], geo.Output[0], geo.Output[1],
                    geo.Strides[0], geo.Strides[1], geo.Dilations[0], geo.Dilations[1], geo.Pads[0], geo.Pads[1]);
                fixed (float* px = x)
                fixed (float* pw = _depthwiseWeight)
                fixed (float* pb = bias)
                fixed (float* py = y)
                {
                    var epi = new EpilogueArgs(null, null, activation);
                    ConvDepthwise.Run(px, pw, bias.IsEmpty ? null : pb, py, batch * channels, channels, s, epi, threads, _isa);
                }
            }
            else if (_method == Method.Winograd && usePrepared)
            {
                var image = new ConvWinograd.Image(geo.Input[0], geo.Input[1], geo.Pads[0], geo.Pads[1], geo.Output[0], geo.Output[1]);
                fixed (float* px = x)
                fixed (float* pb = bias)
                fixed (float* py = y)
                {
                    var epi = new EpilogueArgs(null, null, activation);
                    for (int n = 0; n < batch; n++)
                        _winograd!.Run(px + ((nint)n * channels * inCount), py + ((nint)n * m * outCount), image, bias.IsEmpty ? null : pb, epi, threads);
                }
            }
            else if (_method == Method.PixelRows && usePrepared)
            {
                fixed (float* px = x)
                fixed (float* pb = bias)
                fixed (float* py = y)
                {
                    var epi = new EpilogueArgs(bias.IsEmpty ? null : pb, null, activation);
                    for (int n = 0; n < batch; n++)
                    {
                        var image = Image(geo, px + ((nint)n * channels * inCount), channels);
                        _pixelRows!.Run(image, py + ((nint)n * m * outCount), epi, beta != 0f, threads);
                    }
                }
            }
            else
            {
                float[]? w = packedWeight == null ? FloatConversion.ToFloat(wt).ReadOnlySpan<float>().ToArray() : null;
                if (packedWeight != null && !geo.Pointwise && geo.Input.Length == 2)
                {
                    // Implicit GEMM: B panels are packed straight from the image.
                    fixed (float* px = x)
                    {
                        for (int n = 0; n < batch; n++)
                        {
                            for (int g = 0; g < group; g++)
                            {
                                var image = Image(geo, px + (((nint)(n * channels) + (g * cg)) * inCount), cg);
                                var yg = y.Slice(((n * m) + (g * mg)) * outCount, mg * outCount);
                                var epilogue = new GemmEpilogue(bias.IsEmpty ? default : bias.Slice(g * mg, mg), default, activation);
                                Linalg.GemmConv(packedWeight[g], image, yg, threads, epilogue, beta);
                            }
                        }
                    }
                    if (xt.Type != DataType.Float) FloatConversion.FromFloat(y, context.Output(0, xt.Type, outShape));
                    return;
                }
                float[]? col = geo.Pointwise ? null : ArrayPool<float>.Shared.Rent(kg * outCount);
                try
                {
                    for (int n = 0; n < batch; n++)
                    {
                        for (int g = 0; g < group; g++)
                        {
                            var xg = x.Slice(((n * channels) + (g * cg)) * inCount, cg * inCount);
                            ReadOnlySpan<float> bmat = xg;
                            if (col != null)
                            {
                                LinalgConv.Im2Col(xg, cg, geo.Input, geo.Kernel, geo.Output, geo.Strides, geo.Dilations, geo.Pads, col);
                                bmat = col.AsSpan(0, kg * outCount);
                            }
                            var yg = y.Slice(((n * m) + (g * mg)) * outCount, mg * outCount);
                            var epilogue = new GemmEpilogue(bias.IsEmpty ? default : bias.Slice(g * mg, mg), default, activation);
                            if (packedWeight != null)
                                Linalg.Gemm(packedWeight[g], false, outCount, 1f, bmat, outCount, beta, yg, outCount, threads, epilogue);
                            else
                                Linalg.Gemm(false, false, mg, outCount, kg, 1f, w.AsSpan(g * mg * kg, mg * kg), kg, bmat, outCount, beta, yg, outCount,
                                    threads, _isa, epilogue);
                        }
                    }
                }
                finally
                {
                    if (col != null) ArrayPool<float>.Shared.Return(col);
                }
            }
        }
        else if (zt == null)
        {
            y.Clear();
        }
        if (zt != null && !sumByGemm)
        {
            TensorPrimitives.Add(y, zt.ReadOnlySpan<float>(), y);
            _activation.Apply(y);
        }
        if (xt.Type != DataType.Float) FloatConversion.FromFloat(y, context.Output(0, xt.Type, outShape));
    }

    /// <summary>A 2-D convolution's image for the GEMM packers: <paramref name="channels"/> planes from <paramref name="x"/>.</summary>
    private static unsafe ConvImage Image(Geometry geo, float* x, int channels) => new()
    {
        X = x,
        C = channels,
        Ih = geo.Input[0],
        Iw = geo.Input[1],
        Kh = geo.Kernel[0],
        Kw = geo.Kernel[1],
        Oh = geo.Output[0],
        Ow = geo.Output[1],
        Sh = geo.Strides[0],
        Sw = geo.Strides[1],
        Dh = geo.Dilations[0],
        Dw = geo.Dilations[1],
        Pt = geo.Pads[0],
        Pl = geo.Pads[1],
    };

    private bool SameW(Geometry geo, Tensor wt, bool usePrepared)
    {
        // A constant W was checked against X when the geometry was made; a runtime W is checked here every call.
        if (_wShape != null && usePrepared) return true;
        if (wt.Rank != geo.XShape.Length || wt.Shape[1] * _group != geo.XShape[1]) return false;
        for (int d = 2; d < wt.Rank; d++)
            if (wt.Shape[d] != geo.Kernel[d - 2]) return false;
        return geo.OutShape[1] == wt.Shape[0];
    }
}
