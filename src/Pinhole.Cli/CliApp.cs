using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;

using Pinhole.IR;
using Pinhole.Onnx;
using Pinhole.Runtime;
using Pinhole.Tools;

namespace Pinhole.Cli;

/// <summary>
/// The pinhole command line. Exit codes: 0 success, 2 bad input (unreadable, invalid or unsupported model, wrong or
/// missing inputs, a node rejecting its inputs, missing files, bad arguments), 1 internal failure. Errors are one line
/// <c>error: message</c> on stderr; <c>--verbose</c> adds the exception with its stack trace.
/// </summary>
public static class CliApp
{
    public const int Success = 0;
    public const int InternalError = 1;
    public const int BadInput = 2;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(stdout);
        ArgumentNullException.ThrowIfNull(stderr);

        var verbose = new Option<bool>("--verbose", "-v") { Description = "On errors, also print the exception and its stack trace", Recursive = true };
        var root = new RootCommand("Pinhole: inspect and run ONNX models on the CPU, in .NET.") { verbose };

        var modelArgument = new Argument<FileInfo>("MODEL") { Description = "The .onnx model file" };

        var json = new Option<bool>("--json") { Description = "Print the report as JSON" };
        var inspectDims = DimOption();
        var inspect = new Command("inspect", "Summarize a model: inputs, outputs, ops, parameters, weight bytes, MACs")
        {
            modelArgument, json, inspectDims,
        };
        inspect.SetAction(r => Inspect(r.GetValue(modelArgument)!, r.GetValue(json), ParseDims(r.GetValue(inspectDims)), stdout));
        root.Subcommands.Add(inspect);

        var runModel = new Argument<FileInfo>("MODEL") { Description = "The .onnx model file" };
        var inputDir = new Option<DirectoryInfo>("--input-dir") { Description = "Folder with input_0.pb, input_1.pb... in graph-input order (initializers excluded)" };
        var inputs = new Option<string[]>("--input", "-i")
        {
            Description = "NAME=FILE: one input from a TensorProto .pb or a NumPy .npy file (repeatable; overrides --input-dir)",
            HelpName = "NAME=FILE",
        };
        var outputDir = new Option<DirectoryInfo>("--output-dir", "-o") { Description = "Write output_0.pb, output_1.pb... here, in graph-output order" };
        var count = new Option<int>("--values") { Description = "How many leading values of each output to print", DefaultValueFactory = _ => 8 };
        var run = new Command("run", "Run a model on inputs from files and print (and optionally save) its outputs")
        {
            runModel, inputDir, inputs, outputDir, count,
        };
        run.SetAction(r => RunModel(r.GetValue(runModel)!, r.GetValue(inputDir), r.GetValue(inputs) ?? [], r.GetValue(outputDir),
            r.GetValue(count), stdout));
        root.Subcommands.Add(run);
        root.Subcommands.Add(OptimizeCommand.Create(stdout));
        root.Subcommands.Add(BenchCommand.Create(stdout));
        root.Subcommands.Add(CheckCommand.Create(stdout));
        root.Subcommands.Add(CheckCommand.CreateDevices(stdout));
        root.Subcommands.Add(EvalCommand.Create(stdout, stderr));
        root.Subcommands.Add(QuantizeCommand.Create(stdout, stderr));
        root.Subcommands.Add(CompareCommand.Create(stdout, stderr));

