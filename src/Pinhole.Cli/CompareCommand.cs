using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Pinhole.Onnx;
using Pinhole.Tools.Datasets;
using Pinhole.Tools.Quantization;

namespace Pinhole.Cli;

/// <summary><c>pinhole compare FLOAT QUANT --data DATA</c>: per-layer SQNR and cosine similarity, the most lossy layers first.</summary>
internal static class CompareCommand
{
    private const int DefaultSamples = 16;

    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var floatModel = new Argument<FileInfo>("FLOAT_MODEL") { Description = "The float .onnx model" };
        var quantizedModel = new Argument<FileInfo>("QUANT_MODEL") { Description = "Its quantized form (QDQ, with the float model's tensor names)" };
        var data = new Option<string>("--data") { Description = "Samples: a folder of images or .pb files, an IDX image file (.gz too), .npy or .npz", Required = true };
        var sampling = new SampleArguments();
        var top = new Option<int>("--top") { Description = "How many of the most lossy layers to list", DefaultValueFactory = _ => 10 };
        var all = new Option<bool>("--all") { Description = "Also list every compared layer in graph order" };
        var threads = new Option<int>("--threads", "-t") { Description = "Intra-op threads (default: one per logical processor)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var json = new Option<bool>("--json") { Description = "Print every layer as JSON (and no progress)" };
        var command = new Command("compare", $"Per-layer SQNR and cosine similarity between a float model and its quantized form (first {DefaultSamples} samples unless --limit)")
        {
            floatModel, quantizedModel, data, top, all, threads, json,
        };
        sampling.AddTo(command);
        command.SetAction(r =>
        {
            var f = r.GetValue(floatModel)!;
            var q = r.GetValue(quantizedModel)!;
            foreach (var file in new[] { f, q })
                if (!file.Exists) throw new FileNotFoundException($"model file '{file.FullName}' does not exist", file.FullName);
            var options = sampling.Parse(r);
            options = options with { Limit = options.Limit ?? DefaultSamples };
            int topCount = r.GetValue(top) >= 1 ? r.GetValue(top) : throw new UsageException("--top must be at least 1");
            int threadCount = r.GetValue(threads) >= 1 ? r.GetValue(threads) : throw new UsageException("--threads must be at least 1");
            return Run(f, q, r.GetValue(data)!, options, topCount, r.GetValue(all), threadCount, r.GetValue(json), stdout, stderr);
        });
        return command;
    }

    private static int Run(FileInfo floatFile, FileInfo quantizedFile, string data, SampleOptions sampleOptions, int top, bool all, int threads,
        bool asJson, TextWriter stdout, TextWriter stderr)
    {
        var floatModel = OnnxModel.Load(floatFile.FullName);
        var quantizedModel = OnnxModel.Load(quantizedFile.FullName);
        var samples = SampleSources.Open(data, floatModel.Graph.RuntimeInputs().ToList(), sampleOptions);
        var bar = asJson ? null : new ProgressBar(stderr);
        var progress = bar?.ForQuantization();
        var report = LayerComparison.Compare(floatModel, quantizedModel, samples, threads, progress);
        var result = new CompareResult(floatFile.ToString(), quantizedFile.ToString(), samples.Description, report.Samples,
            [.. report.Worst(top).Select(l => l.Tensor)], [.. report.Layers.Select(Row.Of)]);
        if (asJson)
        {
            stdout.WriteLine(JsonSerializer.Serialize(result, CliJsonContext.Default.CompareResult));
            return CliApp.Success;
        }
        stdout.WriteLine($"float      {result.FloatModel}");
        stdout.WriteLine($"quantized  {result.QuantizedModel}");
        stdout.WriteLine($"data       {result.Data}");
        stdout.WriteLine($"compared   {report.Layers.Count} tensors over {report.Samples} samples; loss = SQNR lost in the layer itself");
        stdout.WriteLine();
        stdout.WriteLine($"most lossy layers");
        WriteTable(report.Worst(top), stdout);
        if (all)
        {
            stdout.WriteLine();
            stdout.WriteLine("all layers, in graph order");
            WriteTable(report.Layers, stdout);
        }
        return CliApp.Success;
    }

    private static void WriteTable(IEnumerable<LayerDifference> layers, TextWriter w)
    {
        var ci = CultureInfo.InvariantCulture;
        w.WriteLine($"  {"tensor",-32} {"node",-28} {"op",-18} {"SQNR dB",8} {"cosine",8} {"loss dB",8}");
        foreach (var l in layers)
            w.WriteLine(string.Create(ci, $"  {Clip(l.Tensor, 32),-32} {Clip(l.Node, 28),-28} {Clip(l.Op, 18),-18} {Db(l.SqnrDb),8} {l.Cosine,8:F5} {l.LossDb,8:F1}"));
    }

    private static string Db(double db) => double.IsPositiveInfinity(db) ? "exact" : db.ToString("F1", CultureInfo.InvariantCulture);

    private static string Clip(string s, int width) => s.Length <= width ? s : s[..(width - 3)] + "...";


    /// <summary>A layer as JSON writes it (infinite SQNR as null).</summary>
    internal sealed record Row(string Tensor, string Node, string Op, double? SqnrDb, double Cosine, double LossDb, string Observed)
    {
        public static Row Of(LayerDifference l) =>
            new(l.Tensor, l.Node, l.Op, double.IsFinite(l.SqnrDb) ? Math.Round(l.SqnrDb, 3) : null, l.Cosine, Math.Round(l.LossDb, 3), l.Observed);
    }
}

/// <summary>What <c>pinhole compare --json</c> prints: the most lossy layers by name, then every compared layer.</summary>
internal sealed record CompareResult(string FloatModel, string QuantizedModel, string Data, int Samples, IReadOnlyList<string> MostLossy,
    IReadOnlyList<CompareCommand.Row> Layers);
