using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// Conv → Mul(constant per output channel) ⇒ Conv with scaled weight and bias; Conv → Add(constant per output channel)
/// ⇒ Conv with that bias added (the Conv output read only by the Mul / Add; constant float weights).
/// </summary>
internal sealed class FuseMulAddIntoConv : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new FuseMulAddIntoConv());

    public string Name => "FuseMulAddIntoConv";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "Mul" or "Add", Domain: "" } || node.Inputs.Count != 2 || node.Outputs.Count != 1) return false;
        for (int side = 0; side < 2; side++)
        {
            var conv = rewriter.Producer(node.Inputs[side]);
            if (conv is not { OpType: "Conv", Domain: "" } || conv.Outputs.Count != 1 || !rewriter.IsOnlyUsedBy(conv.Outputs[0], node)) continue;
            if (rewriter.Constant(node.Inputs[1 - side]) is not { } c) continue;
            if (rewriter.Constant(conv.Inputs[1]) is not { Type: DataType.Float, Rank: >= 3 } w) continue;
            var values = ChannelScale.PerChannel(c, w.Rank, w.Shape[0]);
            if (values is null) continue;
            // The Mul/Add result must keep the Conv output's shape: the constant may not add leading dimensions.
            if (c.Rank > w.Rank) continue;
            bool mul = node.OpType == "Mul";
            if (!ChannelScale.TryScaleConv(rewriter, conv, mul ? values : null, mul ? null : values, out var fused)) continue;
            fused.Outputs[0] = node.Outputs[0];
            rewriter.Replace(node, fused, conv);
            return true;
        }
        return false;
    }
}
