using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using static Pinhole.Runtime.Kernels.QuantizationHelpers;

namespace Pinhole.Runtime.Kernels;

/// <summary>com.microsoft QLinearGlobalAveragePool: quantized mean over the spatial dimensions (NCHW, or NHWC with channels_last).</summary>
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
        var shape = new int[x.Rank];
        Array.Fill(shape, 1);
        shape[0] = n;
        if (_channelsLast) shape[^1] = c;
        else shape[1] = c;
        var (min, max) = Range(x.Type);
        var result = new float[sums.Length];
        float mult = spatial == 0 ? 0 : sx / (sy * spatial);
        Requantize(sums, mult, zy, min, max, result);
        var y = context.Output(0, x.Type, shape);
        StoreIntegers(result, y);
    }
}
