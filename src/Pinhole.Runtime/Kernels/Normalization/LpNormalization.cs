using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>LpNormalization: x divided by its L1 or L2 norm along axis (default -1).</summary>
internal sealed class LpNormalization : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "LpNormalization", 1, info => new LpNormalization(info));

    private readonly long _axis;
    private readonly int _p;

    private LpNormalization(KernelInfo info)
    {
        _axis = info.GetInt("axis", -1);
        long p = info.GetInt("p", 2);
        if (p is not (1 or 2)) throw info.Invalid($"p must be 1 or 2, is {p}");
        _p = (int)p;
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (!NnData.IsFloat(x.Type)) throw context.Error($"element type {DataTypes.OnnxName(x.Type)} is not supported");
        int axis = NnData.Axis(_axis, x.Rank);
        if (axis < 0) throw context.Error($"axis {_axis} is out of range for rank {x.Rank}");
        int outer = NnData.Product(x.Shape, 0, axis), n = x.Shape[axis], inner = NnData.Product(x.Shape, axis + 1, x.Rank);
        var y = context.Output(0, x.Type, x.Shape);
        var xs = NnData.Floats(x);
        var ys = NnRows.Destination(y, out var temp);
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int baseIndex = o * n * inner + i;
                float norm = 0;
                for (int r = 0; r < n; r++)
                {
                    float v = xs[baseIndex + r * inner];
                    norm += _p == 1 ? MathF.Abs(v) : v * v;
                }
                if (_p == 2) norm = MathF.Sqrt(norm);
                for (int r = 0; r < n; r++)
                {
                    int at = baseIndex + r * inner;
                    ys[at] = norm == 0 ? 0 : xs[at] / norm;
                }
            }
        }
        NnRows.Commit(y, temp);
    }
}
