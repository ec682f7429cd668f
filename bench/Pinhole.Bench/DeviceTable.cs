using System.Globalization;
using System.Text;
using Pinhole.Onnx;
using Pinhole.Tools.Devices;

namespace Pinhole.Bench;

/// <summary>
/// <c>devices [--markdown docs/devices.md]</c>: `pinhole check` of every shared model (../shared/models, the derived fp32
/// MobileNetV2, and the light architectures) against every built-in device profile on its default backend.
/// </summary>
internal static class DeviceTable
{
    public static int Run(string[] args)
    {
        var a = new Arguments(args, new HashSet<string>());
        string root = Driver.RepositoryRoot();
        string shared = Path.GetFullPath(Path.Combine(root, "..", "shared"));
        var models = new List<(string Name, string Path)>();
        foreach (var dir in Directory.GetDirectories(Path.Combine(shared, "models")).Order(StringComparer.Ordinal))
            foreach (var file in Directory.GetFiles(dir, "*.onnx").Order(StringComparer.Ordinal))
                models.Add(($"{System.IO.Path.GetFileName(dir)}{(System.IO.Path.GetFileName(file) == "model.onnx" ? "" : "/" + System.IO.Path.GetFileName(file))}", file));
        var fp32 = BenchModels.All(root, shared).First(m => m.Name == "mobilenetv2-fp32");
        models.Add((fp32.Name + " (derived)", fp32.Prepare()));
        foreach (var file in Directory.GetFiles(Path.Combine(shared, "onnx", "backend-test-data", "light"), "*.onnx").Order(StringComparer.Ordinal))
            models.Add((System.IO.Path.GetFileNameWithoutExtension(file), file));
        var devices = DeviceCatalog.BuiltInProfiles;

        var ci = CultureInfo.InvariantCulture;
        var md = new StringBuilder();
        md.AppendLine(ci, $"- Generated {DateTime.UtcNow:yyyy-MM-dd HH:mm} UTC at commit {Driver.CommitId(root)} with `dotnet run -c Release --project bench/Pinhole.Bench -- devices --markdown docs/devices.md`; each device on its default backend, all of its cores.");
        md.AppendLine("- A cell: **fits** or **no** (RAM or flash short) / where the nodes run (all on the backend; or `backend + fallback`; or `N unsupported`) / estimated latency.");
        md.AppendLine();
        md.AppendLine("| model | weights | activations | " + string.Join(" | ", devices.Select(d => $"{d.Name} ({d.DefaultBackend})")) + " |");
        md.AppendLine("| --- | ---: | ---: |" + string.Concat(devices.Select(_ => " --- |")));
        foreach (var (name, path) in models)
        {
            Console.Error.WriteLine($"{name}: checking");
            ModelAnalysis analysis;
            try
            {
                analysis = ModelChecker.Analyze(OnnxModel.Load(path));
            }
            catch (PinholeException e)
            {
                md.AppendLine(ci, $"| {name} | | | cannot be analyzed: {e.Message.Replace('|', '/')} |");
                continue;
            }
            var cells = new List<string>();
            foreach (var device in devices)
            {
                var r = ModelChecker.Check(analysis, device);
                string placement = r.UnsupportedNodes > 0 ? $"{r.UnsupportedNodes} unsupported"
                    : r.FallbackNodes > 0 ? $"{r.SupportedNodes}+{r.FallbackNodes} on {r.FallbackBackend}, {r.Transfers} transfers"
                    : "all";
                string fit = r.Fits ? "fits" : r.RamMarginBytes < 0 && r.FlashMarginBytes < 0 ? "**no** (RAM, flash)" : r.RamMarginBytes < 0 ? "**no** (RAM)" : "**no** (flash)";
                cells.Add(string.Create(ci, $"{fit} / {placement} / {Ms(r.EstimatedLatencyMs)}"));
            }
            md.AppendLine(ci, $"| {name} | {Bytes(analysis.Weights.Sum(w => w.Bytes))} | {Bytes(analysis.PeakActivationBytes)} | {string.Join(" | ", cells)} |");
        }
        foreach (var dir in Directory.GetDirectories(Path.Combine(shared, "models", "tflite")).Order(StringComparer.Ordinal))
            md.AppendLine(ci, $"| tflite/{System.IO.Path.GetFileName(dir)} | | | not checked: a TensorFlow Lite flatbuffer, and Pinhole imports ONNX only so far |");
        Console.WriteLine(md);
        if (a.Get("--markdown") is string target) Markdown.WriteInto(target, md.ToString(), "devices");
        return 0;
    }

    private static string Ms(double ms) => ms switch
    {
        >= 1000 => string.Create(CultureInfo.InvariantCulture, $"{ms / 1000:F1} s"),
        >= 10 => string.Create(CultureInfo.InvariantCulture, $"{ms:F0} ms"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{ms:F2} ms"),
    };

    private static string Bytes(long bytes) => bytes >= 1 << 20
        ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:F1} MiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F0} KiB");
}
