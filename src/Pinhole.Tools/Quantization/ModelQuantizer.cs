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
/// forms only copy. Rewrites <paramref name="model"/> in place.
/// </summary>
public static class ModelQuantizer
{
    public static QuantizationReport Quantize(Model model, ISampleSource calibration, QuantizationOptions options,
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
        var upgrade = OpsetUpgrade.Apply(model, needed);
        GraphOptimizer.Optimize(model, OptimizationLevel.Basic);
        graph = model.Graph;

        var types = new StaticShapeInference().Infer(model);
        bool IsFloat(string value) => graph.Initializers.TryGetValue(value, out var c)
            ? c.Type == DataType.Float
            : types.TryGetValue(value, out var t) ? t.ElementType == DataType.Float : graph.TypeOf(value) is TensorTypeInfo { ElementType: DataType.Float };

        var excluded = new HashSet<string>(options.Exclude, StringComparer.Ordinal);
        var units = new Dictionary<Node, QuantizedUnit>(ReferenceEqualityComparer.Instance);
        var floatNodes = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            if (excluded.Contains(node.Name)) { floatNodes[NodeName(node)] = "excluded"; continue; }
            var unit = QuantizableOps.Classify(node, graph, IsFloat, out var reason);
            if (unit is not null && node.Outputs.Count >= 1 && IsFloat(node.Outputs[0])) units[node] = unit;
            else floatNodes[NodeName(node)] = reason ?? "output is not float";
        }

        var tensors = new HashSet<string>(StringComparer.Ordinal);
        foreach (var unit in units.Values)
        {
            foreach (int i in unit.ActivationInputs)
                if (!graph.Initializers.ContainsKey(unit.Node.Inputs[i])) tensors.Add(unit.Node.Inputs[i]);
            tensors.Add(unit.Node.Outputs[0]);
        }
        var stats = Calibrator.Collect(model, tensors, calibration, options, progress);

        // Units whose tensors calibration never saw (a branch not taken) stay in float.
        foreach (var unit in units.Values.ToList())
        {
            bool seen = unit.ActivationInputs.Select(i => unit.Node.Inputs[i]).Append(unit.Node.Outputs[0])
                .All(t => graph.Initializers.ContainsKey(t) || stats.TryGetValue(t, out var s) && s.Count > 0);
            if (seen) continue;
            units.Remove(unit.Node);
            floatNodes[NodeName(unit.Node)] = "not reached by the calibration data";
        }

        var parameters = ParameterSharing.Assign(graph, units.Values, stats, options);
        var writer = new QdqWriter(graph, units, parameters, options);
        writer.Write();
        graph.Validate();
        if ((model.OpsetFor("") ?? 1) < needed) model.OpsetImports[""] = needed;
        model.MetadataProps["pinhole.quantization"] =
            $"static QDQ, {options.Method.ToString().ToLowerInvariant()} calibration on {calibration.Count} samples, "
            + $"{DataTypes.OnnxName(options.ActivationType)} activations{(options.Symmetric ? " (symmetric)" : "")}, "
            + $"int8 weights {(options.PerChannel ? "per channel" : "per tensor")}{(options.ReduceRange ? " (7-bit)" : "")}";

        var byOp = units.Keys.GroupBy(n => n.OpType, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
        if (writer.RemovedClamps > 0) byOp["Relu/Clip (absorbed)"] = writer.RemovedClamps;
        return new QuantizationReport(from, model.OpsetFor("") ?? needed, calibration.Count, byOp, floatNodes,
            writer.QuantizedActivations, writer.QuantizedWeights, writer.RemovedClamps);
    }

    private static string NodeName(Node node) => node.Name.Length > 0 ? node.Name : $"{node.OpType}({node.Outputs.FirstOrDefault()})";
}
