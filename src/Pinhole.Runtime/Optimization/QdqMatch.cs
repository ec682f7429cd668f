using Pinhole.IR;

namespace Pinhole.Runtime.Optimization;

/// <summary>A DequantizeLinear or QuantizeLinear whose scale and zero point are constant initializers.</summary>
internal sealed record QdqNode(Node Node, string Data, string Scale, string ZeroPoint, Tensor ScaleTensor, Tensor? ZeroPointTensor, DataType QuantizedType)
{
    public bool IsPerTensor => ScaleTensor.Length == 1 && (ZeroPointTensor is null || ZeroPointTensor.Length == 1);

    /// <summary>The same scale and zero point values (and quantized type) as <paramref name="other"/>.</summary>
    public bool SameParameters(QdqNode other) =>
        QuantizedType == other.QuantizedType && IsPerTensor && other.IsPerTensor
        && ScaleTensor.GetDouble(0) == other.ScaleTensor.GetDouble(0)
        && (ZeroPointTensor is null ? 0 : ZeroPointTensor.GetDouble(0)) == (other.ZeroPointTensor is null ? 0 : other.ZeroPointTensor.GetDouble(0));
}

/// <summary>Matching of the DequantizeLinear → op → QuantizeLinear node groups that the QDQ fusions rewrite.</summary>
internal static class QdqMatch
{
    public static bool IsInt8(DataType t) => t is DataType.Int8 or DataType.UInt8;

    /// <summary>
    /// The DequantizeLinear producing <paramref name="value"/> when its output is read only by <paramref name="consumer"/>,
    /// its scale is a constant float, its zero point a constant (or absent) and its input of type <paramref name="allowed"/>.
    /// </summary>
    public static QdqNode? Dequantize(GraphRewriter r, string value, Node consumer, Func<DataType, bool> allowed)
    {
        var dq = r.Producer(value);
        if (dq is not { OpType: "DequantizeLinear", Domain: "" } || dq.Outputs.Count != 1) return null;
        if (!r.IsOnlyUsedBy(value, consumer)) return null;
        return Parameters(r, dq, dq.Inputs[0], allowed);
    }

    /// <summary>
    /// The QuantizeLinear that alone reads <paramref name="node"/>'s single output (which is no graph output), with
    /// constant per-tensor float scale and constant int8/uint8 zero point.
    /// </summary>
    public static QdqNode? QuantizeOf(GraphRewriter r, Node node)
    {
        if (node.Outputs.Count != 1) return null;
        var q = r.SoleConsumer(node.Outputs[0]);
        if (q is not { OpType: "QuantizeLinear", Domain: "" } || q.Inputs[0] != node.Outputs[0] || q.Outputs.Count != 1) return null;
        if (q.Inputs.Count < 3 || q.Inputs[2].Length == 0) return null;
        if (q.Attributes.TryGetValue("saturate", out var s) && s.Int == 0) return null;
        var p = Parameters(r, q, q.Outputs[0], IsInt8);
        return p is { IsPerTensor: true } ? p : null;
    }

    private static QdqNode? Parameters(GraphRewriter r, Node n, string quantizedValue, Func<DataType, bool> allowed)
    {
        if (n.Inputs.Count < 2) return null;
        if (n.Attributes.TryGetValue("block_size", out var b) && b.Int != 0) return null;
        if (n.Attributes.TryGetValue("output_dtype", out var od) && od.Int != 0) return null;
        var scale = r.Constant(n.Inputs[1]);
        if (scale is not { Type: DataType.Float } || scale.Rank > 1 || scale.Length == 0) return null;
        string zeroName = n.Inputs.Count > 2 ? n.Inputs[2] : "";
        var zero = r.Constant(zeroName);
        if (zeroName.Length > 0 && zero is null) return null;
        var type = zero?.Type ?? r.ElementType(quantizedValue);
        if (type is not { } t || !allowed(t)) return null;
        if (zero is not null && zero.Length != scale.Length) return null;
        return new QdqNode(n, n.Inputs[0], n.Inputs[1], zeroName, scale, zero, t);
    }

    /// <summary>The axis attribute of a DequantizeLinear/QuantizeLinear normalized to <paramref name="rank"/> (default 1).</summary>
    public static long Axis(Node n, int rank)
    {
        long axis = n.Attributes.TryGetValue("axis", out var a) ? a.Int : 1;
        return axis < 0 ? axis + rank : axis;
    }

    /// <summary>A copy of <paramref name="from"/>'s attributes onto <paramref name="to"/>, except those named in <paramref name="skip"/>.</summary>
    public static void CopyAttributes(Node from, Node to, params string[] skip)
    {
        foreach (var (k, v) in from.Attributes)
            if (!skip.Contains(k)) to.Attributes[k] = v;
    }
}
