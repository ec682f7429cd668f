using System.Diagnostics;
using System.Runtime.CompilerServices;
using System.Text.Json;
using Pinhole.Onnx;
using Pinhole.Tools.Benchmarking;
using Ort = Microsoft.ML.OnnxRuntime;

namespace Pinhole.Bench;

/// <summary>
/// One measurement in a fresh process: <c>--worker pinhole|ort --model M --threads N --runs N --warmup N --inputs DIR
/// --outputs DIR --result FILE [--max-seconds S]</c>. Writes a <see cref="BenchmarkResult"/> as JSON. The ORT path never
/// touches Pinhole.Runtime and the Pinhole path never touches ONNX Runtime, so each process holds one runtime only.
/// </summary>
internal static class Worker
{
    public static int Run(string[] args)
    {
        var a = new Arguments(args[1..], new HashSet<string> { "--fixed-warmup" });
        string runtime = args[0];
        string model = a.Required("--model");
        int threads = a.Int("--threads", 1), runs = a.Int("--runs", 20), warmup = a.Int("--warmup", 3);
        double maxSeconds = a.Double("--max-seconds", 0);
        string? level = a.Get("--level");
        bool settle = !a.Has("--fixed-warmup");
        string inputs = a.Required("--inputs"), outputs = a.Required("--outputs"), resultFile = a.Required("--result");
        var result = runtime switch
        {
            "pinhole" => RunPinhole(model, threads, runs, warmup, settle, maxSeconds, inputs, outputs, level),
            "ort" => RunOrt(model, threads, runs, warmup, settle, maxSeconds, inputs, outputs),
            _ => throw new ArgumentException($"unknown runtime '{runtime}'"),
        };
        File.WriteAllText(resultFile, JsonSerializer.Serialize(result, BenchmarkJsonContext.Default.BenchmarkResult));
        return 0;
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static BenchmarkResult RunPinhole(string model, int threads, int runs, int warmup, bool settle, double maxSeconds, string inputs, string outputs,
        string? level)
    {
        var options = new BenchmarkOptions
        {
            Threads = threads,
            Runs = runs,
            Warmup = warmup,
            SettleJit = settle,
            MaxTime = maxSeconds > 0 ? TimeSpan.FromSeconds(maxSeconds) : null,
            InputDirectory = inputs,
            OutputDirectory = outputs,
        };
        if (level is not null)
            options.OptimizationLevel = Enum.GetValues<Runtime.OptimizationLevel>()
                .First(l => string.Equals(l.ToString(), level, StringComparison.OrdinalIgnoreCase));
        return ModelBenchmark.Run(model, options);
    }

    /// <summary>ONNX Runtime with all graph optimizations, <paramref name="threads"/> intra-op threads, sequential execution.</summary>
    [MethodImpl(MethodImplOptions.NoInlining)]
    private static BenchmarkResult RunOrt(string model, int threads, int runs, int warmup, bool settle, double maxSeconds, string inputs, string outputs)
    {
        var clock = Stopwatch.StartNew();
        using var options = new Ort.SessionOptions
        {
            GraphOptimizationLevel = Ort.GraphOptimizationLevel.ORT_ENABLE_ALL,
            IntraOpNumThreads = threads,
            InterOpNumThreads = 1,
            ExecutionMode = Ort.ExecutionMode.ORT_SEQUENTIAL,
            LogSeverityLevel = Ort.OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        // For per-node comparisons: ORT writes its own profile (JSON trace) when this variable names a file prefix.
        if (Environment.GetEnvironmentVariable("PINHOLE_BENCH_ORT_PROFILE") is { Length: > 0 } profilePrefix)
        {
            options.ProfileOutputPathPrefix = profilePrefix; // read when profiling is switched on, so set first
            options.EnableProfiling = true;
        }
        using var session = new Ort.InferenceSession(model, options);
        double loadMs = clock.Elapsed.TotalMilliseconds;

        var named = Directory.GetFiles(inputs, "input_*.pb").Order(StringComparer.Ordinal)
            .Select(OnnxTensorFile.ReadNamed).ToList();
        var values = named.Select(n => ToOrt(n.Tensor)).ToArray();
        var inputNames = named.Select(n => n.Name).ToArray();
        var outputNames = session.OutputNames.ToArray();
        using var runOptions = new Ort.RunOptions();
        try
        {
            void RunOnce()
            {
                using (session.Run(runOptions, inputNames, values, outputNames)) { }
            }
            if (settle && warmup > 0)
                warmup = JitWarmup.Run(RunOnce, warmup, TimeSpan.FromMilliseconds(500), new BenchmarkOptions().MaxWarmupTime);
            else
                for (int i = 0; i < warmup; i++) RunOnce();

            var samples = new List<double>(runs);
            var total = Stopwatch.StartNew();
            for (int i = 0; i < runs; i++)
            {
                long start = Stopwatch.GetTimestamp();
                using var results = session.Run(runOptions, inputNames, values, outputNames);
                samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
                bool last = i == runs - 1 || maxSeconds > 0 && total.Elapsed.TotalSeconds > maxSeconds && samples.Count >= 5;
                if (!last) continue;
                Directory.CreateDirectory(outputs);
                for (int k = 0; k < outputNames.Length; k++)
                    OnnxTensorFile.Write(Path.Combine(outputs, $"output_{k}.pb"), FromOrt(results[k]), outputNames[k]);
                break;
            }
            double seconds = total.Elapsed.TotalSeconds;
            return new BenchmarkResult
            {
                Model = model,
                Runtime = "ort",
                RuntimeVersion = Ort.OrtEnv.Instance().GetVersionString(),
                Threads = threads,
                Runs = samples.Count,
                Warmup = warmup,
                OptimizationLevel = "ort_enable_all",
                LoadMs = loadMs,
                LatencyMs = LatencyStats.FromSamples(samples),
                ThroughputPerS = samples.Count / Math.Max(seconds, 1e-9),
                MemoryPlanned = false,
                ArenaBytes = 0,
                ArenaLowerBoundBytes = 0,
                PeakWorkingSetBytes = PeakMemory.PeakWorkingSetBytes(),
                Inputs = named.Select(n => $"{n.Name}: {DataTypes.OnnxName(n.Tensor.Type)} {Tensor.FormatShape(n.Tensor.Shape)}").ToArray(),
            };
        }
        finally
        {
            foreach (var v in values) v.Dispose();
        }
    }

    private static Ort.OrtValue ToOrt(Tensor tensor)
    {
        var value = Ort.OrtValue.CreateAllocatedTensorValue(Ort.OrtAllocator.DefaultInstance, (Ort.Tensors.TensorElementType)(int)tensor.Type,
            tensor.Shape.Select(d => (long)d).ToArray());
        tensor.Bytes().CopyTo(value.GetTensorMutableRawData());
        return value;
    }

    private static Tensor FromOrt(Ort.OrtValue value)
    {
        var info = value.GetTensorTypeAndShape();
        var tensor = Tensor.Zeros((DataType)(int)info.ElementDataType, info.Shape.Select(d => (int)d).ToArray());
        value.GetTensorMutableRawData().CopyTo(tensor.Bytes());
        return tensor;
    }
}
