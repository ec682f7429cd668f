using System.Text.Json;
using Pinhole.Cli;
using Pinhole.Onnx;
using Pinhole.Tools;

namespace Pinhole.Cli.Tests;

public sealed class CliAppTests : IDisposable
{
    private readonly string _temp = Directory.CreateTempSubdirectory("pinhole-cli-").FullName;

    private static readonly string Model = Repository.Sample("tiny-cnn", "model.onnx");
    private static readonly string DataSet = Repository.Sample("tiny-cnn", "test_data_set_0");

    public void Dispose() => Directory.Delete(_temp, recursive: true);

    private static (int Code, string Out, string Err) Run(params string[] args) => CliRunner.Run(args);

    private static string[] Lines(string text) => text.Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Inspect_prints_a_summary()
    {
        var (code, output, err) = Run("inspect", Model);
        Assert.True(code == 0, err);
        Assert.Contains("input  float  [1,1,28,28]", output, StringComparison.Ordinal);
        Assert.Contains("probabilities  float  [1,10]", output, StringComparison.Ordinal);
        Assert.Contains("parameters 1,418", output, StringComparison.Ordinal);
        Assert.Contains("MACs       222,496", output, StringComparison.Ordinal);
        Assert.Contains("Conv", output, StringComparison.Ordinal);
        Assert.Equal("", err);
    }

    [Fact]
    public void Inspect_json_is_machine_readable()
    {
        var (code, output, err) = Run("inspect", Model, "--json");
        Assert.True(code == 0, err);
        using var doc = JsonDocument.Parse(output);
        var root = doc.RootElement;
        Assert.Equal(1418, root.GetProperty("parameters").GetInt64());
        Assert.Equal(222_496, root.GetProperty("totalMacs").GetInt64());
        Assert.Equal("input", root.GetProperty("inputs")[0].GetProperty("name").GetString());
        Assert.Equal(17, root.GetProperty("opsetImports").GetProperty("ai.onnx").GetInt64());
    }

    [Fact]
    public void Run_writes_outputs_that_match_the_onnx_runtime_reference()
    {
        string outDir = Path.Combine(_temp, "out");
        var (code, output, err) = Run("run", Model, "--input-dir", DataSet, "--output-dir", outDir);
        Assert.True(code == 0, err);
        Assert.Contains("output 0 'probabilities': float [1,10] = [", output, StringComparison.Ordinal);
        Assert.Contains("run: ", output, StringComparison.Ordinal);
        AssertMatchesReference(Path.Combine(outDir, "output_0.pb"));
    }

    [Fact]
    public void Run_reads_npy_and_pb_inputs_by_name()
    {
        string npy = Path.Combine(_temp, "image.npy");
        Npy.Write(npy, OnnxTensorFile.Read(Path.Combine(DataSet, "input_0.pb")));
        foreach (var file in new[] { npy, Path.Combine(DataSet, "input_0.pb") })
        {
            string outDir = Path.Combine(_temp, Path.GetExtension(file).TrimStart('.'));
            var (code, _, err) = Run("run", Model, "--input", $"input={file}", "-o", outDir);
            Assert.True(code == 0, err);
            AssertMatchesReference(Path.Combine(outDir, "output_0.pb"));
        }
    }

    private static void AssertMatchesReference(string outputFile)
    {
        var (name, actual) = OnnxTensorFile.ReadNamed(outputFile);
        var expected = OnnxTensorFile.Read(Path.Combine(DataSet, "output_0.pb"));
        Assert.Equal("probabilities", name);
        Assert.Equal(expected.Shape, actual.Shape);
        var e = expected.Span<float>();
        var a = actual.Span<float>();
        for (int i = 0; i < e.Length; i++)
            Assert.True(Math.Abs(e[i] - a[i]) <= 1e-5f + 1e-4f * Math.Abs(e[i]), $"element {i}: expected {e[i]}, got {a[i]}");
    }

