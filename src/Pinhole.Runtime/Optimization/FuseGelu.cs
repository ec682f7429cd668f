using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// x · 0.5 · (1 + Erf(x / √2)) ⇒ com.microsoft Gelu(x) (ORT's GeluFusion), float x. Matched forms: Erf of Div(x, √2)
/// or Mul(x, 1/√2); Add(·, 1) in either operand order; the 0.5 applied last (Mul(Mul(x, a), 0.5)), to x first
/// (Mul(Mul(x, 0.5), a)) or to the sum (Mul(x, Mul(a, 0.5))). Every intermediate must be read only inside the pattern.
/// </summary>
internal sealed class FuseGelu : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Extended, new FuseGelu());

    public string Name => "FuseGelu";

    public bool TryApply(GraphRewriter rewriter, Node node)
    {
        if (node is not { OpType: "Mul", Domain: "" } || node.Inputs.Count != 2 || node.Outputs.Count != 1) return false;
        for (int side = 0; side < 2; side++)
        {
            string a = node.Inputs[side], b = node.Inputs[1 - side];
            // Form 1: Mul(Mul(x, add1), 0.5)
            if (IsScalar(rewriter, b, 0.5) && Mul(rewriter, a, node) is { } m1)
            {
                for (int s = 0; s < 2; s++)
                    if (ErfPart(rewriter, m1.Inputs[s], m1, m1.Inputs[1 - s]) is { } part)
                        return Fuse(rewriter, node, m1.Inputs[1 - s], [m1, .. part]);
            }
            // Form 2: Mul(Mul(x, 0.5), add1)
            if (Mul(rewriter, b, node) is { } half)
            {
                for (int s = 0; s < 2; s++)
                    if (IsScalar(rewriter, half.Inputs[s], 0.5) && ErfPart(rewriter, a, node, half.Inputs[1 - s]) is { } part)
                        return Fuse(rewriter, node, half.Inputs[1 - s], [half, .. part]);
            }
            // Form 3: Mul(x, Mul(add1, 0.5))
            if (Mul(rewriter, b, node) is { } scaled)
            {
                for (int s = 0; s < 2; s++)
                    if (IsScalar(rewriter, scaled.Inputs[s], 0.5) && ErfPart(rewriter, scaled.Inputs[1 - s], scaled, a) is { } part)
                        return Fuse(rewriter, node, a, [scaled, .. part]);
            }
        }
        return false;
    }

    private static bool Fuse(GraphRewriter r, Node last, string x, Node[] others)
    {
        if (r.ElementType(x) != DataType.Float) return false;
        var gelu = new Node("Gelu", [x], [last.Outputs[0]], "com.microsoft", last.Name);
        r.EnsureOpset("com.microsoft", 1);
        r.Replace(last, gelu, others);
        return true;
    }

    /// <summary>A Mul producing <paramref name="value"/>, read only by <paramref name="consumer"/>.</summary>
    private static Node? Mul(GraphRewriter r, string value, Node consumer)
    {
        var m = r.Producer(value);
        return m is { OpType: "Mul", Domain: "" } && m.Inputs.Count == 2 && r.IsOnlyUsedBy(value, consumer) ? m : null;
    }

    /// <summary>The nodes of 1 + Erf(x/√2) producing <paramref name="value"/> (read only by <paramref name="consumer"/>), for this x.</summary>
    private static Node[]? ErfPart(GraphRewriter r, string value, Node consumer, string x)
    {
        var add = r.Producer(value);
        if (add is not { OpType: "Add", Domain: "" } || add.Inputs.Count != 2 || !r.IsOnlyUsedBy(value, consumer)) return null;
        for (int s = 0; s < 2; s++)
        {
            if (!IsScalar(r, add.Inputs[1 - s], 1.0)) continue;
            var erf = r.Producer(add.Inputs[s]);
            if (erf is not { OpType: "Erf", Domain: "" } || !r.IsOnlyUsedBy(add.Inputs[s], add)) continue;
            var scale = r.Producer(erf.Inputs[0]);
            if (scale is not { Domain: "" } || scale.Inputs.Count != 2 || !r.IsOnlyUsedBy(erf.Inputs[0], erf)) continue;
            bool ok = scale.OpType switch
            {
                "Div" => scale.Inputs[0] == x && IsScalar(r, scale.Inputs[1], Math.Sqrt(2)),
                "Mul" => (scale.Inputs[0] == x && IsScalar(r, scale.Inputs[1], Math.Sqrt(0.5)))
                    || (scale.Inputs[1] == x && IsScalar(r, scale.Inputs[0], Math.Sqrt(0.5))),
                _ => false,
            };
            if (ok) return [add, erf, scale];
        }
        return null;
    }

    /// <summary>Whether <paramref name="value"/> is a constant float with one element close to <paramref name="expected"/>.</summary>
    internal static bool IsScalar(GraphRewriter r, string value, double expected) =>
        r.Constant(value) is { Type: DataType.Float, Length: 1 } c && Math.Abs(c.ReadOnlySpan<float>()[0] - expected) <= 1e-4 * Math.Max(1, Math.Abs(expected));
}