        ParseResult parsed;
        try
        {
            parsed = root.Parse(args);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Fail(stderr, e, BadInput, verbose: args.Contains("--verbose") || args.Contains("-v"));
        }
        bool isVerbose = parsed.GetValue(verbose);
        if (parsed.Errors.Count > 0)
        {
            stderr.WriteLine("error: " + OneLine(parsed.Errors[0].Message) + " (see pinhole --help)");
            return BadInput;
        }
        try
        {
            return parsed.Invoke(new InvocationConfiguration { Output = stdout, Error = stderr, EnableDefaultExceptionHandler = false });
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return Fail(stderr, e, ExitCodeFor(e), isVerbose);
        }
    }

    /// <summary>2 for problems with the user's model, inputs, files or arguments; 1 for anything else.</summary>
    public static int ExitCodeFor(Exception e) => e switch
    {
        PinholeException => BadInput,
        FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException => BadInput,
        UsageException => BadInput,
        _ => InternalError,
    };

    private static int Fail(TextWriter stderr, Exception e, int code, bool verbose)
    {
        string message = code == InternalError ? $"internal error: {e.GetType().Name}: {e.Message}" : e.Message;
        stderr.WriteLine("error: " + OneLine(message));
        if (verbose) stderr.WriteLine(e.ToString());
        return code;
    }

    private static string OneLine(string message) =>
        string.Join(' ', message.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries));

    internal static Option<string[]> DimOption() => new("--dim")
    {
        Description = "NAME=VALUE: value of a symbolic input dimension when shapes are inferred (repeatable; others are 1)",
        HelpName = "NAME=VALUE",
    };

    internal static Dictionary<string, int> ParseDims(string[]? dims)
    {
        var result = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var d in dims ?? [])
        {
            int eq = d.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || !int.TryParse(d.AsSpan(eq + 1), NumberStyles.None, CultureInfo.InvariantCulture, out int v) || v < 1)
                throw new UsageException($"--dim '{d}': expected NAME=VALUE with a positive VALUE");
            result[d[..eq]] = v;
        }
        return result;
    }

    private static int Inspect(FileInfo modelFile, bool asJson, Dictionary<string, int> dims, TextWriter stdout)
    {
        var model = OnnxModel.Load(modelFile.FullName);
        var shapeOptions = new ShapeInferenceOptions();
        foreach (var (k, v) in dims) shapeOptions.SymbolValues[k] = v;
        var report = ModelInspector.Inspect(model, new InspectOptions
        {
            ShapeInference = new ShapeInference(shapeOptions),
            FallbackShapeInference = new StaticShapeInference(shapeOptions),
        });
        if (asJson)
        {
            stdout.WriteLine(JsonSerializer.Serialize(report, CliJsonContext.Default.ModelReport));
            return Success;
        }
        ReportWriter.Write(report, modelFile.Name, stdout);
        return Success;
    }

    private static int RunModel(FileInfo modelFile, DirectoryInfo? inputDir, string[] inputSpecs, DirectoryInfo? outputDir,
        int valuesToPrint, TextWriter stdout)
    {
        var clock = Stopwatch.StartNew();
        var model = OnnxModel.Load(modelFile.FullName);
        var loadTime = clock.Elapsed;
        var given = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var modelInputs = model.Graph.RuntimeInputs().ToList();
        var byName = modelInputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
        foreach (var spec in inputSpecs)
        {
            int eq = spec.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0 || eq == spec.Length - 1)
                throw new UsageException($"--input '{spec}': expected NAME=FILE");
            string name = spec[..eq], file = spec[(eq + 1)..];
            if (!byName.ContainsKey(name))
                throw new InvalidInputException($"--input '{name}': the model has no input of that name; its inputs are: {string.Join(", ", modelInputs.Select(i => i.Name))}");
            given[name] = ReadTensor(file);
        }
        if (inputDir is not null)
        {
            if (!inputDir.Exists) throw new DirectoryNotFoundException($"input folder '{inputDir.FullName}' does not exist");
            for (int i = 0; i < modelInputs.Count; i++)
            {
                string name = modelInputs[i].Name;
                if (given.ContainsKey(name)) continue;
                string path = Path.Combine(inputDir.FullName, $"input_{i}.pb");
                if (!File.Exists(path))
                    throw new InvalidInputException($"input {i} '{name}': '{path}' does not exist");
                given[name] = OnnxTensorFile.Read(path);
            }
        }
        var missing = modelInputs.Where(i => !given.ContainsKey(i.Name)).Select(i => i.Name).ToList();
        if (missing.Count > 0)
            throw new InvalidInputException($"no value for input{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))}: use --input-dir DIR or --input NAME=FILE");

        clock.Restart();
        using var session = new InferenceSession(model);
        var prepareTime = clock.Elapsed;
        clock.Restart();
        var outputs = session.Run(given);
        var runTime = clock.Elapsed;

        if (outputDir is not null)
        {
            Directory.CreateDirectory(outputDir.FullName);
            for (int i = 0; i < session.Outputs.Count; i++)
            {
                string name = session.Outputs[i].Name;
                OnnxTensorFile.Write(Path.Combine(outputDir.FullName, $"output_{i}.pb"), outputs[name], name);
            }
        }

        for (int i = 0; i < session.Outputs.Count; i++)
        {
            string name = session.Outputs[i].Name;
            var t = outputs[name];
            stdout.WriteLine($"output {i} '{name}': {DataTypes.OnnxName(t.Type)} {Tensor.FormatShape(t.Shape)} = {FormatValues(t, valuesToPrint)}");
        }
        stdout.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"run: {runTime.TotalMilliseconds:F2} ms (load {loadTime.TotalMilliseconds:F1} ms, prepare {prepareTime.TotalMilliseconds:F1} ms)"));
        if (outputDir is not null)
            stdout.WriteLine($"wrote {session.Outputs.Count} output{(session.Outputs.Count == 1 ? "" : "s")} to {outputDir.FullName}");
        return Success;
    }

    private static Tensor ReadTensor(string file)
    {
        if (!File.Exists(file)) throw new FileNotFoundException($"input file '{file}' does not exist", file);
        return file.EndsWith(".npy", StringComparison.OrdinalIgnoreCase) ? Npy.Read(file) : OnnxTensorFile.Read(file);
    }

    /// <summary>The first <paramref name="count"/> values, e.g. <c>[0.1, 0.2, ...]</c> (invariant culture).</summary>
    internal static string FormatValues(Tensor t, int count)
    {
        int n = Math.Min(Math.Max(count, 0), t.Length);
        var parts = new List<string>(n + 1);
        for (int i = 0; i < n; i++)
        {
            parts.Add(t.Buffer switch // the array type only; elements are read through the tensor
            {
                string[] s => "\"" + s[t.Offset + i] + "\"",
                bool[] b => b[t.Offset + i] ? "true" : "false",
                float[] or double[] or Half[] or BFloat16[] => t.GetDouble(i).ToString("G6", CultureInfo.InvariantCulture),
                _ => t.GetInt64(i).ToString(CultureInfo.InvariantCulture),
            });
        }
        if (t.Length > n) parts.Add($"... ({t.Length} values)");
        return "[" + string.Join(", ", parts) + "]";
    }
}

