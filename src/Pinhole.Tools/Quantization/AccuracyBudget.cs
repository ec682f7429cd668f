using Pinhole.IR;
using Pinhole.Runtime;
using Pinhole.Tools.Datasets;
using Pinhole.Tools.Evaluation;

namespace Pinhole.Tools.Quantization;

/// <summary>One quantized form tried by the accuracy budget search.</summary>
/// <param name="KeptFloat">Nodes kept in float in this form.</param>
/// <param name="Top1Percent">Its top-1 accuracy on the validation samples.</param>
/// <param name="DropPoints">Float top-1 minus its top-1, in percentage points.</param>
/// <param name="Next">The node the search kept in float next (the most lossy quantized layer), or null when it stopped here.</param>
public sealed record BudgetStep(IReadOnlyList<string> KeptFloat, double Top1Percent, double DropPoints, string? Next);

/// <summary>The outcome: the last form tried (within budget when <paramref name="Met"/>).</summary>
public sealed record BudgetResult(double FloatTop1Percent, double BudgetPoints, bool Met, IReadOnlyList<BudgetStep> Steps, int ValidationSamples)
{
    public BudgetStep Final => Steps[^1];
}

/// <summary>
/// Mixed precision by accuracy budget: quantizes, measures top-1 on labelled validation samples, and while the drop from
/// float exceeds the budget keeps in float the quantized layer that loses the most SQNR itself (by
/// <see cref="LayerComparison"/>), one at a time, until the drop fits or <c>maxFloatNodes</c> are float.
/// </summary>
public static class AccuracyBudget
{
    /// <summary>Samples the layer comparison ranks layers on (the accuracy is measured on all validation samples).</summary>
    public const int ComparisonSamples = 16;

    public static (Model Model, QuantizationReport Report, BudgetResult Result) Search(PreparedQuantization prepared, ISampleSource validation,
        ILabelSource labels, double budgetPoints, int maxFloatNodes = 20, int threads = 0, IProgress<QuantizationProgress>? progress = null)
    {
        ArgumentNullException.ThrowIfNull(prepared);
        ArgumentNullException.ThrowIfNull(validation);
        ArgumentNullException.ThrowIfNull(labels);
        if (budgetPoints < 0 || !double.IsFinite(budgetPoints)) throw new ArgumentOutOfRangeException(nameof(budgetPoints), "the budget must be a non-negative number of points");
        double floatTop1 = Top1(prepared.FloatModel, validation, labels, threads, "validating float", progress);
        var quantizable = new HashSet<string>(prepared.QuantizableNodes, StringComparer.Ordinal);
        var keep = new HashSet<string>(prepared.Excluded, StringComparer.Ordinal);
        var steps = new List<BudgetStep>();
        while (true)
        {
            var (model, report) = prepared.Write(keep);
            double top1 = Top1(model, validation, labels, threads, $"validating int8 ({keep.Count} float)", progress);
            double drop = floatTop1 - top1;
            var kept = keep.Order(StringComparer.Ordinal).ToList();
            bool met = drop <= budgetPoints + 1e-9;
            string? next = met || keep.Count >= maxFloatNodes ? null : MostLossy(prepared, model, validation, quantizable, keep, threads, progress);
            steps.Add(new BudgetStep(kept, top1, drop, next));
            if (next is null)
                return (model, report, new BudgetResult(floatTop1, budgetPoints, met, steps, validation.Count));
            keep.Add(next);
        }
    }

    /// <summary>
    /// The quantized node to keep in float next: the one producing the tensor that loses the most, or, when that tensor is
    /// not produced by a quantized node, one of its quantized readers.
    /// </summary>
    private static string? MostLossy(PreparedQuantization prepared, Model quantized, ISampleSource validation, HashSet<string> quantizable,
        HashSet<string> keep, int threads, IProgress<QuantizationProgress>? progress)
    {
        var comparison = LayerComparison.Compare(prepared.FloatModel, quantized, new FirstSamples(validation, ComparisonSamples), threads, progress);
        var producer = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var n in quantized.Graph.Nodes)
            foreach (var o in n.Outputs)
                if (o.Length > 0) producer[o] = n.Name;
        foreach (var layer in comparison.Worst(comparison.Layers.Count))
        {
            if (layer.LossDb <= 0) break;
            if (producer.TryGetValue(layer.Tensor, out var node) && quantizable.Contains(node) && !keep.Contains(node)) return node;
            // A tensor quantized only for its readers (a graph input, a float node's output): keeping a reader in float
            // removes the quantization (once none is left).
            var reader = prepared.FloatModel.Graph.Nodes.FirstOrDefault(n => n.Inputs.Contains(layer.Tensor) && quantizable.Contains(n.Name) && !keep.Contains(n.Name));
            if (reader is not null) return reader.Name;
        }
        return null;
    }

    private static double Top1(Model model, ISampleSource samples, ILabelSource labels, int threads, string stage, IProgress<QuantizationProgress>? progress)
    {
        var options = new SessionOptions();
        if (threads > 0) options.IntraOpThreads = threads;
        using var session = new InferenceSession(model, options);
        var result = ClassificationEval.Run(session, samples, labels, new ClassificationOptions
        {
            Progress = progress is null ? null : (done, total) => progress.Report(new QuantizationProgress(stage, done, total)),
        });
        return result.Top1Percent;
    }

    /// <summary>The first <c>count</c> samples of a source.</summary>
    private sealed class FirstSamples(ISampleSource source, int count) : ISampleSource
    {
        public string Description => source.Description;
        public int Count => Math.Min(count, source.Count);
        public IEnumerable<Sample> Read() => source.Read().Take(Count);
    }
}
