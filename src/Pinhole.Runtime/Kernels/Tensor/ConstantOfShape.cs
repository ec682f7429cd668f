using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>ConstantOfShape: a tensor of the shape given by input 0, filled with the one-element 'value' (default float 0).</summary>
internal sealed class ConstantOfShape : OpKernel
{
    private readonly Tensor? _value;
    private readonly DataType _type;

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "ConstantOfShape", 9, info => new ConstantOfShape(info));

    private ConstantOfShape(KernelInfo info)
    {
        _value = info.GetTensor("value");
        if (_value is not null && _value.Length != 1) throw info.Invalid("'value' must have exactly one element");
        _type = _value?.Type ?? DataType.Float;
    }

    /// <summary>
    /// The output for a constant shape, as constant folding wants it: without compiling a plan for the node, which cost the
    /// light backend-test models (their weights are ConstantOfShape nodes, 243 in ShuffleNet) time at load: ShuffleNet's first
    /// graph optimization took 27-31 ms with it, 16-17 without. Null for
    /// an invalid shape or 'value', left to the kernel to report; <paramref name="maxBytes"/> bounds the result.
    /// </summary>
    internal static Tensor? TryFold(Tensor shapeInput, Tensor? value, long maxBytes)
    {
        if (shapeInput.Type != DataType.Int64 || shapeInput.Rank != 1 || value is { Length: not 1 }) return null;
        var dims = TensorMoves.Int64s(shapeInput);
        var shape = new int[dims.Length];
        long count = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            if (dims[i] is < 0 or > int.MaxValue) return null;
            shape[i] = (int)dims[i];
            count *= shape[i];
            if (count > int.MaxValue) return null;
        }
        var type = value?.Type ?? DataType.Float;
        if (count * Math.Max(1, DataTypes.SizeOf(type)) > maxBytes) return null;
        var y = Tensor.Zeros(type, shape);
        if (value is not null && y.Length > 0) TensorMoves.Fill(y, value);
        return y;
    }

    public override void Execute(KernelContext context)
    {
        var dims = TensorMoves.Int64s(context.Input(0));
        var shape = new int[dims.Length];
        for (int i = 0; i < shape.Length; i++)
            shape[i] = dims[i] is >= 0 and <= int.MaxValue ? (int)dims[i] : throw context.Error($"invalid dimension {dims[i]}");
        if (_value is null)
        {
            context.Output(0, _type, shape);
            return;
        }
        var y = context.OutputUninitialized(0, _type, shape);
        if (y.Length > 0) TensorMoves.Fill(y, _value);
    }
}
