using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pinhole.Onnx;
using Pinhole.Tools.Benchmarking;
using Pinhole.Tools.Datasets;
using Pinhole.Tools.Quantization;
using Pinhole.Tools.Transforms;

namespace Pinhole.Bench;

/// <summary>
/// Benchmarks Pinhole against ONNX Runtime on the issue's models: for each model and thread count, each runtime runs in
/// its own child process (this program with <c>--worker</c>) on the same seeded random inputs; prints a table of p50
/// ratios (Pinhole / ORT) with geometric means, output agreement, load time and peak memory, and writes JSON and
/// optionally markdown.
/// </summary>
internal static class Driver
{
    private const string Usage = """
        usage: Pinhole.Bench [--models a,b] [--threads 1,2] [--runs 20] [--warmup 3] [--max-seconds 30] [--rounds 1]
                             [--out DIR] [--markdown FILE] [--seed 42] [--level NAME] [--fixed-warmup] [--jit] [--list]
                             [--files NAME=PATH,...]
          --models       substrings of model names to run (default: all)
          --files        more models: NAME=PATH pairs, comma-separated (such as files written by pinhole quantize)
          --threads      thread counts (default 1,2)
          --runs         timed runs per measurement (default 20); --warmup untimed runs first (default 3; more until
                         the JIT has compiled nothing for 0.5 s, at most 5 s, unless --fixed-warmup)
          --max-seconds  stop a measurement's timed runs after this long, once 5 ran (default 30; 0 = no limit)
          --rounds       measure each model and thread count this many times, the two runtimes' processes alternating,
                         and report each runtime's median-p50 process (default 1): on a shared host a process can land in
                         a slow state for its whole life (both runtimes do), and one pair of processes then decides the ratio;
                         the load time reported is the median over all of a runtime's processes
          --level        Pinhole's graph optimization level (default: the session's default)
          --jit          run the workers from the plain build (every method JIT-compiled on first use) instead of the
                         ReadyToRun copy a Release build publishes under r2r/
          --out          folder for inputs, outputs and results.json (default artifacts/bench)
          --markdown     write the report there; a file holding the markers <!-- bench:begin --> and
                         <!-- bench:end --> gets only the part between them replaced
        """;

    private static readonly HashSet<string> Flags = ["--list", "--help", "--fixed-warmup", "--jit"];
    private static readonly string[] Known = ["--models", "--level", "--fixed-warmup", "--jit", "--threads", "--runs", "--warmup", "--max-seconds", "--rounds", "--out", "--markdown", "--seed", "--list", "--help", "--files"];

