using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Pinhole.IR;
using Pinhole.Onnx;
using Pinhole.Tools.Benchmarking;
using Pinhole.Tools.Devices;

namespace Pinhole.Bench;

/// <summary>
/// <c>calibrate [--models a,b] [--runs 20] [--efficiency devices/efficiency.json] [--markdown docs/devices.md]</c>:
/// fits the roofline efficiency factors of <c>pinhole check</c> to per-node profiles of <c>pinhole bench</c> on this
/// machine (the dev-machine profile's peaks), then compares the calibrated estimate with the measured median latency at
/// 1 and 2 threads, in-sample and leaving each model out of the fit.
/// </summary>
internal static class Calibration
{
    private sealed record Sample(string Model, ModelAnalysis Analysis, Dictionary<OpKind, double> Ideal, Dictionary<OpKind, double> Measured,
        Dictionary<OpKind, int> MeasuredNodes, double FreeNodeMs, Dictionary<int, double> P50);

    public static int Run(string[] args)
    {
        var a = new Arguments(args, new HashSet<string>());
        string root = Driver.RepositoryRoot();
        string shared = Path.GetFullPath(Path.Combine(root, "..", "shared"));
        var models = BenchModels.All(root, shared);
        if (a.Get("--models") is string filter)
        {
            var parts = filter.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            models = models.Where(m => parts.Any(p => m.Name.Contains(p, StringComparison.OrdinalIgnoreCase))).ToList();
        }
        int runs = a.Int("--runs", 20);
        var device = DeviceCatalog.Resolve("dev-machine");
        var samples = new List<Sample>();
        foreach (var m in models)
        {
            string path = m.Prepare();
            Console.Error.WriteLine($"{m.Name}: profiling");
            var analysis = ModelChecker.Analyze(OnnxModel.Load(path));
            var report = ModelChecker.Check(analysis, device, new CheckOptions { Threads = 1, Efficiency = RooflineEfficiency.Ideal });
            var ideal = Totals(report.Nodes.Where(n => n.EstimatedMs > 0).Select(n => (Kind(n.Kind), n.EstimatedMs)));
            var p50 = new Dictionary<int, double>();
            var measured = new Dictionary<OpKind, double>();
            var measuredNodes = new Dictionary<OpKind, int>();
            var freeTimes = new List<double>();
            foreach (int threads in new[] { 1, 2 })
                p50[threads] = ModelBenchmark.Run(path, new BenchmarkOptions { Threads = threads, Runs = runs }).LatencyMs.P50;
            // Per-node times from a separate profiled run: timing every node slows graphs of many small nodes.
            {
                var result = ModelBenchmark.Run(path, new BenchmarkOptions { Threads = 1, Runs = runs, Profile = true });
                var kindOf = KindsByLabel(analysis.Model.Graph, report);
                foreach (var node in result.Profile!)
                {
                    var kind = kindOf.TryGetValue(node.Node, out var k) ? k : KindOfOp(node.Op, node.Variant);
                    if (kind == OpKind.Free) freeTimes.Add(node.MeanMs);
                    measured[kind] = measured.GetValueOrDefault(kind) + node.MeanMs;
                    measuredNodes[kind] = measuredNodes.GetValueOrDefault(kind) + 1;
                }
            }
            freeTimes.Sort();
            samples.Add(new Sample(m.Name, analysis, ideal, measured, measuredNodes, freeTimes.Count > 0 ? freeTimes[freeTimes.Count / 2] : 0.001, p50));
        }

        var fit = Fit(samples);
        var markdown = new StringBuilder();
        var ci = CultureInfo.InvariantCulture;
        string commit = Driver.CommitId(root);
        markdown.AppendLine(ci, $"- Calibrated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC at commit {commit} on {Machine.Describe()} with `dotnet run -c Release --project bench/Pinhole.Bench -- calibrate` ({runs} timed runs per model and thread count; peaks of the dev-machine profile).");
        markdown.AppendLine(ci, $"- Fitted: node overhead {fit.OverheadUs:F1} us, parallel efficiency {fit.Parallel:F2}; efficiency by kind: {string.Join(", ", fit.Efficiency.Where(kv => kv.Key != OpKind.Free).Select(kv => $"{kv.Key.ToString().ToLowerInvariant()} {kv.Value:F2}"))}.");
        markdown.AppendLine();
        markdown.AppendLine("| model | threads | measured p50 ms | estimated ms | error | estimated, model left out of the fit | error |");
        markdown.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
        int within = 0, withinLeftOut = 0, count = 0;
        foreach (var s in samples)
        {
            var leftOut = Fit(samples.Where(x => x != s).ToList());
            foreach (int threads in new[] { 1, 2 })
            {
                double estimate = Estimate(s, device, threads, fit), estimateLeftOut = Estimate(s, device, threads, leftOut);
                double error = estimate / s.P50[threads] - 1, errorLeftOut = estimateLeftOut / s.P50[threads] - 1;
                count++;
                if (Math.Abs(error) <= 0.3) within++;
                if (Math.Abs(errorLeftOut) <= 0.3) withinLeftOut++;
                markdown.AppendLine(ci, $"| {s.Model} | {threads} | {s.P50[threads]:F2} | {estimate:F2} | {error * 100:+0;-0;0}% | {estimateLeftOut:F2} | {errorLeftOut * 100:+0;-0;0}% |");
            }
        }
        markdown.AppendLine();
        markdown.AppendLine(ci, $"Within ±30%: {within} of {count} (model, threads) pairs in-sample, {withinLeftOut} of {count} with the model left out of the fit.");
        Console.WriteLine(markdown);

        string efficiencyFile = a.Get("--efficiency") ?? Path.Combine(root, "devices", "efficiency.json");
        WriteEfficiency(efficiencyFile, fit, $"{DateTime.UtcNow:yyyy-MM-dd} at commit {commit} on the dev-machine profile, dotnet run -c Release --project bench/Pinhole.Bench -- calibrate");
        if (a.Get("--markdown") is string md) Markdown.WriteInto(md, markdown.ToString(), "calibration");
        Console.Error.WriteLine($"wrote {efficiencyFile}");
        return 0;
    }

