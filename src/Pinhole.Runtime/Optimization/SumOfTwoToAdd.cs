using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// Sum of exactly two inputs (opset 8+, where Sum broadcasts as Add does) ⇒ Add, whose kernel runs over the intra-op
/// threads, may write over its first input, and fuses with what follows (ShuffleNet's residual joins are two-input Sums).
/// </summary>
internal sealed class SumOfTwoToAdd : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new SumOfTwoToAdd());

    public string Name => "SumOfTwoToAdd";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "Sum", Domain: "" } || node.Inputs.Count != 2 || node.Outputs.Count != 1 || rewriter.Opset("") < 8) return false;
        if (node.Inputs[0].Length == 0 || node.Inputs[1].Length == 0) return false;
        var add = new Node("Add", [node.Inputs[0], node.Inputs[1]], [node.Outputs[0]], "", node.Name);
        rewriter.Replace(node, add);
        return true;
    }
}
