using System.Numerics.Tensors;

namespace Pinhole.Runtime.Kernels;

internal enum NnPoolKind
{
    Max,
    Average,
    Lp,
}

/// <summary>
/// Windowed pooling over [N, C, spatial...] with 1 to 3 spatial dimensions (handled as 3-D with leading size-1
/// dimensions): kernel_shape, strides, pads, dilations, auto_pad, ceil_mode, count_include_pad, storage_order.
/// </summary>
internal sealed class NnPoolKernel : OpKernel
{
    private readonly NnPoolKind _kind;
    private readonly int[] _kernel;
    private readonly int[] _strides;
    private readonly int[] _pads;
    private readonly int[] _dilations;
    private readonly string _autoPad;
    private readonly bool _ceilMode;
    private readonly bool _countIncludePad;
    private readonly bool _columnMajorIndices;
    private readonly float _p;

    public NnPoolKernel(KernelInfo info, NnPoolKind kind)
    {
        _kind = kind;
        var kernel = info.GetInts("kernel_shape") ?? throw info.Invalid("required attribute 'kernel_shape' is missing");
        int rank = kernel.Length;
        if (rank is < 1 or > 3) throw info.Unsupported($"{rank}-D pooling is not supported (1 to 3 spatial dimensions)");
        _kernel = Ints(info, kernel, "kernel_shape", 1);
        _strides = Ints(info, info.GetInts("strides") ?? Ones(rank), "strides", 1);
        _dilations = Ints(info, info.GetInts("dilations") ?? Ones(rank), "dilations", 1);
        _pads = Ints(info, info.GetInts("pads") ?? new long[2 * rank], "pads", 0);
        if (_strides.Length != rank || _dilations.Length != rank || _pads.Length != 2 * rank)
            throw info.Invalid("strides, dilations and pads must match kernel_shape");
        _autoPad = info.GetString("auto_pad", "NOTSET");
        if (_autoPad is not ("NOTSET" or "SAME_UPPER" or "SAME_LOWER" or "VALID"))
            throw info.Invalid($"auto_pad '{_autoPad}' is not valid");
        _ceilMode = info.GetInt("ceil_mode", 0) != 0;
        _countIncludePad = info.GetInt("count_include_pad", 0) != 0;
        _columnMajorIndices = info.GetInt("storage_order", 0) != 0;
        _p = 2;
        if (info.Attribute("p") is { } p) _p = p.Type == IR.AttributeType.Float ? p.Float : p.Int;
    }

    /// <summary>The path float inputs take: the vectorized row-buffer pooling for 1-D/2-D undilated Max/Average, else the general loop.</summary>
    /// <summary>The specialized path the last run took, when it was not the one <see cref="Variant"/> names by default.</summary>
    private volatile string? _lastPath;

    public override string Variant => _lastPath ?? DefaultVariant;

    private string DefaultVariant => _kind != NnPoolKind.Lp && _kernel.Length <= 2 && Array.TrueForAll(_dilations, d => d == 1) && NnFast.Enabled
        ? "row-buffer vector" : "general";

    private static long[] Ones(int n) => IR.ShapeArrays.Repeat(1L, n);

    private static int[] Ints(KernelInfo info, long[] values, string name, int min)
    {
        var r = new int[values.Length];
        for (int i = 0; i < r.Length; i++)
        {
            if (values[i] < min || values[i] > int.MaxValue) throw info.Invalid($"{name} value {values[i]} is out of range");
            r[i] = (int)values[i];
        }
        return r;
    }

