using Pinhole.IR;

namespace Pinhole.Tools.Transforms;

/// <summary>What <see cref="StripQuantization.Apply"/> changed.</summary>
/// <param name="FoldedDequantize">DequantizeLinear nodes on constants replaced by float initializers.</param>
/// <param name="FoldedQuantize">QuantizeLinear nodes on float constants replaced by quantized initializers (then dequantized).</param>
/// <param name="RemovedActivationPairs">QuantizeLinear → DequantizeLinear pairs on activations bypassed.</param>
/// <param name="Remaining">Quantize/DequantizeLinear nodes left (inputs not constant, unsupported types or block sizes).</param>
public sealed record StripQuantizationResult(int FoldedDequantize, int FoldedQuantize, int RemovedActivationPairs, int Remaining);

/// <summary>
/// Turns a QDQ-quantized model into a plain float model: DequantizeLinear on constant inputs (per-tensor or per-axis,
/// int8/uint8/int16/uint16/int32) becomes a float initializer holding the dequantized values, QuantizeLinear on a float
/// constant is folded first (so fake-quantized weights keep their quantized values), and each activation
/// QuantizeLinear → DequantizeLinear pair is removed, its consumers reading the float producer directly. Works on the
/// main graph only (subgraphs are left as they are); rewrites <paramref name="model"/> in place.
/// </summary>
public static class StripQuantization
{
    public static StripQuantizationResult Apply(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        var graph = model.Graph;
        int foldedDq = 0, foldedQ = 0, pairs = 0;
        var dead = new HashSet<Node>(ReferenceEqualityComparer.Instance);

        bool changed = true;
        while (changed)
        {
            changed = false;
            foreach (var node in graph.Nodes.ToArray())
            {
                if (node.Domain.Length != 0 || !graph.Nodes.Contains(node)) continue;
                if (node.OpType is "Identity" or "Constant" && TryMakeInitializer(graph, node))
                {
                    changed = true;
                }
                else if (node.OpType == "QuantizeLinear" && TryFoldConstant(graph, node, quantize: true))
                {
                    foldedQ++;
                    changed = true;
                }
                else if (node.OpType == "DequantizeLinear" && TryFoldConstant(graph, node, quantize: false))
                {
                    foldedDq++;
                    changed = true;
                }
                else if (node.OpType == "DequantizeLinear" && TryBypassPair(graph, node, dead))
                {
                    pairs++;
                    changed = true;
                }
            }
        }
        RemoveDeadNodes(graph, dead);
        RemoveUnusedInitializers(graph);
        RemoveStaleValueInfos(graph);
        int remaining = graph.Nodes.Count(n => n.Domain.Length == 0 && n.OpType is "QuantizeLinear" or "DequantizeLinear");
        return new StripQuantizationResult(foldedDq, foldedQ, pairs, remaining);
    }

    /// <summary>Identity of an initializer, or a Constant holding a tensor, becomes an initializer (so scales and zero points fed that way fold).</summary>
    private static bool TryMakeInitializer(Graph graph, Node node)
    {
        if (node.Outputs.Count != 1 || node.Outputs[0].Length == 0 || graph.Outputs.Any(o => o.Name == node.Outputs[0])) return false;
        Tensor? value;
        if (node.OpType == "Identity")
        {
            if (node.Inputs.Count != 1 || !graph.Initializers.TryGetValue(node.Inputs[0], out value)) return false;
        }
        else
        {
            if (node.Attributes.Count != 1 || !node.Attributes.TryGetValue("value", out var a) || a.Tensor is null) return false;
            value = a.Tensor;
        }
        graph.Nodes.Remove(node);
        graph.Initializers[node.Outputs[0]] = value;
        return true;
    }

