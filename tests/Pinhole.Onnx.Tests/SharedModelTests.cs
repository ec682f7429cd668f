using Xunit;

namespace Pinhole.Onnx.Tests;

/// <summary>Every ONNX model in ../shared loads, validates and survives ToBytes/Load unchanged.</summary>
public class SharedModelTests
{
    /// <summary>models/*/model*.onnx, backend-test-data/*/*/model.onnx and backend-test-data/light/*.onnx, relative to ../shared.</summary>
    public static TheoryData<string> Models()
    {
        var data = new TheoryData<string>();
        if (!(Repository.Shared is not null)) return data;
        var files = Directory.GetFiles(Repository.SharedPath("models"), "model*.onnx", SearchOption.AllDirectories)
            .Where(f => Path.GetFileName(Path.GetDirectoryName(Path.GetDirectoryName(f))) == "models")
            .Concat(Directory.GetDirectories(Repository.SharedPath("onnx", "backend-test-data"))
                .SelectMany(d => Directory.GetDirectories(d))
                .Select(d => Path.Combine(d, "model.onnx"))
                .Where(File.Exists))
            .Concat(Directory.GetFiles(Repository.SharedPath("onnx", "backend-test-data", "light"), "*.onnx"));
        foreach (string f in files.Order(StringComparer.Ordinal)) data.Add(Path.GetRelativePath(Repository.Shared!, f));
        return data;
    }

    [SharedDataTheory]
    [MemberData(nameof(Models))]
    public void LoadsAndRoundTrips(string relativePath)
    {
        var model = OnnxModel.Load(Repository.SharedPath(relativePath));
        var again = OnnxModel.Load(OnnxModel.ToBytes(model), null);
        ModelComparer.AssertEqual(model, again);
    }

    [SharedDataFact]
    public void FindsTheExpectedCorpus()
    {
        // Guards against a glob silently matching nothing.
        Assert.True(Models().Count > 1500, $"only {Models().Count} models found under {Repository.Shared}");
    }
}
