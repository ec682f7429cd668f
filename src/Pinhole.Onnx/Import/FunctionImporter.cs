using Pinhole.IR;
using Pinhole.Onnx.Proto;

namespace Pinhole.Onnx.Import;

/// <summary>FunctionProto to IR <see cref="Function"/>. Overload, value_info and metadata are not kept.</summary>
internal static class FunctionImporter
{
    public static Function Import(FunctionProto p, ImportContext context)
    {
        string label = $"function '{(p.Domain.Length > 0 ? p.Domain + "." : "")}{p.Name}'";
        if (p.Name.Length == 0) throw new InvalidModelException("a model-local function has no name");
        var f = new Function { Name = p.Name, Domain = p.Domain, DocString = p.HasDocString ? p.DocString : null };
        f.Inputs.AddRange(p.Input);
        f.Outputs.AddRange(p.Output);
        f.AttributeNames.AddRange(p.Attribute);
        foreach (var a in p.AttributeProto)
        {
            var attribute = AttributeImporter.Import(a, context, label);
            if (!f.AttributeDefaults.TryAdd(attribute.Name, attribute))
                throw new InvalidModelException($"{label} declares attribute '{attribute.Name}' twice");
        }
        OnnxVersions.ImportOpsets(p.OpsetImport, f.OpsetImports, label);
        foreach (var n in p.Node) f.Nodes.Add(NodeImporter.Import(n, context, label));
        return f;
    }

    /// <summary>Checks the body like a graph: each value defined once, before it is read.</summary>
    public static void Validate(Function f)
    {
        var body = new Graph { Name = $"function {f.Domain}{(f.Domain.Length > 0 ? "." : "")}{f.Name}" };
        body.Inputs.AddRange(f.Inputs.Where(i => i.Length > 0).Select(i => new ValueInfo(i)));
        body.Outputs.AddRange(f.Outputs.Where(o => o.Length > 0).Select(o => new ValueInfo(o)));
        body.Nodes.AddRange(f.Nodes);
        body.Validate();
    }
}
