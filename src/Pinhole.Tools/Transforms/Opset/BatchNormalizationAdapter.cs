using System.Runtime.CompilerServices;
using Pinhole.IR;

namespace Pinhole.Tools.Transforms.Opset;

/// <summary>BatchNormalization dropped its <c>spatial</c> attribute at opset 9, keeping the spatial=1 meaning; spatial=0 is refused.</summary>
internal sealed class BatchNormalizationAdapter : OpsetAdapter
{
    [ModuleInitializer]
    internal static void Register() => OpsetAdapters.Register(new BatchNormalizationAdapter());

    public override string OpType => "BatchNormalization";
    public override long Since => 9;

    public override void Check(Node node, long from, Graph graph)
    {
        if (node.Attributes.TryGetValue("spatial", out var s) && s.Int == 0)
            throw new UnsupportedModelException($"node '{node.Name}' (BatchNormalization, opset {from}) uses spatial=0, which opset 9 removed");
    }

    public override bool Adapt(Node node, long from, AdapterContext context) => node.Attributes.Remove("spatial");
}