/// <summary>A command-line argument that cannot be used (exit code 2).</summary>
public sealed class UsageException(string message) : Exception(message);

/// <summary>Writes a <see cref="ModelReport"/> as readable text.</summary>
internal static class ReportWriter
{
    public static void Write(ModelReport r, string title, TextWriter w)
    {
        var ci = CultureInfo.InvariantCulture;
        w.WriteLine($"model      {title}");
        w.WriteLine($"ir version {r.IrVersion}" + (r.Producer.Length > 0 ? $", producer {r.Producer}" : ""));
        w.WriteLine("opsets     " + string.Join(", ", r.OpsetImports.Select(kv => $"{kv.Key} {kv.Value}")));
        w.WriteLine();
        Table(w, "inputs", r.Inputs.Select(v => new[] { v.Name, v.Type, v.ShapeText }));
        Table(w, "outputs", r.Outputs.Select(v => new[] { v.Name, v.Type, v.ShapeText }));
        Table(w, $"ops ({r.NodeCount} nodes)", r.Ops.Select(o => new[] { o.Op, o.Count.ToString(ci) }));
        w.WriteLine(string.Create(ci, $"parameters {r.Parameters:N0} (initializers {r.InitializerParameters:N0}, Constant-node weights {r.ConstantParameters:N0})"));
        foreach (var wb in r.Weights)
            w.WriteLine(string.Create(ci, $"  {wb.Type,-10} {wb.Elements,14:N0} elements {FormatBytes(wb.Bytes),12}"));
        w.WriteLine();
        int unknown = r.NodeMacs.Count(m => m.Macs is null);
        w.WriteLine(string.Create(ci, $"MACs       {r.TotalMacs:N0} ({FormatCount(r.TotalMacs)})")
            + (unknown > 0 ? $", not counting {unknown} node{(unknown == 1 ? "" : "s")} of unknown shape" : ""));
        var top = r.NodeMacs.Where(m => m.Macs is not 0).OrderByDescending(m => m.Macs ?? -1).Take(10).ToList();
        foreach (var m in top)
            w.WriteLine(string.Create(ci, $"  {Clip(m.Node, 40),-40} {m.Op,-16} {(m.Macs is long v ? v.ToString("N0", ci) : "?"),16}"));
        if (r.NodeMacs.Count > top.Count) w.WriteLine($"  ... {r.NodeMacs.Count - top.Count} more nodes with MACs (see --json)");
        foreach (var note in r.Notes.Take(10)) w.WriteLine("note: " + note);
        if (r.Notes.Count > 10) w.WriteLine($"note: ... {r.Notes.Count - 10} more (see --json)");
    }

    private static void Table(TextWriter w, string title, IEnumerable<string[]> rows)
    {
        var list = rows.ToList();
        w.WriteLine(title);
        if (list.Count == 0) w.WriteLine("  (none)");
        int columns = list.Count == 0 ? 0 : list.Max(r => r.Length);
        var widths = Enumerable.Range(0, columns).Select(c => list.Max(r => c < r.Length ? Math.Min(r[c].Length, 48) : 0)).ToArray();
        foreach (var row in list)
            w.WriteLine("  " + string.Join("  ", row.Select((cell, c) => c == row.Length - 1 ? cell : Clip(cell, 48).PadRight(widths[c]))).TrimEnd());
        w.WriteLine();
    }

    internal static string Clip(string s, int width) => s.Length <= width ? s : s[..(width - 3)] + "...";

    internal static string FormatBytes(long bytes) => bytes switch
    {
        >= 1 << 30 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 30):F2} GiB"),
        >= 1 << 20 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (double)(1 << 20):F2} MiB"),
        >= 1 << 10 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:F1} KiB"),
        _ => $"{bytes} B",
    };

    private static string FormatCount(long n) => n switch
    {
        >= 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{n / 1e9:F2} G"),
        >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{n / 1e6:F2} M"),
        >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{n / 1e3:F1} K"),
        _ => n.ToString(CultureInfo.InvariantCulture),
    };
}
