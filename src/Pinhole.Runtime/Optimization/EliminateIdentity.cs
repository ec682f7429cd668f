using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>Identity(x) → x: readers of the Identity's output read its input instead (not for graph outputs or subgraph reads).</summary>
internal sealed class EliminateIdentity : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new EliminateIdentity());

    public string Name => "EliminateIdentity";

    public bool TryApply(GraphRewriter rewriter, Node node) =>
        node is { OpType: "Identity", Domain: "" } && node.Inputs.Count == 1 && node.Outputs.Count == 1
        && node.Inputs[0].Length > 0 && Bypass.TryBypass(rewriter, node);
}

/// <summary>Removing a one-in one-out node whose output equals its input.</summary>
internal static class Bypass
{
    /// <summary>Rewires the readers of <paramref name="node"/>'s output to its first input and removes it, when that is safe.</summary>
    public static bool TryBypass(GraphRewriter rewriter, Node node)
    {
        string output = node.Outputs[0], input = node.Inputs[0];
        if (output.Length == 0 || rewriter.IsGraphOutput(output)) return false;
        // Reads from subgraphs (or as graph outputs) would not be rewired: leave such values alone.
        if (rewriter.UseCount(output) != rewriter.InputReadCount(output)) return false;
        rewriter.Remove(node);
        rewriter.RedirectReads(output, input);
        return true;
    }
}
