using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pinhole.IR;
using Pinhole.Onnx;
using Pinhole.Tools.Datasets;
using Pinhole.Tools.Quantization;

namespace Pinhole.Cli;

/// <summary>
/// <c>pinhole quantize MODEL --calibration DATA -o OUT</c>: static post-training int8 quantization to ONNX QDQ, which
/// Pinhole, ONNX Runtime, TensorRT and OpenVINO run.
/// </summary>
internal static class QuantizeCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "The float .onnx model" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the quantized model (never the input file)", Required = true };
        var calibration = new Option<string>("--calibration", "-c")
        {
            Description = "Calibration samples: a folder of images or .pb files (test_data_set_* folders too), an IDX image file (.gz too), .npy or .npz (not with --dynamic)",
        };
        var dynamic = new Option<bool>("--dynamic") { Description = "Dynamic quantization of MatMul/Gemm: int8 weights, activations quantized at run time (no calibration data)" };
        var sampling = new SampleArguments();
        var method = new Option<string>("--method", "-m") { Description = "Activation ranges: minmax, percentile, entropy or mse", DefaultValueFactory = _ => "minmax" };
        var percentile = new Option<double>("--percentile") { Description = "For --method percentile: the percentage of values kept", DefaultValueFactory = _ => 99.999 };
        var perChannel = new Option<bool>("--per-channel") { Description = "Weights with one scale per output channel (true, the default) or per tensor (false)", DefaultValueFactory = _ => true };
        var symmetric = new Option<bool>("--symmetric") { Description = "Symmetric activations (zero point 0 for int8, 128 for uint8); weights are always symmetric int8" };
        var activationType = new Option<string>("--activation-type") { Description = "Quantized activation type: uint8 (default) or int8", DefaultValueFactory = _ => "uint8" };
        var reduceRange = new Option<bool>("--reduce-range") { Description = "7-bit weights, as ONNX Runtime's reduce_range (no int16 saturation in x86 u8s8 dot products without VNNI)" };
        var exclude = new Option<string[]>("--exclude") { Description = "Nodes to keep in float, by name (repeatable)", AllowMultipleArgumentsPerToken = true };
        var threads = new Option<int>("--threads", "-t") { Description = "Intra-op threads for calibration (default: one per logical processor)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var json = new Option<bool>("--json") { Description = "Print the report as JSON (and no progress)" };
        var budget = new Option<double?>("--accuracy-budget")
        {
            Description = "Largest top-1 drop (percentage points) allowed: keep the most lossy layers in float, one at a time, until the drop fits (needs --labels)",
        };
        var labels = new Option<string>("--labels") { Description = "For --accuracy-budget: true classes of the validation samples (CSV file,class_index or IDX labels)" };
        var validation = new Option<string>("--validation") { Description = "For --accuracy-budget: validation samples (default: the calibration data)" };
        var validationSkip = new Option<int>("--validation-skip") { Description = "For --accuracy-budget: skip the first N validation samples" };
        var validationLimit = new Option<int?>("--validation-limit") { Description = "For --accuracy-budget: use at most N validation samples (after --validation-skip)" };
        var maxFloat = new Option<int>("--max-float") { Description = "For --accuracy-budget: keep at most N nodes in float", DefaultValueFactory = _ => 20 };
        var command = new Command("quantize", "Static post-training int8 quantization with calibration, written as ONNX QDQ")
        {
            model, output, calibration, method, percentile, perChannel, symmetric, activationType, reduceRange, exclude, threads, json,
            budget, labels, validation, validationSkip, validationLimit, maxFloat, dynamic,
        };
        sampling.AddTo(command);
        command.SetAction(r =>
        {
            var options = new QuantizationOptions
            {
                Method = ParseMethod(r.GetValue(method)!),
                Percentile = r.GetValue(percentile) is > 0 and <= 100 and var p ? p : throw new UsageException("--percentile must be in (0, 100]"),
                PerChannel = r.GetValue(perChannel),
                Symmetric = r.GetValue(symmetric),
                ActivationType = r.GetValue(activationType)?.ToLowerInvariant() switch
                {
                    "uint8" => DataType.UInt8,
                    "int8" => DataType.Int8,
                    var t => throw new UsageException($"--activation-type '{t}': use uint8 or int8"),
                },
                ReduceRange = r.GetValue(reduceRange),
                Exclude = r.GetValue(exclude) ?? [],
                Threads = r.GetValue(threads) >= 1 ? r.GetValue(threads) : throw new UsageException("--threads must be at least 1"),
            };
            if (r.GetValue(dynamic))
            {
                if (r.GetValue(calibration) is not null || r.GetValue(budget) is not null)
                    throw new UsageException("--dynamic takes no --calibration or --accuracy-budget: activations are quantized at run time");
                return RunDynamic(r.GetValue(model)!, r.GetValue(output)!, options, r.GetValue(json), stdout);
            }
            string data = r.GetValue(calibration) ?? throw new UsageException("--calibration DATA is required (or --dynamic)");
            var sampleOptions = sampling.Parse(r);
            BudgetRequest? budgetRequest = null;
            if (r.GetValue(budget) is double points)
            {
                if (points < 0 || !double.IsFinite(points)) throw new UsageException("--accuracy-budget must be a non-negative number of points");
                budgetRequest = new BudgetRequest(points,
                    r.GetValue(labels) ?? throw new UsageException("--accuracy-budget needs --labels"),
                    r.GetValue(validation) ?? data,
                    sampleOptions with
                    {
                        Skip = r.GetValue(validationSkip) >= 0 ? r.GetValue(validationSkip) : throw new UsageException("--validation-skip must not be negative"),
                        Limit = r.GetValue(validationLimit) is not int n ? null : n >= 1 ? n : throw new UsageException("--validation-limit must be at least 1"),
                    },
                    r.GetValue(maxFloat) >= 0 ? r.GetValue(maxFloat) : throw new UsageException("--max-float must not be negative"));
            }
            else if (r.GetValue(labels) is not null) throw new UsageException("--labels is for --accuracy-budget");
            return Run(r.GetValue(model)!, r.GetValue(output)!, data, sampleOptions, options, budgetRequest, r.GetValue(json), stdout, stderr);
        });
        return command;
    }

    private static CalibrationMethod ParseMethod(string name) => name.ToLowerInvariant() switch
    {
        "minmax" => CalibrationMethod.MinMax,
        "percentile" => CalibrationMethod.Percentile,
        "entropy" => CalibrationMethod.Entropy,
        "mse" => CalibrationMethod.Mse,
        _ => throw new UsageException($"--method '{name}': use minmax, percentile, entropy or mse"),
    };

    /// <summary>What --accuracy-budget asks for.</summary>
    private sealed record BudgetRequest(double Points, string Labels, string Data, SampleOptions Samples, int MaxFloat);

    private static int Run(FileInfo modelFile, FileInfo outputFile, string data, SampleOptions sampleOptions, QuantizationOptions options,
        BudgetRequest? budget, bool asJson, TextWriter stdout, TextWriter stderr)
    {
        var model = LoadChecked(modelFile, outputFile);
        var inputs = model.Graph.RuntimeInputs().ToList();
        var samples = SampleSources.Open(data, inputs, sampleOptions);
        var bar = asJson ? null : new ProgressBar(stderr);
        var progress = bar?.ForQuantization();
        var started = System.Diagnostics.Stopwatch.StartNew();
        QuantizationReport report;
        BudgetResult? budgetResult = null;
        if (budget is null) report = ModelQuantizer.Quantize(model, samples, options, progress);
        else
        {
            var validation = SampleSources.Open(budget.Data, inputs, budget.Samples);
            var labels = LabelSources.Open(budget.Labels);
            var prepared = ModelQuantizer.Prepare(model, samples, options, progress);
            (model, report, budgetResult) = AccuracyBudget.Search(prepared, validation, labels, budget.Points, budget.MaxFloat, options.Threads, progress);
        }

        Save(model, outputFile);
        long before = modelFile.Length, after = new FileInfo(outputFile.FullName).Length;
        var result = new QuantizeResult(modelFile.ToString(), outputFile.ToString(), samples.Description, options.Method.ToString().ToLowerInvariant(),
            DataTypes.OnnxName(options.ActivationType), options.PerChannel, options.Symmetric, options.ReduceRange, before, after,
            started.Elapsed.TotalSeconds, report, budgetResult);
        if (asJson) stdout.WriteLine(JsonSerializer.Serialize(result, CliJsonContext.Default.QuantizeResult));
        else Write(result, stdout);
        return CliApp.Success;
    }

    private static int RunDynamic(FileInfo modelFile, FileInfo outputFile, QuantizationOptions options, bool asJson, TextWriter stdout)
    {
        var model = LoadChecked(modelFile, outputFile);
        var report = DynamicQuantizer.Quantize(model, options);
        Save(model, outputFile);
        long before = modelFile.Length, after = new FileInfo(outputFile.FullName).Length;
        var result = new DynamicQuantizeResult(modelFile.ToString(), outputFile.ToString(), options.PerChannel, options.ReduceRange, before, after, report);
        if (asJson)
        {
            stdout.WriteLine(JsonSerializer.Serialize(result, CliJsonContext.Default.DynamicQuantizeResult));
            return CliApp.Success;
        }
        var ci = CultureInfo.InvariantCulture;
        stdout.WriteLine($"model        {result.Model}" + (report.OpsetFrom != report.OpsetTo ? $" (ai.onnx opset {report.OpsetFrom} upgraded to {report.OpsetTo})" : ""));
        stdout.WriteLine($"scheme       dynamic: uint8 activations quantized at run time, int8{(options.ReduceRange ? " (7-bit)" : "")} weights {(options.PerChannel ? "per column" : "per tensor")}");
        stdout.WriteLine($"quantized    {report.QuantizedMatMuls} MatMul, {report.QuantizedGemms} Gemm");
        foreach (var (node, why) in report.Skipped.Take(20)) stdout.WriteLine($"  left float {node}: {why}");
        stdout.WriteLine(string.Create(ci, $"size         {BenchCommand.FormatBytes(before)} -> {BenchCommand.FormatBytes(after)} ({100.0 * after / before:F1}%)"));
        stdout.WriteLine($"wrote        {result.Output}");
        return CliApp.Success;
    }

    private static Model LoadChecked(FileInfo modelFile, FileInfo outputFile)
    {
        if (!modelFile.Exists) throw new FileNotFoundException($"model file '{modelFile.FullName}' does not exist", modelFile.FullName);
        if (OptimizeCommand.SameFile(modelFile, outputFile))
            throw new UsageException($"--output '{outputFile.FullName}' is the input model: write to another file");
        return OnnxModel.Load(modelFile.FullName);
    }

    private static void Save(Model model, FileInfo outputFile)
    {
        string? directory = Path.GetDirectoryName(outputFile.FullName);
        if (directory is not null) Directory.CreateDirectory(directory);
        OnnxModel.Save(model, outputFile.FullName);
    }

    private static void Write(QuantizeResult r, TextWriter w)
    {
        var ci = CultureInfo.InvariantCulture;
        var q = r.Report;
        w.WriteLine($"model        {r.Model}" + (q.OpsetFrom != q.OpsetTo ? $" (ai.onnx opset {q.OpsetFrom} upgraded to {q.OpsetTo})" : ""));
        w.WriteLine($"calibration  {r.Calibration}, {r.Method}");
        w.WriteLine($"scheme       {r.ActivationType}{(r.Symmetric ? " symmetric" : "")} activations per tensor, int8{(r.ReduceRange ? " (7-bit)" : "")} weights {(r.PerChannel ? "per channel" : "per tensor")}, int32 bias");
        w.WriteLine("quantized    " + string.Join(", ", q.QuantizedNodes.OrderByDescending(kv => kv.Value).ThenBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Value} {kv.Key}")));
        if (q.FloatNodes.Count > 0)
        {
            w.WriteLine($"float        {q.FloatNodes.Count} node{(q.FloatNodes.Count == 1 ? "" : "s")}:");
            foreach (var (node, reason) in q.FloatNodes.Take(20)) w.WriteLine($"  {node}: {reason}");
            if (q.FloatNodes.Count > 20) w.WriteLine($"  ... and {q.FloatNodes.Count - 20} more (--json lists all)");
        }
        if (r.Budget is { } b)
        {
            w.WriteLine(string.Create(ci, $"budget       top-1 drop at most {b.BudgetPoints:0.##} points on {b.ValidationSamples} samples; float {b.FloatTop1Percent:F2}%"));
            foreach (var step in b.Steps)
                w.WriteLine(string.Create(ci, $"  {step.KeptFloat.Count,2} float: top-1 {step.Top1Percent:F2}% (drop {step.DropPoints:F2})")
                    + (step.Next is null ? "" : $", next kept in float: {step.Next}"));
            w.WriteLine(b.Met ? "  within budget" : "  NOT within budget (no more layers to keep in float, or --max-float reached)");
        }
        w.WriteLine(string.Create(ci, $"size         {BenchCommand.FormatBytes(r.BytesBefore)} -> {BenchCommand.FormatBytes(r.BytesAfter)} ({100.0 * r.BytesAfter / r.BytesBefore:F1}%)"));
        w.WriteLine(string.Create(ci, $"wrote        {r.Output} in {r.Seconds:F1} s"));
    }

}

/// <summary>What <c>pinhole quantize --dynamic --json</c> prints.</summary>
internal sealed record DynamicQuantizeResult(string Model, string Output, bool PerChannel, bool ReduceRange, long BytesBefore, long BytesAfter,
    DynamicQuantizationReport Report);

/// <summary>What <c>pinhole quantize --json</c> prints.</summary>
internal sealed record QuantizeResult(string Model, string Output, string Calibration, string Method, string ActivationType, bool PerChannel,
    bool Symmetric, bool ReduceRange, long BytesBefore, long BytesAfter, double Seconds, QuantizationReport Report, BudgetResult? Budget);