    /// <summary>Replaces a Q or DQ node whose inputs are all initializers by an initializer holding its result.</summary>
    private static bool TryFoldConstant(Graph graph, Node node, bool quantize)
    {
        if (node.Inputs.Count < 2 || node.Outputs.Count != 1) return false;
        if (!graph.Initializers.TryGetValue(node.Inputs[0], out var x)) return false;
        if (!graph.Initializers.TryGetValue(node.Inputs[1], out var scale) || scale.Type != DataType.Float) return false;
        Tensor? zeroPoint = null;
        if (node.Inputs.Count > 2 && node.Inputs[2].Length > 0 && !graph.Initializers.TryGetValue(node.Inputs[2], out zeroPoint))
            return false;
        if (node.Attributes.TryGetValue("block_size", out var block) && block.Int != 0) return false;
        long axisAttribute = node.Attributes.TryGetValue("axis", out var a) ? a.Int : 1;

        int axis = -1;
        if (scale.Length != 1)
        {
            if (scale.Rank != 1) return false;
            axis = (int)(axisAttribute < 0 ? axisAttribute + x.Rank : axisAttribute);
            if (axis < 0 || axis >= x.Rank || x.Shape[axis] != scale.Length) return false;
        }
        if (zeroPoint is not null && zeroPoint.Length != scale.Length) return false;

        Tensor result;
        if (quantize)
        {
            if (x.Type != DataType.Float) return false;
            DataType target = zeroPoint?.Type ?? (node.Attributes.TryGetValue("output_dtype", out var od) && od.Int != 0
                ? (DataType)od.Int : DataType.UInt8);
            if (target is not (DataType.Int8 or DataType.UInt8 or DataType.Int16 or DataType.UInt16)) return false;
            result = Quantize(x, scale, zeroPoint, axis, target);
        }
        else
        {
            if (x.Type is not (DataType.Int8 or DataType.UInt8 or DataType.Int16 or DataType.UInt16 or DataType.Int32)) return false;
            if (zeroPoint is not null && zeroPoint.Type != x.Type) return false;
            result = Dequantize(x, scale, zeroPoint, axis);
        }

        string output = node.Outputs[0];
        if (graph.Outputs.Any(o => o.Name == output))
        {
            // A graph output cannot be an initializer name only; keep a node that produces it.
            string constant = graph.UniqueName(output + "_folded");
            graph.Initializers[constant] = result;
            node.OpType = "Identity";
            node.Attributes.Clear();
            node.Inputs.Clear();
            node.Inputs.Add(constant);
            return true;
        }
        graph.Nodes.Remove(node);
        graph.Initializers[output] = result;
        return true;
    }

    /// <summary>
    /// Removes a DequantizeLinear fed by a QuantizeLinear of a float activation (possibly through Identity nodes and Casts
    /// to an integer type, as some exporters write): the DQ's readers read the float value.
    /// </summary>
    private static bool TryBypassPair(Graph graph, Node dq, HashSet<Node> dead)
    {
        if (dq.Outputs.Count != 1 || dq.Inputs.Count < 1) return false;
        var chain = new List<Node>();
        var q = graph.Producer(dq.Inputs[0]);
        while (q is not null && q.Domain.Length == 0 && q.Inputs.Count == 1
            && (q.OpType == "Identity" || q.OpType == "Cast" && q.Attributes.TryGetValue("to", out var to)
                && (DataType)to.Int is DataType.Int8 or DataType.UInt8 or DataType.Int16 or DataType.UInt16))
        {
            chain.Add(q);
            q = graph.Producer(q.Inputs[0]);
        }
        if (q is null || q.OpType != "QuantizeLinear" || q.Domain.Length != 0 || q.Inputs.Count < 1) return false;
        string floatValue = q.Inputs[0];
        if (graph.Initializers.TryGetValue(floatValue, out var c) && c.Type != DataType.Float) return false;
        if (graph.TypeOf(floatValue) is TensorTypeInfo t && t.ElementType is not (DataType.Float or DataType.Undefined)) return false;
        dead.Add(q);
        dead.UnionWith(chain);
        string output = dq.Outputs[0];
        if (graph.Outputs.Any(o => o.Name == output))
        {
            dq.OpType = "Identity";
            dq.Attributes.Clear();
            dq.Inputs.Clear();
            dq.Inputs.Add(floatValue);
            return true;
        }
        graph.Nodes.Remove(dq);
        foreach (var n in graph.Nodes)
            for (int i = 0; i < n.Inputs.Count; i++)
                if (n.Inputs[i] == output) n.Inputs[i] = floatValue;
        foreach (var n in graph.Nodes)
            foreach (var g in n.Subgraphs())
                RenameOuterReads(g, output, floatValue);
        return true;
    }

    private static void RenameOuterReads(Graph g, string from, string to)
    {
        if (g.Inputs.Any(i => i.Name == from) || g.Initializers.ContainsKey(from) || g.Nodes.Any(n => n.Outputs.Contains(from))) return;
        foreach (var n in g.Nodes)
        {
            for (int i = 0; i < n.Inputs.Count; i++)
                if (n.Inputs[i] == from) n.Inputs[i] = to;
            foreach (var sub in n.Subgraphs()) RenameOuterReads(sub, from, to);
        }
        foreach (var o in g.Outputs)
            if (o.Name == from) o.Name = to;
    }

