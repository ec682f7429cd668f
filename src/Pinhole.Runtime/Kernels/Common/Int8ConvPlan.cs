using static Pinhole.Runtime.Kernels.QuantizationHelpers;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// What QLinearConv prepares when the weights and all quantization parameters are constants and the convolution is 2-D:
/// weights packed per group for the int8 GEMM (or as float for the depthwise kernel), the folded per-channel terms, and
/// the output zero point. Built once; shared by concurrent runs.
/// </summary>
internal sealed class Int8ConvPlan
{
    public enum Method { Gemm, Depthwise }

    private Int8ConvPlan(Method method, int group, int[] wShape, int zx, int zy, DataType? outType)
    {
        Kind = method;
        Group = group;
        WShape = wShape;
        InputZero = zx;
        OutputZero = zy;
        OutputType = outType;
    }

    public Method Kind { get; }
    public int Group { get; }
    public int[] WShape { get; }
    public int InputZero { get; }
    public int OutputZero { get; }

    /// <summary>The output type fixed by y_zero_point, or null when it follows the input type.</summary>
    public DataType? OutputType { get; }

    /// <summary>GEMM: per group, the packed weights.</summary>
    public Int8PackedWeights[] Weights { get; private init; } = [];

    /// <summary>GEMM: the folded per-channel terms.</summary>
    public Int8Requant? Requant { get; private init; }

    /// <summary>Depthwise on <see cref="Int8DepthwiseDirect"/>: per channel, the int16 weight pairs.</summary>
    public int[]? DepthwisePairs { get; private init; }

    /// <summary>The same weights as s8 quads per kernel row (<see cref="Int8DepthwiseQuads"/>), where they fit.</summary>
    public int[]? DepthwiseQuads { get; private init; }

    /// <summary>Depthwise on <see cref="Int8DepthwiseDirect"/>: per channel, bias - zx * sum(w - zw) for uint8 (false) or int8 (true) input.</summary>
    public int[] DepthwiseOffset(bool signedInput) => signedInput ? OffsetSigned : OffsetUnsigned;

    private int[] OffsetUnsigned { get; init; } = [];
    private int[] OffsetSigned { get; init; } = [];

    /// <summary>Depthwise on the float kernels: per channel, kh * kw weights minus their zero point, the bias, and the requantization scale.</summary>
    public float[] DepthwiseWeights { get; private init; } = [];
    public float[] DepthwiseBias { get; private init; } = [];
    public float[] Scale { get; private init; } = [];

