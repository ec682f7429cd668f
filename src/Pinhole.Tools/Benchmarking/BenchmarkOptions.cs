using Pinhole.Runtime;

namespace Pinhole.Tools.Benchmarking;

/// <summary>How <see cref="ModelBenchmark"/> measures a model.</summary>
public sealed class BenchmarkOptions
{
    /// <summary>Intra-op threads of the session.</summary>
    public int Threads { get; set; } = IntraOp.DefaultThreads;

    /// <summary>Timed runs.</summary>
    public int Runs { get; set; } = 20;

    /// <summary>Untimed runs before the timed ones.</summary>
    public int Warmup { get; set; } = 3;

    /// <summary>Stop the timed runs early once they have taken this long (at least <see cref="MinRuns"/> runs); null: no limit.</summary>
    public TimeSpan? MaxTime { get; set; }

    /// <summary>Timed runs made even when <see cref="MaxTime"/> has passed.</summary>
    public int MinRuns { get; set; } = 5;

    /// <summary>Record per-node times (adds a little per-node overhead to the latency).</summary>
    public bool Profile { get; set; }

    /// <summary>Read inputs from <c>input_0.pb</c>, <c>input_1.pb</c>... here (graph-input order) instead of random ones.</summary>
    public string? InputDirectory { get; set; }

    /// <summary>When set, the outputs of the last timed run are written here as <c>output_0.pb</c>, ... (graph-output order).</summary>
    public string? OutputDirectory { get; set; }

    /// <summary>Sizes of symbolic input dimensions for random inputs (others are 1).</summary>
    public IDictionary<string, int> Dims { get; } = new Dictionary<string, int>(StringComparer.Ordinal);

    /// <summary>Seed of the random inputs.</summary>
    public int Seed { get; set; } = 42;

    /// <summary>Graph rewrites of the session.</summary>
    public OptimizationLevel OptimizationLevel { get; set; } = new SessionOptions().OptimizationLevel;
}
