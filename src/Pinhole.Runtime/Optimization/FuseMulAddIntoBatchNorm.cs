using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// BatchNormalization (inference, constant float parameters) → Mul / Add by a constant per channel (axis 1) ⇒ one
/// BatchNormalization with γ·m and β·m (Mul) or β + a (Add): (x − mean)/√(var + ε)·γ + β, scaled or shifted afterwards,
/// is the same affine map per channel. The BatchNormalization output must be read only by the Mul / Add, and its rank
/// known (a constant of shape [C, 1, 1] broadcasts along axis 1 only at rank 4) unless the constant is a single value.
/// DenseNet's exported blocks run BatchNormalization, Mul, Add and Relu one after another over the same tensor.
/// </summary>
internal sealed class FuseMulAddIntoBatchNorm : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new FuseMulAddIntoBatchNorm());

    public string Name => "FuseMulAddIntoBatchNorm";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "Mul" or "Add", Domain: "" } || node.Inputs.Count != 2 || node.Outputs.Count != 1) return false;
        for (int side = 0; side < 2; side++)
        {
            var bn = rewriter.Producer(node.Inputs[side]);
            if (bn is not { OpType: "BatchNormalization", Domain: "" } || bn.Outputs.Count != 1 || bn.Inputs.Count != 5) continue;
            if (bn.Attributes.TryGetValue("training_mode", out var tm) && tm.Int != 0) continue;
            if (rewriter.Opset("") < 9 && bn.Attributes.TryGetValue("spatial", out var sp) && sp.Int == 0) continue;
            if (!rewriter.IsOnlyUsedBy(bn.Outputs[0], node) || rewriter.Constant(node.Inputs[1 - side]) is not { } c) continue;
            if (ChannelScale.Parameters(rewriter, bn) is null) continue; // all four parameters constant float vectors of one length
            var gamma = rewriter.Constant(bn.Inputs[1])!.ReadOnlySpan<float>();
            var beta = rewriter.Constant(bn.Inputs[2])!.ReadOnlySpan<float>();
            int channels = gamma.Length;
            int? rank = Rank(rewriter, bn.Inputs[0]) ?? Rank(rewriter, bn.Outputs[0]);
            if (c.Length != 1 && (rank is not int r || c.Rank > r)) continue;
            var values = ChannelScale.PerChannel(c, rank ?? Math.Max(2, c.Rank), channels);
            if (values is null) continue;
            var newGamma = gamma.ToArray();
            var newBeta = beta.ToArray();
            for (int k = 0; k < channels; k++)
            {
                if (node.OpType == "Mul")
                {
                    newGamma[k] *= values[k];
                    newBeta[k] *= values[k];
                }
                else newBeta[k] += values[k];
            }
            var fused = new Node("BatchNormalization", [bn.Inputs[0],
                rewriter.AddConstant(bn.Inputs[1] + "_fused", Tensor.FromArray(newGamma, [channels]), owned: true),
                rewriter.AddConstant(bn.Inputs[2] + "_fused", Tensor.FromArray(newBeta, [channels]), owned: true),
                bn.Inputs[3], bn.Inputs[4]], [node.Outputs[0]], "", bn.Name);
            foreach (var (k, v) in bn.Attributes) fused.Attributes[k] = v;
            rewriter.Replace(node, fused, bn);
            return true;
        }
        return false;
    }

    private static int? Rank(GraphRewriter rewriter, string value) => rewriter.Shapes.Of(value)?.Length;
}
