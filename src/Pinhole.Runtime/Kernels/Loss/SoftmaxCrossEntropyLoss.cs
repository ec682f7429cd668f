using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>SoftmaxCrossEntropyLoss (opset 12, 13, 22): NegativeLogLikelihoodLoss of LogSoftmax over axis 1, with optional log_prob output.</summary>
internal sealed class SoftmaxCrossEntropyLoss : OpKernel
{
    private readonly LossHelpers.Reduction _reduction;
    private readonly long? _ignoreIndex;

    private SoftmaxCrossEntropyLoss(KernelInfo info)
    {
        _reduction = LossHelpers.ReadReduction(info);
        _ignoreIndex = info.HasAttribute("ignore_index") ? info.GetInt("ignore_index") : null;
    }

    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "SoftmaxCrossEntropyLoss", 12, info => new SoftmaxCrossEntropyLoss(info));

    public override void Execute(KernelContext context)
    {
        var scores = context.Input(0);
        if (!NnData.IsFloat(scores.Type)) throw context.Error($"scores must be a float tensor, is {DataTypes.OnnxName(scores.Type)}");
        if (scores.Rank < 2) throw context.Error($"scores must have rank >= 2, has shape {Tensor.FormatShape(scores.Shape)}");
        var x = NnData.ToDoubleArray(scores);
        int n = scores.Shape[0], c = scores.Shape[1];
        int d = NnData.Product(scores.Shape, 2, scores.Rank);
        LogSoftmaxAxis1(x, n, c, d);
        LossHelpers.Nll(context, x, scores, context.Input(1), context.OptionalInput(2), _reduction, _ignoreIndex);
        if (context.HasOutput(1)) NnData.Store(x, context.Output(1, scores.Type, scores.Shape));
    }

    /// <summary>In place: x[n, :, d] = log_softmax(x[n, :, d]).</summary>
    private static void LogSoftmaxAxis1(Span<double> x, int n, int c, int d)
    {
        if (c == 0) return;
        for (int b = 0; b < n; b++)
        {
            var block = x.Slice(b * c * d, c * d);
            for (int j = 0; j < d; j++)
            {
                double max = double.NegativeInfinity;
                for (int k = 0; k < c; k++) max = Math.Max(max, block[k * d + j]);
                double sum = 0;
                for (int k = 0; k < c; k++) sum += Math.Exp(block[k * d + j] - max);
                double shift = max + Math.Log(sum);
                for (int k = 0; k < c; k++) block[k * d + j] -= shift;
            }
        }
    }
}
