using System.Diagnostics;
using Pinhole.IR;
using Pinhole.Onnx;
using Pinhole.Runtime;

namespace Pinhole.Tools.Benchmarking;

/// <summary>
/// Measures a model in this process: load + session creation time, per-run latency, throughput, the session's memory
/// plan and the process's peak working set, optionally a per-node profile. Run it in a fresh process for clean load
/// time and peak memory.
/// </summary>
public static class ModelBenchmark
{
    public static BenchmarkResult Run(string modelPath, BenchmarkOptions options)
    {
        ArgumentNullException.ThrowIfNull(modelPath);
        ArgumentNullException.ThrowIfNull(options);
        if (options.Runs < 1) throw new ArgumentException("runs must be at least 1", nameof(options));
        if (options.Warmup < 0) throw new ArgumentException("warmup must not be negative", nameof(options));
        if (options.Threads < 1) throw new ArgumentException("threads must be at least 1", nameof(options));

        // The clock starts before the session options, as the ORT worker's does (its options load the native library).
        var clock = Stopwatch.StartNew();
        var profiler = options.Profile ? new Profiler() : null;
        var sessionOptions = new SessionOptions
        {
            IntraOpThreads = options.Threads,
            OptimizationLevel = options.OptimizationLevel,
            NodeExecuted = profiler is null ? null : profiler.Record,
        };

        var model = OnnxModel.Load(modelPath);
        using var session = new InferenceSession(model, sessionOptions);
        double loadMs = clock.Elapsed.TotalMilliseconds;

        var inputs = options.InputDirectory is null
            ? RandomInputs.Create(model, options.Seed, options.Dims.AsReadOnly())
            : ReadInputs(session, options.InputDirectory);
        var feed = inputs.ToDictionary(i => i.Name, i => i.Value, StringComparer.Ordinal);

        int warmup = options.Warmup;
        if (options.SettleJit && options.Warmup > 0)
            warmup = JitWarmup.Run(() => session.Run(feed), options.Warmup, TimeSpan.FromMilliseconds(500), options.MaxWarmupTime);
        else
            for (int i = 0; i < options.Warmup; i++) session.Run(feed);

        if (profiler is not null) profiler.Recording = true;
        var samples = new List<double>(options.Runs);
        IReadOnlyDictionary<string, Tensor>? outputs = null;
        var total = Stopwatch.StartNew();
        for (int i = 0; i < options.Runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            outputs = session.Run(feed);
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            if (options.MaxTime is TimeSpan limit && total.Elapsed > limit && samples.Count >= options.MinRuns) break;
        }
        double totalSeconds = total.Elapsed.TotalSeconds;
        if (profiler is not null) profiler.Recording = false;

        var plan = session.MemoryPlan;
        long peak = PeakMemory.PeakWorkingSetBytes();
        if (options.OutputDirectory is not null && outputs is not null)
        {
            Directory.CreateDirectory(options.OutputDirectory);
            for (int k = 0; k < session.Outputs.Count; k++)
            {
                string name = session.Outputs[k].Name;
                OnnxTensorFile.Write(Path.Combine(options.OutputDirectory, $"output_{k}.pb"), outputs[name], name);
            }
        }
        return new BenchmarkResult
        {
            Model = modelPath,
            Runtime = "pinhole",
            RuntimeVersion = typeof(InferenceSession).Assembly.GetName().Version?.ToString(),
            Threads = options.Threads,
            Runs = samples.Count,
            Warmup = warmup,
            OptimizationLevel = options.OptimizationLevel.ToString().ToLowerInvariant(),
            LoadMs = loadMs,
            LatencyMs = LatencyStats.FromSamples(samples),
            ThroughputPerS = samples.Count / Math.Max(totalSeconds, 1e-9),
            MemoryPlanned = plan is not null,
            ArenaBytes = plan?.ArenaBytes ?? 0,
            ArenaLowerBoundBytes = plan?.LowerBoundBytes ?? 0,
            PeakWorkingSetBytes = peak,
            Inputs = inputs.Select(i => $"{i.Name}: {DataTypes.OnnxName(i.Value.Type)} {Tensor.FormatShape(i.Value.Shape)}").ToArray(),
            Profile = profiler?.Nodes(samples.Count),
            OpProfile = profiler?.Ops(samples.Count),
        };
    }

    /// <summary><c>input_0.pb</c>, <c>input_1.pb</c>... from <paramref name="directory"/>, in the session's input order.</summary>
    public static List<(string Name, Tensor Value)> ReadInputs(InferenceSession session, string directory)
    {
        ArgumentNullException.ThrowIfNull(session);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"input folder '{directory}' does not exist");
        var result = new List<(string, Tensor)>();
        for (int i = 0; i < session.Inputs.Count; i++)
        {
            string path = Path.Combine(directory, $"input_{i}.pb");
            if (!File.Exists(path)) throw new InvalidInputException($"input {i} '{session.Inputs[i].Name}': '{path}' does not exist");
            result.Add((session.Inputs[i].Name, OnnxTensorFile.Read(path)));
        }
        return result;
    }

    /// <summary>Sums node times while <see cref="Recording"/> (locked: subgraph or concurrent runs may report from other threads).</summary>
    private sealed class Profiler
    {
        private readonly Lock _lock = new();
        private readonly Dictionary<Node, (string Variant, int Calls, double Ms)> _nodes = new(ReferenceEqualityComparer.Instance);
        private readonly List<Node> _order = [];

        public volatile bool Recording;

        public void Record(NodeExecution e)
        {
            if (!Recording) return;
            double ms = e.Elapsed.TotalMilliseconds;
            lock (_lock)
            {
                if (_nodes.TryGetValue(e.Node, out var v))
                {
                    _nodes[e.Node] = (e.Variant, v.Calls + 1, v.Ms + ms);
                }
                else
                {
                    _nodes[e.Node] = (e.Variant, 1, ms);
                    _order.Add(e.Node);
                }
            }
        }

        private double Total => _nodes.Values.Sum(v => v.Ms);

        public NodeProfile[] Nodes(int runs)
        {
            double total = Math.Max(Total, 1e-12);
            return _order.Select(n => (Node: n, Stats: _nodes[n]))
                .OrderByDescending(x => x.Stats.Ms)
                .Select(x => new NodeProfile(Label(x.Node), OpName(x.Node), x.Stats.Variant, x.Stats.Calls, x.Stats.Ms,
                    x.Stats.Ms / x.Stats.Calls, 100 * x.Stats.Ms / total))
                .ToArray();
        }

        public OpProfile[] Ops(int runs)
        {
            double total = Math.Max(Total, 1e-12);
            return _order.GroupBy(OpName, StringComparer.Ordinal)
                .Select(g => (Op: g.Key, Nodes: g.Count(), Ms: g.Sum(n => _nodes[n].Ms)))
                .OrderByDescending(x => x.Ms)
                .Select(x => new OpProfile(x.Op, x.Nodes, x.Ms, x.Ms / Math.Max(runs, 1), 100 * x.Ms / total))
                .ToArray();
        }

        private static string Label(Node n) => n.Name.Length > 0 ? n.Name : n.Outputs.FirstOrDefault(o => o.Length > 0) ?? "?";

        private static string OpName(Node n) => n.Domain.Length > 0 ? $"{n.Domain}.{n.OpType}" : n.OpType;
    }
}
