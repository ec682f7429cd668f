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
        var preset = new Option<string>("--preset") { Description = "Pixel normalization of images: imagenet (torchvision), caffe (BGR 0-255 minus mean), raw (0-255), unit (0-1)", DefaultValueFactory = _ => "imagenet" };
        var skip = new Option<int>("--skip") { Description = "Skip the first N samples (in file-name or record order)" };
        var limit = new Option<int?>("--limit") { Description = "Evaluate at most N samples (after --skip)" };
        var layout = new Option<string>("--layout") { Description = "Image layout, nchw or nhwc (default: from the input's shape)" };
        var resize = new Option<int?>("--resize") { Description = "Resize images' shorter side to N pixels before the centre crop (default: crop / 0.875, 256 for 224)" };
        var labelOffset = new Option<int>("--label-offset") { Description = "Add N to each label before comparing: 1 for 1001-class models with background at 0" };
        var threads = new Option<int>("--threads", "-t") { Description = "Intra-op threads (default: one per logical processor)", DefaultValueFactory = _ => Environment.ProcessorCount };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON (and no progress)" };
        var command = new Command("eval", "Top-1 and top-5 accuracy of a classifier on labelled samples, with mean latency")
        {
            model, data, labels, preset, skip, limit, layout, resize, labelOffset, threads, json,
        };
        command.SetAction(r =>
        {
            var file = r.GetValue(model)!;
            if (!file.Exists) throw new FileNotFoundException($"model file '{file.FullName}' does not exist", file.FullName);
            var sampleOptions = new SampleOptions
            {
                Preset = ImagePreset.Named(r.GetValue(preset)!).Name,
                Skip = r.GetValue(skip) >= 0 ? r.GetValue(skip) : throw new UsageException("--skip must not be negative"),
                Limit = r.GetValue(limit) is not int n ? null : n >= 1 ? n : throw new UsageException("--limit must be at least 1"),
                Layout = ParseLayout(r.GetValue(layout)),
                ResizeShorterSide = r.GetValue(resize) is not int s ? null : s >= 1 ? s : throw new UsageException("--resize must be at least 1"),
            };
            int threadCount = r.GetValue(threads) >= 1 ? r.GetValue(threads) : throw new UsageException("--threads must be at least 1");
            return Run(file, r.GetValue(data)!, r.GetValue(labels)!, sampleOptions, r.GetValue(labelOffset), threadCount,
                r.GetValue(json), stdout, stderr);
        });
        return command;
    }

    private static ImageLayout? ParseLayout(string? text) => text?.ToLowerInvariant() switch
    {
        null => null,
        "nchw" => ImageLayout.Nchw,
        "nhwc" => ImageLayout.Nhwc,
        _ => throw new UsageException($"--layout '{text}': use nchw or nhwc"),
    };

    private static int Run(FileInfo modelFile, string data, string labelsPath, SampleOptions sampleOptions, int labelOffset, int threads,
        bool asJson, TextWriter stdout, TextWriter stderr)
    {
        var model = OnnxModel.Load(modelFile.FullName);
        using var session = new InferenceSession(model, new SessionOptions { IntraOpThreads = threads });
        var samples = SampleSources.Open(data, session.Inputs, sampleOptions);
        var labels = LabelSources.Open(labelsPath);
        var progress = asJson ? null : new ProgressLine(stderr);
        var result = ClassificationEval.Run(session, samples, labels, new ClassificationOptions
        {
            LabelOffset = labelOffset,
            Progress = progress is null ? null : progress.Report,
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

    /// <summary>"eval 123/250" on one line of stderr, redrawn at most ten times a second, ended by a newline.</summary>
    private sealed class ProgressLine(TextWriter stderr)
    {
        private readonly Stopwatch _since = Stopwatch.StartNew();

        public void Report(int done, int total)
        {
            if (done < total && _since.ElapsedMilliseconds < 100) return;
            _since.Restart();
            stderr.Write(string.Create(CultureInfo.InvariantCulture, $"\reval {done}/{total}"));
            if (done == total) stderr.WriteLine();
        }
    }
}

/// <summary>What <c>pinhole eval --json</c> prints.</summary>
internal sealed record EvalReport(string Model, string Data, string Labels, string Preset, int LabelOffset, int Threads,
    ClassificationResult Result);
