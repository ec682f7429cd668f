using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// TopK: the k largest (or smallest) elements along an axis and their int64 indices. Opset 1 takes k as an
/// attribute, 10+ as input 1; largest and sorted arrive in 11. Equal values keep the lower index first.
/// </summary>
internal sealed class TopK : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "TopK", 1, info => new TopK(info));

    private readonly long _axis;
    private readonly long _attributeK;
    private readonly bool _largest;

    private TopK(KernelInfo info)
    {
        _axis = info.GetInt("axis", -1);
        _attributeK = info.OpsetVersion < 10 ? info.GetInt("k") : -1;
        _largest = info.GetInt("largest", 1) != 0;
        // sorted=0 leaves the order unspecified; sorted order is a valid answer.
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        int axis = NnData.Axis(_axis, x.Rank);
        if (axis < 0) throw context.Error($"axis {_axis} is out of range for rank {x.Rank}");
        long k = _attributeK;
        if (k < 0)
        {
            var kt = context.Input(1);
            if (kt.Length != 1) throw context.Error("K must hold one value");
            k = kt.GetInt64(0);
        }
        if (k < 0 || k > x.Shape[axis]) throw context.Error($"k = {k} is outside [0, {x.Shape[axis]}]");
        var shape = (int[])x.Shape.Clone();
        shape[axis] = (int)k;
        var values = context.Output(0, x.Type, shape);
        var indices = context.Output(1, DataType.Int64, shape);
        var work = x.Type == DataType.BFloat16 ? Tensor.FromArray(NnData.ToFloatArray(x), x.Shape) : x;
        var workValues = x.Type == DataType.BFloat16 ? Tensor.Zeros<float>(shape) : values;
        var action = new Action(work, workValues, indices, axis, (int)k, _largest);
        TypeDispatch.RequireNumeric(context, work.Type, ref action);
        if (workValues != values) NnData.Store(workValues.ReadOnlySpan<float>(), values);
    }

    private readonly struct Action(Tensor x, Tensor values, Tensor indices, int axis, int k, bool largest) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T>
        {
            var src = x.ReadOnlySpan<T>();
            var dstValues = values.Span<T>();
            var dstIndices = indices.Span<long>();
            int n = x.Shape[axis], outer = NnData.Product(x.Shape, 0, axis), inner = NnData.Product(x.Shape, axis + 1, x.Rank);
            if (k == 0 || outer * inner == 0) return;
            var items = new (T Value, int Index)[n];
            for (int o = 0; o < outer; o++)
            {
                for (int i = 0; i < inner; i++)
                {
                    int baseIndex = o * n * inner + i;
                    for (int r = 0; r < n; r++) items[r] = (src[baseIndex + r * inner], r);
                    if (largest) items.AsSpan().Sort(new Descending<T>());
                    else items.AsSpan().Sort(new Ascending<T>());
                    int outBase = o * k * inner + i;
                    for (int r = 0; r < k; r++)
                    {
                        dstValues[outBase + r * inner] = items[r].Value;
                        dstIndices[outBase + r * inner] = items[r].Index;
                    }
                }
            }
        }
    }

    private readonly struct Descending<T> : IComparer<(T Value, int Index)> where T : INumber<T>
    {
        public int Compare((T Value, int Index) a, (T Value, int Index) b)
        {
            if (a.Value > b.Value || T.IsNaN(a.Value) && !T.IsNaN(b.Value)) return -1;
            if (a.Value < b.Value || T.IsNaN(b.Value) && !T.IsNaN(a.Value)) return 1;
            return a.Index.CompareTo(b.Index);
        }
    }

    private readonly struct Ascending<T> : IComparer<(T Value, int Index)> where T : INumber<T>
    {
        public int Compare((T Value, int Index) a, (T Value, int Index) b)
        {
            if (a.Value < b.Value || T.IsNaN(b.Value) && !T.IsNaN(a.Value)) return -1;
            if (a.Value > b.Value || T.IsNaN(a.Value) && !T.IsNaN(b.Value)) return 1;
            return a.Index.CompareTo(b.Index);
        }
    }
}
