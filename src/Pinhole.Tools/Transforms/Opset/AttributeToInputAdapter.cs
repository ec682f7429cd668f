using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Tools.Transforms.Opset;

/// <summary>
/// Ops whose integer-list attribute became an int64 input: Squeeze, Unsqueeze and ReduceSum <c>axes</c> and Split
/// <c>split</c> at 13, TopK <c>k</c> at 10 (a one-element input).
/// </summary>
internal sealed class AttributeToInputAdapter(string opType, long since, string attribute, int inputIndex, bool scalarAsVector = false) : OpsetAdapter
{
    [ModuleInitializer]
    internal static void Register()
    {
        OpsetAdapters.Register(new AttributeToInputAdapter("Squeeze", 13, "axes", 1));
        OpsetAdapters.Register(new AttributeToInputAdapter("Unsqueeze", 13, "axes", 1));
        OpsetAdapters.Register(new AttributeToInputAdapter("ReduceSum", 13, "axes", 1));
        OpsetAdapters.Register(new AttributeToInputAdapter("Split", 13, "split", 1));
        OpsetAdapters.Register(new AttributeToInputAdapter("TopK", 10, "k", 1, scalarAsVector: true));
    }

    public override string OpType => opType;
    public override long Since => since;

    public override bool Adapt(Node node, long from, AdapterContext context)
    {
        if (!node.Attributes.Remove(attribute, out var value)) return false;
        long[] values = scalarAsVector ? [value.Int] : value.Ints;
        string name = context.AddConstant((node.Name.Length > 0 ? node.Name : node.OpType) + "_" + attribute, Tensor.Vector(values));
        while (node.Inputs.Count < inputIndex) node.Inputs.Add("");
        node.Inputs.Insert(inputIndex, name);
        return true;
    }
}
