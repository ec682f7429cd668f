using Pinhole.Onnx.Proto;
using Xunit;

namespace Pinhole.Onnx.Tests;

public sealed class ExternalDataTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly TempDirectory _outside = new();
    private static readonly float[] Weights = [1f, 2f, 3f];

    public void Dispose()
    {
        _dir.Dispose();
        _outside.Dispose();
    }

    /// <summary>Relu model whose initializer W lives in an external file at <paramref name="location"/>.</summary>
    private string WriteModel(string location, long? offset = null, long? length = null, string? offsetText = null)
    {
        var proto = ModelProto.Parser.ParseFrom(OnnxModel.ToBytes(TestModels.Relu()));
        var w = proto.Graph.Initializer.Single(t => t.Name == "W");
        w.ClearRawData();
        w.DataLocation = TensorProto.Types.DataLocation.External;
        w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = location });
        if (offset is not null || offsetText is not null)
            w.ExternalData.Add(new StringStringEntryProto { Key = "offset", Value = offsetText ?? offset!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        if (length is not null)
            w.ExternalData.Add(new StringStringEntryProto { Key = "length", Value = length.Value.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        string path = Path.Combine(_dir.Path, "model.onnx");
        File.WriteAllBytes(path, proto.ToByteArray());
        return path;
    }

    private static byte[] WeightBytes(int padding = 0) =>
        [.. new byte[padding], .. System.Runtime.InteropServices.MemoryMarshal.AsBytes(Weights.AsSpan()).ToArray()];

    [Fact]
    public void LoadsWeightsFromFileNextToModel()
    {
        File.WriteAllBytes(Path.Combine(_dir.Path, "weights.bin"), WeightBytes());
        var model = OnnxModel.Load(WriteModel("weights.bin"));
        Assert.Equal(Weights, model.Graph.Initializers["W"].ReadOnlySpan<float>().ToArray());
    }

    [Fact]
    public void HonoursOffsetAndLengthInSubfolder()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "data"));
        File.WriteAllBytes(Path.Combine(_dir.Path, "data", "all.bin"), [.. WeightBytes(4096), 9, 9, 9]);
        var model = OnnxModel.Load(WriteModel("data/all.bin", offset: 4096, length: 12));
        Assert.Equal(Weights, model.Graph.Initializers["W"].ReadOnlySpan<float>().ToArray());
    }

    [Fact]
    public void SymlinkInsideFolderIsAllowed()
    {
        File.WriteAllBytes(Path.Combine(_dir.Path, "real.bin"), WeightBytes());
        File.CreateSymbolicLink(Path.Combine(_dir.Path, "alias.bin"), "real.bin");
        var model = OnnxModel.Load(WriteModel("alias.bin"));
        Assert.Equal(Weights, model.Graph.Initializers["W"].ReadOnlySpan<float>().ToArray());
    }

    [Fact]
    public void BytesWithBaseDirectoryLoadExternalData()
    {
        File.WriteAllBytes(Path.Combine(_dir.Path, "weights.bin"), WeightBytes());
        byte[] bytes = File.ReadAllBytes(WriteModel("weights.bin"));
        Assert.Equal(Weights, OnnxModel.Load(bytes, _dir.Path).Graph.Initializers["W"].ReadOnlySpan<float>().ToArray());
        var e = Assert.Throws<InvalidModelException>(() => OnnxModel.Load(bytes, null));
        Assert.Contains("'W'", e.Message, StringComparison.Ordinal);
        Assert.Contains("weights.bin", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ExportInlinesExternalData()
    {
        File.WriteAllBytes(Path.Combine(_dir.Path, "weights.bin"), WeightBytes());
        var model = OnnxModel.Load(WriteModel("weights.bin"));
        var again = OnnxModel.Load(OnnxModel.ToBytes(model), null);
        Assert.Equal(Weights, again.Graph.Initializers["W"].ReadOnlySpan<float>().ToArray());
    }

    [Fact]
    public void AbsolutePathIsRefused()
    {
        string target = Path.Combine(_outside.Path, "weights.bin");
        File.WriteAllBytes(target, WeightBytes());
        AssertRefused(WriteModel(target), target);
    }

    [Theory]
    [InlineData("../weights.bin")]
    [InlineData("data/../../weights.bin")]
    [InlineData("..\\weights.bin")]
    public void DotDotIsRefused(string location)
    {
        // Refused from the location alone: no file needs to exist where it points.
        AssertRefused(WriteModel(location), location);
    }

    [Fact]
    public void SymlinkOutOfFolderIsRefused()
    {
        string target = Path.Combine(_outside.Path, "secret.bin");
        File.WriteAllBytes(target, WeightBytes());
        File.CreateSymbolicLink(Path.Combine(_dir.Path, "link.bin"), target);
        AssertRefused(WriteModel("link.bin"), "link.bin");
    }

    [Fact]
    public void SymlinkedParentFolderOutOfFolderIsRefused()
    {
        File.WriteAllBytes(Path.Combine(_outside.Path, "w.bin"), WeightBytes());
        Directory.CreateSymbolicLink(Path.Combine(_dir.Path, "sub"), _outside.Path);
        AssertRefused(WriteModel("sub/w.bin"), "sub/w.bin");
    }

    [Fact]
    public void RangeBeyondFileIsInvalid()
    {
        File.WriteAllBytes(Path.Combine(_dir.Path, "weights.bin"), WeightBytes());
        AssertInvalid(WriteModel("weights.bin", offset: 8, length: 12), "exceeds");
        AssertInvalid(WriteModel("weights.bin", offset: 1000), "beyond");
        AssertInvalid(WriteModel("weights.bin", offset: 0, length: long.MaxValue), "exceeds");
    }

    [Fact]
    public void BadOffsetsLengthsAndFilesAreInvalid()
    {
        File.WriteAllBytes(Path.Combine(_dir.Path, "weights.bin"), [.. WeightBytes(), 0]);
        AssertInvalid(WriteModel("weights.bin"), "needs 12 bytes");
        AssertInvalid(WriteModel("weights.bin", offsetText: "-4"), "not a non-negative integer");
        AssertInvalid(WriteModel("weights.bin", offsetText: "12abc"), "not a non-negative integer");
        AssertInvalid(WriteModel("missing.bin"), "does not exist");
        AssertInvalid(WriteModel(""), "no 'location'");
    }

    [Fact]
    public void TensorFileReadsExternalDataNextToIt()
    {
        File.WriteAllBytes(Path.Combine(_dir.Path, "weights.bin"), WeightBytes());
        var proto = new TensorProto { Name = "w", DataType = (int)DataType.Float, Dims = { 3 }, DataLocation = TensorProto.Types.DataLocation.External };
        proto.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
        string path = Path.Combine(_dir.Path, "input_0.pb");
        File.WriteAllBytes(path, proto.ToByteArray());
        Assert.Equal(Weights, OnnxTensorFile.Read(path).ReadOnlySpan<float>().ToArray());
        Assert.Throws<InvalidModelException>(() => OnnxTensorFile.FromProto(proto.ToByteArray()));
    }

    private static void AssertRefused(string modelPath, string location)
    {
        var e = Assert.Throws<ExternalDataSecurityException>(() => OnnxModel.Load(modelPath));
        Assert.Contains("'W'", e.Message, StringComparison.Ordinal);
        Assert.Contains(location, e.Message, StringComparison.Ordinal);
    }

    private static void AssertInvalid(string modelPath, string fragment)
    {
        var e = Assert.Throws<InvalidModelException>(() => OnnxModel.Load(modelPath));
        Assert.Contains("'W'", e.Message, StringComparison.Ordinal);
        Assert.Contains(fragment, e.Message, StringComparison.Ordinal);
    }
}
