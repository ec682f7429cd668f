using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Tools.Transforms.Opset;

/// <summary>Slice's <c>starts</c>, <c>ends</c> and <c>axes</c> attributes became inputs at opset 10.</summary>
internal sealed class SliceAdapter : OpsetAdapter
{
    [ModuleInitializer]
    internal static void Register() => OpsetAdapters.Register(new SliceAdapter());

    public override string OpType => "Slice";
    public override long Since => 10;

    public override bool Adapt(Node node, long from, AdapterContext context)
    {
        if (!node.Attributes.Remove("starts", out var starts) || !node.Attributes.Remove("ends", out var ends)) return false;
        string stem = node.Name.Length > 0 ? node.Name : "Slice";
        node.Inputs.Add(context.AddConstant(stem + "_starts", Tensor.Vector(starts.Ints)));
        node.Inputs.Add(context.AddConstant(stem + "_ends", Tensor.Vector(ends.Ints)));
        if (node.Attributes.Remove("axes", out var axes)) node.Inputs.Add(context.AddConstant(stem + "_axes", Tensor.Vector(axes.Ints)));
        return true;
    }
}
