using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// GroupNormalization: normalizes each group of channels of each batch item. Opset 18 takes scale and bias per
/// group; opset 21 per channel.
/// </summary>
internal sealed class GroupNormalization : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "GroupNormalization", 18, info => new GroupNormalization(info));

    private readonly float _epsilon;
    private readonly int _groups;
    private readonly bool _perGroupParameters;

    private GroupNormalization(KernelInfo info)
    {
        _epsilon = info.GetFloat("epsilon", 1e-5f);
        long groups = info.GetInt("num_groups");
        if (groups <= 0 || groups > int.MaxValue) throw info.Invalid($"num_groups {groups} must be positive");
        _groups = (int)groups;
        _perGroupParameters = info.OpsetVersion < 21;
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (!NnData.IsFloat(x.Type)) throw context.Error($"element type {DataTypes.OnnxName(x.Type)} is not supported");
        if (x.Rank < 2) throw context.Error("input must have rank 2 or more");
        int batch = x.Shape[0], channels = x.Shape[1], spatial = NnData.Product(x.Shape, 2, x.Rank);
        if (channels % _groups != 0) throw context.Error($"{channels} channels do not split into {_groups} groups");
        int perGroup = channels / _groups;
        var scale = NnData.Floats(context.Input(1));
        var bias = NnData.Floats(context.Input(2));
        int expected = _perGroupParameters ? _groups : channels;
        if (scale.Length != expected || bias.Length != expected) throw context.Error($"scale and bias must have {expected} elements");
        var y = context.Output(0, x.Type, x.Shape);
        var xs = NnData.Floats(x);
        var ys = NnRows.Destination(y, out var temp);
        int groupSize = perGroup * spatial;
        for (int b = 0; b < batch; b++)
        {
            for (int g = 0; g < _groups; g++)
            {
                int offset = (b * _groups + g) * groupSize;
                var row = ys.Slice(offset, groupSize);
                var (_, variance) = NnRows.Center(xs.Slice(offset, groupSize), row);
                float inv = 1f / MathF.Sqrt(variance + _epsilon);
                for (int c = 0; c < perGroup; c++)
                {
                    int channel = g * perGroup + c;
                    int p = _perGroupParameters ? g : channel;
                    var plane = row.Slice(c * spatial, spatial);
                    NnRows.Affine(plane, scale[p] * inv, bias[p], plane);
                }
            }
        }
        NnRows.Commit(y, temp);
    }
}