    /// <summary>The bypassed QuantizeLinear nodes (and Casts between them and their DQs) whose outputs nobody reads any more.</summary>
    private static void RemoveDeadNodes(Graph graph, HashSet<Node> candidates)
    {
        bool removed = true;
        while (removed)
        {
            removed = false;
            var read = ReadValues(graph);
            foreach (var n in graph.Nodes.ToArray())
            {
                if (!candidates.Contains(n) || n.Outputs.Any(o => o.Length > 0 && read.Contains(o))) continue;
                graph.Nodes.Remove(n);
                removed = true;
            }
        }
    }

    private static HashSet<string> ReadValues(Graph graph)
    {
        var read = new HashSet<string>(StringComparer.Ordinal);
        foreach (var n in graph.Nodes)
        {
            read.UnionWith(n.Inputs);
            foreach (var g in n.Subgraphs()) read.UnionWith(g.OuterScopeReads());
        }
        read.UnionWith(graph.Outputs.Select(o => o.Name));
        return read;
    }

    private static void RemoveUnusedInitializers(Graph graph)
    {
        var read = ReadValues(graph);
        foreach (var name in graph.Initializers.Keys.ToArray())
        {
            if (read.Contains(name)) continue;
            graph.Initializers.Remove(name);
            graph.Inputs.RemoveAll(i => i.Name == name);
        }
    }

    private static void RemoveStaleValueInfos(Graph graph)
    {
        var produced = new HashSet<string>(graph.Nodes.SelectMany(n => n.Outputs), StringComparer.Ordinal);
        graph.ValueInfos.RemoveAll(v => !produced.Contains(v.Name));
    }

    private static Tensor Dequantize(Tensor x, Tensor scale, Tensor? zeroPoint, int axis)
    {
        var s = scale.ReadOnlySpan<float>();
        var result = new float[x.Length];
        (int outer, int channels, int inner) = Layout(x.Shape, axis);
        for (int o = 0, i = 0; o < outer; o++)
            for (int c = 0; c < channels; c++)
            {
                float sc = s[axis < 0 ? 0 : c];
                long zp = zeroPoint is null ? 0 : zeroPoint.GetInt64(axis < 0 ? 0 : c);
                for (int k = 0; k < inner; k++, i++)
                    result[i] = (float)((x.GetInt64(i) - zp) * (double)sc);
            }
        return Tensor.FromArray(result, x.Shape);
    }

    private static Tensor Quantize(Tensor x, Tensor scale, Tensor? zeroPoint, int axis, DataType target)
    {
        var s = scale.ReadOnlySpan<float>();
        var v = x.ReadOnlySpan<float>();
        var result = Tensor.Zeros(target, x.Shape);
        (long min, long max) = target switch
        {
            DataType.Int8 => (sbyte.MinValue, sbyte.MaxValue),
            DataType.UInt8 => (byte.MinValue, byte.MaxValue),
            DataType.Int16 => (short.MinValue, short.MaxValue),
            _ => ((long)ushort.MinValue, (long)ushort.MaxValue),
        };
        (int outer, int channels, int inner) = Layout(x.Shape, axis);
        for (int o = 0, i = 0; o < outer; o++)
            for (int c = 0; c < channels; c++)
            {
                float sc = s[axis < 0 ? 0 : c];
                long zp = zeroPoint is null ? 0 : zeroPoint.GetInt64(axis < 0 ? 0 : c);
                for (int k = 0; k < inner; k++, i++)
                {
                    long q = Math.Clamp((long)MathF.Round(v[i] / sc, MidpointRounding.ToEven) + zp, min, max);
                    switch (target)
                    {
                        case DataType.Int8: result.Span<sbyte>()[i] = (sbyte)q; break;
                        case DataType.UInt8: result.Span<byte>()[i] = (byte)q; break;
                        case DataType.Int16: result.Span<short>()[i] = (short)q; break;
                        default: result.Span<ushort>()[i] = (ushort)q; break;
                    }
                }
            }
        return result;
    }

    private static (int Outer, int Channels, int Inner) Layout(int[] shape, int axis)
    {
        if (axis < 0) return (1, 1, Tensor.ElementCount(shape));
        int outer = 1, inner = 1;
        for (int d = 0; d < axis; d++) outer *= shape[d];
        for (int d = axis + 1; d < shape.Length; d++) inner *= shape[d];
        return (outer, shape[axis], inner);
    }
}
