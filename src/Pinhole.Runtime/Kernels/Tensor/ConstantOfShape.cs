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
