using Pinhole.IR;
using Pinhole.Onnx;
using Pinhole.Runtime;
using Pinhole.Testing;
using Pinhole.Tools.Transforms.Opset;

namespace Pinhole.Tools.Tests.Transforms;

public sealed class OpsetUpgradeTests
{
    /// <summary>x [2,3,4] → one node → y, at <paramref name="opset"/>, with constant inputs as initializers.</summary>
    private static Model OneNode(string op, long opset, int[] shape, NodeAttribute[] attributes, params (string Name, Tensor Value)[] constants)
    {
        var model = new Model();
        model.OpsetImports[""] = opset;
        model.IrVersion = 3;
        var g = model.Graph;
        g.Inputs.Add(new ValueInfo("x", new TensorTypeInfo(DataType.Float, shape.Select(d => Dim.Known(d)).ToArray())));
        var node = new Node(op, ["x", .. constants.Select(c => c.Name)], ["y"], "", "n");
        foreach (var a in attributes) node.Attributes[a.Name] = a;
        foreach (var (name, value) in constants) g.Initializers[name] = value;
        g.Nodes.Add(node);
        g.Outputs.Add(new ValueInfo("y"));
        return model;
    }

    private static Tensor Input(int[] shape)
    {
        var data = new float[Tensor.ElementCount(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = MathF.Sin(i * 0.7f) * 3;
        return Tensor.FromArray(data, shape);
    }

    /// <summary>Upgrades a copy to 13 and checks both run to the same result; returns the upgraded model.</summary>
    private static Model AssertSameResult(Model model, int[] shape)
    {
        var x = Input(shape);
        using var before = new InferenceSession(model.Clone());
        var expected = before.Run(x)[0];
        var upgraded = model.Clone();
        OpsetUpgrade.Apply(upgraded, 13);
        Assert.Equal(13, upgraded.OpsetFor(""));
        Assert.True(upgraded.IrVersion >= 7);
        // Through bytes, so the saved form is what is checked.
        using var after = new InferenceSession(OnnxModel.Load(OnnxModel.ToBytes(upgraded), null));
        var actual = after.Run(x)[0];
        Assert.Equal(expected.Shape, actual.Shape);
        Assert.Equal(expected.ReadOnlySpan<float>().ToArray(), actual.ReadOnlySpan<float>().ToArray());
        return upgraded;
    }

    [Fact]
    public void Softmax_over_trailing_axes_keeps_its_meaning_through_flatten_and_reshape()
    {
        var upgraded = AssertSameResult(OneNode("Softmax", 11, [2, 3, 4], [NodeAttribute.Of("axis", 1L)]), [2, 3, 4]);
        Assert.Equal(["Flatten", "Shape", "Softmax", "Reshape"], upgraded.Graph.Nodes.Select(n => n.OpType));
    }

    [Fact]
    public void Softmax_with_unit_trailing_dimensions_only_gets_an_explicit_axis()
    {
        var upgraded = AssertSameResult(OneNode("LogSoftmax", 7, [2, 5, 1, 1], []), [2, 5, 1, 1]);
        var node = Assert.Single(upgraded.Graph.Nodes);
        Assert.Equal(1, node.Attributes["axis"].Int);
    }

    [Fact]
    public void Attributes_that_became_inputs_move()
    {
        AssertSameResult(OneNode("Clip", 7, [2, 3, 4], [NodeAttribute.Of("min", -1f), NodeAttribute.Of("max", 2f)]), [2, 3, 4]);
        AssertSameResult(OneNode("Unsqueeze", 11, [2, 3, 4], [NodeAttribute.Of("axes", new long[] { 0, 3 })]), [2, 3, 4]);
        AssertSameResult(OneNode("Squeeze", 11, [2, 1, 4], [NodeAttribute.Of("axes", new long[] { 1 })]), [2, 1, 4]);
        AssertSameResult(OneNode("ReduceSum", 11, [2, 3, 4], [NodeAttribute.Of("axes", new long[] { 1 }), NodeAttribute.Of("keepdims", 0L)]), [2, 3, 4]);
        AssertSameResult(OneNode("Pad", 7, [2, 3, 4], [NodeAttribute.Of("pads", new long[] { 0, 1, 2, 0, 0, 1 }), NodeAttribute.Of("value", 1.5f)]), [2, 3, 4]);
        AssertSameResult(OneNode("Slice", 7, [2, 3, 4], [NodeAttribute.Of("starts", new long[] { 1, 0 }), NodeAttribute.Of("ends", new long[] { 3, 3 }),
            NodeAttribute.Of("axes", new long[] { 1, 2 })]), [2, 3, 4]);
        var clip = AssertSameResult(OneNode("Clip", 7, [2, 3, 4], [NodeAttribute.Of("max", 0.5f)]), [2, 3, 4]);
        Assert.Equal(["x", "", "n_max"], clip.Graph.Nodes[0].Inputs);
    }

    [Fact]
    public void Split_sizes_become_an_input()
    {
        var model = OneNode("Split", 11, [2, 6], [NodeAttribute.Of("axis", 1L), NodeAttribute.Of("split", new long[] { 2, 4 })]);
        model.Graph.Nodes[0].Outputs.Add("z");
        model.Graph.Outputs.Add(new ValueInfo("z"));
        var upgraded = AssertSameResult(model, [2, 6]);
        Assert.Equal(2, upgraded.Graph.Nodes[0].Inputs.Count);
    }

    [Fact]
    public void Ops_whose_old_meaning_cannot_be_kept_are_refused_before_anything_changes()
    {
        var model = OneNode("Upsample", 9, [1, 1, 2, 2], [NodeAttribute.Of("mode", "nearest")], ("scales", Tensor.Vector(1f, 1f, 2f, 2f)));
        model.Graph.Nodes.Insert(0, new Node("Clip", ["x"], ["c"], "", "clip").WithAttribute(NodeAttribute.Of("min", 0f)));
        model.Graph.Nodes[1].Inputs[0] = "c";
        var e = Assert.Throws<UnsupportedModelException>(() => OpsetUpgrade.Apply(model, 13));
        Assert.Contains("'n' (Upsample, opset 9)", e.Message);
        Assert.Equal(9, model.OpsetFor(""));
        Assert.True(model.Graph.Nodes[0].Attributes.ContainsKey("min"));
    }

    [Fact]
    public void Models_older_than_opset_7_and_already_new_models_are_handled()
    {
        Assert.Throws<UnsupportedModelException>(() => OpsetUpgrade.Apply(OneNode("Relu", 6, [2], []), 13));
        var model = OneNode("Relu", 14, [2], []);
        var result = OpsetUpgrade.Apply(model, 13);
        Assert.Equal(14, result.To);
        Assert.Empty(result.Adapted);
    }

    [SharedDataFact]
    public void SqueezeNet_at_opset_7_upgrades_to_13_and_gives_the_same_outputs()
    {
        var model = OnnxModel.Load(Repository.Model("squeezenet1.0", "model.onnx"));
        var input = OnnxTensorFile.Read(Repository.Model("squeezenet1.0", "test_data_set_0", "input_0.pb"));
        using var before = new InferenceSession(model.Clone());
        var expected = before.Run(input)[0].ReadOnlySpan<float>().ToArray();
        var result = OpsetUpgrade.Apply(model, 13);
        Assert.Equal(7, result.From);
        using var after = new InferenceSession(OnnxModel.Load(OnnxModel.ToBytes(model), null));
        Assert.Equal(expected, after.Run(input)[0].ReadOnlySpan<float>().ToArray());
    }
}
