using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>InstanceNormalization: normalizes each (n, c) plane over its spatial elements, then scale[c] and B[c].</summary>
internal sealed class InstanceNormalization : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "InstanceNormalization", 1, info => new InstanceNormalization(info));

    private readonly float _epsilon;

    private InstanceNormalization(KernelInfo info) => _epsilon = info.GetFloat("epsilon", 1e-5f);

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (!NnData.IsFloat(x.Type)) throw context.Error($"element type {DataTypes.OnnxName(x.Type)} is not supported");
        if (x.Rank < 2) throw context.Error("input must have rank 2 or more");
        int batch = x.Shape[0], channels = x.Shape[1], spatial = NnData.Product(x.Shape, 2, x.Rank);
        var scale = NnData.Floats(context.Input(1));
        var bias = NnData.Floats(context.Input(2));
        if (scale.Length != channels || bias.Length != channels) throw context.Error($"scale and B must have {channels} elements");
        var y = context.Output(0, x.Type, x.Shape);
        var xs = NnData.Floats(x);
        var ys = NnRows.Destination(y, out var temp);
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                int offset = (b * channels + c) * spatial;
                var row = ys.Slice(offset, spatial);
                var (_, variance) = NnRows.Center(xs.Slice(offset, spatial), row);
                NnRows.Affine(row, scale[c] / MathF.Sqrt(variance + _epsilon), bias[c], row);
            }
        }
        NnRows.Commit(y, temp);
    }
}
