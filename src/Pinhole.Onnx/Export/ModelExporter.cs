using Pinhole.IR;
using Pinhole.Onnx.Proto;

namespace Pinhole.Onnx.Export;

/// <summary><see cref="Model"/> to ModelProto.</summary>
internal static class ModelExporter
{
    public static ModelProto Export(Model m)
    {
        var p = new ModelProto { IrVersion = m.IrVersion, Graph = GraphExporter.Export(m.Graph) };
        if (m.ProducerName.Length > 0) p.ProducerName = m.ProducerName;
        if (m.ProducerVersion.Length > 0) p.ProducerVersion = m.ProducerVersion;
        if (m.Domain.Length > 0) p.Domain = m.Domain;
        if (m.ModelVersion != 0) p.ModelVersion = m.ModelVersion;
        if (m.DocString is not null) p.DocString = m.DocString;
        p.OpsetImport.AddRange(OpsetImports(m.OpsetImports));
        p.MetadataProps.AddRange(m.MetadataProps.Select(kv => new StringStringEntryProto { Key = kv.Key, Value = kv.Value }));
        p.Functions.AddRange(m.Functions.Select(Export));
        return p;
    }

    private static FunctionProto Export(Function f)
    {
        var p = new FunctionProto { Name = f.Name };
        if (f.Domain.Length > 0) p.Domain = f.Domain;
        if (f.DocString is not null) p.DocString = f.DocString;
        p.Input.AddRange(f.Inputs);
        p.Output.AddRange(f.Outputs);
        p.Attribute.AddRange(f.AttributeNames);
        p.AttributeProto.AddRange(f.AttributeDefaults.Values.Select(AttributeExporter.Export));
        p.OpsetImport.AddRange(OpsetImports(f.OpsetImports));
        p.Node.AddRange(f.Nodes.Select(GraphExporter.Export));
        return p;
    }

    private static IEnumerable<OperatorSetIdProto> OpsetImports(Dictionary<string, long> imports) =>
        imports.Select(kv => new OperatorSetIdProto { Domain = kv.Key, Version = kv.Value });
}
