using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// Transpose with the identity permutation ⇒ removed; Transpose(Transpose(x, p1), p2) ⇒ Transpose(x, p1∘p2), or x
/// when the two cancel (the inner one stays if something else reads it).
/// </summary>
internal sealed class EliminateTranspose : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Basic, new EliminateTranspose());

    public string Name => "EliminateTranspose";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "Transpose", Domain: "" } || node.Inputs.Count != 1 || node.Outputs.Count != 1) return false;
        var outer = Perm(rewriter, node);
        if (outer is null) return false;
        if (IsIdentity(outer)) return Bypass.TryBypass(rewriter, node);
        var inner = rewriter.Producer(node.Inputs[0]);
        if (inner is not { OpType: "Transpose", Domain: "" } || inner.Inputs.Count != 1 || Perm(rewriter, inner) is not { } p1) return false;
        if (p1.Length != outer.Length) return false;
        var composed = outer.Select(i => p1[i]).ToArray();
        node.Attributes["perm"] = NodeAttribute.Of("perm", composed);
        rewriter.SetInput(node, 0, inner.Inputs[0]);
        if (rewriter.UseCount(inner.Outputs[0]) == 0) rewriter.Remove(inner);
        if (IsIdentity(composed)) Bypass.TryBypass(rewriter, node);
        return true;
    }

    /// <summary>The node's permutation (the default reversal needs the input's rank to be known).</summary>
    internal static long[]? Perm(GraphRewriter r, Node transpose)
    {
        if (transpose.Attributes.TryGetValue("perm", out var p)) return p.Ints;
        return r.Shapes.Of(transpose.Inputs[0]) is { } s ? Enumerable.Range(0, s.Length).Reverse().Select(i => (long)i).ToArray() : null;
    }

    private static bool IsIdentity(long[] perm)
    {
        for (int i = 0; i < perm.Length; i++) if (perm[i] != i) return false;
        return true;
    }
}
