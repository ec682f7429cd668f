using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using static Pinhole.Runtime.Kernels.QuantizationHelpers;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// com.microsoft QGemm: Y = alpha * (A - a_zp)(B - b_zp) + C with int32 accumulation and int32 bias C (in units of
/// a_scale * b_scale), then requantized to y_scale / y_zero_point, or scaled to float when y_zero_point is absent.
/// </summary>
internal sealed class QGemm : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("com.microsoft", "QGemm", 1, info => new QGemm(info));

    private readonly float _alpha;
    private readonly bool _transA;
    private readonly bool _transB;

    private QGemm(KernelInfo info)
    {
        _alpha = info.GetFloat("alpha", 1f);
        _transA = info.GetInt("transA", 0) != 0;
        _transB = info.GetInt("transB", 0) != 0;
    }

    public override void Execute(KernelContext context)
    {
        var a = context.Input(0);
        var b = context.Input(3);
        var c = context.OptionalInput(6);
        var yScale = context.OptionalInput(7);
        var yZero = context.OptionalInput(8);
        if (a.Type is not (DataType.Int8 or DataType.UInt8) || b.Type is not (DataType.Int8 or DataType.UInt8))
            throw context.Error($"A and B must be int8 or uint8, are {DataTypes.OnnxName(a.Type)} and {DataTypes.OnnxName(b.Type)}");
        if (a.Rank != 2 || b.Rank != 2)
            throw context.Error($"A and B must be matrices, have shapes {Tensor.FormatShape(a.Shape)} and {Tensor.FormatShape(b.Shape)}");
        int m = _transA ? a.Shape[1] : a.Shape[0], k = _transA ? a.Shape[0] : a.Shape[1];
        int kb = _transB ? b.Shape[1] : b.Shape[0], n = _transB ? b.Shape[0] : b.Shape[1];
        if (k != kb) throw context.Error($"inner dimensions differ: A {Tensor.FormatShape(a.Shape)}, B {Tensor.FormatShape(b.Shape)} (transA={_transA}, transB={_transB})");
        float sa = ScalarFloat(context, context.Input(1), "a_scale");
        int za = ScalarZeroPoint(context, context.OptionalInput(2), "a_zero_point");
        var sb = ToFloatArray(context.Input(4));
        if (sb.Length != 1 && sb.Length != n) throw context.Error($"b_scale has {sb.Length} values; expected 1 or {n}");
        var bZero = context.OptionalInput(5);
        if (bZero is not null && bZero.Length != 1 && bZero.Length != n) throw context.Error($"b_zero_point has {bZero.Length} values; expected 1 or {n}");

        var ai = Matrix(a, _transA, m, k);
        if (za != 0) TensorPrimitives.Subtract(ai, za, ai);
        var bi = Matrix(b, _transB, k, n);
        if (bZero is not null)
        {
            var zb = new int[n];
            for (int j = 0; j < n; j++) zb[j] = (int)ReadInt64(bZero, bZero.Length == 1 ? 0 : j);
            for (int r = 0; r < k; r++) TensorPrimitives.Subtract(bi.AsSpan(r * n, n), zb, bi.AsSpan(r * n, n));
        }
        var acc = new int[m * n];
        if (c is not null) BroadcastBias(context, c, m, n, acc);
        Gemm(ai, bi, acc, m, k, n);

        var scales = new float[sb.Length];
        float sy = yScale is null ? 1f : ScalarFloat(context, yScale, "y_scale");
        for (int j = 0; j < scales.Length; j++)
        {
            scales[j] = _alpha * sa * sb[j];
            if (yScale is not null) scales[j] /= sy;
        }
        if (yZero is null)
        {
            var y = context.Output(0, DataType.Float, [m, n]);
            var ys = y.Span<float>();
            IntToFloat(acc, ys);
            if (scales.Length == 1) TensorPrimitives.Multiply(ys, scales[0], ys);
            else for (int r = 0; r < m; r++) TensorPrimitives.Multiply(ys.Slice(r * n, n), scales, ys.Slice(r * n, n));
            return;
        }
        if (yZero.Type is not (DataType.Int8 or DataType.UInt8))
            throw context.Error($"y_zero_point must be int8 or uint8, is {DataTypes.OnnxName(yZero.Type)}");
        int zy = ScalarZeroPoint(context, yZero, "y_zero_point");
        var (min, max) = Range(yZero.Type);
        var result = new float[m * n];
        if (scales.Length == 1)
        {
            Requantize(acc, scales[0], zy, min, max, result);
        }
        else
        {
            for (int i = 0; i < result.Length; i++)
                result[i] = Math.Clamp(MathF.Round(acc[i] * scales[i % n], MidpointRounding.ToEven) + zy, min, max);
        }
        StoreIntegers(result, context.Output(0, yZero.Type, [m, n]));
    }

    /// <summary>The int32 values of a matrix stored [rows, cols], or [cols, rows] when <paramref name="transposed"/>.</summary>
    private static int[] Matrix(Tensor t, bool transposed, int rows, int cols)
    {
        var v = ToInt32Array(t);
        if (!transposed) return v;
        var r = new int[rows * cols];
        for (int i = 0; i < cols; i++)
            for (int j = 0; j < rows; j++)
                r[j * cols + i] = v[i * rows + j];
        return r;
    }

    private static void BroadcastBias(KernelContext context, Tensor c, int m, int n, int[] acc)
    {
        if (c.Type != DataType.Int32) throw context.Error($"C must be int32, is {DataTypes.OnnxName(c.Type)}");
        if (c.Rank > 2) throw context.Error($"C must have rank 2 or less, has shape {Tensor.FormatShape(c.Shape)}");
        int rows = c.Rank == 2 ? c.Shape[0] : 1, cols = c.Rank >= 1 ? c.Shape[^1] : 1;
        if ((rows != 1 && rows != m) || (cols != 1 && cols != n))
            throw context.Error($"C of shape {Tensor.FormatShape(c.Shape)} does not broadcast to [{m},{n}]");
        var cv = c.ReadOnlySpan<int>();
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++)
                acc[i * n + j] = cv[(rows == 1 ? 0 : i) * cols + (cols == 1 ? 0 : j)];
    }
}
