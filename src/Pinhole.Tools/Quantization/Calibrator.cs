using Pinhole.IR;
using Pinhole.Runtime;
using Pinhole.Tools.Datasets;

namespace Pinhole.Tools.Quantization;

/// <summary>Progress of a long quantization step: samples done of the total.</summary>
public readonly record struct QuantizationProgress(string Stage, int Done, int Total);

/// <summary>
/// Runs the float model over the calibration samples and records statistics of the named tensors as each node produces
/// them (the session runs the graph as written, so every tensor keeps its name). Memory stays bounded: each tensor is
/// reduced to its statistics as soon as it is produced.
/// </summary>
internal static class Calibrator
{
    public static Dictionary<string, TensorStatistics> Collect(Model model, IReadOnlyCollection<string> tensors, ISampleSource data,
        QuantizationOptions options, IProgress<QuantizationProgress>? progress)
    {
        bool histograms = options.Method != CalibrationMethod.MinMax;
        var stats = new Dictionary<string, TensorStatistics>(StringComparer.Ordinal);
        foreach (var t in tensors) stats[t] = new TensorStatistics(histograms ? options.HistogramBins : 0);

        var sessionOptions = new SessionOptions
        {
            OptimizationLevel = OptimizationLevel.None,
            NodeExecuted = e =>
            {
                for (int i = 0; i < e.Outputs.Count; i++)
                    if (i < e.Node.Outputs.Count && e.Outputs[i] is { Type: DataType.Float } t && stats.TryGetValue(e.Node.Outputs[i], out var s))
                        s.Add(t.ReadOnlySpan<float>());
            },
        };
        if (options.Threads > 0) sessionOptions.IntraOpThreads = options.Threads;
        using var session = new InferenceSession(model, sessionOptions);

        int total = data.Count, done = 0;
        if (total == 0) throw new InvalidInputException($"no calibration samples in {data.Description}");
        progress?.Report(new QuantizationProgress("calibrating", 0, total));
        foreach (var sample in data.Read())
        {
            foreach (var (name, value) in sample.Inputs)
                if (value.Type == DataType.Float && stats.TryGetValue(name, out var s)) s.Add(value.ReadOnlySpan<float>());
            session.Run(sample.Inputs);
            progress?.Report(new QuantizationProgress("calibrating", ++done, total));
        }
        return stats;
    }
}
