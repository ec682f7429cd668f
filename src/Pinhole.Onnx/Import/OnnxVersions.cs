using Google.Protobuf.Collections;
using Pinhole.Onnx.Proto;

namespace Pinhole.Onnx.Import;

/// <summary>Checks IR and opset versions against what the bundled ONNX spec defines.</summary>
internal static class OnnxVersions
{
    /// <exception cref="InvalidModelException">ir_version missing.</exception>
    /// <exception cref="UnsupportedModelException">ir_version outside the supported range.</exception>
    public static void CheckIrVersion(ModelProto p)
    {
        if (!p.HasIrVersion || p.IrVersion == 0)
            throw new InvalidModelException("model has no ir_version (is this an ONNX model file?)");
        if (p.IrVersion < OnnxModel.MinIrVersion || p.IrVersion > OnnxModel.MaxIrVersion)
            throw new UnsupportedModelException(
                $"model has ir_version {p.IrVersion}; Pinhole reads {OnnxModel.MinIrVersion} to {OnnxModel.MaxIrVersion}");
    }

    /// <summary>Copies opset imports, checking the default domain's version is one the spec defines.</summary>
    public static void ImportOpsets(RepeatedField<OperatorSetIdProto> imports, Dictionary<string, long> into, string owner)
    {
        foreach (var o in imports)
        {
            string domain = o.Domain;
            if (IR.Node.NormalizeDomain(domain).Length == 0
                && (o.Version < 1 || o.Version > OnnxModel.MaxOpsetVersion))
                throw new UnsupportedModelException(
                    $"{owner} imports default-domain opset {o.Version}; Pinhole reads opsets 1 to {OnnxModel.MaxOpsetVersion}");
            if (o.Version < 0)
                throw new InvalidModelException($"{owner} imports opset {o.Version} of domain '{domain}'");
            if (into.TryGetValue(domain, out long existing) && existing != o.Version)
                throw new InvalidModelException($"{owner} imports domain '{domain}' twice, as opsets {existing} and {o.Version}");
            into[domain] = o.Version;
        }
    }
}
