using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// com.microsoft Gelu (exact, one input); shared by BiasGelu (gelu(A + B)) and FastGelu (tanh approximation with an
/// optional bias). Computed in float for float, float16 and bfloat16.
/// </summary>
internal sealed class ContribGelu(bool tanh) : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("com.microsoft", "Gelu", 1, _ => new ContribGelu(tanh: false));

    private readonly GeluFunction _gelu = new(tanh);

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Type is not (DataType.Float or DataType.Float16 or DataType.BFloat16))
            throw context.Error($"element type {DataTypes.OnnxName(x.Type)} is not supported");
        var xf = FloatConversion.ToFloat(x);
        var bias = context.OptionalInput(1);
        var shape = x.Shape;
        var values = new float[x.Length];
        if (bias is not null)
        {
            if (bias.Type != x.Type) throw context.Error($"bias type {DataTypes.OnnxName(bias.Type)} differs from input type {DataTypes.OnnxName(x.Type)}");
            var bf = FloatConversion.ToFloat(bias);
            try { shape = Broadcast.Shape(x.Shape, bias.Shape); }
            catch (ArgumentException e) { throw context.Error(e.Message); }
            if (Tensor.ElementCount(shape) != x.Length) throw context.Error($"bias shape {Tensor.FormatShape(bias.Shape)} does not broadcast to input shape {Tensor.FormatShape(x.Shape)}");
            Broadcast.Binary<float, float, AddOp<float>>(xf.ReadOnlySpan<float>(), x.Shape, bf.ReadOnlySpan<float>(), bias.Shape, values, shape);
        }
        else
        {
            xf.ReadOnlySpan<float>().CopyTo(values);
        }
        if (!NnFast.Enabled || !_gelu.TryInvoke(values, values))
            for (int i = 0; i < values.Length; i++) values[i] = _gelu.Invoke(values[i]);
        FloatConversion.FromFloat(values, context.Output(0, x.Type, shape));
    }
}
