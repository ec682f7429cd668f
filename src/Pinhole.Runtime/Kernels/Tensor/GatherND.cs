using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>GatherND: gathers slices of data addressed by the last dimension of indices, after batch_dims leading batch dimensions.</summary>
internal sealed class GatherND : OpKernel
{
    private readonly int _batchDims;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "GatherND", 11, info => new GatherND(info));

    private GatherND(KernelInfo info) => _batchDims = (int)info.GetInt("batch_dims", 0);

    public override void Execute(KernelContext context)
    {
        var data = context.Input(0);
        var indices = context.Input(1);
        int b = _batchDims, q = indices.Rank, r = data.Rank;
        if (q < 1 || b < 0 || b >= Math.Min(q, r)) throw context.Error("batch_dims must be less than the ranks of data and indices");
        int k = indices.Shape[q - 1];
        if (k < 1 || b + k > r) throw context.Error($"index tuples of length {k} do not fit data of rank {r} with {b} batch dims");
        for (int d = 0; d < b; d++)
            if (data.Shape[d] != indices.Shape[d]) throw context.Error("batch dimensions of data and indices differ");
        var shape = new List<int>();
        for (int d = 0; d < q - 1; d++) shape.Add(indices.Shape[d]);
        for (int d = b + k; d < r; d++) shape.Add(data.Shape[d]);
        var y = context.Output(0, data.Type, shape.ToArray());
        int batches = Tensor.ElementCount(data.Shape.AsSpan(0, b));
        int tuplesPerBatch = Tensor.ElementCount(indices.Shape.AsSpan(b, q - 1 - b));
        int slice = Tensor.ElementCount(data.Shape.AsSpan(b + k));
        int batchSize = Tensor.ElementCount(data.Shape.AsSpan(b));
        var strides = TensorMoves.Strides(data.Shape);
        var idx = TensorMoves.Int64s(indices);
        var starts = new int[batches * tuplesPerBatch];
        for (int t = 0; t < starts.Length; t++)
        {
            long offset = (long)(t / Math.Max(tuplesPerBatch, 1)) * batchSize;
            for (int j = 0; j < k; j++)
            {
                int dim = data.Shape[b + j];
                long v = idx[t * k + j];
                if (v < 0) v += dim;
                if (v < 0 || v >= dim) throw context.Error($"index {idx[t * k + j]} is out of range for axis of size {dim}");
                offset += v * strides[b + j];
            }
            starts[t] = (int)offset;
        }
        if (y.Length == 0) return;
        var action = new Take(data, starts, slice, y);
        TensorMoves.Dispatch(data.Type, ref action);
    }

    private readonly struct Take(Tensor data, int[] starts, int slice, Tensor y) : IElementAction
    {
        public void Invoke<T>()
        {
            var src = TensorMoves.Elements<T>(data);
            var dst = TensorMoves.Elements<T>(y);
            for (int t = 0; t < starts.Length; t++) src.Slice(starts[t], slice).CopyTo(dst.Slice(t * slice, slice));
        }
    }
}
