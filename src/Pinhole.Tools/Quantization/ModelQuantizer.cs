using Pinhole.IR;
using Pinhole.Runtime;
using Pinhole.Runtime.Optimization;
using Pinhole.Tools.Datasets;
using Pinhole.Tools.Transforms.Opset;

namespace Pinhole.Tools.Quantization;

/// <summary>What quantization did.</summary>
/// <param name="OpsetFrom">The model's ai.onnx opset before (QDQ needs 10, per-channel weights 13).</param>
/// <param name="OpsetTo">The opset of the quantized model.</param>
/// <param name="QuantizedNodes">Nodes rewritten to QDQ form, by op.</param>
/// <param name="FloatNodes">Nodes left in float, with the reason, by name.</param>
/// <param name="RemovedActivations">Relu / Clip nodes absorbed by the saturation of the following QuantizeLinear.</param>
public sealed record QuantizationReport(
    long OpsetFrom,
    long OpsetTo,
    int Samples,
    IReadOnlyDictionary<string, int> QuantizedNodes,
    IReadOnlyDictionary<string, string> FloatNodes,
    int QuantizedActivations,
    int QuantizedWeights,
    int RemovedActivations);

/// <summary>
/// Static post-training quantization to ONNX QDQ form: upgrades the opset where needed, applies the basic graph rewrites
/// (BatchNormalization folding and others that keep standard ONNX), runs the float model over calibration samples, picks
/// activation ranges by the chosen method, and writes int8 weights, int32 biases and Quantize/DequantizeLinear pairs.
/// Ops whose parameters must match (Concat; MaxPool, Reshape and other value-moving ops) share one set, so their integer
/// forms only copy.
/// </summary>
public static class ModelQuantizer
{
    /// <summary>Quantizes <paramref name="model"/> in place.</summary>
    public static QuantizationReport Quantize(Model model, ISampleSource calibration, QuantizationOptions options,
        IProgress<QuantizationProgress>? progress = null)
    {
        var prepared = Prepare(model, calibration, options, progress);
        var (quantized, report) = prepared.Write(prepared.Excluded);
        model.Graph = quantized.Graph;
        model.IrVersion = quantized.IrVersion;
        model.OpsetImports.Clear();
        foreach (var (domain, version) in quantized.OpsetImports) model.OpsetImports[domain] = version;
        foreach (var (key, value) in quantized.MetadataProps) model.MetadataProps[key] = value;
        return report;
    }

    /// <summary>
    /// The model made ready and calibrated, from which quantized forms with different sets of float nodes can be written
    /// (what the accuracy budget searches over). Preprocesses <paramref name="model"/> in place.
    /// </summary>
    public static PreparedQuantization Prepare(Model model, ISampleSource calibration, QuantizationOptions options,
        IProgress<QuantizationProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(calibration);
        ArgumentNullException.ThrowIfNull(options);
        if (options.ActivationType is not (DataType.UInt8 or DataType.Int8))
            throw new ArgumentException($"activation type {DataTypes.OnnxName(options.ActivationType)}: expected uint8 or int8", nameof(options));
        var graph = model.Graph;
        int alreadyQuantized = graph.Nodes.Count(n => n.Domain.Length == 0 && n.OpType is "QuantizeLinear" or "DequantizeLinear"
            or "QLinearConv" or "QLinearMatMul" or "ConvInteger" or "MatMulInteger" or "DynamicQuantizeLinear");
        if (alreadyQuantized > 0)
            throw new UnsupportedModelException($"the model is already quantized ({alreadyQuantized} quantization nodes): "
                + "strip it first (pinhole optimize --strip-quantization)");
        var missing = options.Exclude.Where(name => !graph.Nodes.Exists(n => n.Name == name)).ToList();
        if (missing.Count > 0)
            throw new InvalidInputException($"--exclude: no node named {string.Join(", ", missing.Select(m => $"'{m}'"))} in the model");

        // Models from before IR version 4 list their initializers as inputs too; here they are weights, not inputs.
        graph.Inputs.RemoveAll(i => graph.Initializers.ContainsKey(i.Name));
        long from = model.OpsetFor("") ?? 1;
        long needed = options.PerChannel ? 13 : 10;
        OpsetUpgrade.Apply(model, needed);
        GraphOptimizer.Optimize(model, OptimizationLevel.Basic);
        graph = model.Graph;
        // Every node gets a name, so that it can be reported and excluded.
        var names = new HashSet<string>(graph.Nodes.Select(n => n.Name), StringComparer.Ordinal);
        foreach (var node in graph.Nodes.Where(n => n.Name.Length == 0))
        {
            string stem = $"{node.OpType}_{node.Outputs.FirstOrDefault()}";
            string name = stem;
            for (int k = 1; !names.Add(name); k++) name = $"{stem}_{k}";
            node.Name = name;
        }

        var types = new StaticShapeInference().Infer(model);
        bool IsFloat(string value) => graph.Initializers.TryGetValue(value, out var c)
            ? c.Type == DataType.Float
            : types.TryGetValue(value, out var t) ? t.ElementType == DataType.Float : graph.TypeOf(value) is TensorTypeInfo { ElementType: DataType.Float };

        var units = new List<QuantizedUnit>();
        var floatNodes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            var unit = QuantizableOps.Classify(node, graph, IsFloat, out var reason);
            if (unit is not null && node.Outputs.Count >= 1 && IsFloat(node.Outputs[0])) units.Add(unit);
            else floatNodes[node.Name] = $"{node.OpType}, {reason ?? "output is not float"}";
        }

