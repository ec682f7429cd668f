using Pinhole.IR;
using Pinhole.Onnx.Proto;

namespace Pinhole.Onnx.Import;

/// <summary>NodeProto to <see cref="Node"/>. Overload, metadata and device configuration are not kept.</summary>
internal static class NodeImporter
{
    public static Node Import(NodeProto p, ImportContext context, string graphLabel)
    {
        var node = new Node(p.OpType, p.Input, p.Output, p.Domain, p.Name) { DocString = p.HasDocString ? p.DocString : null };
        if (p.OpType.Length == 0)
        {
            string label = p.Name.Length > 0 ? p.Name : p.Output.FirstOrDefault(o => o.Length > 0) ?? "?";
            throw new InvalidModelException($"{graphLabel}: node '{label}' has an empty op_type");
        }
        string owner = node.Describe();
        foreach (var a in p.Attribute)
        {
            var attribute = AttributeImporter.Import(a, context, owner);
            if (!node.Attributes.TryAdd(attribute.Name, attribute))
                throw new InvalidModelException($"{graphLabel}: {owner} has attribute '{attribute.Name}' twice");
        }
        return node;
    }
}
