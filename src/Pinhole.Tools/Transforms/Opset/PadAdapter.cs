using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Tools.Transforms.Opset;

/// <summary>Pad's <c>pads</c> and <c>value</c> attributes became inputs at opset 11.</summary>
internal sealed class PadAdapter : OpsetAdapter
{
    [ModuleInitializer]
    internal static void Register() => OpsetAdapters.Register(new PadAdapter());

    public override string OpType => "Pad";
    public override long Since => 11;

    public override bool Adapt(Node node, long from, AdapterContext context)
    {
        if (!node.Attributes.Remove("pads", out var pads)) return false;
        string stem = node.Name.Length > 0 ? node.Name : "Pad";
        node.Inputs.Add(context.AddConstant(stem + "_pads", Tensor.Vector(pads.Ints)));
        if (node.Attributes.Remove("value", out var value) && value.Float != 0)
        {
            var type = context.TypeOf(node.Inputs[0])?.ElementType ?? DataType.Float;
            node.Inputs.Add(context.AddConstant(stem + "_value", ClipAdapter.ScalarOf(type, value.Float)));
        }
        return true;
    }
}