        var tensors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var unit in units)
        {
            foreach (int i in unit.ActivationInputs)
                if (!graph.Initializers.ContainsKey(unit.Node.Inputs[i])) tensors.Add(unit.Node.Inputs[i]);
            tensors.Add(unit.Node.Outputs[0]);
        }
        var stats = Calibrator.Collect(model, tensors, calibration, options, progress);

        // Units whose tensors calibration never saw (a branch not taken) stay in float.
        foreach (var unit in units.ToList())
        {
            bool seen = unit.ActivationInputs.Select(i => unit.Node.Inputs[i]).Append(unit.Node.Outputs[0])
                .All(t => graph.Initializers.ContainsKey(t) || stats.TryGetValue(t, out var s) && s.Count > 0);
            if (seen) continue;
            units.Remove(unit);
            floatNodes[unit.Node.Name] = $"{unit.Node.OpType}, not reached by the calibration data";
        }
        return new PreparedQuantization(model, units, stats, floatNodes, options, from, needed, calibration.Count);
    }
}

/// <summary>A preprocessed, calibrated float model; <see cref="Write"/> makes quantized copies of it.</summary>
public sealed class PreparedQuantization
{
    private readonly List<QuantizedUnit> _units;
    private readonly Dictionary<string, TensorStatistics> _stats;
    private readonly SortedDictionary<string, string> _floatNodes;
    private readonly QuantizationOptions _options;
    private readonly long _opsetFrom, _opsetNeeded;
    private readonly int _samples;

    internal PreparedQuantization(Model floatModel, List<QuantizedUnit> units, Dictionary<string, TensorStatistics> stats,
        SortedDictionary<string, string> floatNodes, QuantizationOptions options, long opsetFrom, long opsetNeeded, int samples)
    {
        FloatModel = floatModel;
        _units = units;
        _stats = stats;
        _floatNodes = floatNodes;
        _options = options;
        _opsetFrom = opsetFrom;
        _opsetNeeded = opsetNeeded;
        _samples = samples;
    }

    /// <summary>The float model after the opset upgrade and basic rewrites: what the quantized copies are compared with.</summary>
    public Model FloatModel { get; }

    /// <summary>The names of the nodes that can be quantized, in graph order.</summary>
    public IReadOnlyList<string> QuantizableNodes => [.. _units.Select(u => u.Node.Name)];

    /// <summary>The nodes the options exclude.</summary>
    public IReadOnlySet<string> Excluded => new HashSet<string>(_options.Exclude, StringComparer.Ordinal);

    /// <summary>A quantized copy of <see cref="FloatModel"/> with the named nodes kept in float.</summary>
    public (Model Model, QuantizationReport Report) Write(IReadOnlySet<string> keepFloat)
    {
        ArgumentNullException.ThrowIfNull(keepFloat);
        var model = FloatModel.Clone();
        var graph = model.Graph;
        // The clone keeps node order: units map over by position.
        var position = new Dictionary<Node, int>(ReferenceEqualityComparer.Instance);
        for (int i = 0; i < FloatModel.Graph.Nodes.Count; i++) position[FloatModel.Graph.Nodes[i]] = i;
        var units = new Dictionary<Node, QuantizedUnit>(ReferenceEqualityComparer.Instance);
        var floatNodes = new SortedDictionary<string, string>(_floatNodes, StringComparer.Ordinal);
        foreach (var unit in _units)
        {
            var node = graph.Nodes[position[unit.Node]];
            if (keepFloat.Contains(node.Name)) floatNodes[node.Name] = $"{node.OpType}, excluded";
            else units[node] = unit with { Node = node };
        }

        var parameters = ParameterSharing.Assign(graph, units.Values, _stats, _options);
        var writer = new QdqWriter(graph, units, parameters, _options);
        writer.Write();
        graph.Validate();
        if ((model.OpsetFor("") ?? 1) < _opsetNeeded) model.OpsetImports[""] = _opsetNeeded;
        model.MetadataProps["pinhole.quantization"] =
            $"static QDQ, {_options.Method.ToString().ToLowerInvariant()} calibration on {_samples} samples, "
            + $"{DataTypes.OnnxName(_options.ActivationType)} activations{(_options.Symmetric ? " (symmetric)" : "")}, "
            + $"int8 weights {(_options.PerChannel ? "per channel" : "per tensor")}{(_options.ReduceRange ? " (7-bit)" : "")}"
            + (keepFloat.Count > 0 ? $", {keepFloat.Count} node{(keepFloat.Count == 1 ? "" : "s")} kept in float" : "");

        var byOp = units.Keys.GroupBy(n => n.OpType, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        if (writer.RemovedClamps > 0) byOp["Relu/Clip (absorbed)"] = writer.RemovedClamps;
        var report = new QuantizationReport(_opsetFrom, model.OpsetFor("") ?? _opsetNeeded, _samples, byOp, floatNodes,
            writer.QuantizedActivations, writer.QuantizedWeights, writer.RemovedClamps);
        return (model, report);
    }
}
