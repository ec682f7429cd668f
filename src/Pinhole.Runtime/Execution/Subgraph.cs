using Pinhole.IR;

namespace Pinhole.Runtime;

/// <summary>A prepared If branch or Loop/Scan body.</summary>
public sealed class Subgraph
{
    internal Subgraph(ExecutionPlan plan) => Plan = plan;

    internal ExecutionPlan Plan { get; }
    public Graph Graph => Plan.Graph;
    public int InputCount => Plan.InputSlots.Length;
    public int OutputCount => Plan.OutputSlots.Length;

    internal Tensor[] Run(Frame parent, ReadOnlySpan<Tensor?> inputs, SessionOptions options)
    {
        if (inputs.Length > Plan.InputSlots.Length)
            throw new KernelException($"subgraph '{Graph.Name}' takes {Plan.InputSlots.Length} inputs, was given {inputs.Length}");
        var frame = Plan.RentFrame(parent);
        try
        {
            for (int i = 0; i < inputs.Length; i++)
                if (inputs[i] is { } t) frame.Values[Plan.InputSlots[i]] = t;
            frame.Execute(options);
            var outputs = new Tensor[Plan.OutputSlots.Length];
            for (int i = 0; i < outputs.Length; i++)
                outputs[i] = frame.Values[Plan.OutputSlots[i]] ?? parent.Lookup(Plan.SlotNames[Plan.OutputSlots[i]])
                    ?? throw new KernelException($"subgraph '{Graph.Name}' did not produce output '{Graph.Outputs[i].Name}'");
            return outputs;
        }
        finally
        {
            Plan.ReturnFrame(frame);
        }
    }
}
