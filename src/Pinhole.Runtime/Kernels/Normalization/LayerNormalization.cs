using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// LayerNormalization (opset 17+): normalizes over axes [axis, rank), then scales and shifts; optional outputs
/// Mean and InvStdDev have shape X.shape[:axis] + [1]*. Computed in float32 whatever stash_type says.
/// </summary>
internal sealed class LayerNormalization : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "LayerNormalization", 17, info => new LayerNormalization(info));

    private readonly long _axis;
    private readonly float _epsilon;
    private readonly DataType? _statType;

    private LayerNormalization(KernelInfo info)
    {
        _axis = info.GetInt("axis", -1);
        _epsilon = info.GetFloat("epsilon", 1e-5f);
        // Mean and InvStdDev have type U (float unless the model declares otherwise).
        var declared = info.OutputType(1) as IR.TensorTypeInfo ?? info.OutputType(2) as IR.TensorTypeInfo;
        _statType = declared is { ElementType: DataType.Float or DataType.Double or DataType.Float16 or DataType.BFloat16 } ? declared.ElementType : null;
    }

    /// <summary>
    /// Float rows with a full-length float Scale (and B): no copies of the parameters, no statistics arrays, the
    /// scale and shift fused into one pass. False when the parameters need broadcasting (the general path).
    /// </summary>
    private bool TryRows(KernelContext context, Tensor x, int outer, int n)
    {
        var scaleTensor = context.Input(1);
        var biasTensor = context.OptionalInput(2);
        if (scaleTensor.Type != DataType.Float || scaleTensor.Length != n) return false;
        if (biasTensor is not null && (biasTensor.Type != DataType.Float || biasTensor.Length != n)) return false;
        var scale = scaleTensor.ReadOnlySpan<float>();
        var bias = biasTensor is null ? default : biasTensor.ReadOnlySpan<float>();
        var xs = x.ReadOnlySpan<float>();
        var ys = context.OutputUninitialized(0, x.Type, x.Shape).Span<float>();
        for (int o = 0; o < outer; o++)
        {
            var row = ys.Slice(o * n, n);
            var (_, variance) = NnRows.Center(xs.Slice(o * n, n), row);
            float invStd = 1f / MathF.Sqrt(variance + _epsilon);
            System.Numerics.Tensors.TensorPrimitives.Multiply(row, invStd, row);
            if (biasTensor is null) System.Numerics.Tensors.TensorPrimitives.Multiply(row, scale, row);
            else System.Numerics.Tensors.TensorPrimitives.FusedMultiplyAdd(row, scale, bias, row);
        }
        return true;
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (!NnData.IsFloat(x.Type)) throw context.Error($"element type {DataTypes.OnnxName(x.Type)} is not supported");
        int rank = x.Rank;
        int axis = NnData.Axis(_axis, rank);
        if (axis < 0) throw context.Error($"axis {_axis} is out of range for rank {rank}");
        var normalizedShape = x.Shape.AsSpan(axis);
        if (x.Type == DataType.Float && NnFast.Enabled && !context.HasOutput(1) && !context.HasOutput(2)
            && TryRows(context, x, NnData.Product(x.Shape, 0, axis), NnData.Product(x.Shape, axis, rank)))
            return;
        var scale = NnRows.Broadcast(context.Input(1), normalizedShape)
            ?? throw context.Error($"Scale of shape {Tensor.FormatShape(context.Input(1).Shape)} does not match {Tensor.FormatShape(normalizedShape)}");
        var bias = NnRows.Broadcast(context.OptionalInput(2), normalizedShape)
            ?? throw context.Error("B does not match the normalized shape");
        int outer = NnData.Product(x.Shape, 0, axis), n = NnData.Product(x.Shape, axis, rank);

        var statShape = (int[])x.Shape.Clone();
        for (int i = axis; i < rank; i++) statShape[i] = 1;
        var y = context.Output(0, x.Type, x.Shape);
        var statType = context.HasOutput(1) || context.HasOutput(2) ? _statType ?? DataType.Float : DataType.Float;
        var meanOut = context.HasOutput(1) ? context.Output(1, statType, statShape) : null;
        var invStdOut = context.HasOutput(2) ? context.Output(2, statType, statShape) : null;
        var means = new float[outer];
        var invStds = new float[outer];
        var xs = NnData.Floats(x);
        var ys = NnRows.Destination(y, out var temp);
        for (int o = 0; o < outer; o++)
        {
            var row = ys.Slice(o * n, n);
            var (mean, variance) = NnRows.Center(xs.Slice(o * n, n), row);
            float invStd = 1f / MathF.Sqrt(variance + _epsilon);
            System.Numerics.Tensors.TensorPrimitives.Multiply(row, invStd, row);
            NnRows.ScaleShift(row, scale, bias);
            means[o] = mean;
            invStds[o] = invStd;
        }
        NnRows.Commit(y, temp);
        if (meanOut is not null) NnData.Store(means, meanOut);
        if (invStdOut is not null) NnData.Store(invStds, invStdOut);
    }
}
