using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// Conv (float) → Relu / Clip / LeakyRelu / Sigmoid / Tanh / HardSigmoid, the Conv output read only by the activation
/// ⇒ com.microsoft FusedConv with attributes activation and activation_params, as ORT's ConvActivationFusion writes
/// them (LeakyRelu [alpha], Clip [min, max], HardSigmoid [alpha, beta]). Those are the activations ORT's FusedConv runs.
/// </summary>
internal sealed class FuseConvActivation : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Extended, new FuseConvActivation());

    public string Name => "FuseConvActivation";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node.Domain.Length != 0 || node.Outputs.Count != 1 || node.Inputs.Count == 0) return false;
        var conv = rewriter.Producer(node.Inputs[0]);
        if (conv is not { OpType: "Conv", Domain: "" } || conv.Outputs.Count != 1 || !rewriter.IsOnlyUsedBy(conv.Outputs[0], node)) return false;
        if ((rewriter.ElementType(conv.Inputs[0]) ?? rewriter.ElementType(conv.Inputs[1])) != DataType.Float) return false;
        var act = Activation.Parse(rewriter, node, forConv: true);
        if (act is null) return false;
        var fused = new Node("FusedConv", conv.Inputs, [node.Outputs[0]], "com.microsoft", conv.Name);
        foreach (var (k, v) in conv.Attributes) fused.Attributes[k] = v;
        fused.Attributes["activation"] = NodeAttribute.Of("activation", act.Name);
        if (act.Parameters.Length > 0) fused.Attributes["activation_params"] = NodeAttribute.Of("activation_params", act.Parameters);
        rewriter.EnsureOpset("com.microsoft", 1);
        rewriter.Replace(node, fused, conv);
        return true;
    }
}

/// <summary>
/// An activation as ORT's fused linear-algebra ops take it. A class, not a nullable tuple: Nullable over a tuple is an
/// instantiation the JIT compiles at every start.
/// </summary>
internal sealed record ParsedActivation(string Name, float[] Parameters);

/// <summary>An activation node read as the (name, parameters) pair that ORT's fused linear-algebra ops take.</summary>
internal static class Activation
{
    /// <summary>
    /// The activation <paramref name="node"/> computes, or null when it is none that the fused op accepts: FusedConv
    /// takes Relu, Tanh, Sigmoid, LeakyRelu, Clip and HardSigmoid; FusedGemm takes those but Clip, plus Elu, Selu and Softplus.
    /// </summary>
    public static ParsedActivation? Parse(GraphRewriter r, Node node, bool forConv)
    {
        if (node.Domain.Length != 0 || node.Inputs.Count == 0 || node.Inputs[0].Length == 0) return null;
        float Attr(string name, float def) => node.Attributes.TryGetValue(name, out var a) ? a.Float : def;
        switch (node.OpType)
        {
            case "Relu" or "Tanh" or "Sigmoid": return new(node.OpType, []);
            case "LeakyRelu": return new("LeakyRelu", [Attr("alpha", 0.01f)]);
            case "HardSigmoid": return new("HardSigmoid", [Attr("alpha", 0.2f), Attr("beta", 0.5f)]);
            case "Clip" when forConv:
                {
                    float min = float.MinValue, max = float.MaxValue;
                    if (r.Opset("") < 11)
                    {
                        min = Attr("min", float.MinValue);
                        max = Attr("max", float.MaxValue);
                    }
                    else
                    {
                        if (node.Inputs.Count > 1 && node.Inputs[1].Length > 0)
                        {
                            if (r.Constant(node.Inputs[1]) is not { Type: DataType.Float, Length: 1 } lo) return null;
                            min = lo.ReadOnlySpan<float>()[0];
                        }
                        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0)
                        {
                            if (r.Constant(node.Inputs[2]) is not { Type: DataType.Float, Length: 1 } hi) return null;
                            max = hi.ReadOnlySpan<float>()[0];
                        }
                    }
                    return new("Clip", [min, max]);
                }
            case "Elu" when !forConv: return new("Elu", [Attr("alpha", 1f)]);
            case "Selu" when !forConv: return new("Selu", [Attr("alpha", 1.67326319217681884765625f), Attr("gamma", 1.05070102214813232421875f)]);
            case "Softplus" when !forConv: return new("Softplus", []);
        }
        return null;
    }
}
