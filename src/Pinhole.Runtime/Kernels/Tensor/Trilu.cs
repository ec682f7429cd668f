using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Trilu: keeps the upper (or lower) triangle of the last two dimensions relative to diagonal k; zeroes the rest.</summary>
internal sealed class Trilu : OpKernel
{
    private readonly bool _upper;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Trilu", 14, info => new Trilu(info));

    private Trilu(KernelInfo info) => _upper = info.GetInt("upper", 1) != 0;

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Rank < 2) throw context.Error("input must have rank at least 2");
        long k = context.OptionalInput(1) is { Length: > 0 } kt ? kt.GetInt64(0) : 0;
        var y = context.Output(0, x.Type, x.Shape);
        if (y.Length == 0) return;
        var action = new Keep(x, y, x.Shape[^2], x.Shape[^1], k, _upper);
        TensorMoves.Dispatch(x.Type, ref action);
    }

    private readonly struct Keep(Tensor x, Tensor y, int rows, int cols, long k, bool upper) : IElementAction
    {
        public void Invoke<T>()
        {
            var src = TensorMoves.Elements<T>(x);
            var dst = TensorMoves.Elements<T>(y);
            for (int m = 0; m < src.Length; m += rows * cols)
            {
                for (int i = 0; i < rows; i++)
                {
                    // upper keeps j >= i + k; lower keeps j <= i + k.
                    long from = upper ? Math.Max(0, i + k) : 0;
                    long to = upper ? cols : Math.Min(cols, i + k + 1);
                    if (to <= from) continue;
                    int o = m + i * cols + (int)from;
                    src.Slice(o, (int)(to - from)).CopyTo(dst.Slice(o, (int)(to - from)));
                }
            }
        }
    }
}
