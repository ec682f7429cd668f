using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>Cast(x, to=T) → x when x is already of type T.</summary>
internal sealed class EliminateCast : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new EliminateCast());

    public string Name => "EliminateCast";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "Cast", Domain: "" } || node.Inputs.Count != 1 || node.Outputs.Count != 1) return false;
        if (!node.Attributes.TryGetValue("to", out var to) || node.Inputs[0].Length == 0) return false;
        if (rewriter.ElementType(node.Inputs[0]) is not { } type || (long)type != to.Int) return false;
        return Bypass.TryBypass(rewriter, node);
    }
}
