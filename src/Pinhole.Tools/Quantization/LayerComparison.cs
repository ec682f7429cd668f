using Pinhole.IR;
using Pinhole.Runtime;
using Pinhole.Tools.Datasets;

namespace Pinhole.Tools.Quantization;

/// <summary>One tensor compared between a float model and its quantized form.</summary>
/// <param name="Tensor">The tensor's name in the float model.</param>
/// <param name="Node">The node producing it ("" for a graph input) and <paramref name="Op"/> its op.</param>
/// <param name="SqnrDb">Signal-to-quantization-noise ratio over all samples: 10 log10(sum f^2 / sum (f - q)^2); infinite when equal.</param>
/// <param name="Cosine">Cosine similarity of the float and quantized values over all samples.</param>
/// <param name="LossDb">
/// How much SQNR this layer itself costs: the lowest SQNR among the compared tensors it is computed from (at most
/// <see cref="LayerComparison.IdealInt8Db"/>) minus its own, or 0. Errors carried in from earlier layers do not count against it.
/// </param>
/// <param name="Observed">What was read in the quantized model: the tensor after its QuantizeLinear → DequantizeLinear when it has one.</param>
public sealed record LayerDifference(string Tensor, string Node, string Op, double SqnrDb, double Cosine, double LossDb, string Observed);

/// <summary>The comparison of all tensors the two models share, in the float graph's order.</summary>
public sealed record ComparisonReport(int Samples, IReadOnlyList<LayerDifference> Layers)
{
    /// <summary>The layers that lose the most, most lossy first.</summary>
    public IEnumerable<LayerDifference> Worst(int count) =>
        Layers.Where(l => double.IsFinite(l.LossDb)).OrderByDescending(l => l.LossDb).ThenBy(l => l.SqnrDb).Take(count);
}

/// <summary>
/// Runs a float model and its quantized form on the same samples and compares every tensor they share by name (the
/// names a QDQ quantizer keeps), per layer: SQNR, cosine similarity, and the SQNR the layer itself loses. Both models
/// run as written (no graph rewrites), so a QDQ model's float simulation shows each tensor after its own quantization.
/// </summary>
public static class LayerComparison
{
    /// <summary>
    /// The SQNR of an ideal 8-bit quantizer on a full-scale uniform signal (6.02 × 8 + 1.76 dB): what a layer fed only by
    /// exact values is measured against, so that its own quantization counts as its loss only where it does worse.
    /// </summary>
    public const double IdealInt8Db = 49.9;

    public static ComparisonReport Compare(Model floatModel, Model quantizedModel, ISampleSource samples, int threads = 0,
        IProgress<QuantizationProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(floatModel);
        ArgumentNullException.ThrowIfNull(quantizedModel);
        ArgumentNullException.ThrowIfNull(samples);
        var fg = floatModel.Graph;
        var qg = quantizedModel.Graph;
        var observed = ObservedNames(fg, qg);
        if (observed.Count == 0)
            throw new InvalidInputException("the models share no tensor names: compare needs a quantized model made from this float model");

        var sums = observed.Keys.ToDictionary(t => t, _ => new Sums(), StringComparer.Ordinal);
        var byObserved = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (t, o) in observed) byObserved[o] = t;
        var floatValues = new Dictionary<string, float[]>(StringComparer.Ordinal);
        using var floatSession = Session(floatModel, threads, e => Capture(e, observed, floatValues));
        using var quantizedSession = Session(quantizedModel, threads, e => Accumulate(e, byObserved, floatValues, sums));

