using System.Numerics.Tensors;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// A reduction seen as [outer, reduced, inner]: reduced axes that form one contiguous run are used in place; other
/// axis sets are first reordered (kept axes, then reduced axes), so the reduced run becomes the innermost one.
/// </summary>
internal readonly record struct NnReduceLayout(int Outer, int Reduced, int Inner, int[] OutputShape, int[]? Permutation)
{
    /// <summary>Plans a reduction of <paramref name="shape"/> over <paramref name="axes"/> (normalized, any order, duplicates allowed).</summary>
    public static NnReduceLayout Create(ReadOnlySpan<int> shape, ReadOnlySpan<int> axes, bool keepDims)
    {
        int rank = shape.Length;
        var reduce = new bool[rank];
        foreach (int a in axes) reduce[a] = true;
        var outShape = new List<int>(rank);
        for (int i = 0; i < rank; i++)
        {
            if (!reduce[i]) outShape.Add(shape[i]);
            else if (keepDims) outShape.Add(1);
        }
        int first = -1, last = -1;
        for (int i = 0; i < rank; i++)
        {
            if (!reduce[i] || shape[i] == 1) continue;
            if (first < 0) first = i;
            last = i;
        }
        bool contiguous = true;
        for (int j = first + 1; j < last; j++)
            if (!reduce[j] && shape[j] != 1) contiguous = false;
        if (first < 0)
        {
            // only size-1 axes reduced: a copy
            return new NnReduceLayout(Tensor.ElementCount(shape), 1, 1, [.. outShape], null);
        }
        if (contiguous)
        {
            return new NnReduceLayout(NnData.Product(shape, 0, first), NnData.Product(shape, first, last + 1),
                NnData.Product(shape, last + 1, rank), [.. outShape], null);
        }
        var perm = new int[rank];
        int k = 0;
        int outer = 1, reduced = 1;
        for (int i = 0; i < rank; i++) if (!reduce[i]) { perm[k++] = i; outer *= shape[i]; }
        for (int i = 0; i < rank; i++) if (reduce[i]) { perm[k++] = i; reduced *= shape[i]; }
        return new NnReduceLayout(outer, reduced, 1, [.. outShape], perm);
    }

    /// <summary>The data in the order this layout reads it (reordered when <see cref="Permutation"/> is set).</summary>
    public T[] Arrange<T>(T[] data, ReadOnlySpan<int> shape)
    {
        if (Permutation is null) return data;
        return NnTranspose.Apply<T>(data, shape, Permutation);
    }
}

/// <summary>A strided copy that permutes axes.</summary>
internal static class NnTranspose
{
    public static T[] Apply<T>(ReadOnlySpan<T> data, ReadOnlySpan<int> shape, ReadOnlySpan<int> perm)
    {
        int rank = shape.Length;
        var result = new T[data.Length];
        if (data.Length == 0) return result;
        Span<int> inStrides = stackalloc int[rank];
        int s = 1;
        for (int i = rank - 1; i >= 0; i--) { inStrides[i] = s; s *= shape[i]; }
        Span<int> sizes = stackalloc int[rank];
        Span<int> strides = stackalloc int[rank];
        for (int i = 0; i < rank; i++) { sizes[i] = shape[perm[i]]; strides[i] = inStrides[perm[i]]; }
        Span<int> index = stackalloc int[rank];
        int inner = sizes[rank - 1], innerStride = strides[rank - 1];
        int offset = 0;
        for (int o = 0; o < result.Length; o += inner)
        {
            for (int j = 0; j < inner; j++) result[o + j] = data[offset + j * innerStride];
            for (int d = rank - 2; d >= 0; d--)
            {
                offset += strides[d];
                if (++index[d] < sizes[d]) break;
                offset -= strides[d] * sizes[d];
                index[d] = 0;
            }
        }
        return result;
    }
}

/// <summary>A reduction over doubles: identity, accumulation, whole-span and row-wise fast paths, and the final map.</summary>
internal interface INnReduceOp
{
    static abstract double Identity { get; }
    static abstract double Accumulate(double acc, double x);
    static virtual double Finish(double acc, int count) => acc;

    /// <summary>Reduces a whole contiguous non-empty span; false when the op has no fast path.</summary>
    static virtual bool TryReduceSpan(ReadOnlySpan<double> x, out double result)
    {
        result = 0;
        return false;
    }

    /// <summary>acc[i] = Accumulate(acc[i], row[i]) for all i; false when the op has no fast path.</summary>
    static virtual bool TryAccumulateRow(Span<double> acc, ReadOnlySpan<double> row) => false;
}

