namespace Pinhole.Tools.Quantization;

/// <summary>
/// Entropy calibration (TensorRT's): over the magnitude histogram, the clipping threshold whose distribution, collapsed to
/// the grid's levels, diverges least (Kullback-Leibler) from the observed one, with the clipped tail added to the last bin.
/// </summary>
internal static class EntropyRange
{
    public static TensorRange Estimate(TensorStatistics stats, int levels)
    {
        var folded = RangeEstimator.Folded(stats);
        int bins = folded.Length;
        double binWidth = stats.Bound / bins;
        if (bins <= levels) return new TensorRange(stats.Min, stats.Max);

        var reference = new double[bins];
        var expanded = new double[bins];
        double bestDivergence = double.PositiveInfinity;
        int best = bins;
        long tail = 0;
        for (int i = bins - 1; i >= levels; i--) tail += folded[i];
        for (int i = levels; i <= bins; i++)
        {
            // Candidate: keep bins [0, i), fold the rest into bin i - 1.
            for (int j = 0; j < i; j++) reference[j] = folded[j];
            long outliers = 0;
            for (int j = i; j < bins; j++) outliers += folded[j];
            reference[i - 1] += outliers;

            // The kept bins (without the clipped tail) collapsed into `levels` equal groups, each spread back over its
            // non-empty bins: the distribution the quantized tensor can represent.
            for (int level = 0; level < levels; level++)
            {
                int start = (int)((long)level * i / levels), end = (int)((long)(level + 1) * i / levels);
                double sum = 0;
                int nonEmpty = 0;
                for (int j = start; j < end; j++)
                {
                    sum += folded[j];
                    if (folded[j] != 0) nonEmpty++;
                }
                double share = nonEmpty > 0 ? sum / nonEmpty : 0;
                for (int j = start; j < end; j++) expanded[j] = folded[j] != 0 ? share : 0;
            }
            double divergence = Divergence(reference.AsSpan(0, i), expanded.AsSpan(0, i));
            if (divergence < bestDivergence)
            {
                bestDivergence = divergence;
                best = i;
            }
        }
        return RangeEstimator.Clip(stats, best * binWidth);
    }

    /// <summary>KL(p || q) of two unnormalized distributions; bins where q is 0 but p is not count as a large penalty.</summary>
    private static double Divergence(ReadOnlySpan<double> p, ReadOnlySpan<double> q)
    {
        double sp = 0, sq = 0;
        for (int j = 0; j < p.Length; j++) { sp += p[j]; sq += q[j]; }
        if (sp == 0 || sq == 0) return double.PositiveInfinity;
        double kl = 0;
        for (int j = 0; j < p.Length; j++)
        {
            if (p[j] == 0) continue;
            double pj = p[j] / sp;
            double qj = q[j] / sq;
            kl += qj > 0 ? pj * Math.Log(pj / qj) : pj * 20; // ln(1e-9) ~ -20: an empty quantized bin under real mass
        }
        return kl;
    }
}