    public static int Run(string[] args)
    {
        Arguments a;
        try
        {
            a = new Arguments(args, Flags);
            if (a.Unknown(Known).FirstOrDefault() is string unknown) throw new ArgumentException($"unknown option {unknown}");
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            Console.Error.WriteLine("error: " + e.Message);
            Console.Error.WriteLine(Usage);
            return 2;
        }
        if (a.Has("--help"))
        {
            Console.WriteLine(Usage);
            return 0;
        }

        string root = RepositoryRoot();
        string shared = Path.GetFullPath(Path.Combine(root, "..", "shared"));
        var models = BenchModels.All(root, shared);
        if (a.Get("--files") is string files)
        {
            foreach (string pair in files.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                int eq = pair.IndexOf('=', StringComparison.Ordinal);
                if (eq <= 0) throw new ArgumentException($"--files expects NAME=PATH pairs, got '{pair}'");
                models.Add(BenchModels.File(pair[..eq], Path.GetFullPath(pair[(eq + 1)..])));
            }
        }
        if (a.Get("--models") is string filter)
        {
            var parts = filter.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            models = models.Where(m => parts.Any(p => m.Name.Contains(p, StringComparison.OrdinalIgnoreCase))).ToList();
        }
        if (a.Has("--list"))
        {
            foreach (var m in models) Console.WriteLine($"{m.Name,-22} {m.Path}");
            return 0;
        }
        var threads = (a.Get("--threads") ?? "1,2").Split(',', StringSplitOptions.RemoveEmptyEntries)
            .Select(t => int.Parse(t, CultureInfo.InvariantCulture)).ToArray();
        int runs = a.Int("--runs", 20), warmup = a.Int("--warmup", 3), seed = a.Int("--seed", 42), rounds = a.Int("--rounds", 1);
        if (rounds < 1)
        {
            Console.Error.WriteLine("error: --rounds must be at least 1");
            return 2;
        }
        double maxSeconds = a.Double("--max-seconds", 30);
        string? level = a.Get("--level");
        bool fixedWarmup = a.Has("--fixed-warmup");
        string? readyToRun = Path.Combine(AppContext.BaseDirectory, "r2r", "Pinhole.Bench.dll");
        if (a.Has("--jit") || !File.Exists(readyToRun)) readyToRun = null;
        WorkerAssembly = readyToRun;
        if (level is not null && !Enum.GetNames<Runtime.OptimizationLevel>().Contains(level, StringComparer.OrdinalIgnoreCase))
        {
            Console.Error.WriteLine($"error: --level '{level}': expected one of {string.Join(", ", Enum.GetNames<Runtime.OptimizationLevel>())}");
            return 2;
        }
        string outDir = Path.GetFullPath(a.Get("--out") ?? Path.Combine(root, "artifacts", "bench"));
        Directory.CreateDirectory(outDir);

        string commit = CommitId(root);
        string loadBefore = Machine.LoadAverage();
        var rows = new List<BenchRow>();
        var started = Stopwatch.StartNew();
        foreach (var model in models)
        {
            string path;
            try
            {
                path = model.Prepare();
            }
            catch (Exception e) when (e is IOException or PinholeException or UnauthorizedAccessException)
            {
                Console.Error.WriteLine($"{model.Name}: cannot prepare the model: {e.Message}");
                foreach (int t in threads) rows.Add(new BenchRow(model.Name, t, null, null, null, null, e.Message));
                continue;
            }
            string inputs = Path.Combine(outDir, "inputs", model.Name);
            WriteInputs(path, inputs, seed);
            foreach (int t in threads)
            {
                Console.Error.Write($"{model.Name}, {t} thread{(t == 1 ? "" : "s")}: ");
                string pinholeOut = Path.Combine(outDir, "outputs", model.Name, $"pinhole-t{t}");
                string ortOut = Path.Combine(outDir, "outputs", model.Name, $"ort-t{t}");
                var pinholeRounds = new List<BenchmarkResult>();
                var ortRounds = new List<BenchmarkResult>();
                string? pinholeError = null, ortError = null;
                for (int round = 0; round < rounds && pinholeError is null && ortError is null; round++)
                {
                    // Alternate which runtime goes first, so that neither always follows the other's process.
                    foreach (string runtime in round % 2 == 0 ? new[] { "pinhole", "ort" } : ["ort", "pinhole"])
                    {
                        bool isPinhole = runtime == "pinhole";
                        var (result, error) = RunWorker(runtime, path, t, runs, warmup, fixedWarmup, maxSeconds, inputs,
                            isPinhole ? pinholeOut : ortOut, outDir, isPinhole ? level : null);
                        if (result is not null) (isPinhole ? pinholeRounds : ortRounds).Add(result);
                        if (isPinhole) pinholeError ??= error;
                        else ortError ??= error;
                    }
                }
                var pinhole = WithMedianLoad(MedianByP50(pinholeRounds), pinholeRounds);
                var ort = WithMedianLoad(MedianByP50(ortRounds), ortRounds);
                double? diff = pinhole is not null && ort is not null ? MaxAbsDiff(pinholeOut, ortOut) : null;
                var row = new BenchRow(model.Name, t, pinhole, ort, diff, Ratio(pinhole, ort),
                    pinholeError is null && ortError is null ? null : string.Join("; ", new[] { pinholeError, ortError }.Where(x => x is not null)));
                rows.Add(row);
                Console.Error.WriteLine(row.P50Ratio is double r
                    ? string.Create(CultureInfo.InvariantCulture, $"p50 {pinhole!.LatencyMs.P50:F2} ms vs ORT {ort!.LatencyMs.P50:F2} ms, ratio {r:F2}")
                    : "failed: " + row.Error);
            }
        }

        var report = new BenchReport
        {
            Date = DateTime.UtcNow.ToString("yyyy-MM-dd HH:mm 'UTC'", CultureInfo.InvariantCulture),
            Commit = commit,
            Machine = Machine.Describe(),
            LoadAverage = $"{loadBefore} at the start, {Machine.LoadAverage()} at the end",
            Command = "dotnet run -c Release --project bench/Pinhole.Bench -- " + string.Join(' ', args),
            Runs = runs,
            Rounds = rounds,
            Warmup = warmup,
            SettleJit = !fixedWarmup,
            Seconds = started.Elapsed.TotalSeconds,
            ReadyToRun = WorkerAssembly is not null,
            OrtVersion = rows.Select(r => r.Ort?.RuntimeVersion).FirstOrDefault(v => v is not null),
            Rows = rows,
            GeomeanP50Ratio = threads.ToDictionary(t => t.ToString(CultureInfo.InvariantCulture), t => Geomean(rows.Where(r => r.Threads == t).Select(r => r.P50Ratio))),
        };
        File.WriteAllText(Path.Combine(outDir, "results.json"), JsonSerializer.Serialize(report, BenchJsonContext.Default.BenchReport));
        string markdown = Markdown.Render(report);
        Console.WriteLine(markdown);
        if (a.Get("--markdown") is string md) Markdown.WriteInto(md, markdown);
        Console.Error.WriteLine($"wrote {Path.Combine(outDir, "results.json")}" + (a.Get("--markdown") is string m2 ? $" and {m2}" : ""));
        return rows.Any(r => r.Error is not null) ? 1 : 0;
    }

