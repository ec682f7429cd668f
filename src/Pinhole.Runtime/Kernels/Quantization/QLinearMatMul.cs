using System.Runtime.CompilerServices;
using static Pinhole.Runtime.Kernels.QuantizationHelpers;

namespace Pinhole.Runtime.Kernels;

/// <summary>QLinearMatMul: quantized matmul with int32 accumulation and requantization to y's scale and zero point.</summary>
internal sealed class QLinearMatMul : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "QLinearMatMul", 10, _ => new QLinearMatMul());

    public override void Execute(KernelContext context)
    {
        var a = context.Input(0);
        var aScale = context.Input(1);
        var aZero = context.OptionalInput(2);
        var b = context.Input(3);
        var bScale = context.Input(4);
        var bZero = context.OptionalInput(5);
        var yScale = context.Input(6);
        var yZero = context.OptionalInput(7);
        var outType = yZero?.Type ?? DataType.UInt8;
        if (!IsQuantizedInteger(outType) || outType == DataType.Int32)
            throw context.Error($"output type {DataTypes.OnnxName(outType)} is not supported");
        var layout = MatMulLayout.Create(context, a.Shape, b.Shape);
        var acc = MatMulInt(context, layout, a, aZero, b, bZero);
        int m = layout.M, n = layout.N;
        var sa = ToFloatArray(aScale);
        var sb = ToFloatArray(bScale);
        if (sa.Length != 1 && sa.Length != m) throw context.Error($"a_scale has {sa.Length} values; expected 1 or {m}");
        if (sb.Length != 1 && sb.Length != n) throw context.Error($"b_scale has {sb.Length} values; expected 1 or {n}");
        float sy = ScalarFloat(context, yScale, "y_scale");
        int zy = ScalarZeroPoint(context, yZero, "y_zero_point");
        var (min, max) = Range(outType);
        var result = new float[acc.Length];
        if (sb.Length == 1)
        {
            for (int bi = 0; bi < layout.Batch; bi++)
            {
                for (int r = 0; r < m; r++)
                {
                    float mult = sa[sa.Length == 1 ? 0 : r] * sb[0] / sy;
                    int off = (bi * m + r) * n;
                    Requantize(acc.AsSpan(off, n), mult, zy, min, max, result.AsSpan(off, n));
                }
            }
        }
        else
        {
            for (int i = 0; i < acc.Length; i++)
            {
                int r = i / n % m, col = i % n;
                float v = acc[i] * (sa[sa.Length == 1 ? 0 : r] * sb[col] / sy);
                result[i] = Math.Clamp(MathF.Round(v, MidpointRounding.ToEven) + zy, min, max);
            }
        }
        var y = context.Output(0, outType, layout.OutputShape);
        StoreIntegers(result, y);
    }
}
