using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>NegativeLogLikelihoodLoss (opset 12, 13, 22): loss = -input[n, target[n, d], d] * weight[target], reduced.</summary>
internal sealed class NegativeLogLikelihoodLoss : OpKernel
{
    private readonly LossHelpers.Reduction _reduction;
    private readonly long? _ignoreIndex;

    private NegativeLogLikelihoodLoss(KernelInfo info)
    {
        _reduction = LossHelpers.ReadReduction(info);
        _ignoreIndex = info.HasAttribute("ignore_index") ? info.GetInt("ignore_index") : null;
    }

    [ModuleInitializer]
    internal static void Register() =>
        KernelRegistry.Register("", "NegativeLogLikelihoodLoss", 12, info => new NegativeLogLikelihoodLoss(info));

    public override void Execute(KernelContext context)
    {
        var input = context.Input(0);
        if (!NnData.IsFloat(input.Type)) throw context.Error($"input must be a float tensor, is {DataTypes.OnnxName(input.Type)}");
        var values = NnData.ToDoubleArray(input);
        LossHelpers.Nll(context, values, input, context.Input(1), context.OptionalInput(2), _reduction, _ignoreIndex);
    }
}
