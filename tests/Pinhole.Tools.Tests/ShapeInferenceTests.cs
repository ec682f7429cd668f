using Pinhole.IR;

namespace Pinhole.Tools.Tests;

public class ShapeInferenceTests
{
    /// <summary>x [N,3] + y [3] → a; a + a → z [N,3]. Add is the one kernel every branch has.</summary>
    private static Model AddChain()
    {
        var model = new Model();
        model.OpsetImports[""] = 17;
        var g = model.Graph;
        g.Inputs.Add(new ValueInfo("x", new TensorTypeInfo(DataType.Float, [Dim.Symbol("N"), Dim.Known(3)])));
        g.Inputs.Add(new ValueInfo("y", new TensorTypeInfo(DataType.Float, [Dim.Known(3)])));
        g.Nodes.Add(new Node("Add", ["x", "y"], ["a"]));
        g.Nodes.Add(new Node("Add", ["a", "a"], ["z"]));
        g.Outputs.Add(new ValueInfo("z", new TensorTypeInfo(DataType.Float, [Dim.Symbol("N"), Dim.Unknown])));
        return model;
    }

    [Fact]
    public void Records_intermediate_shapes_in_value_infos()
    {
        var model = AddChain();
        var options = new ShapeInferenceOptions();
        options.SymbolValues["N"] = 4;
        var types = new ShapeInference(options).Infer(model);

        var a = Assert.Single(model.Graph.ValueInfos, v => v.Name == "a");
        Assert.Equal("tensor(float)[4,3]", a.Type!.ToString());
        Assert.Equal("tensor(float)[4,3]", types["a"].ToString());
        // Declared output dimensions are kept where known or symbolic, filled in where unknown.
        Assert.Equal("tensor(float)[N,3]", model.Graph.Outputs[0].Type!.ToString());
    }

    [Fact]
    public void Symbolic_dimensions_default_to_one()
    {
        var model = AddChain();
        var types = new ShapeInference().Infer(model);
        Assert.Equal("tensor(float)[1,3]", types["z"].ToString());
    }

    [Fact]
    public void Inputs_of_unknown_rank_need_a_given_shape()
    {
        var model = AddChain();
        model.Graph.Inputs[1].Type = new TensorTypeInfo(DataType.Float, null);
        Assert.Throws<InvalidInputException>(() => new ShapeInference().Infer(model));

        model = AddChain();
        model.Graph.Inputs[1].Type = new TensorTypeInfo(DataType.Float, null);
        var options = new ShapeInferenceOptions();
        options.InputShapes["y"] = [2, 1, 3];
        Assert.Equal("tensor(float)[2,1,3]", new ShapeInference(options).Infer(model)["z"].ToString());
    }

    [Fact]
    public void Inspector_notes_when_inference_fails_and_keeps_counting()
    {
        var model = new Model();
        model.OpsetImports[""] = 17;
        model.OpsetImports["pinhole.test"] = 1;
        var g = model.Graph;
        g.Inputs.Add(new ValueInfo("x", new TensorTypeInfo(DataType.Float, [Dim.Known(2), Dim.Known(3)])));
        g.Initializers["w"] = Tensor.Zeros(DataType.Float, [3, 4]);
        g.Nodes.Add(new Node("NoSuchOp", ["x"], ["x2"], "pinhole.test"));
        g.Nodes.Add(new Node("MatMul", ["x2", "w"], ["y"]));
        g.Outputs.Add(new ValueInfo("y"));

        var report = ModelInspector.Inspect(model, new InspectOptions { ShapeInference = new ShapeInference() });
        Assert.Equal(12, report.Parameters);
        Assert.Contains(report.Notes, n => n.Contains("shape inference failed", StringComparison.Ordinal));
        Assert.Null(Assert.Single(report.NodeMacs).Macs);
    }

    [Fact]
    public void Static_inference_covers_the_sample_cnn_without_running_it()
    {
        var types = new StaticShapeInference().Infer(SampleModels.TinyCnn());
        Assert.Equal("tensor(float)[1,8,28,28]", types["conv1"].ToString());
        Assert.Equal("tensor(float)[1,8,14,14]", types["pool1"].ToString());
        Assert.Equal("tensor(float)[1,16,12,12]", types["conv2"].ToString());
        Assert.Equal("tensor(float)[1,16]", types["flat"].ToString());
        Assert.Equal("tensor(float)[1,10]", types["probabilities"].ToString());

        var report = ModelInspector.Inspect(SampleModels.TinyCnn(), new InspectOptions { ShapeInference = new StaticShapeInference() });
        Assert.Equal(222_496, report.TotalMacs);
    }
}
