using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// BatchNormalization in inference mode: y = (x - mean) / sqrt(var + epsilon) * scale + B per channel (axis 1).
/// training_mode=1 (opset 14+) is not supported.
/// </summary>
internal sealed class BatchNormalization : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "BatchNormalization", 1, info => new BatchNormalization(info));

    private readonly float _epsilon;

    private BatchNormalization(KernelInfo info)
    {
        _epsilon = info.GetFloat("epsilon", 1e-5f);
        if (info.GetInt("training_mode", 0) != 0) throw info.Unsupported("training_mode=1 is not supported");
        if (info.OpsetVersion < 9 && info.GetInt("spatial", 1) == 0) throw info.Unsupported("spatial=0 is not supported");
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (!NnData.IsFloat(x.Type)) throw context.Error($"element type {DataTypes.OnnxName(x.Type)} is not supported");
        int channels = x.Rank > 1 ? x.Shape[1] : 1;
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
