using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>MatMul: numpy matmul with batch broadcasting and 1-D operands. float/float16/bfloat16 via the blocked GEMM.</summary>
internal sealed class MatMul : OpKernel
{
    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "MatMul", 1, info => new MatMul(info, false, false, 1f));
        KernelRegistry.Register("com.microsoft", "FusedMatMul", 1, info =>
        {
            if (info.GetInt("transBatchA", 0) != 0 || info.GetInt("transBatchB", 0) != 0)
                throw info.Unsupported("FusedMatMul with transBatchA/transBatchB is not supported");
            return new MatMul(info, info.GetInt("transA", 0) != 0, info.GetInt("transB", 0) != 0, info.GetFloat("alpha", 1f));
        });
    }

    private readonly bool _transA;
    private readonly bool _transB;
    private readonly float _alpha;
    private readonly GemmIsa _isa = Isa.ForKernel;
    /// <summary>A constant 2-D float32 B, packed at prepare time.</summary>
    private readonly PackedMatrix? _packedB;

    private MatMul(KernelInfo info, bool transA, bool transB, float alpha)
    {
        _transA = transA;
        _transB = transB;
        _alpha = alpha;
        var b = info.ConstantInput(1);
        if (b != null && b.Type == DataType.Float && b.Rank == 2 && b.Length > 0)
        {
            int k = transB ? b.Shape[1] : b.Shape[0], n = transB ? b.Shape[0] : b.Shape[1];
            _packedB = Linalg.PackB(transB, k, n, b.ReadOnlySpan<float>(), b.Shape[1], _isa);
        }
    }

    public override string Variant => (_packedB != null ? "packed-B gemm" : "gemm") + "/" + Isa.Name(_isa);

    public override void Execute(KernelContext context)
    {
        var a = context.Input(0);
        var b = context.Input(1);
        if (a.Type != b.Type) throw context.Error("A and B must have the same element type");
        if (a.Rank == 0 || b.Rank == 0) throw context.Error("MatMul operands must have rank >= 1");
        var plan = Plan.Create(context, Swap(a.Shape, _transA), Swap(b.Shape, _transB));
        int lda = _transA ? plan.M : plan.K, ldb = _transB ? plan.K : plan.N;
        if (LinalgHelpers.ViaFloat32(a.Type))
        {
            var af = FloatConversion.ToFloat(a).ReadOnlySpan<float>();
            // The GEMMs below overwrite every element (beta = 0).
            var y = a.Type == DataType.Float ? context.OutputUninitialized(0, DataType.Float, plan.OutShape) : Tensor.Zeros(DataType.Float, plan.OutShape);
            var ys = y.Span<float>();
            int threads = context.Options.IntraOpThreads;
            if (_packedB != null && b.Rank == 2 && plan.ABatchStride == plan.M * plan.K && !_transA
                && _packedB.Rows == plan.K && _packedB.Columns == plan.N)
            {
                Linalg.Gemm(false, plan.Batch * plan.M, _alpha, af, plan.K, _packedB, 0f, ys, plan.N, threads, default);
                if (a.Type != DataType.Float) FloatConversion.FromFloat(ys, context.Output(0, a.Type, plan.OutShape));
                return;
            }
            var bf = FloatConversion.ToFloat(b).ReadOnlySpan<float>();
            if (plan.BBatchStride == 0 && plan.ABatchStride == plan.M * plan.K && !_transA)
            {
                // B shared by every batch: fold the batches into M.
                Linalg.Gemm(false, _transB, plan.Batch * plan.M, plan.N, plan.K, _alpha, af, lda, bf, ldb, 0f, ys, plan.N, threads, _isa);
            }
            else
            {
                for (int i = 0; i < plan.Batch; i++)
                {
                    plan.Offsets(i, out int ao, out int bo);
                    Linalg.Gemm(_transA, _transB, plan.M, plan.N, plan.K, _alpha, af.Slice(ao), lda, bf.Slice(bo), ldb, 0f,
                        ys.Slice(i * plan.M * plan.N), plan.N, threads, _isa);
                }
            }
            if (a.Type != DataType.Float) FloatConversion.FromFloat(ys, context.Output(0, a.Type, plan.OutShape));
            return;
        }
        if (_transA || _transB || _alpha != 1f) throw context.Error("FusedMatMul supports float types only");
        var action = new Action(context, a, b, plan);
        TypeDispatch.RequireNumeric(context, a.Type, ref action);
    }

    private static int[] Swap(int[] shape, bool swap)
    {
        if (!swap || shape.Length < 2) return shape;
        var r = (int[])shape.Clone();
        (r[^1], r[^2]) = (r[^2], r[^1]);
        return r;
    }

    private readonly struct Action(KernelContext context, Tensor a, Tensor b, Plan plan) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T>
        {
            var y = context.Output(0, a.Type, plan.OutShape).Span<T>();
            var sa = a.ReadOnlySpan<T>();
            var sb = b.ReadOnlySpan<T>();
            for (int i = 0; i < plan.Batch; i++)
            {
                plan.Offsets(i, out int ao, out int bo);
                LinalgHelpers.NaiveGemm(false, false, plan.M, plan.N, plan.K, T.One, sa.Slice(ao), plan.K, sb.Slice(bo), plan.N, T.Zero,
                    y.Slice(i * plan.M * plan.N), plan.N);
            }
        }
    }

    /// <summary>Shapes and batch-offset mapping for one MatMul call.</summary>
    internal sealed class Plan
    {
        public int M, N, K, Batch, ABatchStride, BBatchStride;
        public int[] OutShape = [];
        private int[] _batchShape = [];
        private int[] _aStrides = [];
        private int[] _bStrides = [];

        public static Plan Create(KernelContext context, int[] aShape, int[] bShape)
        {
            var p = new Plan();
            int[] a2 = aShape.Length == 1 ? [1, aShape[0]] : aShape;
            int[] b2 = bShape.Length == 1 ? [bShape[0], 1] : bShape;
            p.M = a2[^2];
            p.K = a2[^1];
            p.N = b2[^1];
            if (b2[^2] != p.K)
                throw context.Error($"inner dimensions differ: {Tensor.FormatShape(aShape)} x {Tensor.FormatShape(bShape)}");
            int ra = a2.Length - 2, rb = b2.Length - 2, r = Math.Max(ra, rb);
            p._batchShape = new int[r];
            p._aStrides = new int[r];
            p._bStrides = new int[r];
            int strideA = p.M * p.K, strideB = p.K * p.N;
            for (int d = r - 1; d >= 0; d--)
            {
                int da = d - (r - ra) >= 0 ? a2[d - (r - ra)] : 1;
                int db = d - (r - rb) >= 0 ? b2[d - (r - rb)] : 1;
                if (da != db && da != 1 && db != 1)
                    throw context.Error($"batch dimensions do not broadcast: {Tensor.FormatShape(aShape)} x {Tensor.FormatShape(bShape)}");
                p._batchShape[d] = Math.Max(da, db);
                if (da == 0 || db == 0) p._batchShape[d] = 0;
                p._aStrides[d] = da == 1 ? 0 : strideA;
                p._bStrides[d] = db == 1 ? 0 : strideB;
                strideA *= da;
                strideB *= db;
            }
            p.Batch = Tensor.ElementCount(p._batchShape);
            bool aFull = ra == r, bBroadcast = true;
            for (int d = 0; d < r; d++)
            {
                if (aFull && a2[d] != p._batchShape[d]) aFull = false;
                if (p._bStrides[d] != 0 && p._batchShape[d] != 1) bBroadcast = false;
            }
            p.ABatchStride = aFull ? p.M * p.K : -1;
            p.BBatchStride = bBroadcast ? 0 : -1;
            var outShape = new List<int>(p._batchShape);
            if (aShape.Length > 1) outShape.Add(p.M);
            if (bShape.Length > 1) outShape.Add(p.N);
            p.OutShape = [.. outShape];
            return p;
        }

        public void Offsets(int batchIndex, out int aOffset, out int bOffset)
        {
            aOffset = 0;
            bOffset = 0;
            int rem = batchIndex;
            for (int d = _batchShape.Length - 1; d >= 0; d--)
            {
                int i = rem % _batchShape[d];
                rem /= _batchShape[d];
                aOffset += i * _aStrides[d];
                bOffset += i * _bStrides[d];
            }
        }
    }
}
