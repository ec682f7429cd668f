using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>com.microsoft QLinearSigmoid: Y = quantize(sigmoid(dequantize(X))), through a 256-entry lookup table.</summary>
internal sealed class QLinearSigmoid : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("com.microsoft", "QLinearSigmoid", 1, _ => new QLinearSigmoid());

    public override void Execute(KernelContext context) =>
        QLinearLookup.Run(context, static v => 1f / (1f + MathF.Exp(-v)));
}

/// <summary>Shared body of quantized 8-bit unary ops (X, X_scale, X_zero_point, Y_scale, Y_zero_point): a table of all 256 results.</summary>
internal static class QLinearLookup
{
    public static void Run(KernelContext context, Func<float, float> function)
    {
        var x = context.Input(0);
        if (x.Type is not (DataType.Int8 or DataType.UInt8))
            throw context.Error($"X must be int8 or uint8, is {DataTypes.OnnxName(x.Type)}");
        float sx = QuantizationHelpers.ScalarFloat(context, context.Input(1), "X_scale");
        int zx = QuantizationHelpers.ScalarZeroPoint(context, context.OptionalInput(2), "X_zero_point");
        float sy = QuantizationHelpers.ScalarFloat(context, context.Input(3), "Y_scale");
        int zy = QuantizationHelpers.ScalarZeroPoint(context, context.OptionalInput(4), "Y_zero_point");
        var (min, max) = QuantizationHelpers.Range(x.Type);
        // The table is built per run (256 calls of the function, not one per element), indexed by the stored byte.
        Span<byte> table = stackalloc byte[256];
        for (int i = 0; i < 256; i++)
        {
            int q = x.Type == DataType.Int8 ? (sbyte)(byte)i : i;
            float v = function((q - zx) * sx);
            float r = Math.Clamp(MathF.Round(v / sy, MidpointRounding.ToEven) + zy, min, max);
            table[i] = x.Type == DataType.Int8 ? (byte)(sbyte)r : (byte)r;
        }
        var y = context.Output(0, x.Type, x.Shape);
        var src = x.Bytes();
        var dst = y.Bytes();
        for (int i = 0; i < src.Length; i++) dst[i] = table[src[i]];
    }
}