    /// <summary>
    /// The plan, or null when the node needs the reference path (runtime weights or parameters, not 2-D, unusual shapes).
    /// <paramref name="directDepthwise"/>: the strides and dilations suit <see cref="Int8DepthwiseDirect"/>.
    /// </summary>
    public static Int8ConvPlan? TryCreate(KernelInfo info, int group, bool directDepthwise)
    {
        var w = info.ConstantInput(3);
        var xScale = info.ConstantInput(1);
        var wScale = info.ConstantInput(4);
        var yScale = info.ConstantInput(6);
        var xZero = info.HasInput(2) ? info.ConstantInput(2) : null;
        var wZero = info.HasInput(5) ? info.ConstantInput(5) : null;
        var yZero = info.HasInput(7) ? info.ConstantInput(7) : null;
        var bias = info.HasInput(8) ? info.ConstantInput(8) : null;
        if (w is null || xScale is null || wScale is null || yScale is null) return null;
        if ((info.HasInput(2) && xZero is null) || (info.HasInput(5) && wZero is null) || (info.HasInput(7) && yZero is null)
            || (info.HasInput(8) && bias is null))
            return null;
        if (w.Rank != 4 || w.Type is not (DataType.Int8 or DataType.UInt8) || xScale.Length != 1 || yScale.Length != 1) return null;
        if (xZero is not null && (xZero.Length != 1 || xZero.Type is not (DataType.Int8 or DataType.UInt8))) return null;
        if (yZero is not null && (yZero.Length != 1 || yZero.Type is not (DataType.Int8 or DataType.UInt8))) return null;
        int m = w.Shape[0];
        if (m == 0 || m % group != 0 || w.Length == 0) return null;
        if (bias is not null && (bias.Type != DataType.Int32 || bias.Length != m)) return null;
        var (sw, zw) = (Int8Requant.PerRowFloats(wScale, m), Int8Requant.PerRowInts(wZero, m, 0));
        if (sw is null || zw is null) return null;
        float sx = (float)xScale.GetDouble(0), sy = (float)yScale.GetDouble(0);
        int zx = xZero is null ? 0 : (int)ReadInt64(xZero, 0), zy = yZero is null ? 0 : (int)ReadInt64(yZero, 0);
        var scale = new float[m];
        for (int i = 0; i < m; i++) scale[i] = sx * sw[i] / sy; // as the reference computes it
        var biasValues = bias?.ReadOnlySpan<int>().ToArray();
        int mg = m / group, kg = w.Shape[1] * w.Shape[2] * w.Shape[3];
        var shape = (int[])w.Shape.Clone();
        if (group > 1 && mg == 1 && w.Shape[1] == 1)
            return Depthwise(w, zw, biasValues, scale, group, shape, zx, zy, yZero?.Type, directDepthwise);

        var (values, shift) = Int8Requant.SignedWeights(w);
        for (int i = 0; i < m; i++) zw[i] += shift;
        var packed = new Int8PackedWeights[group];
        var rowSums = new int[m];
        for (int g = 0; g < group; g++)
        {
            packed[g] = Int8PackedWeights.Pack(values.AsSpan(g * mg * kg, mg * kg), mg, kg, kg);
            packed[g].RowSums.CopyTo(rowSums, g * mg);
        }
        return new Int8ConvPlan(Method.Gemm, group, shape, zx, zy, yZero?.Type)
        {
            Weights = packed,
            Requant = new Int8Requant(rowSums, zw, biasValues, scale, kg, zx),
        };
    }

    private static Int8ConvPlan? Depthwise(Tensor w, int[] zw, int[]? bias, float[] scale, int channels, int[] shape, int zx, int zy, DataType? outType,
        bool direct)
    {
        int taps = w.Shape[2] * w.Shape[3];
        var weights = new int[channels * taps];
        var biasF = new float[channels];
        var offsetU = new int[channels];
        var offsetS = new int[channels];
        bool exactInFloat = true;
        for (int c = 0; c < channels; c++)
        {
            long bound = Math.Abs((long)(bias?[c] ?? 0));
            int sum = 0;
            for (int t = 0; t < taps; t++)
            {
                int v = (int)ReadInt64(w, (c * taps) + t) - zw[c];
                weights[(c * taps) + t] = v;
                sum += v;
                bound += 255L * Math.Abs(v);
            }
            exactInFloat &= bound < Int8Depthwise.ExactLimit; // otherwise float could round
            biasF[c] = bias?[c] ?? 0;
            offsetU[c] = unchecked((bias?[c] ?? 0) - (zx * sum));
            offsetS[c] = unchecked((bias?[c] ?? 0) - ((zx + 128) * sum));
        }
        if (!direct && !exactInFloat) return null; // the reference path stays exact
        return new Int8ConvPlan(Method.Depthwise, channels, shape, zx, zy, outType)
        {
            DepthwisePairs = direct ? Int8DepthwiseDirect.PackWeights(weights, channels, w.Shape[2], w.Shape[3]) : null,
            DepthwiseQuads = direct ? Int8DepthwiseQuads.PackWeights(weights, channels, w.Shape[2], w.Shape[3]) : null,
            OffsetUnsigned = offsetU,
            OffsetSigned = offsetS,
            DepthwiseWeights = direct ? [] : Array.ConvertAll(weights, v => (float)v),
            DepthwiseBias = biasF,
            Scale = scale,
        };
    }
}
