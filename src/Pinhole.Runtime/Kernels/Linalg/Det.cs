using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Det: determinants of [*, M, M] matrices by LU decomposition with partial pivoting (in double).</summary>
internal sealed class Det : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Det", 11, _ => new Det());

    public override void Execute(KernelContext context)
    {
        var xt = context.Input(0);
        if (xt.Rank < 2 || xt.Shape[^1] != xt.Shape[^2])
            throw context.Error($"input must be [*, M, M], got {Tensor.FormatShape(xt.Shape)}");
        if (!DataTypes.IsFloatingPoint(xt.Type)) throw context.Error($"element type {DataTypes.OnnxName(xt.Type)} is not supported");
        int n = xt.Shape[^1];
        var outShape = xt.Shape.AsSpan(0, xt.Rank - 2).ToArray();
        int count = Tensor.ElementCount(outShape);
        var result = new double[count];
        var a = new double[n * n];
        for (int b = 0; b < count; b++)
        {
            for (int i = 0; i < n * n; i++) a[i] = xt.GetDouble((b * n * n) + i);
            double det = 1;
            for (int col = 0; col < n; col++)
            {
                int p = col;
                for (int i = col + 1; i < n; i++)
                    if (Math.Abs(a[(i * n) + col]) > Math.Abs(a[(p * n) + col])) p = i;
                if (a[(p * n) + col] == 0) { det = 0; break; }
                if (p != col)
                {
                    for (int j = 0; j < n; j++) (a[(p * n) + j], a[(col * n) + j]) = (a[(col * n) + j], a[(p * n) + j]);
                    det = -det;
                }
                double pivot = a[(col * n) + col];
                det *= pivot;
                for (int i = col + 1; i < n; i++)
                {
                    double f = a[(i * n) + col] / pivot;
                    if (f == 0) continue;
                    for (int j = col; j < n; j++) a[(i * n) + j] -= f * a[(col * n) + j];
                }
            }
            result[b] = det;
        }
        var y = context.Output(0, xt.Type, outShape);
        switch (xt.Type)
        {
            case DataType.Double: result.CopyTo(y.Span<double>()); break;
            case DataType.Float: for (int i = 0; i < count; i++) y.Span<float>()[i] = (float)result[i]; break;
            case DataType.Float16: for (int i = 0; i < count; i++) y.Span<Half>()[i] = (Half)result[i]; break;
            default: for (int i = 0; i < count; i++) y.Span<BFloat16>()[i] = (BFloat16)(float)result[i]; break;
        }
    }
}
