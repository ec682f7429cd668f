using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>ScatterND: a copy of data with update slices written (or reduced) at the index tuples in the last dimension of indices.</summary>
internal sealed class ScatterND : OpKernel
{
    private readonly ScatterReduction _reduction;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "ScatterND", 11, info => new ScatterND(info));

    private ScatterND(KernelInfo info) => _reduction = ScatterApply.Parse(info);

    public override void Execute(KernelContext context)
    {
        var data = context.Input(0);
        var indices = context.Input(1);
        var updates = context.Input(2);
        int q = indices.Rank, r = data.Rank;
        if (q < 1) throw context.Error("indices must have rank at least 1");
        int k = indices.Shape[q - 1];
        if (k > r) throw context.Error($"index tuples of length {k} exceed the data rank {r}");
        if (updates.Type != data.Type) throw context.Error("updates must have the element type of data");
        var expected = new List<int>(indices.Shape.AsSpan(0, q - 1).ToArray());
        expected.AddRange(data.Shape.AsSpan(k).ToArray());
        if (!updates.Shape.AsSpan().SequenceEqual(expected.ToArray()))
            throw context.Error($"updates have shape {Tensor.FormatShape(updates.Shape)}, expected {Tensor.FormatShape(expected.ToArray())}");
        int block = Tensor.ElementCount(data.Shape.AsSpan(k));
        var strides = TensorMoves.Strides(data.Shape);
        var idx = TensorMoves.Int64s(indices);
        var offsets = new int[k == 0 ? Tensor.ElementCount(indices.Shape.AsSpan(0, q - 1)) : idx.Length / k];
        for (int t = 0; t < offsets.Length; t++)
        {
            long offset = 0;
            for (int j = 0; j < k; j++)
            {
                int dim = data.Shape[j];
                long v = idx[t * k + j];
                if (v < 0) v += dim;
                if (v < 0 || v >= dim) throw context.Error($"index {idx[t * k + j]} is out of range for axis of size {dim}");
                offset += v * strides[j];
            }
            offsets[t] = (int)offset;
        }
        var y = data.Clone();
        ScatterApply.Run(context, y, updates, offsets, block, _reduction);
        context.SetOutput(0, y);
    }
}
