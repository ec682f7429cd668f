using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pinhole.Tools.Benchmarking;

namespace Pinhole.Cli;

/// <summary><c>pinhole bench MODEL</c>: load time, latency percentiles, throughput, memory, optional per-node profile.</summary>
internal static class BenchCommand
{
    public static Command Create(TextWriter stdout)
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "The .onnx model file" };
        var threads = new Option<int>("--threads", "-t") { Description = "Intra-op threads (default: one per logical processor)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var runs = new Option<int>("--runs", "-n") { Description = "Timed runs", DefaultValueFactory = _ => 20 };
        var warmup = new Option<int>("--warmup") { Description = "Untimed runs before the timed ones", DefaultValueFactory = _ => 3 };
        var json = new Option<bool>("--json") { Description = "Print one JSON object" };
        var profile = new Option<bool>("--profile") { Description = "Add per-node and per-op times over the timed runs" };
        var inputDir = new Option<DirectoryInfo>("--input-dir") { Description = "Folder with input_0.pb, input_1.pb... (default: seeded random inputs)" };
        var dims = CliApp.DimOption();
        dims.Description = "NAME=VALUE: size of a symbolic input dimension for random inputs (repeatable; others are 1)";
        var seed = new Option<int>("--seed") { Description = "Seed of the random inputs", DefaultValueFactory = _ => 42 };
        var command = new Command("bench", "Measure load time, latency (min/p50/p90/p99), throughput and memory of a model")
        {
            model, threads, runs, warmup, json, profile, inputDir, dims, seed,
        };
        command.SetAction(r =>
        {
            var options = new BenchmarkOptions
            {
                Threads = Positive(r.GetValue(threads), "--threads"),
                Runs = Positive(r.GetValue(runs), "--runs"),
                Warmup = r.GetValue(warmup) >= 0 ? r.GetValue(warmup) : throw new UsageException("--warmup must not be negative"),
                Profile = r.GetValue(profile),
                InputDirectory = r.GetValue(inputDir)?.FullName,
                Seed = r.GetValue(seed),
            };
            foreach (var (k, v) in CliApp.ParseDims(r.GetValue(dims))) options.Dims[k] = v;
            return Run(r.GetValue(model)!, options, r.GetValue(json), stdout);
        });
        return command;
    }

    private static int Positive(int value, string name) =>
        value >= 1 ? value : throw new UsageException($"{name} must be at least 1");

    private static int Run(FileInfo modelFile, BenchmarkOptions options, bool asJson, TextWriter stdout)
    {
        if (!modelFile.Exists) throw new FileNotFoundException($"model file '{modelFile.FullName}' does not exist", modelFile.FullName);
        var result = ModelBenchmark.Run(modelFile.FullName, options);
        if (asJson)
        {
            stdout.WriteLine(JsonSerializer.Serialize(result, BenchmarkJsonContext.Default.BenchmarkResult));
            return CliApp.Success;
        }
        Write(result, modelFile.Name, stdout);
        return CliApp.Success;
    }

    internal static void Write(BenchmarkResult r, string title, TextWriter w)
    {
        var ci = CultureInfo.InvariantCulture;
        var l = r.LatencyMs;
        w.WriteLine($"model       {title}");
        foreach (var input in r.Inputs) w.WriteLine($"input       {input}");
        w.WriteLine(string.Create(ci, $"threads     {r.Threads}, runs {r.Runs} (+{r.Warmup} warmup)"));
        w.WriteLine(string.Create(ci, $"load        {r.LoadMs:F1} ms (load + session creation)"));
        w.WriteLine(string.Create(ci, $"latency     min {l.Min:F3}  p50 {l.P50:F3}  p90 {l.P90:F3}  p99 {l.P99:F3} ms (mean {l.Mean:F3}, max {l.Max:F3})"));
        w.WriteLine(string.Create(ci, $"throughput  {r.ThroughputPerS:F2} runs/s"));
        w.WriteLine(r.MemoryPlanned
            ? string.Create(ci, $"arena       {FormatBytes(r.ArenaBytes)} (lower bound {FormatBytes(r.ArenaLowerBoundBytes)}, {Ratio(r.ArenaBytes, r.ArenaLowerBoundBytes)})")
            : "arena       (no static memory plan)");
        w.WriteLine($"peak RSS    {FormatBytes(r.PeakWorkingSetBytes)}");
        if (r.Profile is null || r.OpProfile is null) return;

        w.WriteLine();
        w.WriteLine(string.Create(ci, $"profile over {r.Runs} runs (node times; the profiler adds a little overhead per node)"));
        var rows = r.Profile.Select(p => new[]
        {
            Clip(p.Node, 40), p.Op, Clip(p.Variant, 28), p.TotalMs.ToString("F3", ci), p.Share.ToString("F1", ci),
        }).ToList();
        Table(w, ["node", "op", "variant", "total ms", "%"], rows);
        w.WriteLine();
        Table(w, ["op", "nodes", "total ms", "ms/run", "%"], r.OpProfile.Select(o => new[]
        {
            o.Op, o.Nodes.ToString(ci), o.TotalMs.ToString("F3", ci), o.MeanMsPerRun.ToString("F3", ci), o.Share.ToString("F1", ci),
        }).ToList());
    }

    private static string Ratio(long a, long b) =>
        b > 0 ? string.Create(CultureInfo.InvariantCulture, $"{(double)a / b:F3}x") : "n/a";

    private static void Table(TextWriter w, string[] header, List<string[]> rows)
    {
        var widths = header.Select((h, c) => Math.Max(h.Length, rows.Count == 0 ? 0 : rows.Max(r => r[c].Length))).ToArray();
        // Text columns left-aligned, numbers right-aligned (the last two or three columns are numbers).
        bool Numeric(int c) => c >= header.Length - (header[1] == "nodes" ? 4 : 2);
        string Line(string[] cells) => "  " + string.Join("  ", cells.Select((s, c) => Numeric(c) ? s.PadLeft(widths[c]) : s.PadRight(widths[c]))).TrimEnd();
        w.WriteLine(Line(header));
        foreach (var row in rows) w.WriteLine(Line(row));
    }

    private static string Clip(string s, int width) => s.Length <= width ? s : s[..(width - 3)] + "...";

    internal static string FormatBytes(long bytes) => bytes switch
    {
        >= 1 << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 30):F2} GiB"),
        >= 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 20):F2} MiB"),
        >= 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };
}
