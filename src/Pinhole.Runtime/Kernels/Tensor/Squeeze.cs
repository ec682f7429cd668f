using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Squeeze: a view without the given size-1 axes (attribute before opset 13, input from 13; none = all 1s).</summary>
internal sealed class Squeeze : OpKernel
{
    private readonly long[]? _axes;

    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "Squeeze", 1, info => new Squeeze(info));
        KernelRegistry.Register("", "Squeeze", 13, info => new Squeeze(info));
    }

    private Squeeze(KernelInfo info)
    {
        if (info.OpsetVersion < 13) _axes = info.GetInts("axes");
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        ReadOnlySpan<long> axes = _axes;
        if (_axes is null && context.OptionalInput(1) is { } a) axes = TensorMoves.Int64s(a);
        int rank = x.Rank;
        var drop = new bool[rank];
        if (axes.Length == 0)
        {
            for (int i = 0; i < rank; i++) drop[i] = x.Shape[i] == 1;
        }
        else
        {
            foreach (long v in axes)
            {
                if (v < -rank || v >= rank) throw context.Error($"axis {v} is out of range for rank {rank}");
                int axis = (int)(v < 0 ? v + rank : v);
                if (x.Shape[axis] != 1) throw context.Error($"cannot squeeze axis {axis} of size {x.Shape[axis]}");
                drop[axis] = true;
            }
        }
        var shape = new List<int>(rank);
        for (int i = 0; i < rank; i++)
            if (!drop[i]) shape.Add(x.Shape[i]);
        context.SetOutput(0, x.Reshape(shape.ToArray()));
    }
}