    private sealed record FitResult(Dictionary<OpKind, double> Efficiency, double OverheadUs, double Parallel);

    /// <summary>Per kind: efficiency = ideal roofline time / measured time (less the per-node overhead), summed over models.</summary>
    private static FitResult Fit(IReadOnlyList<Sample> samples)
    {
        var free = samples.Select(s => s.FreeNodeMs).Order().ToList();
        double overheadMs = free.Count > 0 ? free[free.Count / 2] : 0.001;
        var efficiency = new Dictionary<OpKind, double> { [OpKind.Free] = 1 };
        foreach (var kind in Enum.GetValues<OpKind>().Where(k => k != OpKind.Free))
        {
            double ideal = samples.Sum(s => s.Ideal.GetValueOrDefault(kind));
            double measured = samples.Sum(s => Math.Max(0, s.Measured.GetValueOrDefault(kind) - (s.MeasuredNodes.GetValueOrDefault(kind) * overheadMs)));
            efficiency[kind] = ideal > 0 && measured > 0 ? Math.Clamp(ideal / measured, 0.01, 5.0) : 0.2;
        }
        // The parallel efficiency (speed-up per extra core, as a share of linear) that best predicts the 2-thread medians,
        // in the least-squares sense on log ratios, given the 1-thread fit.
        var device = DeviceCatalog.Resolve("dev-machine");
        double best = 1, bestError = double.MaxValue;
        for (double parallel = 0.05; parallel <= 1.0001; parallel += 0.05)
        {
            var candidate = new FitResult(efficiency, overheadMs * 1000, parallel);
            double error = samples.Sum(s => Math.Pow(Math.Log(Estimate(s, device, 2, candidate) / s.P50[2]), 2));
            if (error < bestError) (best, bestError) = (parallel, error);
        }
        return new FitResult(efficiency, overheadMs * 1000, best);
    }