        int total = samples.Count, done = 0;
        if (total == 0) throw new InvalidInputException($"no samples in {samples.Description}");
        foreach (var sample in samples.Read())
        {
            floatValues.Clear();
            foreach (var (name, value) in sample.Inputs)
                if (observed.ContainsKey(name) && value.Type == DataType.Float) floatValues[name] = value.ReadOnlySpan<float>().ToArray();
            floatSession.Run(sample.Inputs);
            // Graph inputs compared as they are quantized: the DequantizeLinear after their QuantizeLinear is a node output.
            quantizedSession.Run(sample.Inputs);
            foreach (var (name, value) in sample.Inputs)
                if (observed.TryGetValue(name, out var o) && o == name && value.Type == DataType.Float && sums.TryGetValue(name, out var s))
                    s.Add(floatValues[name], value.ReadOnlySpan<float>());
            progress?.Report(new QuantizationProgress("comparing", ++done, total));
        }
        return new ComparisonReport(total, Layers(fg, observed, sums));
    }

    private sealed class Sums
    {
        public double Signal, Noise, Dot, QuantizedEnergy;
        public long Count;

        public void Add(ReadOnlySpan<float> f, ReadOnlySpan<float> q)
        {
            if (f.Length != q.Length) return;
            for (int i = 0; i < f.Length; i++)
            {
                double a = f[i], b = q[i], d = a - b;
                Signal += a * a;
                Noise += d * d;
                Dot += a * b;
                QuantizedEnergy += b * b;
            }
            Count += f.Length;
        }

        public double Sqnr => Noise == 0 ? double.PositiveInfinity : Signal == 0 ? double.NegativeInfinity : 10 * Math.Log10(Signal / Noise);
        public double Cosine => Signal == 0 || QuantizedEnergy == 0 ? (Noise == 0 ? 1 : 0) : Dot / Math.Sqrt(Signal * QuantizedEnergy);
    }

    private static InferenceSession Session(Model model, int threads, Action<NodeExecution> observer)
    {
        var options = new SessionOptions { OptimizationLevel = OptimizationLevel.None, NodeExecuted = observer };
        if (threads > 0) options.IntraOpThreads = threads;
        return new InferenceSession(model, options);
    }

    private static void Capture(NodeExecution e, Dictionary<string, string> observed, Dictionary<string, float[]> values)
    {
        for (int i = 0; i < e.Outputs.Count && i < e.Node.Outputs.Count; i++)
            if (e.Outputs[i] is { Type: DataType.Float } t && observed.ContainsKey(e.Node.Outputs[i]))
                values[e.Node.Outputs[i]] = t.ReadOnlySpan<float>().ToArray();
    }

    private static void Accumulate(NodeExecution e, Dictionary<string, string> byObserved, Dictionary<string, float[]> floatValues,
        Dictionary<string, Sums> sums)
    {
        for (int i = 0; i < e.Outputs.Count && i < e.Node.Outputs.Count; i++)
            if (e.Outputs[i] is { Type: DataType.Float } t && byObserved.TryGetValue(e.Node.Outputs[i], out var tensor)
                && floatValues.TryGetValue(tensor, out var f))
                sums[tensor].Add(f, t.ReadOnlySpan<float>());
    }

    /// <summary>
    /// Float-model tensors (graph inputs and node outputs) that the quantized model also has, mapped to the value read there:
    /// the output of a DequantizeLinear fed by a QuantizeLinear of the tensor when there is one, else the tensor itself.
    /// </summary>
    private static Dictionary<string, string> ObservedNames(Graph fg, Graph qg)
    {
        var quantizedValues = new HashSet<string>(qg.Nodes.SelectMany(n => n.Outputs).Concat(qg.Inputs.Select(i => i.Name)), StringComparer.Ordinal);
        var quantizeOf = new Dictionary<string, string>(StringComparer.Ordinal);
        var dequantizeOf = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var n in qg.Nodes)
        {
            if (n.Domain.Length != 0 || n.Inputs.Count == 0 || n.Outputs.Count == 0) continue;
            if (n.OpType == "QuantizeLinear") quantizeOf.TryAdd(n.Inputs[0], n.Outputs[0]);
            else if (n.OpType == "DequantizeLinear") dequantizeOf.TryAdd(n.Inputs[0], n.Outputs[0]);
        }
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        var candidates = fg.Inputs.Where(i => !fg.Initializers.ContainsKey(i.Name)).Select(i => i.Name)
            .Concat(fg.Nodes.SelectMany(n => n.Outputs)).Where(v => v.Length > 0);
        foreach (var t in candidates)
        {
            if (!quantizedValues.Contains(t)) continue;
            result[t] = quantizeOf.TryGetValue(t, out var q) && dequantizeOf.TryGetValue(q, out var dq) ? dq : t;
        }
        return result;
    }

    private static List<LayerDifference> Layers(Graph fg, Dictionary<string, string> observed, Dictionary<string, Sums> sums)
    {
        var producer = new Dictionary<string, Node>(StringComparer.Ordinal);
        foreach (var n in fg.Nodes)
            foreach (var o in n.Outputs)
                if (o.Length > 0) producer[o] = n;
        var sqnr = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var (t, s) in sums) if (s.Count > 0) sqnr[t] = s.Sqnr;

        // The lowest SQNR among the nearest compared tensors upstream of a value (memoized; +inf when none).
        var upstream = new Dictionary<string, double>(StringComparer.Ordinal);
        double Upstream(string value, int depth)
        {
            if (upstream.TryGetValue(value, out var known)) return known;
            double worst = double.PositiveInfinity;
            if (depth < 10_000 && producer.TryGetValue(value, out var node))
                foreach (var input in node.Inputs)
                {
                    if (input.Length == 0 || fg.Initializers.ContainsKey(input)) continue;
                    worst = Math.Min(worst, sqnr.TryGetValue(input, out var s) ? s : Upstream(input, depth + 1));
                }
            upstream[value] = worst;
            return worst;
        }

        var layers = new List<LayerDifference>();
        foreach (var (t, o) in observed)
        {
            if (!sqnr.TryGetValue(t, out var s)) continue;
            var node = producer.GetValueOrDefault(t);
            double before = Math.Min(Upstream(t, 0), IdealInt8Db);
            double loss = Math.Max(0, before - Math.Min(s, IdealInt8Db));
            layers.Add(new LayerDifference(t, node?.Name ?? "", node?.OpType ?? "input", s, sums[t].Cosine, loss, o));
        }
        return layers;
    }
}
