using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>ArgMax (opset 1+; select_last_index from 12).</summary>
internal static class ArgMax
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "ArgMax", 1, info => new NnArgKernel(info, max: true));
}

/// <summary>ArgMax / ArgMin over one axis, ties resolved to the first (or, with select_last_index, the last) index.</summary>
internal sealed class NnArgKernel : OpKernel
{
    private readonly long _axis;
    private readonly bool _keepDims;
    private readonly bool _last;
    private readonly bool _max;

    public NnArgKernel(KernelInfo info, bool max)
    {
        _axis = info.GetInt("axis", 0);
        _keepDims = info.GetInt("keepdims", 1) != 0;
        _last = info.GetInt("select_last_index", 0) != 0;
        _max = max;
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        int axis = NnData.Axis(_axis, x.Rank);
        if (axis < 0) throw context.Error($"axis {_axis} is out of range for rank {x.Rank}");
        var layout = NnReduceLayout.Create(x.Shape, [axis], _keepDims);
        int reduced = x.Shape[axis], outer = NnData.Product(x.Shape, 0, axis), inner = NnData.Product(x.Shape, axis + 1, x.Rank);
        var output = context.Output(0, DataType.Int64, layout.OutputShape);
        if (output.Length == 0) return;
        if (reduced == 0) throw context.Error("cannot take the arg-extremum of an empty axis");
        var data = NnData.ToDoubleArray(x);
        var result = output.Span<long>();
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int baseIndex = o * reduced * inner + i;
                double best = data[baseIndex];
                int bestIndex = 0;
                for (int r = 1; r < reduced; r++)
                {
                    double v = data[baseIndex + r * inner];
                    bool better = _max ? (_last ? v >= best : v > best) : (_last ? v <= best : v < best);
                    if (better)
                    {
                        best = v;
                        bestIndex = r;
                    }
                }
                result[o * inner + i] = bestIndex;
            }
        }
    }
}
