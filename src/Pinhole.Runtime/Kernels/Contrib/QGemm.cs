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

    private readonly Int8MatMulPlan? _plan;
    private readonly GemmIsa _isa = Int8Gemm.Resolve(Isa.ForKernel);

    private QGemm(KernelInfo info)
    {
        _alpha = info.GetFloat("alpha", 1f);
        _transA = info.GetInt("transA", 0) != 0;
        _transB = info.GetInt("transB", 0) != 0;
        _plan = _transA ? null : TryPlan(info);
    }

    /// <summary>The int8 GEMM plan for a constant B with constant scalar/per-column parameters and a per-column (or no) C.</summary>
    private Int8MatMulPlan? TryPlan(KernelInfo info)
    {
        var b = info.ConstantInput(3);
        var aScale = info.ConstantInput(1);
        var bScale = info.ConstantInput(4);
        var aZero = info.HasInput(2) ? info.ConstantInput(2) : null;
        var bZero = info.HasInput(5) ? info.ConstantInput(5) : null;
        var c = info.HasInput(6) ? info.ConstantInput(6) : null;
        var yScale = info.HasInput(7) ? info.ConstantInput(7) : null;
        var yZero = info.HasInput(8) ? info.ConstantInput(8) : null;
        if (b is null || aScale is null || bScale is null || (info.HasInput(2) && aZero is null) || (info.HasInput(5) && bZero is null)
            || (info.HasInput(6) && c is null) || (info.HasInput(7) && yScale is null) || (info.HasInput(8) && yZero is null))
            return null;
        if (b.Rank != 2 || aScale.Length != 1 || (aZero is not null && aZero.Length != 1) || (yScale is not null && yScale.Length != 1))
            return null;
        if (yZero is not null && (yZero.Length != 1 || yZero.Type is not (DataType.Int8 or DataType.UInt8))) return null;
        int n = _transB ? b.Shape[0] : b.Shape[1];
        var sb = Int8Requant.PerRowFloats(bScale, n);
        if (sb is null) return null;
        int[]? bias = null;
        if (c is not null)
        {
            // Only a C that is the same for every row folds into the per-column constants.
            if (c.Type != DataType.Int32 || c.Rank > 2 || (c.Rank == 2 && c.Shape[0] != 1) || (c.Length != 1 && c.Length != n)) return null;
            bias = new int[n];
            var cv = c.ReadOnlySpan<int>();
            for (int j = 0; j < n; j++) bias[j] = cv[c.Length == 1 ? 0 : j];
        }
        float sa = (float)aScale.GetDouble(0), sy = yScale is null ? 1f : (float)yScale.GetDouble(0);
        var scale = new float[n];
        for (int j = 0; j < n; j++)
        {
            scale[j] = _alpha * sa * sb[j]; // as the reference computes it
            if (yScale is not null) scale[j] /= sy;
        }
        int za = aZero is null ? 0 : (int)ReadInt64(aZero, 0), zy = yZero is null ? 0 : (int)ReadInt64(yZero, 0);
        return Int8MatMulPlan.TryCreate(b, _transB, bZero, bias, scale, za, zy);
    }

    public override string Variant => _plan is null ? "reference" : $"int8gemm{(_plan.Weights.Wide ? "-s16" : "")}/{Int8Gemm.Name(_isa)}";

    public override unsafe void Execute(KernelContext context)
    {
        var plan = _plan;
        var a0 = context.Input(0);
        if (plan is not null && a0.Type is DataType.Int8 or DataType.UInt8 && a0.Rank == 2 && a0.Shape[1] == plan.K)
        {
            var yZeroPoint = context.OptionalInput(8);
            int rows = a0.Shape[0];
            var outType = yZeroPoint?.Type ?? DataType.Float;
            var yt = context.OutputUninitialized(0, outType, [rows, plan.N]);
            fixed (byte* pa = a0.Bytes())
            fixed (byte* py = yt.Bytes())
                plan.Run(pa, a0.Type == DataType.Int8, rows, yZeroPoint is null ? null : py, yZeroPoint is null ? (float*)py : null, outType,
                    context.Options.IntraOpThreads, _isa);
            return;
        }
        var a = a0;
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