/// <summary>The generic reduce kernel: axes from the attribute or input 1, keepdims, noop_with_empty_axes.</summary>
internal sealed class NnReduceKernel<TOp> : OpKernel where TOp : INnReduceOp
{
    private readonly long[]? _attributeAxes;
    private readonly bool _axesFromInput;
    private readonly bool _keepDims;
    private readonly bool _noopWithEmptyAxes;
    private readonly bool _logSumExp;

    /// <param name="axesInputSince">The opset from which axes is an input (18; 13 for ReduceSum).</param>
    public NnReduceKernel(KernelInfo info, int axesInputSince, bool logSumExp = false)
    {
        _axesFromInput = info.OpsetVersion >= axesInputSince;
        _attributeAxes = _axesFromInput ? null : info.GetInts("axes");
        _keepDims = info.GetInt("keepdims", 1) != 0;
        _noopWithEmptyAxes = info.GetInt("noop_with_empty_axes", 0) != 0;
        _logSumExp = logSumExp;
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank;
        long[]? axes = _attributeAxes;
        if (_axesFromInput && context.OptionalInput(1) is { } axesTensor) axes = axesTensor.ToInt64Array();
        if (axes is null || axes.Length == 0)
        {
            if (_noopWithEmptyAxes)
            {
                context.SetOutput(0, x);
                return;
            }
            axes = new long[rank];
            for (int i = 0; i < rank; i++) axes[i] = i;
        }
        var normalized = new int[axes.Length];
        for (int i = 0; i < axes.Length; i++)
        {
            normalized[i] = NnData.Axis(axes[i], rank);
            if (normalized[i] < 0) throw context.Error($"axis {axes[i]} is out of range for rank {rank}");
        }
        var layout = NnReduceLayout.Create(x.Shape, normalized, _keepDims);
        var output = context.Output(0, x.Type, layout.OutputShape);
        if (output.Length == 0) return;
        var data = layout.Arrange(NnData.ToDoubleArray(x), x.Shape);
        var result = new double[output.Length];
        if (_logSumExp) ReduceLogSumExp(data, layout, result);
        else Reduce(data, layout, result);
        NnData.Store(result, output);
    }

    private static void Reduce(ReadOnlySpan<double> data, NnReduceLayout layout, Span<double> result)
    {
        int outer = layout.Outer, reduced = layout.Reduced, inner = layout.Inner;
        if (reduced == 0)
        {
            result.Fill(TOp.Finish(TOp.Identity, 0));
            return;
        }
        if (inner == 1)
        {
            for (int o = 0; o < outer; o++)
            {
                var span = data.Slice(o * reduced, reduced);
                if (!TOp.TryReduceSpan(span, out double acc))
                {
                    acc = TOp.Identity;
                    foreach (double v in span) acc = TOp.Accumulate(acc, v);
                }
                result[o] = TOp.Finish(acc, reduced);
            }
            return;
        }
        for (int o = 0; o < outer; o++)
        {
            var acc = result.Slice(o * inner, inner);
            var block = data.Slice(o * reduced * inner, reduced * inner);
            acc.Fill(TOp.Identity);
            for (int r = 0; r < reduced; r++)
            {
                var row = block.Slice(r * inner, inner);
                if (TOp.TryAccumulateRow(acc, row)) continue;
                for (int i = 0; i < inner; i++) acc[i] = TOp.Accumulate(acc[i], row[i]);
            }
            for (int i = 0; i < inner; i++) acc[i] = TOp.Finish(acc[i], reduced);
        }
    }

    private static void ReduceLogSumExp(ReadOnlySpan<double> data, NnReduceLayout layout, Span<double> result)
    {
        int outer = layout.Outer, reduced = layout.Reduced, inner = layout.Inner;
        if (reduced == 0)
        {
            result.Fill(double.NegativeInfinity);
            return;
        }
        var column = new double[reduced];
        for (int o = 0; o < outer; o++)
        {
            for (int i = 0; i < inner; i++)
            {
                int baseIndex = o * reduced * inner + i;
                for (int r = 0; r < reduced; r++) column[r] = data[baseIndex + r * inner];
                double max = TensorPrimitives.Max<double>(column);
                if (double.IsInfinity(max))
                {
                    result[o * inner + i] = max;
                    continue;
                }
                double sum = 0;
                foreach (double v in column) sum += Math.Exp(v - max);
                result[o * inner + i] = Math.Log(sum) + max;
            }
        }
    }
}

internal readonly struct NnSumOp : INnReduceOp
{
    public static double Identity => 0;
    public static double Accumulate(double acc, double x) => acc + x;
    public static bool TryReduceSpan(ReadOnlySpan<double> x, out double result)
    {
        result = TensorPrimitives.Sum(x);
        return true;
    }

    public static bool TryAccumulateRow(Span<double> acc, ReadOnlySpan<double> row)
    {
        TensorPrimitives.Add(acc, row, acc);
        return true;
    }
}