    /// <summary>The result whose p50 is the median (the lower middle one for an even count), or null for none.</summary>
    private static BenchmarkResult? MedianByP50(List<BenchmarkResult> results) =>
        results.Count == 0 ? null : results.OrderBy(r => r.LatencyMs.P50).ElementAt((results.Count - 1) / 2);

    /// <summary>
    /// The reported process with its load time replaced by the median over all rounds: load time is a process's first
    /// seconds, which a neighbour's burst inflates independently of which process had the median latency.
    /// </summary>
    private static BenchmarkResult? WithMedianLoad(BenchmarkResult? reported, List<BenchmarkResult> results)
    {
        if (reported is null || results.Count < 2) return reported;
        var loads = results.Select(r => r.LoadMs).Order().ToList();
        double median = loads.Count % 2 == 1 ? loads[loads.Count / 2] : (loads[(loads.Count / 2) - 1] + loads[loads.Count / 2]) / 2;
        return reported with { LoadMs = median };
    }

    private static double? Ratio(BenchmarkResult? pinhole, BenchmarkResult? ort) =>
        pinhole is not null && ort is not null && ort.LatencyMs.P50 > 0 ? pinhole.LatencyMs.P50 / ort.LatencyMs.P50 : null;

    private static double? Geomean(IEnumerable<double?> values)
    {
        var list = values.Where(v => v is > 0).Select(v => v!.Value).ToList();
        return list.Count == 0 ? null : Math.Exp(list.Average(Math.Log));
    }

    /// <summary>Seeded random inputs (the same for both runtimes), written as named TensorProtos in graph-input order.</summary>
    private static void WriteInputs(string model, string directory, int seed)
    {
        if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        Directory.CreateDirectory(directory);
        var inputs = RandomInputs.Create(OnnxModel.Load(model), seed);
        for (int i = 0; i < inputs.Count; i++)
            OnnxTensorFile.Write(Path.Combine(directory, $"input_{i}.pb"), inputs[i].Value, inputs[i].Name);
    }

    /// <summary>The ReadyToRun copy of this program the workers run from, or null for this very build.</summary>
    private static string? WorkerAssembly;

