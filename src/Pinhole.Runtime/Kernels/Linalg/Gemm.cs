using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Gemm: Y = alpha * op(A) * op(B) + beta * C, C broadcast unidirectionally to (M, N). Also com.microsoft FusedGemm.</summary>
internal sealed class Gemm : OpKernel
{
    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "Gemm", 1, info => new Gemm(info, fused: false));
        KernelRegistry.Register("com.microsoft", "FusedGemm", 1, info => new Gemm(info, fused: true));
    }

    private readonly bool _transA;
    private readonly bool _transB;
    private readonly float _alpha;
    private readonly float _beta;
    private readonly LinalgActivation _activation;
    private readonly GemmIsa _isa = Isa.ForKernel;
    /// <summary>Constant B packed at prepare time (float32 models), else null.</summary>
    private readonly PackedMatrix? _packedB;
    /// <summary>beta * C when C is a constant row vector ([N] or [1, N]): added in the epilogue.</summary>
    private readonly float[]? _columnBias;

    private Gemm(KernelInfo info, bool fused)
    {
        _transA = info.GetInt("transA", 0) != 0;
        _transB = info.GetInt("transB", 0) != 0;
        _alpha = info.GetFloat("alpha", 1f);
        _beta = info.GetFloat("beta", 1f);
        _activation = LinalgActivation.None;
        if (fused)
        {
            string name = info.GetString("activation", "");
            float? Opt(string n) => info.HasAttribute(n) ? info.GetFloat(n, 0f) : null;
            _activation = LinalgActivation.Parse(name, Opt("activation_alpha"), Opt("activation_beta"), Opt("activation_gamma"))
                ?? throw info.Unsupported($"FusedGemm activation '{name}' is not supported");
        }
        var b = info.ConstantInput(1);
        if (b != null && b.Type == DataType.Float && b.Rank == 2 && b.Length > 0)
        {
            int k = _transB ? b.Shape[1] : b.Shape[0], n = _transB ? b.Shape[0] : b.Shape[1];
            _packedB = Linalg.PackB(_transB, k, n, b.ReadOnlySpan<float>(), b.Shape[1], _isa);
            var c = info.ConstantInput(2);
            if (c != null && c.Type == DataType.Float && _beta != 0f && ((c.Rank == 1 && c.Shape[0] == n) || (c.Rank == 2 && c.Shape[0] == 1 && c.Shape[1] == n)))
            {
                _columnBias = c.ReadOnlySpan<float>().ToArray();
                for (int j = 0; j < n; j++) _columnBias[j] *= _beta;
            }
        }
    }

    public override string Variant =>
        (_packedB != null ? "packed-B gemm" : "gemm") + "/" + Isa.Name(_isa) + (_activation.IsNone ? "" : "+" + _activation.Name);

    public override void Execute(KernelContext context)
    {
        var a = context.Input(0);
        var b = context.Input(1);
        var c = context.OptionalInput(2);
        if (a.Rank != 2 || b.Rank != 2) throw context.Error($"A and B must be 2-D, got {Tensor.FormatShape(a.Shape)} and {Tensor.FormatShape(b.Shape)}");
        int m = _transA ? a.Shape[1] : a.Shape[0];
        int k = _transA ? a.Shape[0] : a.Shape[1];
        int kb = _transB ? b.Shape[1] : b.Shape[0];
        int n = _transB ? b.Shape[0] : b.Shape[1];
        if (k != kb) throw context.Error($"inner dimensions differ: A {Tensor.FormatShape(a.Shape)} B {Tensor.FormatShape(b.Shape)} (transA={_transA}, transB={_transB})");
        if (b.Type != a.Type || (c != null && c.Type != a.Type)) throw context.Error("A, B and C must have the same element type");
        int cRows = 1, cCols = 1;
        if (c != null)
        {
            if (c.Rank > 2) throw context.Error($"C must have rank <= 2, got {Tensor.FormatShape(c.Shape)}");
            if (c.Rank == 2) { cRows = c.Shape[0]; cCols = c.Shape[1]; }
            else if (c.Rank == 1) cCols = c.Shape[0];
            if ((cRows != 1 && cRows != m) || (cCols != 1 && cCols != n))
                throw context.Error($"C {Tensor.FormatShape(c.Shape)} does not broadcast to [{m},{n}]");
        }
        int[] shape = [m, n];
        if (LinalgHelpers.ViaFloat32(a.Type))
        {
            var af = FloatConversion.ToFloat(a).ReadOnlySpan<float>();
            // Every element is written: by C (beta != 0) or by the GEMM with beta = 0.
            var y = a.Type == DataType.Float ? context.OutputUninitialized(0, DataType.Float, shape) : Tensor.Zeros(DataType.Float, shape);
            var ys = y.Span<float>();
            int threads = context.Options.IntraOpThreads;
            bool packed = _packedB != null && _packedB.Rows == k && _packedB.Columns == n;
            float beta = 0f;
            ReadOnlySpan<float> columnBias = default;
            if (packed && _columnBias != null && c != null)
            {
                columnBias = _columnBias;
            }
            else if (c != null && _beta != 0f)
            {
                FillC(FloatConversion.ToFloat(c).ReadOnlySpan<float>(), cRows, cCols, ys, m, n);
                beta = _beta;
            }
            var epilogue = new GemmEpilogue(default, columnBias, _activation);
            if (packed)
            {
                Linalg.Gemm(_transA, m, _alpha, af, a.Shape[1], _packedB!, beta, ys, n, threads, epilogue);
            }
            else
            {
                var bf = FloatConversion.ToFloat(b).ReadOnlySpan<float>();
                Linalg.Gemm(_transA, _transB, m, n, k, _alpha, af, a.Shape[1], bf, b.Shape[1], beta, ys, n, threads, _isa, epilogue);
            }
            if (a.Type != DataType.Float) FloatConversion.FromFloat(ys, context.Output(0, a.Type, shape));
            return;
        }
        var action = new Action(this, context, a, b, c, m, n, k, cRows, cCols);
        TypeDispatch.RequireNumeric(context, a.Type, ref action);
    }

    private static void FillC<T>(ReadOnlySpan<T> c, int cRows, int cCols, Span<T> y, int m, int n)
    {
        for (int i = 0; i < m; i++)
        {
            var row = y.Slice(i * n, n);
            var src = c.Slice((cRows == 1 ? 0 : i) * cCols, cCols);
            if (cCols == n) src.CopyTo(row);
            else row.Fill(src[0]);
        }
    }

    private readonly struct Action(Gemm g, KernelContext context, Tensor a, Tensor b, Tensor? c, int m, int n, int k, int cRows, int cCols) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T>
        {
            var y = context.Output(0, a.Type, [m, n]).Span<T>();
            T beta = T.Zero;
            if (c != null && g._beta != 0f)
            {
                FillC(c.ReadOnlySpan<T>(), cRows, cCols, y, m, n);
                beta = T.CreateTruncating(g._beta);
            }
            LinalgHelpers.NaiveGemm(g._transA, g._transB, m, n, k, T.CreateTruncating(g._alpha), a.ReadOnlySpan<T>(), a.Shape[1],
                b.ReadOnlySpan<T>(), b.Shape[1], beta, y, n);
        }
    }
}
