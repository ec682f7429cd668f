using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>OneHot: a new axis of size depth holding on_value at each index and off_value elsewhere.</summary>
internal sealed class OneHot : OpKernel
{
    private readonly long _axis;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "OneHot", 9, info => new OneHot(info));

    private OneHot(KernelInfo info) => _axis = info.GetInt("axis", -1);

    public override void Execute(KernelContext context)
    {
        var indices = context.Input(0);
        var depthTensor = context.Input(1);
        var values = context.Input(2);
        if (depthTensor.Length != 1) throw context.Error("depth must have one element");
        if (values.Length != 2) throw context.Error("values must have two elements");
        double depthValue = depthTensor.Type == DataType.String ? throw context.Error("depth must be numeric") : depthTensor.GetDouble(0);
        if (depthValue < 1 || depthValue > int.MaxValue) throw context.Error($"depth {depthValue} is invalid");
        int depth = (int)depthValue;
        int rank = indices.Rank + 1;
        if (_axis < -rank || _axis >= rank) throw context.Error($"axis {_axis} is out of range for output rank {rank}");
        int axis = (int)(_axis < 0 ? _axis + rank : _axis);
        var idx = Tensor.Zeros(DataType.Int64, indices.Shape);
        TensorCast.Convert(indices, idx);
        var shape = new int[rank];
        indices.Shape.AsSpan(0, axis).CopyTo(shape);
        shape[axis] = depth;
        indices.Shape.AsSpan(axis).CopyTo(shape.AsSpan(axis + 1));
        var y = context.Output(0, values.Type, shape);
        int inner = Tensor.ElementCount(indices.Shape.AsSpan(axis));
        var action = new Fill(idx.ReadOnlySpan<long>().ToArray(), values, y, depth, inner);
        TensorMoves.Dispatch(values.Type, ref action);
    }

    private readonly struct Fill(long[] idx, Tensor values, Tensor y, int depth, int inner) : IElementAction
    {
        public void Invoke<T>()
        {
            var v = TensorMoves.Elements<T>(values);
            var dst = TensorMoves.Elements<T>(y);
            dst.Fill(v[0]);
            for (int i = 0; i < idx.Length; i++)
            {
                long k = idx[i] < 0 ? idx[i] + depth : idx[i];
                if (k < 0 || k >= depth) continue;
                int o = i / inner, n = i % inner;
                dst[(o * depth + (int)k) * inner + n] = v[1];
            }
        }
    }
}
