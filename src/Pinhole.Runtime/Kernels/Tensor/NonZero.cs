using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>NonZero: the coordinates of the non-zero elements, as int64 [rank, count] in row-major order.</summary>
internal sealed class NonZero : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "NonZero", 9, _ => new NonZero());

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Type == DataType.String) throw context.Error("strings are not supported");
        var mask = new bool[x.Length];
        if (DataTypes.IsFloatingPoint(x.Type)) TensorCast.Convert(x, Tensor.FromArray(mask, x.Shape));
        else
        {
            var action = new Mark(x, mask);
            TensorMoves.Dispatch(x.Type, ref action);
        }
        int count = 0;
        foreach (bool b in mask)
            if (b) count++;
        int rank = x.Rank;
        var y = context.Output(0, DataType.Int64, [rank, count]).Span<long>();
        var strides = TensorMoves.Strides(x.Shape);
        for (int i = 0, c = 0; i < mask.Length; i++)
        {
            if (!mask[i]) continue;
            int rem = i;
            for (int d = 0; d < rank; d++)
            {
                y[d * count + c] = rem / strides[d];
                rem %= strides[d];
            }
            c++;
        }
    }

    private readonly struct Mark(Tensor x, bool[] mask) : IElementAction
    {
        public void Invoke<T>()
        {
            var s = TensorMoves.Elements<T>(x);
            var cmp = EqualityComparer<T>.Default;
            for (int i = 0; i < mask.Length; i++) mask[i] = !cmp.Equals(s[i], default!);
        }
    }
}
