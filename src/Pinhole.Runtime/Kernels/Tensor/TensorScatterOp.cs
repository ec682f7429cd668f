using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>TensorScatter: a copy of the cache with the update written along 'axis' at each batch entry's write index (linear or circular).</summary>
internal sealed class TensorScatterOp : OpKernel
{
    private readonly long _axis;
    private readonly bool _circular;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "TensorScatter", 24, info => new TensorScatterOp(info));

    private TensorScatterOp(KernelInfo info)
    {
        _axis = info.GetInt("axis", -2);
        _circular = info.GetString("mode", "linear") switch
        {
            "linear" => false,
            "circular" => true,
            var m => throw info.Invalid($"unknown mode '{m}'"),
        };
    }

    public override void Execute(KernelContext context)
    {
        var past = context.Input(0);
        var update = context.Input(1);
        int rank = past.Rank;
        if (_axis < -rank || _axis >= rank) throw context.Error($"axis {_axis} is out of range for rank {rank}");
        int axis = (int)(_axis < 0 ? _axis + rank : _axis);
        if (axis == 0) throw context.Error("axis cannot be the batch axis");
        if (update.Rank != rank || update.Type != past.Type) throw context.Error("update must match the cache's rank and type");
        for (int d = 0; d < rank; d++)
            if (d != axis && update.Shape[d] != past.Shape[d]) throw context.Error("update shape differs from the cache outside the sequence axis");
        int maxSeq = past.Shape[axis], seq = update.Shape[axis];
        if (seq > maxSeq) throw context.Error("update is longer than the cache");
        int batch = past.Shape[0];
        ReadOnlySpan<long> writes = context.OptionalInput(2) is { } wi ? TensorMoves.Int64s(wi) : new long[batch];
        if (writes.Length != batch) throw context.Error($"write_indices has {writes.Length} entries for batch {batch}");
        int prefix = Tensor.ElementCount(past.Shape.AsSpan(0, axis));
        int inner = Tensor.ElementCount(past.Shape.AsSpan(axis + 1));
        int perBatch = batch == 0 ? 0 : prefix / batch;
        var offsets = new int[prefix * seq];
        for (int p = 0; p < prefix; p++)
        {
            long start = writes[p / perBatch];
            if (start < 0 || (!_circular && start + seq > maxSeq)) throw context.Error($"write index {start} does not fit the cache");
            for (int s = 0; s < seq; s++)
            {
                long c = start + s;
                if (_circular) c %= maxSeq;
                offsets[p * seq + s] = (int)((p * (long)maxSeq + c) * inner);
            }
        }
        var y = past.Clone();
        ScatterApply.Run(context, y, update, offsets, inner, ScatterReduction.None);
        context.SetOutput(0, y);
    }
}
