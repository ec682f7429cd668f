using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Tools.Transforms.Opset;

/// <summary>
/// Softmax, LogSoftmax and Hardmax before opset 13 coerce the input to 2-D at <c>axis</c> (default 1) and normalize over
/// everything from that axis on; from 13 they normalize over the one axis (default -1). Where the dimensions after the
/// axis are all 1 (or there are none) the explicit axis keeps the meaning; otherwise Flatten → op(axis 1) → Reshape does.
/// </summary>
internal sealed class SoftmaxAxisAdapter(string opType) : OpsetAdapter
{
    [ModuleInitializer]
    internal static void Register()
    {
        OpsetAdapters.Register(new SoftmaxAxisAdapter("Softmax"));
        OpsetAdapters.Register(new SoftmaxAxisAdapter("LogSoftmax"));
        OpsetAdapters.Register(new SoftmaxAxisAdapter("Hardmax"));
    }

    public override string OpType => opType;
    public override long Since => 13;

    public override bool Adapt(Node node, long from, AdapterContext context)
    {
        long axis = node.Attributes.TryGetValue("axis", out var a) ? a.Int : 1;
        var shape = context.TypeOf(node.Inputs[0])?.Shape;
        if (shape is not null)
        {
            int rank = shape.Length;
            long normalized = axis < 0 ? axis + rank : axis;
            if (normalized >= 0 && normalized < rank && shape.Skip((int)normalized + 1).All(d => d.Value == 1))
            {
                node.Attributes["axis"] = NodeAttribute.Of("axis", normalized);
                return true;
            }
        }
        // The general case: normalize the 2-D coercion explicitly, then restore the input's shape.
        string input = node.Inputs[0], output = node.Outputs[0];
        string flat = context.UniqueName(output + "_flat");
        string normalizedFlat = context.UniqueName(output + "_2d");
        string inputShape = context.UniqueName(output + "_shape");
        context.InsertBefore(node, new Node("Flatten", [input], [flat], "", context.UniqueName(node.Name + "_flatten"))
            .WithAttribute(NodeAttribute.Of("axis", axis)));
        context.InsertBefore(node, new Node("Shape", [input], [inputShape], "", context.UniqueName(node.Name + "_shape")));
        node.Inputs[0] = flat;
        node.Outputs[0] = normalizedFlat;
        node.Attributes["axis"] = NodeAttribute.Of("axis", 1L);
        context.InsertAfter(node, new Node("Reshape", [normalizedFlat, inputShape], [output], "", context.UniqueName(node.Name + "_reshape")));
        return true;
    }
}