    public override unsafe void Execute(KernelContext context)
    {
        var x = context.Input(0);
        int rank = _kernel.Length;
        if (x.Rank != rank + 2) throw context.Error($"input of rank {x.Rank} does not match a {rank}-D kernel");
        // geometry, padded to 3-D
        Span<int> inSize = stackalloc int[3], outSize = stackalloc int[3], k = stackalloc int[3], s = stackalloc int[3],
            d = stackalloc int[3], padBegin = stackalloc int[3], padEnd = stackalloc int[3];
        var outShape = new int[x.Rank];
        outShape[0] = x.Shape[0];
        outShape[1] = x.Shape[1];
        for (int i = 0; i < 3; i++) { inSize[i] = 1; outSize[i] = 1; k[i] = 1; s[i] = 1; d[i] = 1; }
        for (int i = 0; i < rank; i++)
        {
            int j = 3 - rank + i;
            int input = x.Shape[2 + i];
            k[j] = _kernel[i];
            s[j] = _strides[i];
            d[j] = _dilations[i];
            long extent = (long)(_kernel[i] - 1) * _dilations[i] + 1;
            long pb = _pads[i], pe = _pads[i + rank], output;
            switch (_autoPad)
            {
                case "SAME_UPPER" or "SAME_LOWER":
                    {
                        output = (input + (long)_strides[i] - 1) / _strides[i];
                        long total = Math.Max(0, (output - 1) * _strides[i] + extent - input);
                        pb = _autoPad == "SAME_UPPER" ? total / 2 : total - total / 2;
                        pe = total - pb;
                        break;
                    }
                case "VALID":
                    pb = pe = 0;
                    output = Out(input, 0, extent, _strides[i], _ceilMode);
                    break;
                default:
                    output = Out(input + pb + pe, pb, extent, _strides[i], _ceilMode);
                    if (_ceilMode && output > 0 && (output - 1) * _strides[i] >= input + pb) output--;
                    break;
            }
            if (output < 0) output = 0;
            if (output > int.MaxValue) throw context.Error("output is too large");
            inSize[j] = input;
            outSize[j] = (int)output;
            padBegin[j] = (int)pb;
            padEnd[j] = (int)pe;
            outShape[2 + i] = (int)output;
        }
        bool wantIndices = _kind == NnPoolKind.Max && context.HasOutput(1);
        if (!wantIndices && _kind != NnPoolKind.Lp && x.Type == DataType.Float && rank <= 2 && d[1] == 1 && d[2] == 1 && NnFast.Enabled)
        {
            var g = new NnPool2D(inSize[1], inSize[2], outSize[1], outSize[2], k[1], k[2], s[1], s[2],
                padBegin[1], padBegin[2], padEnd[1], padEnd[2], _kind == NnPoolKind.Max, _countIncludePad);
            if (NnPoolDirect.Supports(g))
            {
                var direct = context.OutputUninitialized(0, x.Type, outShape);
                fixed (float* px = x.ReadOnlySpan<float>())
                fixed (float* py = direct.Span<float>())
                    NnPoolDirect.Run(px, py, x.Shape[0] * x.Shape[1], g, context.Options.IntraOpThreads);
                _lastPath = "3x3 direct/avx512";
                return;
            }
            if (NnPoolFast.Supports(g))
            {
                _lastPath = null;
                var fast = context.OutputUninitialized(0, x.Type, outShape);
                NnPoolFast.Run(x.ReadOnlySpan<float>(), fast.Span<float>(), x.Shape[0] * x.Shape[1], g, context.Options.IntraOpThreads);
                return;
            }
        }
        if (!wantIndices && _kind == NnPoolKind.Max && x.Type is DataType.UInt8 or DataType.Int8 && rank <= 2 && d[1] == 1 && d[2] == 1 && NnFast.Enabled)
        {
            var g = new NnPool2D(inSize[1], inSize[2], outSize[1], outSize[2], k[1], k[2], s[1], s[2],
                padBegin[1], padBegin[2], padEnd[1], padEnd[2], true, _countIncludePad);
            if (NnPoolDirectInt8.Supports(g))
            {
                _lastPath = "3x3 direct int8/avx512";
                var direct = context.OutputUninitialized(0, x.Type, outShape);
                fixed (byte* px = x.Bytes())
                fixed (byte* py = direct.Bytes())
                    NnPoolDirectInt8.Run(px, py, x.Shape[0] * x.Shape[1], g, context.Options.IntraOpThreads, signed: x.Type == DataType.Int8);
                return;
            }
            if (NnPoolInt8.Supports(g))
            {
                _lastPath = "row-buffer int8";
                var q = context.OutputUninitialized(0, x.Type, outShape);
                int planeCount = x.Shape[0] * x.Shape[1];
                NnPoolInt8.Run(x.Bytes(), q.Bytes(), planeCount, g, context.Options.IntraOpThreads, signed: x.Type == DataType.Int8);
                return;
            }
        }
        var y = context.Output(0, x.Type, outShape);
        var indices = wantIndices ? context.Output(1, DataType.Int64, outShape) : null;
        if (y.Length == 0) return;

        var xs = NnData.Floats(x);
        var ys = NnRows.Destination(y, out var temp);
        var idx = indices is null ? default : indices.Span<long>();
        int planes = x.Shape[0] * x.Shape[1];
        int inPlane = inSize[0] * inSize[1] * inSize[2], outPlane = outSize[0] * outSize[1] * outSize[2];
        // Per dimension and output coordinate: the first and last valid tap, and the tap counts for averaging.
        var ranges = new TapRange[3][];
        for (int j = 0; j < 3; j++)
        {
            ranges[j] = new TapRange[outSize[j]];
            for (int o = 0; o < outSize[j]; o++)
            {
                int start = o * s[j] - padBegin[j];
                int lo = start >= 0 ? 0 : (-start + d[j] - 1) / d[j];
                int hi = Math.Min(k[j] - 1, FloorDiv(inSize[j] - 1 - start, d[j]));
                int plo = start >= -padBegin[j] ? 0 : (-padBegin[j] - start + d[j] - 1) / d[j];
                int phi = Math.Min(k[j] - 1, FloorDiv(inSize[j] + padEnd[j] - 1 - start, d[j]));
                ranges[j][o] = new TapRange(start, lo, hi, Math.Max(0, phi - plo + 1));
            }
        }
        float p = _p, invP = 1f / _p;
        for (int plane = 0; plane < planes; plane++)
        {
            var src = xs.Slice(plane * inPlane, inPlane);
            int outBase = plane * outPlane;
            int o = 0;
            for (int o0 = 0; o0 < outSize[0]; o0++)
            {
                var r0 = ranges[0][o0];
                for (int o1 = 0; o1 < outSize[1]; o1++)
                {
                    var r1 = ranges[1][o1];
                    for (int o2 = 0; o2 < outSize[2]; o2++, o++)
                    {
                        var r2 = ranges[2][o2];
                        int valid = Math.Max(0, r0.Hi - r0.Lo + 1) * Math.Max(0, r1.Hi - r1.Lo + 1) * Math.Max(0, r2.Hi - r2.Lo + 1);
                        float acc = _kind == NnPoolKind.Max ? float.NegativeInfinity : 0;
                        int best = -1;
                        int rowLength = r2.Hi - r2.Lo + 1;
                        for (int t0 = r0.Lo; t0 <= r0.Hi; t0++)
                        {
                            int i0 = r0.Start + t0 * d[0];
                            for (int t1 = r1.Lo; t1 <= r1.Hi; t1++)
                            {
                                int rowStart = (i0 * inSize[1] + r1.Start + t1 * d[1]) * inSize[2] + r2.Start;
                                if (rowLength <= 0) continue;
                                if (d[2] == 1 && !wantIndices)
                                {
                                    var row = src.Slice(rowStart + r2.Lo, rowLength);
                                    acc = _kind switch
                                    {
                                        NnPoolKind.Max => MathF.Max(acc, TensorPrimitives.Max(row)),
                                        NnPoolKind.Average => acc + TensorPrimitives.Sum(row),
                                        _ => acc + LpSum(row, p),
                                    };
                                    continue;
                                }
                                for (int t2 = r2.Lo; t2 <= r2.Hi; t2++)
                                {
                                    int at = rowStart + t2 * d[2];
                                    float v = src[at];
                                    switch (_kind)
                                    {
                                        case NnPoolKind.Max:
                                            if (v > acc || best < 0) { acc = v; best = at; }
                                            break;
                                        case NnPoolKind.Average: acc += v; break;
                                        default: acc += LpSum(new ReadOnlySpan<float>(in v), p); break;
                                    }
                                }
                            }
                        }
                        float result = _kind switch
                        {
                            NnPoolKind.Max => acc,
                            NnPoolKind.Average => acc / (_countIncludePad ? r0.Padded * r1.Padded * r2.Padded : valid),
                            _ => p == 1 ? acc : p == 2 ? MathF.Sqrt(acc) : MathF.Pow(acc, invP),
                        };
                        ys[outBase + o] = result;
                        if (indices is not null)
                            idx[outBase + o] = best < 0 ? -1 : (long)plane * inPlane + IndexOf(best, inSize, rank);
                    }
                }
            }
        }
        NnRows.Commit(y, temp);
    }

