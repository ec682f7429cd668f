namespace Pinhole.Runtime.Kernels;

/// <summary>Shared options and the negative-log-likelihood core of the loss kernels (computed in float64).</summary>
internal static class LossHelpers
{
    public enum Reduction
    {
        None,
        Sum,
        Mean,
    }

    /// <summary>Reads and validates the reduction attribute.</summary>
    public static Reduction ReadReduction(KernelInfo info) => info.GetString("reduction", "mean") switch
    {
        "none" => Reduction.None,
        "sum" => Reduction.Sum,
        "mean" => Reduction.Mean,
        var r => throw info.Invalid($"unknown reduction '{r}' (expected none, sum or mean)"),
    };

    /// <summary>
    /// Computes the loss from log-probabilities <paramref name="logProb"/> laid out [N, C, D] and targets [N, D],
    /// writing it into output 0 with the element type of <paramref name="input"/>.
    /// </summary>
    public static void Nll(KernelContext context, ReadOnlySpan<double> logProb, Tensor input, Tensor target, Tensor? weight,
        Reduction reduction, long? ignoreIndex)
    {
        var shape = input.Shape;
        if (shape.Length < 2) throw context.Error($"input must have rank >= 2, has shape {Tensor.FormatShape(shape)}");
        if (target.Rank != shape.Length - 1)
            throw context.Error($"target shape {Tensor.FormatShape(target.Shape)} does not match input shape {Tensor.FormatShape(shape)}");
        if (target.Shape[0] != shape[0]) throw context.Error("target and input disagree on N");
        for (int i = 2; i < shape.Length; i++)
            if (target.Shape[i - 1] != shape[i]) throw context.Error("target and input disagree on the spatial dimensions");
        if (target.Type is not (DataType.Int32 or DataType.Int64)) throw context.Error("target must be int32 or int64");
        int n = shape[0], c = shape[1];
        int d = NnData.Product(shape, 2, shape.Length);
        double[]? w = null;
        if (weight is not null)
        {
            if (weight.Rank != 1 || weight.Shape[0] != c) throw context.Error($"weight must have shape [{c}], has {Tensor.FormatShape(weight.Shape)}");
            w = NnData.ToDoubleArray(weight);
        }

        var targets = target.ToInt64Array();
        var loss = new double[targets.Length];
        double sum = 0, weightSum = 0;
        for (int b = 0; b < n; b++)
        {
            int baseIn = b * c * d, baseT = b * d;
            for (int j = 0; j < d; j++)
            {
                long t = targets[baseT + j];
                if (ignoreIndex.HasValue && t == ignoreIndex.Value) continue;
                if ((ulong)t >= (ulong)c) throw context.Error($"target {t} is out of range [0, {c})");
                double wt = w is null ? 1.0 : w[t];
                double l = -logProb[baseIn + (int)t * d + j] * wt;
                loss[baseT + j] = l;
                sum += l;
                weightSum += wt;
            }
        }

        switch (reduction)
        {
            case Reduction.None:
                NnData.Store(loss, context.Output(0, input.Type, target.Shape));
                break;
            case Reduction.Sum:
                NnData.Store([sum], context.Output(0, input.Type, []));
                break;
            default:
                NnData.Store([sum / weightSum], context.Output(0, input.Type, []));
                break;
        }
    }
}