    private static (BenchmarkResult? Result, string? Error) RunWorker(string runtime, string model, int threads, int runs, int warmup,
        bool fixedWarmup, double maxSeconds, string inputs, string outputs, string outDir, string? level)
    {
        if (Directory.Exists(outputs)) Directory.Delete(outputs, recursive: true);
        string resultFile = Path.Combine(outDir, $"worker-{runtime}.json");
        File.Delete(resultFile);
        var start = new ProcessStartInfo
        {
            FileName = Environment.ProcessPath ?? "dotnet",
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (WorkerAssembly is not null)
        {
            start.FileName = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet";
            start.ArgumentList.Add(WorkerAssembly);
        }
        // Under `dotnet Pinhole.Bench.dll` the process is the host: pass the assembly again.
        else if (Path.GetFileNameWithoutExtension(start.FileName).Equals("dotnet", StringComparison.OrdinalIgnoreCase))
        {
            start.ArgumentList.Add(typeof(Driver).Assembly.Location);
        }
        foreach (var arg in new[]
        {
            "--worker", runtime, "--model", model, "--threads", Str(threads), "--runs", Str(runs), "--warmup", Str(warmup),
            "--max-seconds", maxSeconds.ToString(CultureInfo.InvariantCulture), "--inputs", inputs, "--outputs", outputs, "--result", resultFile,
        })
            start.ArgumentList.Add(arg);
        if (fixedWarmup) start.ArgumentList.Add("--fixed-warmup");
        if (level is not null)
        {
            start.ArgumentList.Add("--level");
            start.ArgumentList.Add(level);
        }
        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start a worker process");
        var stdout = process.StandardOutput.ReadToEndAsync();
        string stderr = process.StandardError.ReadToEnd();
        process.WaitForExit();
        _ = stdout.Result;
        if (process.ExitCode != 0 || !File.Exists(resultFile))
        {
            string firstLine = stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault() ?? $"exit code {process.ExitCode}";
            return (null, $"{runtime}: {firstLine}");
        }
        return (JsonSerializer.Deserialize(File.ReadAllText(resultFile), BenchmarkJsonContext.Default.BenchmarkResult), null);
    }

    private static string Str(int v) => v.ToString(CultureInfo.InvariantCulture);

    /// <summary>Largest absolute difference between corresponding outputs of the two runtimes (NaN where shapes differ).</summary>
    private static double MaxAbsDiff(string a, string b)
    {
        double max = 0;
        foreach (var fa in Directory.GetFiles(a, "output_*.pb"))
        {
            string fb = Path.Combine(b, Path.GetFileName(fa));
            if (!File.Exists(fb)) return double.NaN;
            var ta = OnnxTensorFile.Read(fa);
            var tb = OnnxTensorFile.Read(fb);
            if (!ta.Shape.SequenceEqual(tb.Shape) || ta.Type != tb.Type) return double.NaN;
            if (ta.Type == DataType.String) continue;
            for (int i = 0; i < ta.Length; i++)
            {
                double d = Math.Abs(ta.GetDouble(i) - tb.GetDouble(i));
                if (double.IsNaN(d)) return double.NaN;
                max = Math.Max(max, d);
            }
        }
        return max;
    }

    internal static string RepositoryRoot()
    {
        foreach (var start in new[] { Environment.CurrentDirectory, AppContext.BaseDirectory })
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Pinhole.slnx"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (Pinhole.slnx) above the current folder");
    }

    /// <summary>The short commit id, with "(modified)" when tracked files differ from it.</summary>
    internal static string CommitId(string root) =>
        Git(root, "rev-parse --short HEAD") + (Git(root, "status --porcelain --untracked-files=no").Length > 0 ? " (modified)" : "");

    private static string Git(string root, string arguments)
    {
        try
        {
            var start = new ProcessStartInfo("git", arguments) { WorkingDirectory = root, RedirectStandardOutput = true, RedirectStandardError = true };
            using var p = Process.Start(start);
            if (p is null) return "unknown";
            string output = p.StandardOutput.ReadToEnd().Trim();
            p.WaitForExit();
            return p.ExitCode == 0 ? output : "unknown";
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return "unknown";
        }
    }
}

/// <summary>A benchmarked model: a name and how to get its file (some are derived at run time).</summary>
internal sealed record BenchModel(string Name, string Path, Func<string> Prepare);

