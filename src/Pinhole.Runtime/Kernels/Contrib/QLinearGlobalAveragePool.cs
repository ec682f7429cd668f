using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using static Pinhole.Runtime.Kernels.QuantizationHelpers;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// com.microsoft QLinearGlobalAveragePool: quantized mean over the spatial dimensions (NCHW, or NHWC with channels_last).
/// NCHW sums each plane's bytes directly (<see cref="SumBytes"/>) and requantizes with the reference's float operations
/// in its order; NHWC takes the general path.
/// </summary>
internal sealed class QLinearGlobalAveragePool : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("com.microsoft", "QLinearGlobalAveragePool", 1, info => new QLinearGlobalAveragePool(info));

    private readonly bool _channelsLast;

    private QLinearGlobalAveragePool(KernelInfo info) => _channelsLast = info.GetInt("channels_last", 0) != 0;

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Type is not (DataType.Int8 or DataType.UInt8))
            throw context.Error($"X must be int8 or uint8, is {DataTypes.OnnxName(x.Type)}");
        if (x.Rank < 3) throw context.Error($"X must have rank 3 or more, has shape {Tensor.FormatShape(x.Shape)}");
        float sx = ScalarFloat(context, context.Input(1), "x_scale");
        int zx = ScalarZeroPoint(context, context.OptionalInput(2), "x_zero_point");
        float sy = ScalarFloat(context, context.Input(3), "y_scale");
        int zy = ScalarZeroPoint(context, context.OptionalInput(4), "y_zero_point");
        int n = x.Shape[0];
        int c = _channelsLast ? x.Shape[^1] : x.Shape[1];
        int spatial = n * c == 0 ? 0 : x.Length / (n * c);
        var (min, max) = Range(x.Type);
        float mult = spatial == 0 ? 0 : sx / (sy * spatial);
        var shape = new int[x.Rank];
        Array.Fill(shape, 1);
        shape[0] = n;
        if (_channelsLast) shape[^1] = c;
        else shape[1] = c;
        if (!_channelsLast)
        {
            var q = context.OutputUninitialized(0, x.Type, shape);
            Planes(x.Bytes(), q.Span<byte>(), spatial, x.Type == DataType.Int8, zx, mult, zy, min, max);
            return;
        }
        var xi = ToInt32Array(x);
        var sums = new int[n * c];
        if (_channelsLast)
        {
            for (int b = 0; b < n; b++)
                for (int s = 0; s < spatial; s++)
                    TensorPrimitives.Add(sums.AsSpan(b * c, c), xi.AsSpan((b * spatial + s) * c, c), sums.AsSpan(b * c, c));
        }
        else
        {
            for (int i = 0; i < n * c; i++) sums[i] = TensorPrimitives.Sum<int>(xi.AsSpan(i * spatial, spatial));
        }
        if (zx != 0) TensorPrimitives.Subtract(sums, zx * spatial, sums);
        var result = new float[sums.Length];
        Requantize(sums, mult, zy, min, max, result);
        var y = context.Output(0, x.Type, shape);
        StoreIntegers(result, y);
    }

    /// <summary>y[i] = clamp(round_half_even(float(sum of plane i - zx * spatial) * mult) + zy): the reference's operations, per plane.</summary>
    private static unsafe void Planes(ReadOnlySpan<byte> x, Span<byte> y, int spatial, bool signed, int zx, float mult, int zy, int min, int max)
    {
        fixed (byte* px = x)
            for (int i = 0; i < y.Length; i++)
            {
                int sum = unchecked(SumBytes(px + ((nint)i * spatial), spatial, signed) - (zx * spatial));
                float v = Math.Min(Math.Max(MathF.Round(sum * mult) + zy, min), max);
                y[i] = (byte)(int)v;
            }
    }

    /// <summary>The sum of n bytes read as uint8 or int8 (int8: the uint8 sum of x ^ 0x80, minus 128 n), wrapping as int32 sums do.</summary>
    internal static unsafe int SumBytes(byte* p, int n, bool signed)
    {
        long sum = 0;
        int i = 0;
        byte flip = (byte)(signed ? 0x80 : 0);
        if (Sse2.IsSupported)
        {
            // PSADBW against zero: two 64-bit sums of eight bytes each.
            var acc = Vector128<ulong>.Zero;
            var f = Vector128.Create(flip);
            for (; i + 16 <= n; i += 16) acc += Sse2.SumAbsoluteDifferences(Vector128.Load(p + i) ^ f, Vector128<byte>.Zero).AsUInt64();
            sum = (long)(acc.GetElement(0) + acc.GetElement(1));
        }
        for (; i < n; i++) sum += (byte)(p[i] ^ flip);
        return unchecked((int)(sum - (signed ? 128L * n : 0)));
    }
}