    /// <summary>What `pinhole check` estimates with the fitted factors.</summary>
    private static double Estimate(Sample s, DeviceProfile device, int threads, FitResult fit) =>
        ModelChecker.Check(s.Analysis, device, new CheckOptions { Threads = threads, Efficiency = ToEfficiency(fit, device) }).EstimatedLatencyMs;

    private static RooflineEfficiency ToEfficiency(FitResult fit, DeviceProfile device) => new()
    {
        Compute = fit.Efficiency,
        Memory = fit.Efficiency,
        NodeOverheadUs = fit.OverheadUs,
        ReferenceClockMhz = device.Cpu.ClockMhz,
        ParallelEfficiency = fit.Parallel,
        Calibration = "fit",
    };

    private static void WriteEfficiency(string path, FitResult fit, string calibration)
    {
        var json = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        json["calibration"] = calibration;
        json["node_overhead_us"] = Math.Round(fit.OverheadUs, 2);
        json["reference_clock_mhz"] = DeviceCatalog.Resolve("dev-machine").Cpu.ClockMhz;
        json["parallel_efficiency"] = Math.Round(fit.Parallel, 3);
        var kinds = new JsonObject();
        foreach (var (kind, e) in fit.Efficiency.Where(kv => kv.Key != OpKind.Free))
            kinds[kind.ToString().ToLowerInvariant()] = new JsonObject { ["compute"] = Math.Round(e, 3), ["memory"] = Math.Round(e, 3) };
        json["kinds"] = kinds;
        File.WriteAllText(path, json.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    private static Dictionary<OpKind, double> Totals(IEnumerable<(OpKind Kind, double Ms)> items)
    {
        var totals = new Dictionary<OpKind, double>();
        foreach (var (kind, ms) in items) totals[kind] = totals.GetValueOrDefault(kind) + ms;
        return totals;
    }

    private static OpKind Kind(string name) => Enum.Parse<OpKind>(name, ignoreCase: true);

    /// <summary>
    /// The kind of each node of the model as written, under the labels the profiler gives the optimized nodes (name, or
    /// first output); a fused activation's output maps to the Conv/Gemm it was fused into.
    /// </summary>
    private static Dictionary<string, OpKind> KindsByLabel(Graph graph, CheckReport report)
    {
        var byLabel = new Dictionary<string, OpKind>(StringComparer.Ordinal);
        var producerKind = new Dictionary<string, OpKind>(StringComparer.Ordinal);
        for (int i = 0; i < graph.Nodes.Count; i++)
        {
            var n = graph.Nodes[i];
            var kind = Kind(report.Nodes[i].Kind);
            if (report.Nodes[i].Reason.StartsWith("fused into", StringComparison.Ordinal) && n.Inputs.Count > 0 && producerKind.TryGetValue(n.Inputs[0], out var fusedInto))
                kind = fusedInto;
            foreach (var o in n.Outputs) if (o.Length > 0) producerKind[o] = kind;
            if (n.Name.Length > 0) byLabel.TryAdd(n.Name, kind);
            if (n.Outputs.FirstOrDefault(o => o.Length > 0) is { } first) byLabel.TryAdd(first, kind);
        }
        return byLabel;
    }

    private static OpKind KindOfOp(string op, string variant)
    {
        string type = op.Contains('.', StringComparison.Ordinal) ? op[(op.LastIndexOf('.') + 1)..] : op;
        var node = new Node(type, [], [], op.Contains('.', StringComparison.Ordinal) ? op[..op.LastIndexOf('.')] : "", "");
        var kind = OpKinds.Of(node, null);
        return kind == OpKind.Conv && variant.Contains("depthwise", StringComparison.OrdinalIgnoreCase) ? OpKind.Depthwise : kind;
    }
}