internal static class BenchModels
{
    public static List<BenchModel> All(string root, string shared)
    {
        string models = Path.Combine(shared, "models");
        string light = Path.Combine(shared, "onnx", "backend-test-data", "light");
        string derived = Path.Combine(root, "artifacts", "bench-models");
        var list = new List<BenchModel>
        {
            File("squeezenet1.0", Path.Combine(models, "squeezenet1.0", "model.onnx")),
            StrippedMobileNet(Path.Combine(models, "mobilenetv2-qdq", "model.onnx"), Path.Combine(derived, "mobilenetv2-fp32.onnx")),
            File("mobilenetv2-qdq", Path.Combine(models, "mobilenetv2-qdq", "model.onnx")),
            File("mobilenetv2-12-int8", Path.Combine(models, "mobilenetv2-12-int8", "model.onnx")),
            Quantized("squeezenet1.0-int8", () => Path.Combine(models, "squeezenet1.0", "model.onnx"), "caffe", shared, Path.Combine(derived, "squeezenet1.0-int8.onnx")),
            Quantized("mobilenetv2-int8", () => StrippedMobileNet(Path.Combine(models, "mobilenetv2-qdq", "model.onnx"), Path.Combine(derived, "mobilenetv2-fp32.onnx")).Prepare(),
                "imagenet", shared, Path.Combine(derived, "mobilenetv2-int8.onnx")),
            File("ultraface-rfb-320", Path.Combine(models, "ultraface-rfb-320", "model.onnx")),
            File("super-resolution-10", Path.Combine(models, "super-resolution-10", "model.onnx")),
            File("tf-bert-qa-small", Path.Combine(models, "tf-bert-qa-small", "model.onnx")),
        };
        foreach (var name in new[] { "resnet50", "inception_v1", "densenet121", "shufflenet" })
            list.Add(File("light_" + name, Path.Combine(light, $"light_{name}.onnx")));
        return list;
    }

    public static BenchModel File(string name, string path) => new(name, path, () =>
        System.IO.File.Exists(path) ? path : throw new FileNotFoundException($"'{path}' does not exist", path));

    /// <summary>
    /// A float model quantized by Pinhole (docs/quantization.md): min/max calibration on the first 100 shared ImageNet images,
    /// 7-bit weights (the x86 int8 kernels' fast path), regenerated when the source or Pinhole.Tools is newer.
    /// </summary>
    private static BenchModel Quantized(string name, Func<string> source, string preset, string shared, string target) => new(name, target, () =>
    {
        string from = source();
        var tools = typeof(ModelQuantizer).Assembly.Location;
        if (System.IO.File.Exists(target) && System.IO.File.GetLastWriteTimeUtc(target) >= System.IO.File.GetLastWriteTimeUtc(from)
            && System.IO.File.GetLastWriteTimeUtc(target) >= System.IO.File.GetLastWriteTimeUtc(tools))
            return target;
        var model = OnnxModel.Load(from);
        var images = SampleSources.Open(Path.Combine(shared, "datasets", "imagenet-sample", "images"), model.Graph.RuntimeInputs().ToList(),
            new SampleOptions { Preset = preset, Limit = 100 });
        ModelQuantizer.Quantize(model, images, new QuantizationOptions { ReduceRange = true });
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        OnnxModel.Save(model, target);
        return target;
    });

    /// <summary>fp32 MobileNetV2: the QDQ model with its quantization stripped, regenerated when the source is newer.</summary>
    private static BenchModel StrippedMobileNet(string source, string target) => new("mobilenetv2-fp32", target, () =>
    {
        if (!System.IO.File.Exists(source)) throw new FileNotFoundException($"'{source}' does not exist", source);
        if (System.IO.File.Exists(target) && System.IO.File.GetLastWriteTimeUtc(target) >= System.IO.File.GetLastWriteTimeUtc(source)
            && System.IO.File.GetLastWriteTimeUtc(target) >= System.IO.File.GetLastWriteTimeUtc(typeof(StripQuantization).Assembly.Location))
            return target;
        var model = OnnxModel.Load(source);
        var result = StripQuantization.Apply(model);
        if (result.Remaining > 0) throw new InvalidModelException($"{result.Remaining} Q/DQ nodes remain after stripping {source}");
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        OnnxModel.Save(model, target);
        return target;
    });
}
