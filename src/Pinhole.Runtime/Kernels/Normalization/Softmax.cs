using System.Numerics.Tensors;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Softmax. Before opset 13 the input is coerced to 2-D at axis (default 1); from 13 it runs along one axis (default -1).</summary>
internal static class Softmax
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Softmax", 1, info => new NnSoftmaxKernel(info, NnSoftmaxKind.Softmax));
}

internal enum NnSoftmaxKind
{
    Softmax,
    LogSoftmax,
    Hardmax,
}

/// <summary>Softmax, LogSoftmax and Hardmax over [outer, n, inner], computed in float32.</summary>
internal sealed class NnSoftmaxKernel : OpKernel
{
    private readonly long _axis;
    private readonly bool _coerce2D;
    private readonly NnSoftmaxKind _kind;

    public override string Variant => _kind == NnSoftmaxKind.Softmax && NnFast.Enabled ? "rows vector" : "rows";

    public NnSoftmaxKernel(KernelInfo info, NnSoftmaxKind kind)
    {
        _coerce2D = info.OpsetVersion < 13;
        _axis = info.GetInt("axis", _coerce2D ? 1 : -1);
        _kind = kind;
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (!NnData.IsFloat(x.Type)) throw context.Error($"element type {DataTypes.OnnxName(x.Type)} is not supported");
        int rank = x.Rank;
        int axis;
        if (rank == 0) axis = 0;
        else
        {
            axis = NnData.Axis(_axis, rank);
            if (axis < 0 && !(_coerce2D && _axis == rank)) throw context.Error($"axis {_axis} is out of range for rank {rank}");
            if (axis < 0) axis = rank;
        }
        int outer, n, inner;
        if (rank == 0) { outer = 1; n = 1; inner = 1; }
        else if (_coerce2D) { outer = NnData.Product(x.Shape, 0, axis); n = NnData.Product(x.Shape, axis, rank); inner = 1; }
        else { outer = NnData.Product(x.Shape, 0, axis); n = x.Shape[axis]; inner = NnData.Product(x.Shape, axis + 1, rank); }

        if (_kind == NnSoftmaxKind.Softmax && inner == 1 && n > 0 && x.Type == DataType.Float && NnFast.Enabled)
        {
            var fast = context.OutputUninitialized(0, x.Type, x.Shape);
            SoftmaxRows(x.ReadOnlySpan<float>(), fast.Span<float>(), outer, n);
            return;
        }
        var y = context.Output(0, x.Type, x.Shape);
        if (y.Length == 0) return;
        var xs = NnData.Floats(x);
        float[]? temp = y.Type == DataType.Float ? null : new float[y.Length];
        Span<float> ys = temp ?? y.Span<float>();
        float[]? column = inner == 1 ? null : new float[n];
        for (int o = 0; o < outer; o++)
        {
            int block = o * n * inner;
            if (inner == 1)
            {
                Row(xs.Slice(block, n), ys.Slice(block, n));
                continue;
            }
            for (int i = 0; i < inner; i++)
            {
                for (int r = 0; r < n; r++) column![r] = xs[block + r * inner + i];
                Row(column, column);
                for (int r = 0; r < n; r++) ys[block + r * inner + i] = column![r];
            }
        }
        if (temp is not null) NnData.Store(temp, y);
    }

    /// <summary>Softmax over contiguous rows: subtract each row's max, one vectorized exp over everything, scale each row.</summary>
    internal static void SoftmaxRows(ReadOnlySpan<float> x, Span<float> y, int rows, int n)
    {
        const int Short = 16;
        for (int r = 0; r < rows; r++)
        {
            var xr = x.Slice(r * n, n);
            var yr = y.Slice(r * n, n);
            float max;
            if (n <= Short)
            {
                max = xr[0];
                for (int i = 1; i < n; i++) max = float.IsNaN(xr[i]) || xr[i] > max ? xr[i] : max;
                for (int i = 0; i < n; i++) yr[i] = xr[i] - max;
            }
            else
            {
                max = TensorPrimitives.Max(xr);
                TensorPrimitives.Subtract(xr, max, yr);
            }
        }
        TensorPrimitives.Exp(y[..(rows * n)], y[..(rows * n)]);
        for (int r = 0; r < rows; r++)
        {
            var yr = y.Slice(r * n, n);
            if (n <= Short)
            {
                float sum = 0;
                for (int i = 0; i < n; i++) sum += yr[i];
                for (int i = 0; i < n; i++) yr[i] /= sum;
            }
            else TensorPrimitives.Divide(yr, TensorPrimitives.Sum(yr), yr);
        }
    }

    private void Row(ReadOnlySpan<float> x, Span<float> y)
    {
        int best = TensorPrimitives.IndexOfMax(x);
        if (_kind == NnSoftmaxKind.Hardmax)
        {
            y.Clear();
            y[best] = 1;
            return;
        }
        float max = x[best];
        TensorPrimitives.Subtract(x, max, y);
        if (_kind == NnSoftmaxKind.Softmax)
        {
            TensorPrimitives.Exp(y, y);
            TensorPrimitives.Divide(y, TensorPrimitives.Sum(y), y);
        }
        else
        {
            float sum = 0;
            foreach (float v in y) sum += MathF.Exp(v);
            TensorPrimitives.Subtract(y, MathF.Log(sum), y);
        }
    }
}
