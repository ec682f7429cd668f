using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Unsqueeze: a view with size-1 axes inserted (attribute before opset 13, input from 13).</summary>
internal sealed class Unsqueeze : OpKernel
{
    private readonly long[]? _axes;

    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "Unsqueeze", 1, info => new Unsqueeze(info));
        KernelRegistry.Register("", "Unsqueeze", 13, info => new Unsqueeze(info));
    }

    private Unsqueeze(KernelInfo info)
    {
        if (info.OpsetVersion < 13) _axes = info.GetInts("axes") ?? throw info.Invalid("attribute 'axes' is required");
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        ReadOnlySpan<long> axes = _axes ?? TensorMoves.Int64s(context.Input(1));
        int rank = x.Rank + axes.Length;
        var inserted = new bool[rank];
        foreach (long v in axes)
        {
            if (v < -rank || v >= rank) throw context.Error($"axis {v} is out of range for output rank {rank}");
            int axis = (int)(v < 0 ? v + rank : v);
            if (inserted[axis]) throw context.Error($"axis {axis} is repeated");
            inserted[axis] = true;
        }
        var shape = new int[rank];
        for (int i = 0, j = 0; i < rank; i++) shape[i] = inserted[i] ? 1 : x.Shape[j++];
        context.SetOutput(0, x.Reshape(shape));
    }
}
