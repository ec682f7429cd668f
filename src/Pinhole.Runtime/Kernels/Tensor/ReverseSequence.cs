using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>ReverseSequence: reverses the first sequence_lens[b] steps along time_axis for each batch entry b.</summary>
internal sealed class ReverseSequence : OpKernel
{
    private readonly long _batchAxis, _timeAxis;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "ReverseSequence", 10, info => new ReverseSequence(info));

    private ReverseSequence(KernelInfo info)
    {
        _batchAxis = info.GetInt("batch_axis", 1);
        _timeAxis = info.GetInt("time_axis", 0);
        if (_batchAxis is not (0 or 1) || _timeAxis is not (0 or 1) || _batchAxis == _timeAxis)
            throw info.Invalid("batch_axis and time_axis must be 0 and 1 in some order");
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Rank < 2) throw context.Error("input must have rank at least 2");
        var lens = TensorMoves.Int64s(context.Input(1));
        int b = (int)_batchAxis, t = (int)_timeAxis;
        int batch = x.Shape[b], time = x.Shape[t];
        if (lens.Length != batch) throw context.Error($"sequence_lens has {lens.Length} entries for batch {batch}");
        var y = x.Clone();
        var strides = TensorMoves.Strides(x.Shape);
        for (int i = 0; i < batch; i++)
        {
            long len = lens[i];
            if (len < 0 || len > time) throw context.Error($"sequence length {len} is out of range [0, {time}]");
            if (len <= 1) continue;
            var shape = (int[])x.Shape.Clone();
            shape[b] = 1;
            shape[t] = (int)len;
            var src = (int[])strides.Clone();
            src[t] = -strides[t];
            TensorMoves.Copy(x, i * strides[b] + (int)(len - 1) * strides[t], src, y, i * strides[b], strides, shape);
        }
        context.SetOutput(0, y);
    }
}