    [Fact]
    public void Missing_model_file_is_exit_2_with_one_line()
    {
        var (code, output, err) = Run("inspect", Path.Combine(_temp, "nope.onnx"));
        Assert.Equal(2, code);
        Assert.Equal("", output);
        var line = Assert.Single(Lines(err));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains("nope.onnx", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_input_name_is_exit_2()
    {
        var (code, _, err) = Run("run", Model, "--input", $"image={Path.Combine(DataSet, "input_0.pb")}");
        Assert.Equal(2, code);
        var line = Assert.Single(Lines(err));
        Assert.StartsWith("error: ", line, StringComparison.Ordinal);
        Assert.Contains("'image'", line, StringComparison.Ordinal);
        Assert.Contains("input", line, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_inputs_and_bad_arguments_are_exit_2()
    {
        Assert.Equal(2, Run("run", Model).Code);
        Assert.Equal(2, Run("run", Model, "--input-dir", Path.Combine(_temp, "missing")).Code);
        Assert.Equal(2, Run("run", Model, "--input", "no-equals-sign").Code);
        Assert.Equal(2, Run("run", Model, "--input", $"input={Path.Combine(_temp, "missing.npy")}").Code);
        Assert.Equal(2, Run("frobnicate").Code);
        Assert.Equal(2, Run().Code);
        var (code, _, err) = Run("inspect");
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", Assert.Single(Lines(err)), StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_model_is_exit_2()
    {
        string bad = Path.Combine(_temp, "bad.onnx");
        File.WriteAllBytes(bad, [0x08, 0x07, 0x12, 0xFF, 0xFF]);
        var (code, _, err) = Run("inspect", bad);
        Assert.Equal(2, code);
        Assert.StartsWith("error: ", Assert.Single(Lines(err)), StringComparison.Ordinal);
    }

    [Fact]
    public void Wrong_input_shape_is_exit_2()
    {
        string npy = Path.Combine(_temp, "small.npy");
        Npy.Write(npy, Tensor.Zeros(DataType.Float, [1, 1, 14, 14]));
        var (code, _, err) = Run("run", Model, "--input", $"input={npy}");
        Assert.Equal(2, code);
        Assert.Contains("shape", Assert.Single(Lines(err)), StringComparison.Ordinal);
    }

    [Fact]
    public void Verbose_adds_a_stack_trace()
    {
        var (code, _, err) = Run("inspect", Path.Combine(_temp, "nope.onnx"), "--verbose");
        Assert.Equal(2, code);
        Assert.True(Lines(err).Length > 2, err);
        Assert.StartsWith("error: ", err, StringComparison.Ordinal);
        Assert.Contains(" at ", err, StringComparison.Ordinal);
    }

    [Fact]
    public void Help_goes_to_stdout_and_succeeds()
    {
        var (code, output, _) = Run("--help");
        Assert.Equal(0, code);
        Assert.Contains("inspect", output, StringComparison.Ordinal);
        Assert.Contains("run", output, StringComparison.Ordinal);
    }

    [Fact]
    public void Exit_codes_classify_exceptions()
    {
        Assert.Equal(2, CliApp.ExitCodeFor(new KernelException("x")));
        Assert.Equal(2, CliApp.ExitCodeFor(new UnsupportedModelException("x")));
        Assert.Equal(2, CliApp.ExitCodeFor(new FileNotFoundException("x")));
        Assert.Equal(1, CliApp.ExitCodeFor(new InvalidOperationException("x")));
        Assert.Equal(1, CliApp.ExitCodeFor(new NullReferenceException()));
    }

    [SharedDataFact]
    public void Inspect_reads_a_published_model()
    {
        var (code, output, err) = Run("inspect", Path.Combine(Repository.Shared!, "models", "mobilenetv2-12-int8", "model.onnx"));
        Assert.True(code == 0, err);
        Assert.Contains("QLinearConv", output, StringComparison.Ordinal);
        Assert.Contains("parameters 3,5", output, StringComparison.Ordinal);
    }
}
