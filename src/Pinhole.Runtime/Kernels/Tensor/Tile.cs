using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Tile: repeats the input along each axis by the counts in input 1.</summary>
internal sealed class Tile : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Tile", 6, _ => new Tile());

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        var repeats = TensorMoves.Int64s(context.Input(1));
        int rank = x.Rank;
        if (repeats.Length != rank) throw context.Error($"repeats has {repeats.Length} entries but the input has rank {rank}");
        var shape = new int[rank];
        // View the output as [r0, d0, r1, d1, ...] with the source repeating (stride 0) over each r.
        var split = new int[2 * rank];
        var srcStrides = new int[2 * rank];
        var inStrides = TensorMoves.Strides(x.Shape);
        for (int i = 0; i < rank; i++)
        {
            if (repeats[i] < 0) throw context.Error("repeats must be non-negative");
            shape[i] = TensorMoves.Dim(repeats[i] * x.Shape[i]);
            split[2 * i] = (int)repeats[i];
            split[2 * i + 1] = x.Shape[i];
            srcStrides[2 * i + 1] = inStrides[i];
        }
        var y = context.Output(0, x.Type, shape);
        if (y.Length == 0) return;
        TensorMoves.Copy(x, 0, srcStrides, y, 0, TensorMoves.Strides(split), split);
    }
}
