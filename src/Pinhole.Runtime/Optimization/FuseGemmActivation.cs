using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// Gemm (float) → Relu / LeakyRelu / Sigmoid / Tanh / HardSigmoid / Elu / Selu / Softplus, the Gemm output read only
/// by the activation ⇒ com.microsoft FusedGemm with activation and activation_alpha / _beta / _gamma, as ORT's
/// GemmActivationFusion writes it.
/// </summary>
internal sealed class FuseGemmActivation : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Extended, new FuseGemmActivation());

    public string Name => "FuseGemmActivation";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node.Domain.Length != 0 || node.Outputs.Count != 1 || node.Inputs.Count == 0) return false;
        var gemm = rewriter.Producer(node.Inputs[0]);
        if (gemm is not { OpType: "Gemm", Domain: "" } || gemm.Outputs.Count != 1 || !rewriter.IsOnlyUsedBy(gemm.Outputs[0], node)) return false;
        if ((rewriter.ElementType(gemm.Inputs[0]) ?? rewriter.ElementType(gemm.Inputs[1])) != DataType.Float || rewriter.Opset("") < 7) return false;
        var act = Activation.Parse(rewriter, node, forConv: false);
        if (act is null) return false;
        var fused = new Node("FusedGemm", gemm.Inputs, [node.Outputs[0]], "com.microsoft", gemm.Name);
        foreach (var (k, v) in gemm.Attributes) fused.Attributes[k] = v;
        fused.Attributes["activation"] = NodeAttribute.Of("activation", act.Name);
        string[] names = act.Name == "Selu" ? ["activation_alpha", "activation_gamma"] : ["activation_alpha", "activation_beta"];
        for (int k = 0; k < act.Parameters.Length; k++)
            fused.Attributes[names[k]] = NodeAttribute.Of(names[k], act.Parameters[k]);
        rewriter.EnsureOpset("com.microsoft", 1);
        rewriter.Replace(node, fused, gemm);
        return true;
    }
}
