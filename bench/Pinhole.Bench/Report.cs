using System.Globalization;
using System.Text;
using System.Text.Json.Serialization;
using Pinhole.Tools.Benchmarking;

namespace Pinhole.Bench;

/// <summary>One model at one thread count: both runtimes' results, their p50 ratio and output agreement.</summary>
internal sealed record BenchRow(string Model, int Threads, BenchmarkResult? Pinhole, BenchmarkResult? Ort, double? MaxAbsDiff,
    double? P50Ratio, string? Error);

internal sealed record BenchReport
{
    public required string Date { get; init; }
    public required string Commit { get; init; }
    public required string Machine { get; init; }

    /// <summary>The 1-minute load average at the start and end of the run (other processes competing for the cores).</summary>
    public required string LoadAverage { get; init; }
    public required string Command { get; init; }
    public required int Runs { get; init; }

    /// <summary>Processes per runtime for each model and thread count, alternating; the median-p50 one is reported.</summary>
    public int Rounds { get; init; } = 1;
    public required int Warmup { get; init; }
    public required bool SettleJit { get; init; }
    public required double Seconds { get; init; }

    /// <summary>Whether the workers ran from the ReadyToRun publish (precompiled) rather than the JIT-only build.</summary>
    public bool ReadyToRun { get; init; }
    public string? OrtVersion { get; init; }
    public required IReadOnlyList<BenchRow> Rows { get; init; }

    /// <summary>Geometric mean of the p50 ratios (Pinhole / ORT) by thread count.</summary>
    public required IReadOnlyDictionary<string, double?> GeomeanP50Ratio { get; init; }
}

[JsonSourceGenerationOptions(WriteIndented = true, PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals)]
[JsonSerializable(typeof(BenchReport))]
internal sealed partial class BenchJsonContext : JsonSerializerContext;

internal static class Machine
{
    /// <summary>The 1-minute load average from /proc/loadavg, or "?".</summary>
    public static string LoadAverage()
    {
        try
        {
            return File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";
        }
        catch (IOException)
        {
            return "?";
        }
    }

    /// <summary>CPU model name and logical processor count, e.g. "AMD EPYC, 2 logical processors".</summary>
    public static string Describe()
    {
        string cpu = "unknown CPU";
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))
                    ?.Split(':', 2)[1].Trim() ?? cpu;
        }
        catch (IOException)
        {
        }
        return $"{cpu}, {Environment.ProcessorCount} logical processors, {System.Runtime.InteropServices.RuntimeInformation.FrameworkDescription}, {System.Runtime.InteropServices.RuntimeInformation.OSDescription}";
    }
}

internal static class Markdown
{
    public const string Begin = "<!-- bench:begin -->";
    public const string End = "<!-- bench:end -->";

