using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>MeanVarianceNormalization: (x - mean) / (sqrt(variance) + 1e-9) over axes (default [0, 2, 3]).</summary>
internal sealed class MeanVarianceNormalization : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "MeanVarianceNormalization", 9, info => new MeanVarianceNormalization(info));

    private readonly long[] _axes;

    private MeanVarianceNormalization(KernelInfo info) => _axes = info.GetInts("axes") ?? [0, 2, 3];

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (!NnData.IsFloat(x.Type)) throw context.Error($"element type {DataTypes.OnnxName(x.Type)} is not supported");
        var axes = new int[_axes.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            axes[i] = NnData.Axis(_axes[i], x.Rank);
            if (axes[i] < 0) throw context.Error($"axis {_axes[i]} is out of range for rank {x.Rank}");
        }
        var y = context.Output(0, x.Type, x.Shape);
        if (y.Length == 0) return;
        // Move the normalized axes innermost, normalize rows, move them back.
        var kept = new List<int>();
        var reduced = new List<int>();
        var isReduced = new bool[x.Rank];
        foreach (int a in axes) isReduced[a] = true;
        for (int i = 0; i < x.Rank; i++) (isReduced[i] ? reduced : kept).Add(i);
        int[] perm = [.. kept, .. reduced];
        var permutedShape = new int[x.Rank];
        for (int i = 0; i < perm.Length; i++) permutedShape[i] = x.Shape[perm[i]];
        var data = NnTranspose.Apply<float>(NnData.Floats(x), x.Shape, perm);
        int n = 1;
        foreach (int a in reduced) n *= x.Shape[a];
        for (int o = 0; o < data.Length; o += n)
        {
            var row = data.AsSpan(o, n);
            var (_, variance) = NnRows.Center(row, row);
            TensorPrimitives.Divide(row, MathF.Sqrt(variance) + 1e-9f, row);
        }
        var inverse = new int[perm.Length];
        for (int i = 0; i < perm.Length; i++) inverse[perm[i]] = i;
        NnData.Store(NnTranspose.Apply<float>(data, permutedShape, inverse), y);
    }
}
