using Google.Protobuf;
using Pinhole.IR;
using Pinhole.Onnx.Export;
using Pinhole.Onnx.Import;
using Pinhole.Onnx.Proto;

namespace Pinhole.Onnx;

/// <summary>
/// Loads ONNX models (<c>.onnx</c>, a serialized ModelProto) into Pinhole's IR and writes them back.
/// Malformed input fails with <see cref="InvalidModelException"/> (or <see cref="ExternalDataSecurityException"/>),
/// input beyond what Pinhole reads with <see cref="UnsupportedModelException"/>; nothing else escapes for bad bytes.
/// </summary>
public static class OnnxModel
{
    /// <summary>Oldest IR version read (the first with explicit opset imports for every domain).</summary>
    public const long MinIrVersion = 3;

    /// <summary>Newest IR version the bundled onnx.proto defines (IR_VERSION = 13).</summary>
    public const long MaxIrVersion = 13;

    /// <summary>Newest default-domain opset in the bundled ONNX spec (docs/Changelog.md).</summary>
    public const long MaxOpsetVersion = 28;

    /// <summary>Loads a model file; external data is looked up in the file's folder.</summary>
    /// <exception cref="FileNotFoundException">No such file.</exception>
    public static Model Load(string path, OnnxLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        string full = Path.GetFullPath(path);
        using var stream = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1 << 16);
        if (stream.Length > ProtoReader.MaxMessageBytes) throw ProtoReader.TooLarge($"'{path}'", stream.Length);
        return Load(stream, Path.GetDirectoryName(full), options, $"'{path}'");
    }

    /// <summary>Loads a model from memory. With <paramref name="baseDirectory"/> null, external data is an error.</summary>
    public static Model Load(byte[] bytes, string? baseDirectory, OnnxLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        using var stream = new MemoryStream(bytes, writable: false);
        return Load(stream, baseDirectory, options, "the model bytes");
    }

    /// <inheritdoc cref="Load(byte[], string?, OnnxLoadOptions?)"/>
    public static Model Load(ReadOnlySpan<byte> bytes, string? baseDirectory, OnnxLoadOptions? options = null) =>
        Load(bytes.ToArray(), baseDirectory, options);

    /// <summary>Loads a model from the rest of <paramref name="stream"/>.</summary>
    public static Model Load(Stream stream, string? baseDirectory, OnnxLoadOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        return Load(stream, baseDirectory, options, "the model stream");
    }

    private static Model Load(Stream stream, string? baseDirectory, OnnxLoadOptions? options, string source)
    {
        using var context = new ImportContext(options ?? OnnxLoadOptions.Default, baseDirectory);
        var proto = ProtoReader.Parse(ModelProto.Parser, stream, context.ProtobufRecursionLimit, source);
        return ModelImporter.Import(proto, context);
    }

    /// <summary>The model as ONNX protobuf bytes, all tensor data inline.</summary>
    public static byte[] ToBytes(Model model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return ModelExporter.Export(model).ToByteArray();
    }

    /// <summary>Writes the model to <paramref name="path"/> through a temporary file, so a failure leaves any existing file intact.</summary>
    public static void Save(Model model, string path)
    {
        ArgumentNullException.ThrowIfNull(model);
        var proto = ModelExporter.Export(model);
        AtomicFile.Write(path, stream => proto.WriteTo(stream));
    }
}
