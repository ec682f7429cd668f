using Pinhole.IR;

namespace Pinhole.Runtime.Tests.Control;

public class ControlFlowTests
{
    private static Graph Body(string name, string[] inputs, string[] outputs, params Node[] nodes)
    {
        var g = new Graph { Name = name };
        g.Inputs.AddRange(inputs.Select(i => new ValueInfo(i)));
        g.Outputs.AddRange(outputs.Select(o => new ValueInfo(o)));
        g.Nodes.AddRange(nodes);
        return g;
    }

    [Theory]
    [InlineData(true, 2f)]
    [InlineData(false, 3f)]
    public void IfRunsTheChosenBranchWithOuterValues(bool cond, float expected)
    {
        var thenG = Body("then", [], ["t"], new Node("Add", ["x1", "x1"], ["t"]));
        var elseG = Body("else", [], ["e"], new Node("Add", ["x1", "x2"], ["e"]));
        var model = ModelBuilder.SingleNode("If", 3, 1, 21, "",
            NodeAttribute.Of("then_branch", thenG), NodeAttribute.Of("else_branch", elseG));
        model.Graph.Nodes[0].Inputs.RemoveRange(1, 2);
        using var session = new InferenceSession(model);
        var y = session.Run([Tensor.Scalar(cond), Tensor.Vector(1f), Tensor.Vector(2f)])[0];
        Assert.Equal(expected, y.Span<float>()[0]);
    }

    [Fact]
    public void LoopCarriesStateAndStacksScanOutputs()
    {
        // body(i, c, acc) -> (c, acc + x1, acc + x1 + 0); x1 is read from the outer scope
        var body = Body("body", ["i", "c", "acc"], ["c", "next", "scan"],
            new Node("Add", ["acc", "x1"], ["next"]), new Node("Add", ["next", "zero"], ["scan"]));
        body.Initializers["zero"] = Tensor.Scalar(0f);
        var model = ModelBuilder.SingleNode("Loop", 3, 2, 21, "", NodeAttribute.Of("body", body));
        model.Graph.Nodes[0].Inputs[1] = "";
        using var session = new InferenceSession(model);
        var r = session.Run([Tensor.Scalar(3L), Tensor.Vector(2f, 20f), Tensor.Vector(1f, 10f)]);
        Assert.Equal([7f, 70f], r[0].Span<float>().ToArray());
        Assert.Equal([3, 2], r[1].Shape);
        Assert.Equal([3f, 30f, 5f, 50f, 7f, 70f], r[1].Span<float>().ToArray());
    }

    [Fact]
    public void ScanSumsAlongReversedAxis()
    {
        var body = Body("body", ["s", "x"], ["s2", "o"], new Node("Add", ["s", "x"], ["s2"]), new Node("Add", ["s2", "s2"], ["o"]));
        var y = ModelBuilder.Run("Scan", [Tensor.Vector(0f, 0f), Tensor.FromArray(new[] { 1f, 2f, 3f, 4f, 5f, 6f }, [3, 2])], 2, 21,
            NodeAttribute.Of("body", body), NodeAttribute.Of("num_scan_inputs", 1L),
            NodeAttribute.Of("scan_input_directions", new long[] { 1 }), NodeAttribute.Of("scan_output_axes", new long[] { 1 }));
        Assert.Equal([9f, 12f], y[0].Span<float>().ToArray());
        Assert.Equal([2, 3], y[1].Shape);
        Assert.Equal([10f, 16f, 18f, 12f, 20f, 24f], y[1].Span<float>().ToArray());
    }
}
