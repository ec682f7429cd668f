using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// Dropout(x) in inference mode (no training_mode input, or a constant false one) whose mask output is absent or unread
/// ⇒ x: readers of its output read x instead.
/// </summary>
internal sealed class EliminateDropout : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new EliminateDropout());

    public string Name => "EliminateDropout";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "Dropout", Domain: "" } || node.Inputs.Count == 0 || node.Inputs[0].Length == 0) return false;
        if (node.Outputs.Count > 1 && node.Outputs[1].Length > 0 && rewriter.UseCount(node.Outputs[1]) > 0) return false;
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0
            && (rewriter.Constant(node.Inputs[2]) is not { Length: 1 } mode || mode.GetDouble(0) != 0)) return false;
        return Bypass.TryBypass(rewriter, node);
    }
}
