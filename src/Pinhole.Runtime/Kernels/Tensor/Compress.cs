using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Compress: keeps the slices along 'axis' (or the flattened elements) where the condition is true.</summary>
internal sealed class Compress : OpKernel
{
    private readonly long? _axis;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Compress", 9, info => new Compress(info));

    private Compress(KernelInfo info) => _axis = info.HasAttribute("axis") ? info.GetInt("axis") : null;

    public override void Execute(KernelContext context)
    {
        var data = context.Input(0);
        var condition = context.Input(1);
        if (condition.Type != DataType.Bool) throw context.Error("condition must be bool");
        var cond = condition.ReadOnlySpan<bool>();
        int rank = data.Rank, axis, dim, outer, inner;
        if (_axis is long a)
        {
            if (a < -rank || a >= rank) throw context.Error($"axis {a} is out of range for rank {rank}");
            axis = (int)(a < 0 ? a + rank : a);
            dim = data.Shape[axis];
            outer = Tensor.ElementCount(data.Shape.AsSpan(0, axis));
            inner = Tensor.ElementCount(data.Shape.AsSpan(axis + 1));
        }
        else
        {
            axis = -1;
            dim = data.Length;
            outer = inner = 1;
        }
        if (cond.Length > dim) throw context.Error($"condition has {cond.Length} entries, the axis only {dim}");
        var idx = new List<int>();
        for (int i = 0; i < cond.Length; i++)
            if (cond[i]) idx.Add(i);
        int[] shape;
        if (axis < 0) shape = [idx.Count];
        else
        {
            shape = (int[])data.Shape.Clone();
            shape[axis] = idx.Count;
        }
        var y = context.Output(0, data.Type, shape);
        Gather.Blocks(data, outer, dim, inner, idx.ToArray(), y);
    }
}
