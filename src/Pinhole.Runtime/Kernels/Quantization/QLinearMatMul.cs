using System.Runtime.CompilerServices;
using static Pinhole.Runtime.Kernels.QuantizationHelpers;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// QLinearMatMul: quantized matmul with int32 accumulation and requantization to y's scale and zero point. A constant 2-D
/// b with constant scalar (or per-column for b) parameters runs on the int8 GEMM (<see cref="Int8MatMulPlan"/>); other
/// cases take the reference path.
/// </summary>
internal sealed class QLinearMatMul : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "QLinearMatMul", 10, info => new QLinearMatMul(info));

    private readonly Int8MatMulPlan? _plan;
    private readonly DataType _outType;
    private readonly GemmIsa _isa = Int8Gemm.Resolve(Isa.ForKernel);

    private QLinearMatMul(KernelInfo info)
    {
        var b = info.ConstantInput(3);
        var aScale = info.ConstantInput(1);
        var bScale = info.ConstantInput(4);
        var yScale = info.ConstantInput(6);
        var aZero = info.HasInput(2) ? info.ConstantInput(2) : null;
        var bZero = info.HasInput(5) ? info.ConstantInput(5) : null;
        var yZero = info.HasInput(7) ? info.ConstantInput(7) : null;
        if (b is null || aScale is null || bScale is null || yScale is null || (info.HasInput(2) && aZero is null)
            || (info.HasInput(5) && bZero is null) || (info.HasInput(7) && yZero is null))
            return;
        if (b.Rank != 2 || aScale.Length != 1 || yScale.Length != 1 || (aZero is not null && aZero.Length != 1) || (yZero is not null && yZero.Length != 1))
            return;
        _outType = yZero?.Type ?? DataType.UInt8;
        if (_outType is not (DataType.Int8 or DataType.UInt8)) return;
        int n = b.Shape[1];
        var sb = Int8Requant.PerRowFloats(bScale, n);
        if (sb is null) return;
        float sa = (float)aScale.GetDouble(0), sy = (float)yScale.GetDouble(0);
        var scale = new float[n];
        for (int j = 0; j < n; j++) scale[j] = sa * sb[j] / sy; // as the reference computes it
        int za = aZero is null ? 0 : (int)ReadInt64(aZero, 0), zy = yZero is null ? 0 : (int)ReadInt64(yZero, 0);
        _plan = Int8MatMulPlan.TryCreate(b, transposed: false, bZero, null, scale, za, zy);
    }

    public override string Variant => _plan is null ? "reference" : $"int8gemm{(_plan.Weights.Wide ? "-s16" : "")}/{Int8Gemm.Name(_isa)}";

    public override unsafe void Execute(KernelContext context)
    {
        var plan = _plan;
        var a0 = context.Input(0);
        if (plan is not null && a0.Type is DataType.Int8 or DataType.UInt8 && a0.Rank >= 2 && a0.Shape[^1] == plan.K)
        {
            Span<int> shape = stackalloc int[a0.Rank];
            a0.Shape.CopyTo(shape);
            shape[^1] = plan.N;
            int rows = plan.K == 0 ? 0 : a0.Length / plan.K;
            var yt = context.OutputUninitialized(0, _outType, shape);
            fixed (byte* pa = a0.Bytes())
            fixed (byte* py = yt.Bytes())
                plan.Run(pa, a0.Type == DataType.Int8, rows, py, null, _outType, context.Options.IntraOpThreads, _isa);
            return;
        }
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