    private long IndexOf(int rowMajor, ReadOnlySpan<int> inSize, int rank)
    {
        if (!_columnMajorIndices) return rowMajor;
        int c2 = rowMajor % inSize[2], rest = rowMajor / inSize[2];
        int c1 = rest % inSize[1], c0 = rest / inSize[1];
        // column-major over the real spatial dimensions: the first one varies fastest
        return rank switch
        {
            1 => c2,
            2 => c1 + (long)c2 * inSize[1],
            _ => c0 + (long)inSize[0] * (c1 + (long)inSize[1] * c2),
        };
    }

    private static float LpSum(ReadOnlySpan<float> row, float p)
    {
        if (p == 1) return TensorPrimitives.SumOfMagnitudes(row);
        if (p == 2) return TensorPrimitives.SumOfSquares(row);
        float sum = 0;
        foreach (float v in row) sum += MathF.Pow(MathF.Abs(v), p);
        return sum;
    }

    private static long Out(long paddedInput, long padBegin, long extent, int stride, bool ceil)
    {
        _ = padBegin;
        long numerator = paddedInput - extent;
        if (numerator < 0) return ceil && numerator > -stride ? 1 : 0;
        return (ceil ? (numerator + stride - 1) / stride : numerator / stride) + 1;
    }

    private static int FloorDiv(int a, int b) => a >= 0 ? a / b : -((-a + b - 1) / b);

