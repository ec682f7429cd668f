namespace Pinhole.Conformance.Tests;

/// <summary>One conformance case: a model and its data sets of inputs and expected outputs.</summary>
internal sealed record ConformanceCase(string Id, string ModelPath, IReadOnlyList<DataSet> DataSets, double RelativeTolerance, double AbsoluteTolerance)
{
    /// <summary>Every case under the shared folder, keyed "suite/name".</summary>
    public static IReadOnlyList<ConformanceCase> Discover(string shared)
    {
        var cases = new List<ConformanceCase>();
        var backend = Path.Combine(shared, "onnx", "backend-test-data");
        foreach (var suite in new[] { "node", "simple", "pytorch-converted", "pytorch-operator" })
        {
            var root = Path.Combine(backend, suite);
            if (!Directory.Exists(root)) continue;
            foreach (var dir in Directory.GetDirectories(root).Order(StringComparer.Ordinal))
                if (File.Exists(Path.Combine(dir, "model.onnx")))
                    cases.Add(new($"{suite}/{Path.GetFileName(dir)}", Path.Combine(dir, "model.onnx"), DataSet.InFolder(dir), 1e-3, 1e-7));
        }
        var light = Path.Combine(backend, "light");
        if (Directory.Exists(light))
            foreach (var model in Directory.GetFiles(light, "light_*.onnx").Order(StringComparer.Ordinal))
            {
                var name = Path.GetFileNameWithoutExtension(model);
                var output = Path.Combine(light, name + "_output_0.pb");
                cases.Add(new($"light/{name}", model, [new DataSet([], [output], LightInput: true)], 1e-3, 1e-5));
            }
        var models = Path.Combine(shared, "models");
        if (Directory.Exists(models))
            foreach (var dir in Directory.GetDirectories(models).Order(StringComparer.Ordinal))
            {
                var sets = DataSet.InFolder(dir);
                if (sets.Count == 0 || !File.Exists(Path.Combine(dir, "model.onnx"))) continue;
                // SqueezeNet's reference came from the fp32 weights before their fp16 round trip (SOURCES.md).
                double rtol = Path.GetFileName(dir) == "squeezenet1.0" ? 1e-2 : 1e-3;
                cases.Add(new($"models/{Path.GetFileName(dir)}", Path.Combine(dir, "model.onnx"), sets, rtol, 1e-5));
            }
        return cases;
    }

    public override string ToString() => Id;
}

/// <summary>Input and expected output files of one test_data_set_N folder.</summary>
internal sealed record DataSet(IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs, bool LightInput = false)
{
    public static IReadOnlyList<DataSet> InFolder(string caseDir) =>
        Directory.GetDirectories(caseDir, "test_data_set_*").Order(StringComparer.Ordinal)
            .Select(d => new DataSet(Numbered(d, "input_"), Numbered(d, "output_")))
            .ToList();

    private static List<string> Numbered(string dir, string prefix) =>
        Directory.GetFiles(dir, prefix + "*.pb")
            .OrderBy(f => int.Parse(Path.GetFileNameWithoutExtension(f)[prefix.Length..], System.Globalization.CultureInfo.InvariantCulture))
            .ToList();
}