    public static string Render(BenchReport r)
    {
        var ci = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        string level = r.Rows.Select(x => x.Pinhole?.OptimizationLevel).FirstOrDefault(x => x is not null) ?? "?";
        sb.AppendLine(ci, $"- Measured {r.Date} at commit {r.Commit} on {r.Machine}; Pinhole optimization level {level}; ONNX Runtime {r.OrtVersion ?? "?"} (ORT_ENABLE_ALL, sequential, 1 inter-op thread).");
        sb.AppendLine(ci, $"- Load average (1 min) {r.LoadAverage}, on {Environment.ProcessorCount} logical processors: above about 1, other processes were competing for the cores and the latencies are inflated and noisy.");
        sb.AppendLine(string.Create(ci, $"- {r.Runs} timed runs per measurement (fewer where one hit the time limit) after at least {r.Warmup} warm-up runs")
            + (r.SettleJit ? " and until the JIT settled" : "")
            + (r.Rounds > 1
                ? string.Create(ci, $", each runtime in its own process, {r.Rounds} processes each (alternating) with the median-p50 one reported and the median load time over all {r.Rounds}")
                : ", each runtime in its own process")
            + string.Create(ci, $"; the whole run took {r.Seconds / 60:F1} min."));
        sb.AppendLine(r.ReadyToRun
            ? "- Workers ran from the ReadyToRun publish (r2r/, precompiled as a deployed app would be; the JIT still recompiles hot methods, and vector kernels are compiled for this CPU at run time)."
            : "- Workers ran from the plain build (--jit): load times include JIT-compiling every method on first use.");
        sb.AppendLine(ci, $"- Command: `{r.Command}`");
        sb.AppendLine();
        sb.AppendLine("Latencies in ms; ratio = Pinhole p50 / ORT p50 (below 1: Pinhole is faster). Load = file load + session creation. RSS = peak resident set of the process. Diff = largest absolute difference between the two runtimes' outputs.");
        sb.AppendLine();
        sb.AppendLine("| model | threads | Pinhole p50 | ORT p50 | ratio | Pinhole min / p90 / p99 | ORT min / p90 / p99 | load ms (P / ORT) | peak RSS MiB (P / ORT) | arena / lower bound MiB | diff |");
        sb.AppendLine("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
        foreach (var row in r.Rows)
        {
            if (row.Pinhole is null || row.Ort is null)
            {
                sb.AppendLine(ci, $"| {row.Model} | {row.Threads} | {(row.Pinhole is null ? "failed" : F(row.Pinhole.LatencyMs.P50))} | {(row.Ort is null ? "failed" : F(row.Ort.LatencyMs.P50))} | | | | | | | {Escape(row.Error ?? "")} |");
                continue;
            }
            var p = row.Pinhole;
            var o = row.Ort;
            sb.AppendLine(string.Create(ci, $"| {row.Model} | {row.Threads} | {F(p.LatencyMs.P50)} | {F(o.LatencyMs.P50)} | **{row.P50Ratio:F2}** | ")
                + string.Create(ci, $"{F(p.LatencyMs.Min)} / {F(p.LatencyMs.P90)} / {F(p.LatencyMs.P99)} | {F(o.LatencyMs.Min)} / {F(o.LatencyMs.P90)} / {F(o.LatencyMs.P99)} | ")
                + string.Create(ci, $"{p.LoadMs:F0} / {o.LoadMs:F0} | {Mib(p.PeakWorkingSetBytes)} / {Mib(o.PeakWorkingSetBytes)} | ")
                + (p.MemoryPlanned ? $"{Mib(p.ArenaBytes)} / {Mib(p.ArenaLowerBoundBytes)}" : "—") + $" | {Diff(row.MaxAbsDiff)} |");
        }
        sb.AppendLine();
        foreach (var (threads, g) in r.GeomeanP50Ratio)
            sb.AppendLine($"- geometric mean of the p50 ratios at {threads} thread{(threads == "1" ? "" : "s")}: **{(g is double v ? v.ToString("F3", ci) : "n/a")}**"
                + $" (worst {Worst(r, threads)})");
        return sb.ToString();
    }

    private static string Worst(BenchReport r, string threads)
    {
        var worst = r.Rows.Where(x => x.Threads.ToString(CultureInfo.InvariantCulture) == threads && x.P50Ratio is not null)
            .MaxBy(x => x.P50Ratio);
        return worst is null ? "n/a" : string.Create(CultureInfo.InvariantCulture, $"{worst.P50Ratio:F2}, {worst.Model}");
    }

    private static string F(double ms) => ms.ToString(ms >= 100 ? "F0" : ms >= 10 ? "F1" : "F2", CultureInfo.InvariantCulture);

    private static string Mib(long bytes) => (bytes / (1024.0 * 1024)).ToString("F1", CultureInfo.InvariantCulture);

    private static string Diff(double? d) => d switch
    {
        null => "",
        double v when double.IsNaN(v) => "mismatch",
        double v => v.ToString("G2", CultureInfo.InvariantCulture),
    };

    private static string Escape(string s) => s.Replace("|", "\\|", StringComparison.Ordinal);

    /// <summary>Writes <paramref name="section"/> to <paramref name="path"/>, between the markers when the file has them.</summary>
    public static void WriteInto(string path, string section, string marker = "bench")
    {
        string begin = $"<!-- {marker}:begin -->", end = $"<!-- {marker}:end -->";
        string block = begin + "\n" + section.TrimEnd() + "\n" + end;
        if (File.Exists(path))
        {
            string text = File.ReadAllText(path);
            int b = text.IndexOf(begin, StringComparison.Ordinal);
            int e = text.IndexOf(end, StringComparison.Ordinal);
            if (b >= 0 && e > b)
            {
                File.WriteAllText(path, text[..b] + block + text[(e + end.Length)..]);
                return;
            }
        }
        File.WriteAllText(path, (File.Exists(path) ? File.ReadAllText(path).TrimEnd() + "\n\n" : "") + block + "\n");
    }
}