    private readonly record struct TapRange(int Start, int Lo, int Hi, int Padded);
}

/// <summary>GlobalAveragePool, GlobalMaxPool and GlobalLpPool: one value per (n, c) plane, spatial dimensions kept as 1.</summary>
internal sealed class NnGlobalPoolKernel : OpKernel
{
    private readonly NnPoolKind _kind;
    private readonly float _p;

    public NnGlobalPoolKernel(KernelInfo info, NnPoolKind kind)
    {
        _kind = kind;
        _p = 2;
        if (info.Attribute("p") is { } p) _p = p.Type == IR.AttributeType.Float ? p.Float : p.Int;
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Rank < 2) throw context.Error("input must have rank 2 or more");
        var outShape = new int[x.Rank];
        Array.Fill(outShape, 1);
        outShape[0] = x.Shape[0];
        outShape[1] = x.Shape[1];
        var y = context.Output(0, x.Type, outShape);
        if (y.Length == 0) return;
        int spatial = NnData.Product(x.Shape, 2, x.Rank);
        var xs = NnData.Floats(x);
        var ys = NnRows.Destination(y, out var temp);
        for (int i = 0; i < y.Length; i++)
        {
            var row = xs.Slice(i * spatial, spatial);
            ys[i] = _kind switch
            {
                NnPoolKind.Max => spatial == 0 ? float.NegativeInfinity : TensorPrimitives.Max(row),
                NnPoolKind.Average => TensorPrimitives.Sum(row) / spatial,
                _ => _p == 2 ? MathF.Sqrt(TensorPrimitives.SumOfSquares(row))
                    : _p == 1 ? TensorPrimitives.SumOfMagnitudes(row)
                    : MathF.Pow(PowSum(row, _p), 1f / _p),
            };
        }
        NnRows.Commit(y, temp);
    }

    private static float PowSum(ReadOnlySpan<float> row, float p)
    {
        float sum = 0;
        foreach (float v in row) sum += MathF.Pow(MathF.Abs(v), p);
        return sum;
    }
}
