using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Tools.Transforms.Opset;

/// <summary>Clip's <c>min</c> and <c>max</c> attributes became optional inputs at opset 11 (scalars of the input's type).</summary>
internal sealed class ClipAdapter : OpsetAdapter
{
    [ModuleInitializer]
    internal static void Register() => OpsetAdapters.Register(new ClipAdapter());

    public override string OpType => "Clip";
    public override long Since => 11;

    public override bool Adapt(Node node, long from, AdapterContext context)
    {
        bool hasMin = node.Attributes.Remove("min", out var min), hasMax = node.Attributes.Remove("max", out var max);
        if (!hasMin && !hasMax) return false;
        var type = context.TypeOf(node.Inputs[0])?.ElementType ?? DataType.Float;
        string stem = node.Name.Length > 0 ? node.Name : "Clip";
        node.Inputs.Add(hasMin ? context.AddConstant(stem + "_min", ScalarOf(type, min!.Float)) : "");
        if (hasMax) node.Inputs.Add(context.AddConstant(stem + "_max", ScalarOf(type, max!.Float)));
        return true;
    }

    internal static Tensor ScalarOf(DataType type, float value) => type switch
    {
        DataType.Double => Tensor.Scalar((double)value),
        DataType.Float16 => Tensor.Scalar((Half)value),
        _ => Tensor.Scalar(value),
    };
}
