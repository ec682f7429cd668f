using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pinhole.Onnx;
using Pinhole.Tools.Devices;

namespace Pinhole.Cli;

/// <summary>
/// <c>pinhole check MODEL --device NAME|FILE</c>: does the model fit the device, which ops run where (and why not), how
/// fast; <c>pinhole devices</c> lists the built-in profiles.
/// </summary>
internal static class CheckCommand
{
    /// <summary>Exit code of <c>--fail-on-fallback</c> when a node falls back from the backend or cannot run at all.</summary>
    public const int FallbackExitCode = 3;

    public static Command Create(TextWriter stdout)
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "The .onnx model file" };
        var device = new Option<string>("--device", "-d") { Description = "A built-in device (see pinhole devices), host (this machine, measured) or a profile file", Required = true };
        var backend = new Option<string>("--backend", "-b") { Description = "The backend to check against (default: the device's default backend)" };
        var threads = new Option<int?>("--threads", "-t") { Description = "CPU threads the latency estimate assumes (default: all cores of the device)" };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var failOnFallback = new Option<bool>("--fail-on-fallback") { Description = $"Exit with code {FallbackExitCode} when any node falls back from the backend or cannot run" };
        var dims = CliApp.DimOption();
        var command = new Command("check", "Will a model fit a device, which ops run on its backend (and which fall back, and why), how fast")
        {
            model, device, backend, threads, json, failOnFallback, dims,
        };
        command.SetAction(r =>
        {
            var file = r.GetValue(model)!;
            if (!file.Exists) throw new FileNotFoundException($"model file '{file.FullName}' does not exist", file.FullName);
            var profile = DeviceCatalog.Resolve(r.GetValue(device)!);
            var options = new CheckOptions { Backend = r.GetValue(backend), Threads = r.GetValue(threads), ModelName = file.Name };
            if (options.Threads is < 1) throw new UsageException("--threads must be at least 1");
            foreach (var (k, v) in CliApp.ParseDims(r.GetValue(dims))) options.Dims[k] = v;
            var report = ModelChecker.Check(OnnxModel.Load(file.FullName), profile, options);
            if (r.GetValue(json)) stdout.WriteLine(JsonSerializer.Serialize(report, DeviceJsonContext.Default.CheckReport));
            else Write(report, stdout);
            bool fellBack = report.FallbackNodes > 0 || report.UnsupportedNodes > 0;
            return r.GetValue(failOnFallback) && fellBack ? FallbackExitCode : CliApp.Success;
        });
        return command;
    }

    public static Command CreateDevices(TextWriter stdout)
    {
        var json = new Option<bool>("--json") { Description = "Print the list as JSON" };
        var command = new Command("devices", "List the built-in device profiles (pinhole check --device NAME)") { json };
        command.SetAction(r =>
        {
            var list = DeviceCatalog.BuiltInProfiles.Select(p => new DeviceSummary(p.Name, p.Title, p.Class, p.RamBytes, p.FlashBytes,
                p.Cpu.Model, p.Cpu.Cores, p.Processors["cpu"].Fp32Gflops ?? 0,
                p.Processors.Keys.FirstOrDefault(k => k != "cpu"), p.Backends.Select(b => b.Name).ToList(), p.DefaultBackend)).ToList();
            if (r.GetValue(json))
            {
                stdout.WriteLine(JsonSerializer.Serialize(list, DeviceJsonContext.Default.ListDeviceSummary));
                return CliApp.Success;
            }
            var ci = CultureInfo.InvariantCulture;
            stdout.WriteLine($"{"name",-22} {"RAM",10} {"flash",10} {"CPU GFLOP/s",11}  {"accelerator",-11}  backends (default first)");
            foreach (var d in list)
            {
                var backends = d.Backends.OrderBy(b => b == d.DefaultBackend ? 0 : 1);
                stdout.WriteLine(string.Create(ci, $"{d.Name,-22} {ReportWriter.FormatBytes(d.RamBytes),10} {ReportWriter.FormatBytes(d.FlashBytes),10} {d.CpuFp32Gflops,11:F1}  {d.Accelerator ?? "-",-11}  {string.Join(", ", backends)}"));
            }
            stdout.WriteLine($"also: {DeviceCatalog.HostName} (this machine, measured); or --device FILE.json (see devices/README.md)");
            return CliApp.Success;
        });
        return command;
    }

    private static void Write(CheckReport r, TextWriter w)
    {
        var ci = CultureInfo.InvariantCulture;
        w.WriteLine($"model      {r.Model}");
        w.WriteLine($"device     {r.Device}: {r.DeviceTitle}");
        w.WriteLine($"backend    {r.Backend}" + (r.FallbackBackend is { } f ? $" (falls back to {f})" : "") + $", {r.Threads} thread{(r.Threads == 1 ? "" : "s")}");
        w.WriteLine();
        w.WriteLine((r.Fits ? "FITS" : "DOES NOT FIT") + string.Create(ci,
            $"  RAM {ReportWriter.FormatBytes(r.RamRequiredBytes)} of {ReportWriter.FormatBytes(r.RamBytes)} ({Margin(r.RamMarginBytes)}), flash {ReportWriter.FormatBytes(r.FlashRequiredBytes)} of {ReportWriter.FormatBytes(r.FlashBytes)} ({Margin(r.FlashMarginBytes)})"));
        w.WriteLine($"  weights {ReportWriter.FormatBytes(r.WeightsBytes)} ({string.Join(", ", r.WeightsBytesByType.Select(kv => $"{kv.Key} {ReportWriter.FormatBytes(kv.Value)}"))})"
            + (r.WeightsInFlash ? ", kept in flash" : ", loaded into RAM"));
        w.WriteLine($"  activations {ReportWriter.FormatBytes(r.PeakActivationBytes)} (peak, from the runtime's memory plan); runtime {ReportWriter.FormatBytes(r.RuntimeRamBytes)} RAM, {ReportWriter.FormatBytes(r.RuntimeFlashBytes)} flash");
        w.WriteLine();
        w.WriteLine($"{(r.Runnable ? "RUNS" : "CANNOT RUN")}  {r.Nodes.Count} nodes: {r.SupportedNodes} on {r.Backend}, {r.FallbackNodes} on the fallback, {r.UnsupportedNodes} nowhere; "
            + $"{r.Segments.Count} segment{(r.Segments.Count == 1 ? "" : "s")}, {r.Transfers} transfer{(r.Transfers == 1 ? "" : "s")}");
        foreach (var s in r.Segments.Take(12))
            w.WriteLine(string.Create(ci, $"  segment {s.Index}: {s.Nodes} nodes on {s.Backend} ({s.Processor}), {s.EstimatedMs:F3} ms"));
        if (r.Segments.Count > 12) w.WriteLine($"  ... {r.Segments.Count - 12} more segments (see --json)");
        var problems = r.Nodes.Where(n => !n.Supported).ToList();
        foreach (var n in problems.Take(20)) w.WriteLine($"  {ReportWriter.Clip(n.Name, 32),-32} {ReportWriter.Clip(n.Op, 20),-20} {n.Reason}");
        if (problems.Count > 20) w.WriteLine($"  ... {problems.Count - 20} more (see --json)");
        w.WriteLine();
        w.WriteLine(string.Create(ci, $"LATENCY  {r.EstimatedLatencyMs:F2} ms estimated ({r.TotalMacs / 1e6:F1} M MACs; roofline per node)"));
        foreach (var n in r.Nodes.OrderByDescending(n => n.EstimatedMs).Take(8))
            w.WriteLine(string.Create(ci, $"  {ReportWriter.Clip(n.Name, 32),-32} {ReportWriter.Clip(n.Op, 20),-20} {n.EstimatedMs,9:F3} ms"));
        if (r.Advice.Count > 0)
        {
            w.WriteLine();
            w.WriteLine("ADVICE");
            foreach (var a in r.Advice)
                w.WriteLine($"  - {a.Action}: {a.Effect}" + (a.Fits is bool fits && !r.Fits ? (fits ? " -> would fit" : " -> still would not fit") : ""));
        }
        foreach (var note in r.Notes.Take(6)) w.WriteLine("note: " + note);
    }

    private static string Margin(long margin) => margin >= 0 ? $"{ReportWriter.FormatBytes(margin)} left" : $"{ReportWriter.FormatBytes(-margin)} short";
}
