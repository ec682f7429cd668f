using System.Numerics;

namespace Pinhole.Runtime.Kernels;

/// <summary>Plain-loop GEMM for element types without a blocked path (double, integers), and small shared pieces.</summary>
public static class LinalgHelpers
{
    /// <summary>C = alpha * op(A) * op(B) + beta * C with plain loops (beta == 0 ignores C).</summary>
    public static void NaiveGemm<T>(bool transA, bool transB, int m, int n, int k, T alpha,
        ReadOnlySpan<T> a, int lda, ReadOnlySpan<T> b, int ldb, T beta, Span<T> c, int ldc) where T : INumber<T>
    {
        var row = new T[n];
        for (int i = 0; i < m; i++)
        {
            Array.Clear(row);
            for (int p = 0; p < k; p++)
            {
                T av = transA ? a[p * lda + i] : a[i * lda + p];
                if (!transB)
                {
                    var br = b.Slice(p * ldb, n);
                    for (int j = 0; j < n; j++) row[j] += av * br[j];
                }
                else
                {
                    for (int j = 0; j < n; j++) row[j] += av * b[j * ldb + p];
                }
            }
            var cr = c.Slice(i * ldc, n);
            bool betaZero = T.IsZero(beta);
            for (int j = 0; j < n; j++) cr[j] = alpha * row[j] + (betaZero ? T.Zero : beta * cr[j]);
        }
    }

    /// <summary>Whether the runtime element type is computed in float32 (float, float16, bfloat16).</summary>
    public static bool ViaFloat32(DataType t) => t is DataType.Float or DataType.Float16 or DataType.BFloat16;
}
