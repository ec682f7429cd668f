using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>
/// The decomposed layer normalization PyTorch exports — d = x − ReduceMean(x), d / Sqrt(ReduceMean(Pow(d, 2) or d·d)
/// + ε) · γ [+ β] over the last axis, with constant γ and β — ⇒ LayerNormalization(x, γ, β, axis = −1, epsilon = ε)
/// in the default domain. Only for models importing opset 17 or later, where that op exists (ORT's LayerNormFusion
/// also writes it for older opsets through a private schema, which a strict ONNX checker would reject).
/// </summary>
internal sealed class FuseLayerNormalization : IGraphRewrite
{
    [ModuleInitializer]
    internal static void Register() => OptimizationRules.Register(OptimizationLevel.Extended, new FuseLayerNormalization());

    public string Name => "FuseLayerNormalization";

    public bool TryApply(GraphRewriter r, Node div)
    {
        if (div is not { OpType: "Div", Domain: "" } || div.Inputs.Count != 2 || r.Opset("") < 17) return false;
        var sub = r.Producer(div.Inputs[0]);
        var sqrt = r.Producer(div.Inputs[1]);
        if (sub is not { OpType: "Sub", Domain: "" } || sqrt is not { OpType: "Sqrt", Domain: "" }) return false;
        string x = sub.Inputs[0], d = sub.Outputs[0];
        if (r.ElementType(x) != DataType.Float || r.Shapes.Of(x) is not { Length: > 0 } shape) return false;
        var mean = r.Producer(sub.Inputs[1]);
        if (!IsLastAxisMean(r, mean, x, shape.Length) || !r.IsOnlyUsedBy(sub.Inputs[1], sub)) return false;
        if (!r.IsOnlyUsedBy(div.Inputs[1], div)) return false;
        var addEps = r.Producer(sqrt.Inputs[0]);
        if (addEps is not { OpType: "Add", Domain: "" } || !r.IsOnlyUsedBy(sqrt.Inputs[0], sqrt)) return false;
        int epsSide = r.Constant(addEps.Inputs[1]) is { Length: 1 } ? 1 : r.Constant(addEps.Inputs[0]) is { Length: 1 } ? 0 : -1;
        if (epsSide < 0 || r.Constant(addEps.Inputs[epsSide]) is not { Type: DataType.Float } epsT) return false;
        var variance = r.Producer(addEps.Inputs[1 - epsSide]);
        if (!IsLastAxisMean(r, variance, null, shape.Length) || !r.IsOnlyUsedBy(addEps.Inputs[1 - epsSide], addEps)) return false;
        var square = r.Producer(variance!.Inputs[0]);
        if (!r.IsOnlyUsedBy(variance.Inputs[0], variance)) return false;
        bool isSquare = square switch
        {
            { OpType: "Pow", Domain: "" } => square.Inputs[0] == d && FuseGelu.IsScalar(r, square.Inputs[1], 2.0),
            { OpType: "Mul", Domain: "" } => square.Inputs[0] == d && square.Inputs[1] == d,
            _ => false,
        };
        // d feeds the square and the division, nothing else.
        if (!isSquare || r.UseCount(d) != (square!.OpType == "Mul" ? 3 : 2)) return false;
        // · γ, then optionally + β.
        var mul = r.SoleConsumer(div.Outputs[0]);
        if (mul is not { OpType: "Mul", Domain: "" } || mul.Inputs.Count != 2) return false;
        string gamma = mul.Inputs[0] == div.Outputs[0] ? mul.Inputs[1] : mul.Inputs[0];
        long? width = shape[^1];
        bool Affine(string v) => r.Constant(v) is { Type: DataType.Float, Rank: 1 } t && width is { } w && t.Length == w;
        if (!Affine(gamma)) return false;
        Node last = mul;
        string beta = "";
        if (r.SoleConsumer(mul.Outputs[0]) is { OpType: "Add", Domain: "" } add && add.Inputs.Count == 2)
        {
            string b = add.Inputs[0] == mul.Outputs[0] ? add.Inputs[1] : add.Inputs[0];
            if (Affine(b))
            {
                beta = b;
                last = add;
            }
        }
        var ln = new Node("LayerNormalization", beta.Length > 0 ? [x, gamma, beta] : [x, gamma], [last.Outputs[0]], "", div.Name);
        ln.Attributes["axis"] = NodeAttribute.Of("axis", -1L);
        ln.Attributes["epsilon"] = NodeAttribute.Of("epsilon", epsT.ReadOnlySpan<float>()[0]);
        Node[] others = last == mul ? [div, sub, mean!, sqrt, addEps, variance, square!] : [mul, div, sub, mean!, sqrt, addEps, variance, square!];
        r.Replace(last, ln, others);
        return true;
    }

    /// <summary>A ReduceMean (keepdims) over just the last axis, of <paramref name="input"/> when given.</summary>
    private static bool IsLastAxisMean(GraphRewriter r, Node? n, string? input, int rank)
    {
        if (n is not { OpType: "ReduceMean", Domain: "" } || (input is not null && n.Inputs[0] != input)) return false;
        if (n.Attributes.TryGetValue("keepdims", out var k) && k.Int == 0) return false;
        long[]? axes = n.Attributes.TryGetValue("axes", out var a) ? a.Ints
            : n.Inputs.Count > 1 ? r.Constant(n.Inputs[1])?.ToInt64Array() : null;
        return axes is [var axis] && (axis == -1 || axis == rank - 1);
    }
}
