using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>IsNaN (opset 9): bool tensor marking NaN elements of a floating-point tensor.</summary>
internal sealed class IsNaN : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "IsNaN", 9, _ => new IsNaN());

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        var y = context.Output(0, DataType.Bool, x.Shape).Span<bool>();
        switch (x.Type)
        {
            case DataType.Double:
                {
                    var s = x.ReadOnlySpan<double>();
                    for (int i = 0; i < s.Length; i++) y[i] = double.IsNaN(s[i]);
                    break;
                }
            case DataType.Float or DataType.Float16 or DataType.BFloat16:
                {
                    var s = FloatConversion.ToFloat(x).ReadOnlySpan<float>();
                    for (int i = 0; i < s.Length; i++) y[i] = float.IsNaN(s[i]);
                    break;
                }
            default:
                throw context.Error($"element type {DataTypes.OnnxName(x.Type)} is not supported");
        }
    }
}
