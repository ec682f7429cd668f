using Pinhole.IR;

namespace Pinhole.Runtime.Tests.Session;

/// <summary>A weight that a kernel packed at prepare is not kept twice: the session passes a shape-only tensor instead.</summary>
public class ConstantReleaseTests
{
    private static Model ConvModel(bool alsoReadW)
    {
        var model = new Model();
        model.OpsetImports[""] = 21;
        model.Graph.Inputs.Add(new ValueInfo("x"));
        model.Graph.Outputs.Add(new ValueInfo("y"));
        model.Graph.Nodes.Add(new Node("Conv", ["x", "w"], ["y"], "", "conv"));
        if (alsoReadW)
        {
            model.Graph.Outputs.Add(new ValueInfo("wsum"));
            model.Graph.Nodes.Add(new Node("ReduceSum", ["w"], ["wsum"], "", "sum"));
        }
        var w = new float[4 * 3 * 3 * 3];
        for (int i = 0; i < w.Length; i++) w[i] = (i % 7) - 3;
        model.Graph.Initializers["w"] = Tensor.FromArray(w, [4, 3, 3, 3]);
        return model;
    }

    private static Tensor Input()
    {
        var x = new float[1 * 3 * 6 * 6];
        for (int i = 0; i < x.Length; i++) x[i] = (i % 5) * 0.5f;
        return Tensor.FromArray(x, [1, 3, 6, 6]);
    }

    [Theory]
    [InlineData(OptimizationLevel.None)]
    [InlineData(OptimizationLevel.All)]
    public void PackedWeightIsPassedShapeOnlyAndResultsDoNotChange(OptimizationLevel level)
    {
        var model = ConvModel(alsoReadW: false);
        var original = model.Graph.Initializers["w"];
        bool? convSawData = null;
        var options = new SessionOptions
        {
            OptimizationLevel = level,
            NodeExecuted = e => { if (e.Node.OpType == "Conv") convSawData = e.Inputs[1]!.HasData; },
        };
        using var session = new InferenceSession(model, options);
        var y1 = session.Run(Input())[0].Span<float>().ToArray();
        var y2 = session.Run(Input())[0].Span<float>().ToArray();
        Assert.False(convSawData);
        Assert.Equal(y1, y2);
        // The caller's model keeps its weight.
        Assert.Same(original, model.Graph.Initializers["w"]);
        Assert.True(original.HasData);
        using var reference = new InferenceSession(ConvModel(alsoReadW: true), new SessionOptions { OptimizationLevel = OptimizationLevel.None });
        Assert.Equal(reference.Run(Input())[0].Span<float>().ToArray(), y1);
    }

    [Fact]
    public void WeightReadByAnotherNodeKeepsItsData()
    {
        bool? convSawData = null;
        // Unoptimized, so ReduceSum is not folded away and still reads W at run time.
        var options = new SessionOptions
        {
            OptimizationLevel = OptimizationLevel.None,
            NodeExecuted = e => { if (e.Node.OpType == "Conv") convSawData = e.Inputs[1]!.HasData; },
        };
        using var session = new InferenceSession(ConvModel(alsoReadW: true), options);
        var r = session.Run(Input());
        Assert.True(convSawData);
        Assert.Equal(Enumerable.Range(0, 108).Sum(i => (i % 7) - 3), r[1].GetDouble(0));
    }

    [Fact]
    public void Ir3InitializersListedAsInputsAreConstants()
    {
        var model = ConvModel(alsoReadW: false);
        model.IrVersion = 3;
        model.Graph.Inputs.Add(new ValueInfo("w"));
        bool? convSawData = null;
        var options = new SessionOptions { NodeExecuted = e => { if (e.Node.OpType == "Conv") convSawData = e.Inputs[1]!.HasData; } };
        using var session = new InferenceSession(model, options);
        Assert.Equal(["x"], session.Inputs.Select(i => i.Name));
        var y = session.Run(Input())[0].Span<float>().ToArray();
        Assert.False(convSawData); // packed at prepare: W was a constant
        using var reference = new InferenceSession(ConvModel(alsoReadW: false), new SessionOptions { OptimizationLevel = OptimizationLevel.None });
        Assert.Equal(reference.Run(Input())[0].Span<float>().ToArray(), y);
        Assert.Throws<InvalidInputException>(() => session.Run(new Dictionary<string, Tensor> { ["x"] = Input(), ["w"] = Tensor.Zeros<float>([4, 3, 3, 3]) }));
    }

    [Fact]
    public void OverridableWeightsArePreparedButAFedWeightWins()
    {
        var model = ConvModel(alsoReadW: false);
        model.IrVersion = 8;
        model.Graph.Inputs.Add(new ValueInfo("w"));
        string? variant = null;
        using var session = new InferenceSession(model, new SessionOptions { NodeExecuted = e => { if (e.Node.OpType == "Conv") variant = e.Variant; } });
        using var reference = new InferenceSession(ConvModel(alsoReadW: false), new SessionOptions { OptimizationLevel = OptimizationLevel.None });
        // The default weight is packed at prepare ...
        Assert.Equal(reference.Run(Input())[0].Span<float>().ToArray(), session.Run(Input())[0].Span<float>().ToArray());
        Assert.DoesNotContain("runtime W", variant);
        // ... and a weight fed by the caller replaces it.
        var other = Tensor.FromArray(Enumerable.Range(0, 108).Select(i => (float)((i % 5) - 2)).ToArray(), [4, 3, 3, 3]);
        var fed = session.Run(new Dictionary<string, Tensor> { ["x"] = Input(), ["w"] = other })[session.Outputs[0].Name].Span<float>().ToArray();
        var expectedModel = ConvModel(alsoReadW: false);
        expectedModel.Graph.Initializers["w"] = other;
        using var expected = new InferenceSession(expectedModel, new SessionOptions { OptimizationLevel = OptimizationLevel.None });
        Assert.Equal(expected.Run(Input())[0].Span<float>().ToArray(), fed);
        Assert.Equal(reference.Run(Input())[0].Span<float>().ToArray(), session.Run(Input())[0].Span<float>().ToArray());
    }

    [Fact]
    public void ShapeOnlyTensorsRefuseElementAccess()
    {
        var t = Tensor.ShapeOnly(DataType.Float, [2, 3]);
        Assert.False(t.HasData);
        Assert.Equal(6, t.Length);
        Assert.Equal([2, 3], t.Shape);
        Assert.Throws<InvalidOperationException>(() => t.Span<float>());
        Assert.Throws<InvalidOperationException>(() => t.Bytes());
        Assert.True(Tensor.Zeros<float>([2, 3]).HasData);
    }
}
