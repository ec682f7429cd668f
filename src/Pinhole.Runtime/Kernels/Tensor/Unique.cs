using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Unique: distinct elements (or slices along 'axis'), sorted or in first-occurrence order, with indices, inverse indices and counts.</summary>
internal sealed class Unique : OpKernel
{
    private readonly long? _axis;
    private readonly bool _sorted;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Unique", 11, info => new Unique(info));

    private Unique(KernelInfo info)
    {
        _axis = info.HasAttribute("axis") ? info.GetInt("axis") : null;
        _sorted = info.GetInt("sorted", 1) != 0;
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank, axis = -1, outer = 1, dim = x.Length, inner = 1;
        if (_axis is long a)
        {
            if (a < -rank || a >= rank) throw context.Error($"axis {a} is out of range for rank {rank}");
            axis = (int)(a < 0 ? a + rank : a);
            dim = x.Shape[axis];
            outer = Tensor.ElementCount(x.Shape.AsSpan(0, axis));
            inner = Tensor.ElementCount(x.Shape.AsSpan(axis + 1));
        }
        IComparer<int> comparer = x.Type switch
        {
            DataType.String => new SliceComparer<string>(x.ReadOnlySpan<string>().ToArray(), outer, dim, inner, StringComparer.Ordinal),
            _ when DataTypes.IsFloatingPoint(x.Type) => new SliceComparer<double>(Widen(x, DataType.Double).Span<double>().ToArray(), outer, dim, inner, Comparer<double>.Default),
            DataType.UInt64 => new SliceComparer<ulong>(x.ReadOnlySpan<ulong>().ToArray(), outer, dim, inner, Comparer<ulong>.Default),
            _ => new SliceComparer<long>(Widen(x, DataType.Int64).Span<long>().ToArray(), outer, dim, inner, Comparer<long>.Default),
        };
        // Order items so equal ones are adjacent (stable: first occurrence first).
        var order = new int[dim];
        for (int i = 0; i < dim; i++) order[i] = i;
        Array.Sort(order, (p, q) => comparer.Compare(p, q) is var c && c != 0 ? c : p.CompareTo(q));
        var sorted = order;
        var firsts = new List<int>();
        var counts = new List<long>();
        var groupOf = new int[dim];
        for (int k = 0; k < sorted.Length; k++)
        {
            if (k == 0 || comparer.Compare(sorted[k - 1], sorted[k]) != 0)
            {
                firsts.Add(sorted[k]);
                counts.Add(0);
            }
            groupOf[sorted[k]] = firsts.Count - 1;
            counts[^1]++;
        }
        int u = firsts.Count;
        // Output order of groups: sorted, or by first occurrence.
        var groupOrder = new int[u];
        for (int g = 0; g < u; g++) groupOrder[g] = g;
        if (!_sorted) Array.Sort(firsts.ToArray(), groupOrder);
        var rankOfGroup = new int[u];
        for (int r = 0; r < u; r++) rankOfGroup[groupOrder[r]] = r;

        var idx = new int[u];
        for (int r = 0; r < u; r++) idx[r] = firsts[groupOrder[r]];
        int[] shape;
        if (axis < 0) shape = [u];
        else
        {
            shape = (int[])x.Shape.Clone();
            shape[axis] = u;
        }
        var y = context.Output(0, x.Type, shape);
        Gather.Blocks(x, outer, dim, inner, idx, y);
        if (context.HasOutput(1))
        {
            var o = context.Output(1, DataType.Int64, [u]).Span<long>();
            for (int r = 0; r < u; r++) o[r] = idx[r];
        }
        if (context.HasOutput(2))
        {
            var o = context.Output(2, DataType.Int64, [dim]).Span<long>();
            for (int i = 0; i < dim; i++) o[i] = rankOfGroup[groupOf[i]];
        }
        if (context.HasOutput(3))
        {
            var o = context.Output(3, DataType.Int64, [u]).Span<long>();
            for (int r = 0; r < u; r++) o[r] = counts[groupOrder[r]];
        }
    }

    private static Tensor Widen(Tensor x, DataType type)
    {
        var w = Tensor.Zeros(type, x.Shape);
        TensorCast.Convert(x, w);
        return w;
    }

    /// <summary>Compares items (slices x[:, i, :]) lexicographically.</summary>
    private sealed class SliceComparer<T>(T[] values, int outer, int dim, int inner, IComparer<T> element) : IComparer<int>
    {
        public int Compare(int a, int b)
        {
            if (a == b) return 0;
            for (int o = 0; o < outer; o++)
            {
                int baseOffset = o * dim * inner;
                for (int j = 0; j < inner; j++)
                {
                    int c = element.Compare(values[baseOffset + a * inner + j], values[baseOffset + b * inner + j]);
                    if (c != 0) return c;
                }
            }
            return 0;
        }
    }
}
