namespace Pinhole.Runtime.Kernels;

/// <summary>Slicing and stacking along one axis, for Loop and Scan (any element type, strings included).</summary>
internal static class ControlFlowHelpers
{
    /// <summary>Stacks equally shaped tensors along a new axis 0.</summary>
    public static Tensor Stack(KernelContext context, List<Tensor> items, DataType type, int[]? emptyShape)
    {
        if (items.Count == 0) return Tensor.Zeros(type, emptyShape ?? [0]);
        var first = items[0];
        var shape = new int[first.Rank + 1];
        shape[0] = items.Count;
        first.Shape.CopyTo(shape, 1);
        var result = Tensor.Zeros(first.Type, shape);
        int n = first.Length;
        for (int i = 0; i < items.Count; i++)
        {
            var t = items[i];
            if (t.Type != first.Type || !t.Shape.AsSpan().SequenceEqual(first.Shape))
                throw context.Error($"scan output {t} of iteration {i} differs from the first iteration's {first}");
            Array.Copy(t.Buffer, t.Offset, result.Buffer, result.Offset + (long)i * n, n);
        }
        return result;
    }

    /// <summary>Element <paramref name="index"/> along <paramref name="axis"/>, with that axis removed.</summary>
    public static Tensor Slice(Tensor t, int axis, int index)
    {
        var shape = t.Shape;
        var outShape = new int[shape.Length - 1];
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) { outer *= shape[d]; outShape[d] = shape[d]; }
        for (int d = axis + 1; d < shape.Length; d++) { inner *= shape[d]; outShape[d - 1] = shape[d]; }
        if (outer == 1)
        {
            var view = Tensor.Zeros(t.Type, outShape);
            Array.Copy(t.Buffer, t.Offset + (long)index * inner, view.Buffer, view.Offset, inner);
            return view;
        }
        var result = Tensor.Zeros(t.Type, outShape);
        int size = shape[axis];
        for (int o = 0; o < outer; o++)
            Array.Copy(t.Buffer, t.Offset + ((long)o * size + index) * inner, result.Buffer, result.Offset + (long)o * inner, inner);
        return result;
    }

    /// <summary>Writes <paramref name="item"/> as element <paramref name="index"/> along <paramref name="axis"/> of <paramref name="target"/>.</summary>
    public static void Place(Tensor target, int axis, int index, Tensor item)
    {
        var shape = target.Shape;
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= shape[d];
        for (int d = axis + 1; d < shape.Length; d++) inner *= shape[d];
        int size = shape[axis];
        for (int o = 0; o < outer; o++)
            Array.Copy(item.Buffer, item.Offset + (long)o * inner, target.Buffer, target.Offset + ((long)o * size + index) * inner, inner);
    }
}
