using Pinhole.IR;
using Pinhole.Onnx.Proto;

namespace Pinhole.Onnx.Import;

/// <summary>ModelProto to <see cref="Model"/>. Training info and device configuration are not kept.</summary>
internal static class ModelImporter
{
    public static Model Import(ModelProto p, ImportContext context)
    {
        OnnxVersions.CheckIrVersion(p);
        var model = new Model
        {
            IrVersion = p.IrVersion,
            ProducerName = p.ProducerName,
            ProducerVersion = p.ProducerVersion,
            Domain = p.Domain,
            ModelVersion = p.ModelVersion,
            DocString = p.HasDocString ? p.DocString : null,
        };
        OnnxVersions.ImportOpsets(p.OpsetImport, model.OpsetImports, "model");
        foreach (var entry in p.MetadataProps)
            if (!model.MetadataProps.TryAdd(entry.Key, entry.Value))
                throw new InvalidModelException($"model metadata_props has key '{entry.Key}' twice");
        if (p.Graph is null) throw new InvalidModelException("model has no graph");
        model.Graph = GraphImporter.Import(p.Graph, context, "model");
        foreach (var f in p.Functions) model.Functions.Add(FunctionImporter.Import(f, context));

        if (context.Options.Validate)
        {
            model.Graph.Validate();
            foreach (var f in model.Functions) FunctionImporter.Validate(f);
        }
        return model;
    }
}
