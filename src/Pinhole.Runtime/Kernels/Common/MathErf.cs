namespace Pinhole.Runtime.Kernels;

/// <summary>The error function in double precision (used by Erf and Gelu).</summary>
public static class MathErf
{
    /// <summary>erf(x): Maclaurin series for |x| &lt; 0.5, otherwise 1 - erfc(|x|) from a Chebyshev fit (relative error of erfc below 1.2e-7).</summary>
    public static double Erf(double x)
    {
        if (double.IsNaN(x)) return x;
        double ax = Math.Abs(x);
        if (ax < 0.5)
        {
            // erf(x) = 2/sqrt(pi) * sum (-1)^n x^(2n+1) / (n! (2n+1))
            double x2 = x * x, term = x, sum = x;
            for (int n = 1; n < 12; n++)
            {
                term *= -x2 / n;
                sum += term / (2 * n + 1);
            }
            return sum * 1.1283791670955126;
        }
        if (ax > 6) return x > 0 ? 1 : -1;
        double t = 1.0 / (1.0 + 0.5 * ax);
        double erfc = t * Math.Exp(-ax * ax - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418
            + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223
            + t * 0.17087277)))))))));
        return x > 0 ? 1 - erfc : erfc - 1;
    }
}
