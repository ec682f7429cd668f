namespace Pinhole.Tools.Benchmarking;

/// <summary>Latency statistics in milliseconds (percentiles by the nearest-rank method).</summary>
public sealed record LatencyStats(double Min, double P50, double P90, double P99, double Mean, double Max)
{
    /// <summary>Statistics of <paramref name="samplesMs"/> (at least one sample).</summary>
    public static LatencyStats FromSamples(IReadOnlyCollection<double> samplesMs)
    {
        ArgumentNullException.ThrowIfNull(samplesMs);
        if (samplesMs.Count == 0) throw new ArgumentException("no samples", nameof(samplesMs));
        var sorted = samplesMs.Order().ToArray();
        return new LatencyStats(sorted[0], Percentile(sorted, 50), Percentile(sorted, 90), Percentile(sorted, 99),
            sorted.Average(), sorted[^1]);
    }

    /// <summary>The nearest-rank percentile of ascending <paramref name="sorted"/>.</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double percent)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        int rank = (int)Math.Ceiling(percent / 100 * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }
}

/// <summary>Time spent in one node over the timed runs.</summary>
/// <param name="Node">The node's name, or its first output when unnamed.</param>
/// <param name="Variant">The kernel's algorithm/ISA path (<see cref="Runtime.OpKernel.Variant"/>), empty when it does not say.</param>
/// <param name="TotalMs">Summed over all timed runs.</param>
/// <param name="Share">Percent of the time of all nodes.</param>
public sealed record NodeProfile(string Node, string Op, string Variant, int Calls, double TotalMs, double MeanMs, double Share);

/// <summary>Time spent in all nodes of one op type over the timed runs.</summary>
public sealed record OpProfile(string Op, int Nodes, double TotalMs, double MeanMsPerRun, double Share);

/// <summary>The result of benchmarking one model with <see cref="ModelBenchmark"/>.</summary>
public sealed record BenchmarkResult
{
    public required string Model { get; init; }
    public required string Runtime { get; init; }

    /// <summary>The runtime's version, when known.</summary>
    public string? RuntimeVersion { get; init; }
    public required int Threads { get; init; }
    public required int Runs { get; init; }
    public required int Warmup { get; init; }

    /// <summary>Loading the file and creating the session (parsing, graph rewrites, kernel preparation), in ms.</summary>
    public required double LoadMs { get; init; }

    /// <summary>Per-run latency over the timed runs.</summary>
    public required LatencyStats LatencyMs { get; init; }
    public required double ThroughputPerS { get; init; }

    /// <summary>Whether the session reported a static memory plan; when false the arena figures are 0.</summary>
    public required bool MemoryPlanned { get; init; }
    public required long ArenaBytes { get; init; }
    public required long ArenaLowerBoundBytes { get; init; }

    /// <summary>The process's peak resident set (VmHWM) after the runs.</summary>
    public required long PeakWorkingSetBytes { get; init; }

    /// <summary>Input shapes used, as text (e.g. <c>input: float [1,3,224,224]</c>).</summary>
    public IReadOnlyList<string> Inputs { get; init; } = [];

    /// <summary>Per-node times, slowest first (only with profiling).</summary>
    public IReadOnlyList<NodeProfile>? Profile { get; init; }

    /// <summary>Per-op-type times, slowest first (only with profiling).</summary>
    public IReadOnlyList<OpProfile>? OpProfile { get; init; }
}
