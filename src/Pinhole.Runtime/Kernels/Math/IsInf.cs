using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>IsInf (opset 10): bool tensor marking infinities (positive and/or negative, per detect_positive/detect_negative).</summary>
internal sealed class IsInf : OpKernel
{
    private readonly bool _positive;
    private readonly bool _negative;

    private IsInf(KernelInfo info)
    {
        _positive = info.GetInt("detect_positive", 1) != 0;
        _negative = info.GetInt("detect_negative", 1) != 0;
    }

    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "IsInf", 10, info => new IsInf(info));

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        var y = context.Output(0, DataType.Bool, x.Shape).Span<bool>();
        switch (x.Type)
        {
            case DataType.Double:
                {
                    var s = x.ReadOnlySpan<double>();
                    for (int i = 0; i < s.Length; i++)
                        y[i] = (_positive && double.IsPositiveInfinity(s[i])) || (_negative && double.IsNegativeInfinity(s[i]));
                    break;
                }
            case DataType.Float or DataType.Float16 or DataType.BFloat16:
                {
                    var s = FloatConversion.ToFloat(x).ReadOnlySpan<float>();
                    for (int i = 0; i < s.Length; i++)
                        y[i] = (_positive && float.IsPositiveInfinity(s[i])) || (_negative && float.IsNegativeInfinity(s[i]));
                    break;
                }
            default:
                throw context.Error($"element type {DataTypes.OnnxName(x.Type)} is not supported");
        }
    }
}
