using System.CommandLine;
using Pinhole.IR;
using Pinhole.Onnx;
using Pinhole.Runtime;
using Pinhole.Runtime.Optimization;
using Pinhole.Tools.Transforms;

namespace Pinhole.Cli;

/// <summary><c>pinhole optimize MODEL -o OUT [--level L] [--strip-quantization]</c>: rewrites a model and saves it as ONNX.</summary>
internal static class OptimizeCommand
{
    public static Command Create(TextWriter stdout)
    {
        var model = new Argument<FileInfo>("MODEL") { Description = "The .onnx model file" };
        var output = new Option<FileInfo>("--output", "-o") { Description = "Where to write the rewritten model (never the input file)", Required = true };
        var level = new Option<string>("--level")
        {
            Description = $"Graph rewrites to apply: {string.Join(", ", LevelNames())} (default basic)",
            DefaultValueFactory = _ => "basic",
        };
        var strip = new Option<bool>("--strip-quantization")
        {
            Description = "First fold DequantizeLinear of constants into float weights and remove activation Quantize/DequantizeLinear pairs (a plain float model)",
        };
        var command = new Command("optimize", "Apply graph rewrites (and optionally strip QDQ quantization) and save the model as ONNX")
        {
            model, output, level, strip,
        };
        command.SetAction(r => Run(r.GetValue(model)!, r.GetValue(output)!, r.GetValue(level) ?? "basic", r.GetValue(strip), stdout));
        return command;
    }

    private static IEnumerable<string> LevelNames() => Enum.GetNames<OptimizationLevel>().Select(n => n.ToLowerInvariant());

    /// <summary>An <see cref="OptimizationLevel"/> by name, ignoring case (numbers are not accepted).</summary>
    internal static OptimizationLevel ParseLevel(string name)
    {
        foreach (var value in Enum.GetValues<OptimizationLevel>())
            if (string.Equals(value.ToString(), name, StringComparison.OrdinalIgnoreCase)) return value;
        throw new UsageException($"--level '{name}': expected one of {string.Join(", ", LevelNames())}");
    }

    private static int Run(FileInfo modelFile, FileInfo outputFile, string levelName, bool strip, TextWriter stdout)
    {
        var level = ParseLevel(levelName);
        if (!modelFile.Exists) throw new FileNotFoundException($"model file '{modelFile.FullName}' does not exist", modelFile.FullName);
        if (SameFile(modelFile, outputFile))
            throw new UsageException($"--output '{outputFile.FullName}' is the input model: write to another file");

        var model = OnnxModel.Load(modelFile.FullName);
        var before = Histogram(model.Graph);
        int nodesBefore = model.Graph.Nodes.Count;
        StripQuantizationResult? stripped = strip ? StripQuantization.Apply(model) : null;
        GraphOptimizer.Optimize(model, level);
        var after = Histogram(model.Graph);

        string? directory = Path.GetDirectoryName(outputFile.FullName);
        if (directory is not null) Directory.CreateDirectory(directory);
        OnnxModel.Save(model, outputFile.FullName);

        var changes = before.Keys.Union(after.Keys)
            .Select(op => (Op: op, Delta: after.GetValueOrDefault(op) - before.GetValueOrDefault(op)))
            .Where(c => c.Delta != 0)
            .OrderBy(c => c.Delta).ThenBy(c => c.Op, StringComparer.Ordinal)
            .Select(c => $"{c.Op} {c.Delta:+#;-#}");
        string histogram = string.Join(", ", changes);
        stdout.WriteLine($"optimized {modelFile.Name} (level {level.ToString().ToLowerInvariant()}{(strip ? ", quantization stripped" : "")}): "
            + $"{nodesBefore} -> {model.Graph.Nodes.Count} nodes" + (histogram.Length > 0 ? $" ({histogram})" : " (no change)")
            + $"; wrote {outputFile.FullName}");
        if (stripped is { Remaining: > 0 })
            stdout.WriteLine($"note: {stripped.Remaining} Quantize/DequantizeLinear node{(stripped.Remaining == 1 ? "" : "s")} could not be stripped (inputs not constant or unsupported)");
        return CliApp.Success;
    }

    private static Dictionary<string, int> Histogram(Graph graph) =>
        graph.Nodes.GroupBy(n => n.Domain.Length > 0 ? $"{n.Domain}.{n.OpType}" : n.OpType, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    /// <summary>Whether two paths name the same file (after resolving symbolic links).</summary>
    internal static bool SameFile(FileInfo a, FileInfo b)
    {
        static string Resolve(FileInfo f)
        {
            try
            {
                return f.Exists ? f.ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? f.FullName : f.FullName;
            }
            catch (IOException)
            {
                return f.FullName;
            }
        }
        var comparison = OperatingSystem.IsLinux() ? StringComparison.Ordinal : StringComparison.OrdinalIgnoreCase;
        return string.Equals(Resolve(a), Resolve(b), comparison);
    }
}
