using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Resize (opset 10, 11, 13, 18, 19): nearest, linear and cubic interpolation over any axes, all coordinate
/// transformation modes, antialiasing, exclude_outside, tf_crop_and_resize with extrapolation, and sizes with
/// keep_aspect_ratio_policy. Linear and cubic are separable: one 1-D pass per resized axis, innermost first.
/// </summary>
internal sealed class Resize : OpKernel
{
    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "Resize", 10, info => new Resize(info));
        KernelRegistry.Register("", "Resize", 11, info => new Resize(info));
    }

    internal enum Mode { Nearest, Linear, Cubic }

    internal enum Transform { HalfPixel, HalfPixelSymmetric, PytorchHalfPixel, AlignCorners, Asymmetric, TfCropAndResize }

    /// <summary>Simple: the legacy rule of Upsample and Resize-10 (floor, or ceil when downsampling).</summary>
    internal enum Rounding { RoundPreferFloor, RoundPreferCeil, Floor, Ceil, Simple }

    private readonly Mode _mode;
    private readonly Transform _transform;
    private readonly Rounding _rounding;
    private readonly double _cubicA;
    private readonly bool _excludeOutside;
    private readonly float _extrapolation;
    private readonly bool _antialias;
    private readonly long[]? _axes;
    private readonly int _policy; // 0 stretch, 1 not_larger, 2 not_smaller
    private readonly bool _legacy;
    private readonly float[]? _legacyScales;

    private Resize(KernelInfo info)
    {
        _legacy = info.OpsetVersion < 11;
        _mode = ParseMode(info, info.GetString("mode", "nearest"));
        if (_legacy)
        {
            _transform = Transform.Asymmetric;
            _rounding = Rounding.Simple;
        }
        else
        {
            _transform = info.GetString("coordinate_transformation_mode", "half_pixel") switch
            {
                "half_pixel" => Transform.HalfPixel,
                "half_pixel_symmetric" => Transform.HalfPixelSymmetric,
                "pytorch_half_pixel" => Transform.PytorchHalfPixel,
                "align_corners" => Transform.AlignCorners,
                "asymmetric" => Transform.Asymmetric,
                "tf_crop_and_resize" => Transform.TfCropAndResize,
                "tf_half_pixel_for_nn" => Transform.HalfPixel,
                var s => throw info.Invalid($"unknown coordinate_transformation_mode '{s}'"),
            };
            _rounding = info.GetString("nearest_mode", "round_prefer_floor") switch
            {
                "round_prefer_floor" => Rounding.RoundPreferFloor,
                "round_prefer_ceil" => Rounding.RoundPreferCeil,
                "floor" => Rounding.Floor,
                "ceil" => Rounding.Ceil,
                var s => throw info.Invalid($"unknown nearest_mode '{s}'"),
            };
        }
        _cubicA = info.GetFloat("cubic_coeff_a", -0.75f);
        _excludeOutside = info.GetInt("exclude_outside", 0) != 0;
        _extrapolation = info.GetFloat("extrapolation_value", 0f);
        _antialias = info.GetInt("antialias", 0) != 0;
        _axes = info.GetInts("axes");
        _policy = info.GetString("keep_aspect_ratio_policy", "stretch") switch
        {
            "stretch" => 0,
            "not_larger" => 1,
            "not_smaller" => 2,
            var s => throw info.Invalid($"unknown keep_aspect_ratio_policy '{s}'"),
        };
    }

    /// <summary>Upsample (opset 7 attribute scales, opset 9 input scales): asymmetric coordinates, legacy nearest rounding.</summary>
    internal Resize(KernelInfo info, float[]? scales)
    {
        _legacy = true;
        _legacyScales = scales;
        _mode = ParseMode(info, info.GetString("mode", "nearest"));
        _transform = Transform.Asymmetric;
        _rounding = Rounding.Simple;
        _cubicA = -0.75;
    }

    private static Mode ParseMode(KernelInfo info, string mode) => mode switch
    {
        "nearest" => Mode.Nearest,
        "linear" or "bilinear" => Mode.Linear,
        "cubic" => Mode.Cubic,
        _ => throw info.Invalid($"unknown mode '{mode}'"),
    };

    private sealed class AxisPlan
    {
        public int In;
        public int Out;
        public int Taps;
        public int[] Index = [];
        public float[] Weight = [];
        public bool[]? Outside;
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank;
        Tensor? roi = null, scales, sizes = null;
        if (_legacyScales is not null) scales = Tensor.FromArray(_legacyScales, [_legacyScales.Length]);
        else if (_legacy) scales = context.Input(1);
        else
        {
            roi = context.OptionalInput(1);
            scales = context.OptionalInput(2);
            sizes = context.OptionalInput(3);
        }
        if (roi is { Length: 0 }) roi = null;
        if (scales is { Length: 0 }) scales = null;
        if (sizes is { Length: 0 }) sizes = null;
        if ((scales is null) == (sizes is null)) throw context.Error("exactly one of scales and sizes must be given");

        var axes = new int[_axes?.Length ?? rank];
        for (int i = 0; i < axes.Length; i++)
        {
            long a = _axes is null ? i : _axes[i];
            if (a < 0) a += rank;
            if (a < 0 || a >= rank) throw context.Error($"axis {_axes![i]} is out of range for rank {rank}");
            axes[i] = (int)a;
        }

        var outShape = (int[])x.Shape.Clone();
        var scale = new double[rank];
        var roiStart = new double[rank];
        var roiEnd = new double[rank];
        Array.Fill(scale, 1.0);
        Array.Fill(roiEnd, 1.0);
        if (roi is not null && _transform == Transform.TfCropAndResize)
        {
            if (roi.Length != 2 * axes.Length) throw context.Error($"roi has {roi.Length} values, expected {2 * axes.Length}");
            for (int i = 0; i < axes.Length; i++)
            {
                roiStart[axes[i]] = roi.GetDouble(i);
                roiEnd[axes[i]] = roi.GetDouble(axes.Length + i);
            }
        }
        if (scales is not null)
        {
            if (scales.Length != axes.Length) throw context.Error($"scales has {scales.Length} values, expected {axes.Length}");
            for (int i = 0; i < axes.Length; i++)
            {
                int d = axes[i];
                double s = (float)scales.GetDouble(i);
                if (!(s > 0)) throw context.Error($"scale {s} must be positive");
                scale[d] = s;
                double extent = _transform == Transform.TfCropAndResize ? roiEnd[d] - roiStart[d] : 1.0;
                double o = Math.Floor(x.Shape[d] * extent * s);
                if (o > int.MaxValue) throw context.Error("output too large");
                outShape[d] = (int)o;
            }
        }
        else
        {
            if (sizes!.Length != axes.Length) throw context.Error($"sizes has {sizes.Length} values, expected {axes.Length}");
            if (_policy == 0)
            {
                for (int i = 0; i < axes.Length; i++)
                {
                    long o = sizes.GetInt64(i);
                    if (o < 0 || o > int.MaxValue) throw context.Error($"size {o} is invalid");
                    outShape[axes[i]] = (int)o;
                    scale[axes[i]] = x.Shape[axes[i]] == 0 ? 1.0 : (double)o / x.Shape[axes[i]];
                }
            }
            else
            {
                double s = _policy == 1 ? double.MaxValue : double.MinValue;
                for (int i = 0; i < axes.Length; i++)
                {
                    double r = (double)sizes.GetInt64(i) / x.Shape[axes[i]];
                    s = _policy == 1 ? Math.Min(s, r) : Math.Max(s, r);
                }
                for (int i = 0; i < axes.Length; i++)
                {
                    int d = axes[i];
                    outShape[d] = (int)Math.Floor(s * x.Shape[d] + 0.5);
                    scale[d] = s;
                }
            }
        }

        var plans = new AxisPlan?[rank];
        bool identity = true;
        for (int d = 0; d < rank; d++)
        {
            if (outShape[d] == x.Shape[d] && scale[d] == 1.0 && _transform != Transform.TfCropAndResize) continue;
            if (x.Shape[d] == 0 && outShape[d] > 0) throw context.Error($"cannot resize an empty axis {d} to {outShape[d]}");
            identity = false;
            plans[d] = Plan(x.Shape[d], outShape[d], scale[d], roiStart[d], roiEnd[d]);
        }
        if (identity)
        {
            context.SetOutput(0, x);
            return;
        }
        var y = context.Output(0, x.Type, outShape);
        if (y.Length == 0) return;
        if (_mode == Mode.Nearest) Nearest(context, x, y, plans);
        else Interpolate(context, x, y, plans);
    }

    private double Original(int x, int inSize, int outSize, double scale, double roiStart, double roiEnd)
    {
        double outWidth = scale * inSize;
        switch (_transform)
        {
            case Transform.AlignCorners:
                return outWidth == 1 ? 0 : x * (inSize - 1) / (outWidth - 1);
            case Transform.Asymmetric:
                return x / scale;
            case Transform.TfCropAndResize:
                return outSize > 1
                    ? roiStart * (inSize - 1) + x * (roiEnd - roiStart) * (inSize - 1) / (outSize - 1)
                    : 0.5 * (roiStart + roiEnd) * (inSize - 1);
            case Transform.PytorchHalfPixel:
                return outSize > 1 ? (x + 0.5) / scale - 0.5 : 0;
            case Transform.HalfPixelSymmetric:
                {
                    double adjustment = outSize / outWidth;
                    double center = inSize / 2.0;
                    double offset = center * (1 - adjustment);
                    return offset + (x + 0.5) / scale - 0.5;
                }
            default:
                return (x + 0.5) / scale - 0.5;
        }
    }

    private AxisPlan Plan(int inSize, int outSize, double scale, double roiStart, double roiEnd)
    {
        var plan = new AxisPlan { In = inSize, Out = outSize };
        bool[]? outside = null;
        if (_mode == Mode.Nearest)
        {
            plan.Taps = 1;
            plan.Index = new int[outSize];
            for (int j = 0; j < outSize; j++)
            {
                double xo = Original(j, inSize, outSize, scale, roiStart, roiEnd);
                if (_transform == Transform.TfCropAndResize && (xo < 0 || xo > inSize - 1))
                {
                    (outside ??= new bool[outSize])[j] = true;
                    continue;
                }
                double fl = Math.Floor(xo);
                double frac = xo - fl;
                double r = _rounding switch
                {
                    _ when frac == 0 => xo,
                    Rounding.RoundPreferFloor => frac <= 0.5 ? fl : fl + 1,
                    Rounding.RoundPreferCeil => frac < 0.5 ? fl : fl + 1,
                    Rounding.Floor => fl,
                    Rounding.Ceil => fl + 1,
                    _ => scale < 1 ? Math.Ceiling(xo) : fl,
                };
                plan.Index[j] = (int)Math.Clamp(r, 0, inSize - 1);
            }
            plan.Outside = outside;
            return plan;
        }

        double s = _antialias ? Math.Min(scale, 1.0) : 1.0;
        int start = _mode == Mode.Linear ? (int)Math.Floor(-1 / s) + 1 : (int)Math.Floor(-2 / s) + 1;
        int taps = 2 - 2 * start;
        plan.Taps = taps;
        plan.Index = new int[outSize * taps];
        plan.Weight = new float[outSize * taps];
        var w = new double[taps];
        for (int j = 0; j < outSize; j++)
        {
            double xo = Original(j, inSize, outSize, scale, roiStart, roiEnd);
            if (_transform == Transform.TfCropAndResize && (xo < 0 || xo > inSize - 1))
            {
                (outside ??= new bool[outSize])[j] = true;
                continue;
            }
            double fl = Math.Floor(xo);
            double based = xo == fl ? fl - 1 : fl;
            double ratio = xo - based;
            int b = (int)based;
            double sum = 0;
            for (int k = 0; k < taps; k++)
            {
                double t = Math.Abs((start + k - ratio) * s);
                double c = _mode == Mode.Linear ? Math.Max(0, 1 - t) : Cubic(t, _cubicA);
                if (_excludeOutside && (b + start + k < 0 || b + start + k >= inSize)) c = 0;
                w[k] = c;
                sum += c;
            }
            for (int k = 0; k < taps; k++)
            {
                plan.Index[j * taps + k] = Math.Clamp(b + start + k, 0, inSize - 1);
                plan.Weight[j * taps + k] = (float)(sum != 0 ? w[k] / sum : 0);
            }
        }
        plan.Outside = outside;
        return plan;
    }

    private static double Cubic(double x, double a)
    {
        if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
        if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
        return 0;
    }

    private void Interpolate(KernelContext context, Tensor x, Tensor y, AxisPlan?[] plans)
    {
        ReadOnlySpan<float> current = x.Type == DataType.Float ? x.ReadOnlySpan<float>() : ToFloatArray(context, x);
        bool wroteOutput = false;
        var shape = (int[])x.Shape.Clone();
        int lastPass = Array.FindIndex(plans, p => p is not null);
        for (int d = plans.Length - 1; d >= 0; d--)
        {
            if (plans[d] is not { } p) continue;
            int outer = 1, inner = 1;
            for (int k = 0; k < d; k++) outer *= shape[k];
            for (int k = d + 1; k < shape.Length; k++) inner *= shape[k];
            // The last pass writes float output in place.
            bool direct = d == lastPass && y.Type == DataType.Float;
            Span<float> next = direct ? y.Span<float>() : new float[(long)outer * p.Out * inner];
            Pass(current, next, outer, inner, p, _extrapolation);
            wroteOutput = direct;
            current = next;
            shape[d] = p.Out;
        }
        if (!wroteOutput) FromFloatArray(current, y);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Pass(ReadOnlySpan<float> src, Span<float> dst, int outer, int inner, AxisPlan p, float extrapolation)
    {
        int taps = p.Taps;
        var index = p.Index;
        var weight = p.Weight;
        for (int o = 0; o < outer; o++)
        {
            int srcBase = o * p.In;
            int dstBase = o * p.Out;
            if (inner == 1)
            {
                for (int j = 0; j < p.Out; j++)
                {
                    if (p.Outside is not null && p.Outside[j]) { dst[dstBase + j] = extrapolation; continue; }
                    float acc = 0;
                    int t0 = j * taps;
                    for (int k = 0; k < taps; k++) acc += weight[t0 + k] * src[srcBase + index[t0 + k]];
                    dst[dstBase + j] = acc;
                }
                continue;
            }
            for (int j = 0; j < p.Out; j++)
            {
                var row = dst.Slice((dstBase + j) * inner, inner);
                if (p.Outside is not null && p.Outside[j]) { row.Fill(extrapolation); continue; }
                int t0 = j * taps;
                for (int k = 0; k < taps; k++)
                {
                    float wk = weight[t0 + k];
                    if (wk == 0) continue;
                    var s = src.Slice((srcBase + index[t0 + k]) * inner, inner);
                    TensorPrimitives.MultiplyAdd(s, wk, row, row);
                }
            }
        }
    }

    private static float[] ToFloatArray(KernelContext context, Tensor x)
    {
        switch (x.Type)
        {
            case DataType.Float: return x.ReadOnlySpan<float>().ToArray();
            case DataType.Float16:
            case DataType.BFloat16:
            case DataType.Double:
                return FloatConversion.ToFloat(x).Span<float>().ToArray();
            case DataType.Int8:
            case DataType.UInt8:
            case DataType.Int16:
            case DataType.UInt16:
            case DataType.Int32:
            case DataType.UInt32:
            case DataType.Int64:
            case DataType.UInt64:
                {
                    var r = new float[x.Length];
                    for (int i = 0; i < r.Length; i++) r[i] = (float)x.GetDouble(i);
                    return r;
                }
            default:
                throw context.Error($"Resize does not support {DataTypes.OnnxName(x.Type)}");
        }
    }

    private static void FromFloatArray(ReadOnlySpan<float> v, Tensor y)
    {
        switch (y.Storage)
        {
            case ElementStorage.SByte:
                {
                    var a = y.Span<sbyte>();
                    for (int i = 0; i < a.Length; i++) a[i] = (sbyte)Math.Clamp(MathF.Round(v[i]), sbyte.MinValue, sbyte.MaxValue);
                    break;
                }
            case ElementStorage.Byte:
                {
                    var a = y.Span<byte>();
                    for (int i = 0; i < a.Length; i++) a[i] = (byte)Math.Clamp(MathF.Round(v[i]), 0, byte.MaxValue);
                    break;
                }
            case ElementStorage.Int16:
                {
                    var a = y.Span<short>();
                    for (int i = 0; i < a.Length; i++) a[i] = (short)Math.Clamp(MathF.Round(v[i]), short.MinValue, short.MaxValue);
                    break;
                }
            case ElementStorage.UInt16:
                {
                    var a = y.Span<ushort>();
                    for (int i = 0; i < a.Length; i++) a[i] = (ushort)Math.Clamp(MathF.Round(v[i]), 0, ushort.MaxValue);
                    break;
                }
            case ElementStorage.Int32:
                {
                    var a = y.Span<int>();
                    for (int i = 0; i < a.Length; i++) a[i] = (int)Math.Clamp(Math.Round((double)v[i]), int.MinValue, int.MaxValue);
                    break;
                }
            case ElementStorage.UInt32:
                {
                    var a = y.Span<uint>();
                    for (int i = 0; i < a.Length; i++) a[i] = (uint)Math.Clamp(Math.Round((double)v[i]), 0, uint.MaxValue);
                    break;
                }
            case ElementStorage.Int64:
                {
                    var a = y.Span<long>();
                    for (int i = 0; i < a.Length; i++) a[i] = (long)Math.Round((double)v[i]);
                    break;
                }
            case ElementStorage.UInt64:
                {
                    var a = y.Span<ulong>();
                    for (int i = 0; i < a.Length; i++) a[i] = (ulong)Math.Max(0, Math.Round((double)v[i]));
                    break;
                }
            default: FloatConversion.FromFloat(v, y); break;
        }
    }

    private void Nearest(KernelContext context, Tensor x, Tensor y, AxisPlan?[] plans)
    {
        int rank = x.Rank;
        var maps = new int[rank][];
        var srcStrides = new int[rank];
        int stride = 1;
        bool anyOutside = false;
        for (int d = rank - 1; d >= 0; d--)
        {
            srcStrides[d] = stride;
            stride *= x.Shape[d];
            var p = plans[d];
            var map = new int[y.Shape[d]];
            for (int j = 0; j < map.Length; j++)
                map[j] = (p is null ? j : (p.Outside is not null && p.Outside[j] ? -1 : p.Index[j])) is var i && i >= 0 ? i * srcStrides[d] : -1;
            anyOutside |= p?.Outside is not null;
            maps[d] = map;
        }
        switch (x.Storage)
        {
            case ElementStorage.Float: Gather(x.ReadOnlySpan<float>(), y.Span<float>(), y.Shape, maps, _extrapolation, anyOutside); break;
            case ElementStorage.Double: Gather(x.ReadOnlySpan<double>(), y.Span<double>(), y.Shape, maps, _extrapolation, anyOutside); break;
            case ElementStorage.Half: Gather(x.ReadOnlySpan<Half>(), y.Span<Half>(), y.Shape, maps, (Half)_extrapolation, anyOutside); break;
            case ElementStorage.BFloat16: Gather(x.ReadOnlySpan<BFloat16>(), y.Span<BFloat16>(), y.Shape, maps, (BFloat16)_extrapolation, anyOutside); break;
            case ElementStorage.SByte: Gather(x.ReadOnlySpan<sbyte>(), y.Span<sbyte>(), y.Shape, maps, (sbyte)_extrapolation, anyOutside); break;
            case ElementStorage.Byte: Gather(x.ReadOnlySpan<byte>(), y.Span<byte>(), y.Shape, maps, (byte)_extrapolation, anyOutside); break;
            case ElementStorage.Int16: Gather(x.ReadOnlySpan<short>(), y.Span<short>(), y.Shape, maps, (short)_extrapolation, anyOutside); break;
            case ElementStorage.UInt16: Gather(x.ReadOnlySpan<ushort>(), y.Span<ushort>(), y.Shape, maps, (ushort)_extrapolation, anyOutside); break;
            case ElementStorage.Int32: Gather(x.ReadOnlySpan<int>(), y.Span<int>(), y.Shape, maps, (int)_extrapolation, anyOutside); break;
            case ElementStorage.UInt32: Gather(x.ReadOnlySpan<uint>(), y.Span<uint>(), y.Shape, maps, (uint)_extrapolation, anyOutside); break;
            case ElementStorage.Int64: Gather(x.ReadOnlySpan<long>(), y.Span<long>(), y.Shape, maps, (long)_extrapolation, anyOutside); break;
            case ElementStorage.UInt64: Gather(x.ReadOnlySpan<ulong>(), y.Span<ulong>(), y.Shape, maps, (ulong)_extrapolation, anyOutside); break;
            case ElementStorage.Bool: Gather(x.ReadOnlySpan<bool>(), y.Span<bool>(), y.Shape, maps, _extrapolation != 0, anyOutside); break;
            default: throw context.Error($"Resize does not support {DataTypes.OnnxName(x.Type)}");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Gather<T>(ReadOnlySpan<T> src, Span<T> dst, int[] shape, int[][] maps, T fill, bool anyOutside)
    {
        int rank = shape.Length;
        if (rank == 0) { dst[0] = src[0]; return; }
        var last = maps[rank - 1];
        int width = last.Length;
        int rows = dst.Length / width;
        var idx = new int[rank];
        int previousBase = -1;
        for (int r = 0; r < rows; r++)
        {
            int baseOffset = 0;
            bool outside = false;
            for (int d = 0; d < rank - 1; d++)
            {
                int m = maps[d][idx[d]];
                if (m < 0) outside = true;
                baseOffset += m;
            }
            var row = dst.Slice(r * width, width);
            if (r > 0 && !outside && baseOffset == previousBase) dst.Slice((r - 1) * width, width).CopyTo(row);
            else if (outside) row.Fill(fill);
            else if (!anyOutside)
                for (int j = 0; j < width; j++) row[j] = src[baseOffset + last[j]];
            else
                for (int j = 0; j < width; j++) row[j] = last[j] < 0 ? fill : src[baseOffset + last[j]];
            previousBase = outside ? -1 : baseOffset;
            for (int d = rank - 2; d >= 0; d--)
            {
                if (++idx[d] < shape[d]) break;
                idx[d] = 0;
            }
        }
    }
}
