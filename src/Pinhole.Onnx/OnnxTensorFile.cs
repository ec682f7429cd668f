using Google.Protobuf;
using Pinhole.Onnx.Export;
using Pinhole.Onnx.Import;
using Pinhole.Onnx.Proto;

namespace Pinhole.Onnx;

/// <summary>
/// Reads and writes single serialized TensorProto files (<c>.pb</c>), as in ONNX test_data_set folders.
/// Sequence, optional and map values (SequenceProto and friends) are refused with <see cref="UnsupportedModelException"/>.
/// </summary>
public static class OnnxTensorFile
{
    // A tensor holds no subgraphs: a few levels for the message itself are all it can need.
    private const int RecursionLimit = 16;

    public static Tensor Read(string path) => ReadNamed(path).Tensor;

    /// <summary>The tensor and the name stored with it ("" if none). External data is read relative to the file's folder.</summary>
    public static (string Name, Tensor Tensor) ReadNamed(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        if (stream.Length > ProtoReader.MaxMessageBytes) throw ProtoReader.TooLarge($"'{path}'", stream.Length);
        var bytes = new byte[stream.Length];
        stream.ReadExactly(bytes);
        return Decode(bytes, Path.GetDirectoryName(full), $"'{path}'");
    }

    /// <summary>Decodes a serialized TensorProto; external data is an error here.</summary>
    public static Tensor FromProto(ReadOnlySpan<byte> bytes) => FromProtoNamed(bytes).Tensor;

    /// <inheritdoc cref="FromProto(ReadOnlySpan{byte})"/>
    public static (string Name, Tensor Tensor) FromProtoNamed(ReadOnlySpan<byte> bytes) =>
        Decode(bytes.ToArray(), null, "the tensor bytes");

    /// <summary>A serialized TensorProto of <paramref name="tensor"/> with raw_data (string_data for strings).</summary>
    public static byte[] ToProto(Tensor tensor, string name = "")
    {
        ArgumentNullException.ThrowIfNull(tensor);
        ArgumentNullException.ThrowIfNull(name);
        return TensorExporter.Export(tensor, name).ToByteArray();
    }

    /// <summary>Writes <paramref name="tensor"/> through a temporary file, replacing <paramref name="path"/> only on success.</summary>
    public static void Write(string path, Tensor tensor, string name = "")
    {
        var proto = TensorExporter.Export(tensor, name);
        AtomicFile.Write(path, stream => proto.WriteTo(stream));
    }

    private static (string Name, Tensor Tensor) Decode(byte[] bytes, string? baseDirectory, string source)
    {
        try
        {
            var proto = ProtoReader.Parse(TensorProto.Parser, new MemoryStream(bytes, writable: false), RecursionLimit, source);
            string what = proto.Name.Length > 0 ? $"tensor '{proto.Name}' in {source}" : $"tensor in {source}";
            using var externalData = new ExternalDataReader(baseDirectory);
            return (proto.Name, TensorImporter.Import(proto, externalData, what));
        }
        catch (PinholeException e) when (NonTensorValue.Describe(bytes) is string kind)
        {
            // The layouts overlap, so a sequence often parses as a nonsense tensor; only report that when the tensor fails.
            throw new UnsupportedModelException($"{source} holds {kind}, not a TensorProto; Pinhole reads only tensors from .pb files", e);
        }
    }
}
