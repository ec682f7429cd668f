using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// BatchNormalization: y = (x - mean) / sqrt(var + epsilon) * scale + B per channel (axis 1). With training_mode=1
/// (opset 14+) the batch statistics are used and outputs 1 and 2 are the updated running mean and variance.
/// </summary>
internal sealed class BatchNormalization : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "BatchNormalization", 1, info => new BatchNormalization(info));

    private readonly float _epsilon;
    private readonly float _momentum;
    private readonly bool _training;

    // Inference with constant scale, B, mean and var: y = x * _a[c] + _b[c], folded at prepare.
    private readonly float[]? _a;
    private readonly float[]? _b;

    public override string Variant => _a is null ? "per-run" : "folded";

    private BatchNormalization(KernelInfo info)
    {
        _epsilon = info.GetFloat("epsilon", 1e-5f);
        _momentum = info.GetFloat("momentum", 0.9f);
        _training = info.OpsetVersion >= 14 && info.GetInt("training_mode", 0) != 0;
        if (info.OpsetVersion < 9 && info.GetInt("spatial", 1) == 0) throw info.Unsupported("spatial=0 is not supported");
        if (!_training && info.ConstantInput(1) is { } scale && info.ConstantInput(2) is { } bias
            && info.ConstantInput(3) is { } mean && info.ConstantInput(4) is { } variance
            && NnData.IsFloat(scale.Type) && NnData.IsFloat(bias.Type) && NnData.IsFloat(mean.Type) && NnData.IsFloat(variance.Type))
        {
            int c = scale.Length;
            if (bias.Length == c && mean.Length == c && variance.Length == c)
            {
                _a = new float[c];
                _b = new float[c];
                Fold(NnData.Floats(scale), NnData.Floats(bias), NnData.Floats(mean), NnData.Floats(variance), _epsilon, _a, _b);
            }
        }
    }

    private static void Fold(ReadOnlySpan<float> scale, ReadOnlySpan<float> bias, ReadOnlySpan<float> mean, ReadOnlySpan<float> variance,
        float epsilon, Span<float> a, Span<float> b)
    {
        for (int c = 0; c < a.Length; c++)
        {
            a[c] = scale[c] / MathF.Sqrt(variance[c] + epsilon);
            b[c] = bias[c] - mean[c] * a[c];
        }
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (!NnData.IsFloat(x.Type)) throw context.Error($"element type {DataTypes.OnnxName(x.Type)} is not supported");
        int channels = x.Rank > 1 ? x.Shape[1] : 1;
        if (_a is not null && _b is not null && x.Type == DataType.Float && NnFast.Enabled && _a.Length == channels)
        {
            var fast = context.OutputUninitialized(0, x.Type, x.Shape);
            FastChannelAffine.Run(x.ReadOnlySpan<float>(), fast.Span<float>(), x.Rank > 0 ? x.Shape[0] : 1, channels,
                NnData.Product(x.Shape, Math.Min(2, x.Rank), x.Rank), _a, _b, context.Options.IntraOpThreads);
            return;
        }
        var scale = NnData.Floats(context.Input(1));
        var bias = NnData.Floats(context.Input(2));
        var mean = NnData.Floats(context.Input(3));
        var variance = NnData.Floats(context.Input(4));
        if (scale.Length != channels || bias.Length != channels || mean.Length != channels || variance.Length != channels)
            throw context.Error($"scale, B, mean and var must have {channels} elements");
        int batch = x.Rank > 0 ? x.Shape[0] : 1;
        int spatial = NnData.Product(x.Shape, Math.Min(2, x.Rank), x.Rank);
        var y = context.Output(0, x.Type, x.Shape);
        var xs = NnData.Floats(x);
        if (_training)
        {
            var batchMean = new float[channels];
            var batchVar = new float[channels];
            var centered = new float[spatial];
            int count = batch * spatial;
            for (int c = 0; c < channels; c++)
            {
                double sum = 0;
                for (int b = 0; b < batch; b++) sum += TensorPrimitives.Sum(xs.Slice((b * channels + c) * spatial, spatial));
                float m = count == 0 ? 0 : (float)(sum / count);
                double squares = 0;
                for (int b = 0; b < batch; b++)
                {
                    TensorPrimitives.Subtract(xs.Slice((b * channels + c) * spatial, spatial), m, centered);
                    squares += TensorPrimitives.SumOfSquares<float>(centered);
                }
                batchMean[c] = m;
                batchVar[c] = count == 0 ? 0 : (float)(squares / count);
            }
            if (context.HasOutput(1) || context.HasOutput(2))
            {
                var runningMean = new float[channels];
                var runningVar = new float[channels];
                for (int c = 0; c < channels; c++)
                {
                    runningMean[c] = mean[c] * _momentum + batchMean[c] * (1 - _momentum);
                    runningVar[c] = variance[c] * _momentum + batchVar[c] * (1 - _momentum);
                }
                if (context.HasOutput(1)) NnData.Store(runningMean, context.Output(1, context.Input(3).Type, [channels]));
                if (context.HasOutput(2)) NnData.Store(runningVar, context.Output(2, context.Input(4).Type, [channels]));
            }
            mean = batchMean;
            variance = batchVar;
        }
        if (x.Type == DataType.Float && NnFast.Enabled)
        {
            // Statistics known only now: fold them per run, then the same per-channel affine pass.
            Span<float> a = channels <= 1024 ? stackalloc float[channels] : new float[channels];
            Span<float> shiftB = channels <= 1024 ? stackalloc float[channels] : new float[channels];
            Fold(scale, bias, mean, variance, _epsilon, a, shiftB);
            FastChannelAffine.Run(xs, y.Span<float>(), batch, channels, spatial, a, shiftB, context.Options.IntraOpThreads);
            return;
        }
        var ys = NnRows.Destination(y, out var temp);
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                float a = scale[c] / MathF.Sqrt(variance[c] + _epsilon);
                float shift = bias[c] - mean[c] * a;
                int offset = (b * channels + c) * spatial;
                NnRows.Affine(xs.Slice(offset, spatial), a, shift, ys.Slice(offset, spatial));
            }
        }
        NnRows.Commit(y, temp);
    }
}
