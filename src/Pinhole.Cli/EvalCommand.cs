using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pinhole.Onnx;
using Pinhole.Runtime;
using Pinhole.Tools.Datasets;
using Pinhole.Tools.Evaluation;

namespace Pinhole.Cli;

/// <summary><c>pinhole eval MODEL --data DATA --labels FILE</c>: top-1 and top-5 accuracy of a classifier.</summary>
internal static class EvalCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "The .onnx model file" };
        var data = new Option<string>("--data") { Description = "Samples: a folder of images or .pb files (test_data_set_* folders too), an IDX image file (.gz too), .npy or .npz", Required = true };
        var labels = new Option<string>("--labels") { Description = "True classes: a CSV with file and class_index columns (by file name), or an IDX label file (by sample index)", Required = true };
        var sampling = new SampleArguments();
        var labelOffset = new Option<int>("--label-offset") { Description = "Add N to each label before comparing: 1 for 1001-class models with background at 0" };
        var threads = new Option<int>("--threads", "-t") { Description = "Intra-op threads (default: one per logical processor)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON (and no progress)" };
        var command = new Command("eval", "Top-1 and top-5 accuracy of a classifier on labelled samples, with mean latency")
        {
            model, data, labels, labelOffset, threads, json,
        };
        sampling.AddTo(command);
        command.SetAction(r =>
        {
            var file = r.GetValue(model)!;
            if (!file.Exists) throw new FileNotFoundException($"model file '{file.FullName}' does not exist", file.FullName);
            var sampleOptions = sampling.Parse(r);
            int threadCount = r.GetValue(threads) >= 1 ? r.GetValue(threads) : throw new UsageException("--threads must be at least 1");
            return Run(file, r.GetValue(data)!, r.GetValue(labels)!, sampleOptions, r.GetValue(labelOffset), threadCount,
                r.GetValue(json), stdout, stderr);
        });
        return command;
    }

    private static int Run(FileInfo modelFile, string data, string labelsPath, SampleOptions sampleOptions, int labelOffset, int threads,
        bool asJson, TextWriter stdout, TextWriter stderr)
    {
        var model = OnnxModel.Load(modelFile.FullName);
        using var session = new InferenceSession(model, new SessionOptions { IntraOpThreads = threads });
        var samples = SampleSources.Open(data, session.Inputs, sampleOptions);
        var labels = LabelSources.Open(labelsPath);
        var progress = asJson ? null : new ProgressBar(stderr);
        var result = ClassificationEval.Run(session, samples, labels, new ClassificationOptions
        {
            LabelOffset = labelOffset,
            Progress = progress is null ? null : (done, total) => progress.Report("eval", done, total),
        });
        var report = new EvalReport(modelFile.ToString(), samples.Description, labels.Description, sampleOptions.Preset, labelOffset, threads, result);
        if (asJson) stdout.WriteLine(JsonSerializer.Serialize(report, CliJsonContext.Default.EvalReport));
        else Write(report, stdout);
        return CliApp.Success;
    }

    private static void Write(EvalReport report, TextWriter w)
    {
        var r = report.Result;
        var ci = CultureInfo.InvariantCulture;
        w.WriteLine($"model     {report.Model}");
        w.WriteLine($"data      {report.Data}");
        w.WriteLine($"labels    {report.Labels}" + (report.LabelOffset != 0 ? $", offset {report.LabelOffset}" : ""));
        w.WriteLine(string.Create(ci, $"samples   {r.Count}, output '{r.Output}' with {r.Classes} classes"));
        w.WriteLine(string.Create(ci, $"top-1     {r.Top1Percent:F2}% ({r.Top1}/{r.Count})"));
        w.WriteLine(string.Create(ci, $"top-5     {r.Top5Percent:F2}% ({r.Top5}/{r.Count})"));
        w.WriteLine(string.Create(ci, $"latency   {r.MeanLatencyMs:F2} ms mean per run ({report.Threads} thread{(report.Threads == 1 ? "" : "s")})"));
        foreach (var note in r.Notes) w.WriteLine("note: " + note);
    }
}

/// <summary>What <c>pinhole eval --json</c> prints.</summary>
internal sealed record EvalReport(string Model, string Data, string Labels, string Preset, int LabelOffset, int Threads,
    ClassificationResult Result);
