using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Shape: the input's dimensions as int64, optionally a [start, end) slice of them (opset 15).</summary>
internal sealed class ShapeOp : OpKernel
{
    private readonly long _start;
    private readonly long? _end;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Shape", 1, info => new ShapeOp(info));

    private ShapeOp(KernelInfo info)
    {
        _start = info.GetInt("start", 0);
        _end = info.HasAttribute("end") ? info.GetInt("end") : null;
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank;
        long start = _start < 0 ? _start + rank : _start;
        long end = _end is long e ? (e < 0 ? e + rank : e) : rank;
        start = Math.Clamp(start, 0, rank);
        end = Math.Clamp(end, 0, rank);
        int count = (int)Math.Max(0, end - start);
        var y = context.Output(0, DataType.Int64, [count]).Span<long>();
        for (int i = 0; i < count; i++) y[i] = x.Shape[start + i];
    }
}
