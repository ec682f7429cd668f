using Pinhole.IR;

namespace Pinhole.Tools.Quantization;

/// <summary>
/// Turns per-tensor ranges into quantization parameters, giving one shared set to tensors that must agree: a Concat's
/// inputs and output, and the input and output of ops that only move values. Each group's range is the union of its
/// members' ranges.
/// </summary>
internal static class ParameterSharing
{
    public static Dictionary<string, QuantizationParameters> Assign(Graph graph, IEnumerable<QuantizedUnit> units,
        IReadOnlyDictionary<string, TensorStatistics> stats, QuantizationOptions options)
    {
        var ranges = new Dictionary<string, TensorRange>(StringComparer.Ordinal);
        var parent = new Dictionary<string, string>(StringComparer.Ordinal);
        string Find(string t)
        {
            while (parent.TryGetValue(t, out var p) && p != t) t = parent[t] = parent.GetValueOrDefault(p, p);
            return t;
        }
        void Union(string a, string b)
        {
            string ra = Find(a), rb = Find(b);
            if (ra != rb) parent[ra] = rb;
        }
        void Add(string t)
        {
            if (ranges.ContainsKey(t)) return;
            if (graph.Initializers.TryGetValue(t, out var c))
            {
                var v = c.ReadOnlySpan<float>();
                ranges[t] = v.IsEmpty ? new TensorRange(0, 0) : new TensorRange(System.Numerics.Tensors.TensorPrimitives.Min(v), System.Numerics.Tensors.TensorPrimitives.Max(v));
            }
            else ranges[t] = RangeEstimator.Estimate(stats[t], options);
            parent[t] = t;
        }

        foreach (var unit in units)
        {
            var node = unit.Node;
            foreach (int i in unit.ActivationInputs) Add(node.Inputs[i]);
            Add(node.Outputs[0]);
            if (unit.Kind == UnitKind.Concat)
                foreach (int i in unit.ActivationInputs) Union(node.Inputs[i], node.Outputs[0]);
            else if (unit.Kind == UnitKind.SameAsInput)
                Union(node.Inputs[0], node.Outputs[0]);
        }

        var groupRanges = new Dictionary<string, TensorRange>(StringComparer.Ordinal);
        foreach (var (t, r) in ranges)
        {
            string root = Find(t);
            groupRanges[root] = groupRanges.TryGetValue(root, out var g) ? TensorRange.Union(g, r) : r;
        }
        var result = new Dictionary<string, QuantizationParameters>(StringComparer.Ordinal);
        foreach (var t in ranges.Keys)
        {
            var r = groupRanges[Find(t)];
            result[t] = QuantizationParameters.FromRange(r.Min, r.Max, options.ActivationType, options.Symmetric);
        }
        return result;
    }
}
