using Pinhole.IR;
using Pinhole.Runtime.Optimization;

namespace Pinhole.Runtime.Tests.Optimization;

/// <summary>The semantics-preserving ONNX-domain rules of OptimizationLevel.Basic: each rewrites its pattern, leaves near-misses, and keeps results.</summary>
public class BasicRuleTests
{
    private const float Tolerance = 1e-4f;

    internal static float[] Floats(int count, int seed, float range = 1f)
    {
        var rng = new Random(seed);
        var r = new float[count];
        for (int i = 0; i < r.Length; i++) r[i] = (float)((rng.NextDouble() * 2) - 1) * range;
        return r;
    }

    internal static string Weight(QdqTestModel m, int seed, params int[] shape) =>
        m.Constant(Tensor.FromArray(Floats(Tensor.ElementCount(shape), seed), shape));

    private static NodeAttribute Ints(string name, params long[] v) => NodeAttribute.Of(name, v);

    [Fact]
    public void ConstantSubexpressionsFoldIntoInitializers()
    {
        var m = new QdqTestModel();
        var x = m.Input("x", 2, 3);
        var c = m.Op("Add", [m.Constant(Tensor.Vector(1f, 2f, 3f)), m.Constant(Tensor.Vector(0.5f, 0.5f, 0.5f))]);
        var d = m.Op("Neg", [m.Op("Identity", [c])]);
        m.Output(m.Op("Mul", [x, d]));
        Assert.Equal(["Mul"], m.OptimizedOps());
        var folded = m.Optimized().Graph;
        Assert.Equal([-1.5f, -2.5f, -3.5f], folded.Initializers[folded.Nodes[0].Inputs[1]].ReadOnlySpan<float>().ToArray());
        Assert.Single(folded.Initializers); // the inputs of the folded nodes are gone
        Assert.InRange(m.MaxDifference(2f), 0f, 0f);
    }

    [Fact]
    public void RandomOpsOverridableInitializersAndHugeResultsAreNotFolded()
    {
        var m = new QdqTestModel();
        var x = m.Input("x", 2);
        var r = m.Op("RandomUniform", [], "", Ints("shape", 2));
        var big = m.Op("ConstantOfShape", [m.Constant(Tensor.Vector(5000L, 1000L))]); // 20 MB of float zeros
        var over = m.Constant(Tensor.Vector(1f, 2f));
        m.Model.Graph.Inputs.Add(new ValueInfo(over, new TensorTypeInfo(DataType.Float, [Dim.Known(2)])));
        m.Output(m.Op("Add", [x, r]));
        m.Output(m.Op("Neg", [over]));
        m.Output(m.Op("ReduceSum", [big]));
        Assert.Equal(["RandomUniform", "ConstantOfShape", "Add", "Neg", "ReduceSum"], m.OptimizedOps());
    }

    [Fact]
    public void ConstantOfShapeFoldsWithItsValueAndType()
    {
        var m = new QdqTestModel();
        var x = m.Input("x", 2, 3);
        var ones = m.Op("ConstantOfShape", [m.Constant(Tensor.Vector(2L, 3L))], "", NodeAttribute.Of("value", Tensor.FromArray(new[] { 1.5f }, [1])));
        var zeros = m.Op("ConstantOfShape", [m.Constant(Tensor.Vector(3L))]);
        var counts = m.Op("ConstantOfShape", [m.Constant(Tensor.Vector(2L))], "", NodeAttribute.Of("value", Tensor.FromArray(new[] { 7L }, [1])));
        var empty = m.Op("ConstantOfShape", [m.Constant(Tensor.Vector(0L, 4L))]);
        m.Output(m.Op("Add", [x, ones]));
        m.Output(m.Op("Add", [x, zeros]));
        m.Output(counts);
        m.Output(empty);
        var g = m.Optimized().Graph;
        Assert.Equal(["Add", "Add"], g.Nodes.Select(n => n.OpType));
        Assert.Equal(Enumerable.Repeat(1.5f, 6), g.Initializers[g.Nodes[0].Inputs[1]].ReadOnlySpan<float>().ToArray());
        Assert.Equal([2, 3], g.Initializers[g.Nodes[0].Inputs[1]].Shape);
        Assert.Equal(new float[3], g.Initializers[g.Nodes[1].Inputs[1]].ReadOnlySpan<float>().ToArray());
        Assert.Equal([7L, 7L], g.Initializers[counts].ToInt64Array());
        Assert.Equal([0, 4], g.Initializers[empty].Shape);
        Assert.InRange(m.MaxDifference(1f), 0f, 0f);
    }

    [Fact]
    public void ShapeSubgraphsFoldWhereTheDimensionsAreKnown()
    {
        var m = new QdqTestModel();
        var x = m.SymbolicInput("x", -1, 3, 4);
        var shape = m.Op("Shape", [x]);
        var cast = m.Op("Cast", [shape], "", NodeAttribute.Of("to", (long)DataType.Int32));
        var last = m.Op("Gather", [cast, m.Constant(Tensor.Vector(1, 2))]);
        var prod = m.Op("ReduceProd", [last], "", NodeAttribute.Of("keepdims", 1L));
        var target = m.Op("Cast", [m.Op("Concat", [m.Constant(Tensor.Vector(-1)), prod], "", NodeAttribute.Of("axis", 0L))], "",
            NodeAttribute.Of("to", (long)DataType.Int64));
        var batch = m.Op("Gather", [shape, m.Constant(Tensor.Scalar(0L))]); // symbolic: stays
        m.Output(m.Op("Reshape", [x, target]));
        m.Output(batch);
        Assert.Equal(["Shape", "Gather", "Reshape"], m.OptimizedOps());
        var g = m.Optimized().Graph;
        Assert.Equal([-1L, 12L], g.Initializers[g.Nodes[2].Inputs[1]].ToInt64Array());
        Assert.InRange(m.MaxDifference(1f), 0f, 0f);
    }

    [Fact]
    public void StaticShapesFollowConvPoolingAndReshape()
    {
        var m = new QdqTestModel();
        var x = m.Input("x", 1, 3, 9, 9);
        var conv = m.Op("Conv", [x, Weight(m, 1, 4, 3, 3, 3)], "", Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1));
        var pool = m.Op("MaxPool", [conv], "", Ints("kernel_shape", 2, 2), Ints("strides", 2, 2));
        var flat = m.Op("Flatten", [pool]);
        m.Output(m.Op("Shape", [flat]));
        var r = new GraphRewriter(m.Model, m.Model.Graph);
        Assert.Equal([1L, 4, 5, 5], r.Shapes.Known(conv)!);
        Assert.Equal([1L, 4, 2, 2], r.Shapes.Known(pool)!);
        Assert.Equal([1L, 16], r.Shapes.Known(flat)!);
        // The output is the shape, now a constant: nothing is left to run.
        var optimized = m.Optimized().Graph;
        Assert.Empty(optimized.Nodes);
        Assert.Equal([1L, 16], optimized.Initializers[optimized.Outputs[0].Name].ToInt64Array());
    }

    [Fact]
    public void StaticShapesFollowQuantizedOperators()
    {
        // As in mobilenetv2-12-int8: a feature map is dequantized only for a Shape that a Reshape reads. Once the shape is
        // known through QLinearConv, QLinearAdd and QLinearGlobalAveragePool, it folds, and the DequantizeLinear goes.
        var m = new QdqTestModel();
        var x = m.Input("x", 1, 3, 9, 9);
        var q = m.Q(x, 0.05f, 128);
        string s = m.Constant(Tensor.Scalar(0.05f)), z = m.Constant(Tensor.FromArray(new byte[] { 128 }, []));
        var w = m.Constant(Tensor.FromArray(new byte[4 * 3 * 3 * 3], [4, 3, 3, 3]));
        var conv = m.Op("QLinearConv", [q, s, z, w, s, z, s, z], "", Ints("strides", 2, 2), Ints("pads", 1, 1, 1, 1));
        var sum = m.Op("QLinearAdd", [conv, s, z, conv, s, z, s, z], "com.microsoft");
        var pool = m.Op("QLinearGlobalAveragePool", [sum, s, z, s, z], "com.microsoft");
        var matmul = m.Op("QLinearMatMul", [m.Op("Reshape", [pool, m.Constant(Tensor.Vector(1L, 4L))]), s, z,
            m.Constant(Tensor.FromArray(new byte[4 * 6], [4, 6])), s, z, s, z]);
        var shape = m.Op("Shape", [m.DQ(sum, 0.05f, 128)]);
        m.Output(m.Op("Reshape", [m.DQ(pool, 0.05f, 128), m.Op("Gather", [shape, m.Constant(Tensor.Vector(0L, 1L))])]));
        m.Output(m.DQ(matmul, 0.05f, 128));
        var r = new GraphRewriter(m.Model, m.Model.Graph);
        Assert.Equal([1L, 4, 5, 5], r.Shapes.Known(conv)!);
        Assert.Equal([1L, 4, 5, 5], r.Shapes.Known(sum)!);
        Assert.Equal([1L, 4, 1, 1], r.Shapes.Known(pool)!);
        Assert.Equal([1L, 6], r.Shapes.Known(matmul)!);
        var ops = m.OptimizedOps();
        Assert.DoesNotContain("Shape", ops);
        Assert.Equal(2, ops.Count(op => op == "DequantizeLinear")); // the pooled output and the product; not the sum's
    }

    [Fact]
    public void ShapeReadsThroughShapePreservingOps()
    {
        // The batch is symbolic, so the shape cannot fold; it is read through the Clip, the dequantization and the
        // quantization, which had no other reader and go. Transpose is not passed through (it moves dimensions).
        var m = new QdqTestModel();
        var x = m.SymbolicInput("x", -1, 4, 3);
        var q = m.Q(x, 0.1f, 128);
        var shape = m.Op("Shape", [m.Op("Clip", [m.DQ(q, 0.1f, 128)])]);
        var transposed = m.Op("Shape", [m.Op("Transpose", [x], "", Ints("perm", 0, 2, 1))]);
        m.Output(m.Op("Reshape", [x, m.Op("Concat", [m.Op("Gather", [shape, m.Constant(Tensor.Vector(0L))]), m.Constant(Tensor.Vector(12L))], "",
            NodeAttribute.Of("axis", 0L))]));
        m.Output(transposed);
        var g = m.Optimized().Graph;
        Assert.Equal(["Concat", "Gather", "Reshape", "Shape", "Shape", "Transpose"], g.Nodes.Select(n => n.OpType).Order());
        Assert.Contains(g.Nodes, n => n.OpType == "Shape" && n.Inputs[0] == x);
        Assert.Contains(g.Nodes, n => n.OpType == "Shape" && n.Inputs[0] != x); // after the Transpose
        Assert.InRange(m.MaxDifference(1f), 0f, 0f);
    }

    [Fact]
    public void DeadNodesGoButGraphOutputsStay()
    {
        var m = new QdqTestModel();
        var x = m.Input("x", 4);
        m.Op("Relu", [m.Op("Exp", [x])]); // read by nobody
        var kept = m.Op("Neg", [x]);
        m.Output(kept);
        Assert.Equal(["Neg"], m.OptimizedOps());
    }

    [Fact]
    public void DropoutWithoutReadMaskIsRemoved()
    {
        var m = new QdqTestModel();
        var x = m.Input("x", 4);
        m.Output(m.Op("Neg", [m.Op("Dropout", [x, m.Constant(Tensor.Scalar(0.5f))])]));
        Assert.Equal(["Neg"], m.OptimizedOps());
        Assert.InRange(m.MaxDifference(1f), 0f, 0f);

        var masked = new QdqTestModel();
        var y = masked.Input("y", 4);
        var node = new Node("Dropout", [y], ["d", "mask"]);
        masked.Model.Graph.Nodes.Add(node);
        masked.Output(masked.Op("Neg", ["d"]));
        masked.Output("mask");
        Assert.Equal(["Dropout", "Neg"], masked.OptimizedOps());
    }

    [Fact]
    public void ReshapeToTheSameShapeAndReshapeChainsCollapse()
    {
        var m = new QdqTestModel();
        var x = m.Input("x", 2, 6);
        var same = m.Op("Reshape", [x, m.Constant(Tensor.Vector(2L, -1L))]);
        var a = m.Op("Reshape", [m.Op("Relu", [same]), m.Constant(Tensor.Vector(3L, 4L))]);
        m.Output(m.Op("Reshape", [a, m.Constant(Tensor.Vector(4L, 3L))]));
        Assert.Equal(["Relu", "Reshape"], m.OptimizedOps());
        Assert.InRange(m.MaxDifference(1f), 0f, 0f);

        // The outer Reshape copies a dimension of its input (0): the chain stays.
        var z = new QdqTestModel();
        var y = z.Input("y", 2, 6);
        var b = z.Op("Reshape", [y, z.Constant(Tensor.Vector(3L, 4L))]);
        z.Output(z.Op("Reshape", [b, z.Constant(Tensor.Vector(0L, 2L, 2L))]));
        Assert.Equal(["Reshape", "Reshape"], z.OptimizedOps());
    }

    private static QdqTestModel ConvThen(Func<QdqTestModel, string, string> after, bool constantWeight = true, bool secondReader = false)
    {
        var m = new QdqTestModel();
        var x = m.Input("x", 1, 3, 6, 6);
        string w = constantWeight ? Weight(m, 3, 4, 3, 3, 3) : m.Input("w", 4, 3, 3, 3);
        var conv = m.Op("Conv", [x, w, Weight(m, 4, 4)], "", Ints("pads", 1, 1, 1, 1));
        m.Output(after(m, conv));
        if (secondReader) m.Output(m.Op("Neg", [conv]));
        return m;
    }

    private static string BatchNorm(QdqTestModel m, string x)
    {
        var scale = m.Constant(Tensor.FromArray(Floats(4, 5, 2f), [4]));
        var bias = Weight(m, 6, 4);
        var mean = Weight(m, 7, 4);
        var variance = m.Constant(Tensor.Vector(0.5f, 1f, 2f, 0.1f));
        return m.Op("BatchNormalization", [x, scale, bias, mean, variance], "", NodeAttribute.Of("epsilon", 1e-3f));
    }

    [Fact]
    public void BatchNormalizationFoldsIntoConv()
    {
        var m = ConvThen(BatchNorm);
        Assert.Equal(["Conv"], m.OptimizedOps());
        Assert.InRange(m.MaxDifference(2f), 0f, Tolerance);
        Assert.Equal(["Conv", "BatchNormalization", "Neg"], ConvThen(BatchNorm, secondReader: true).OptimizedOps());
        Assert.Equal(["Conv", "BatchNormalization"], ConvThen(BatchNorm, constantWeight: false).OptimizedOps());
    }

    [Fact]
    public void BatchNormalizationFoldingLeavesTheCallersWeightsAlone()
    {
        var m = ConvThen(BatchNorm);
        var weight = m.Model.Graph.Nodes[0].Inputs[1];
        var before = m.Model.Graph.Initializers[weight].ReadOnlySpan<float>().ToArray();
        Assert.Equal(["Conv"], m.OptimizedOps());
        Assert.Equal(before, m.Model.Graph.Initializers[weight].ReadOnlySpan<float>().ToArray());
    }

    [Fact]
    public void BatchNormalizationFoldsIntoAWeightThatWasItselfFolded()
    {
        // The weight is computed (Neg of a constant): the optimizer owns that tensor and scales it where it is.
        var m = ConvThen((m, c) => BatchNorm(m, c));
        var conv = m.Model.Graph.Nodes[0];
        var source = conv.Inputs[1];
        conv.Inputs[1] = "negated_w";
        m.Model.Graph.Nodes.Insert(0, new Node("Neg", [source], ["negated_w"], "", "neg_w"));
        var before = m.Model.Graph.Initializers[source].ReadOnlySpan<float>().ToArray();
        var optimized = m.Optimized();
        Assert.Equal(["Conv"], optimized.Graph.Nodes.Select(n => n.OpType));
        Assert.Equal("negated_w", optimized.Graph.Nodes[0].Inputs[1]); // scaled in place: no new initializer
        Assert.InRange(m.MaxDifference(2f), 0f, Tolerance);
        Assert.Equal(before, m.Model.Graph.Initializers[source].ReadOnlySpan<float>().ToArray());
    }

    [Fact]
    public void PerChannelMulAndAddFoldIntoConv()
    {
        var m = ConvThen((m, c) => m.Op("Add", [m.Constant(Tensor.FromArray(Floats(4, 8), [4, 1, 1])),
            m.Op("Mul", [c, m.Constant(Tensor.FromArray(Floats(4, 9), [1, 4, 1, 1]))])]));
        Assert.Equal(["Conv"], m.OptimizedOps());
        Assert.InRange(m.MaxDifference(2f), 0f, Tolerance);
        // A constant that varies over space is no per-channel scale.
        var spatial = ConvThen((m, c) => m.Op("Mul", [c, m.Constant(Tensor.FromArray(Floats(36, 9), [1, 1, 6, 6]))]));
        Assert.Equal(["Conv", "Mul"], spatial.OptimizedOps());
    }

    [Fact]
    public void PerChannelMulAndAddFoldIntoBatchNormalization()
    {
        // DenseNet's pre-activation: BatchNormalization of a value that is no Conv's own output, then Mul and Add per channel.
        QdqTestModel Chain(Func<QdqTestModel, string, string> after)
        {
            var m = new QdqTestModel();
            var x = m.Input("x", 1, 4, 6, 6);
            m.Output(after(m, BatchNorm(m, m.Op("Abs", [x]))));
            return m;
        }
        var m = Chain((m, b) => m.Op("Add", [m.Op("Mul", [b, m.Constant(Tensor.FromArray(Floats(4, 9), [4, 1, 1]))]),
            m.Constant(Tensor.FromArray(Floats(4, 8), [1, 4, 1, 1]))]));
        Assert.Equal(["Abs", "BatchNormalization"], m.OptimizedOps());
        Assert.InRange(m.MaxDifference(2f), 0f, Tolerance);
        var scalar = Chain((m, b) => m.Op("Mul", [m.Constant(Tensor.Scalar(1.5f)), b]));
        Assert.Equal(["Abs", "BatchNormalization"], scalar.OptimizedOps());
        Assert.InRange(scalar.MaxDifference(2f), 0f, Tolerance);
        // Near misses: a constant that varies over space, one that would broadcast along the last axis, and a
        // BatchNormalization read by another node too.
        Assert.Equal(["Abs", "BatchNormalization", "Mul"],
            Chain((m, b) => m.Op("Mul", [b, m.Constant(Tensor.FromArray(Floats(6, 9), [6]))])).OptimizedOps());
        Assert.Equal(["Abs", "BatchNormalization", "Add"],
            Chain((m, b) => m.Op("Add", [b, m.Constant(Tensor.FromArray(Floats(36, 9), [1, 1, 6, 6]))])).OptimizedOps());
        var shared = Chain((m, b) =>
        {
            m.Output(m.Op("Neg", [b]));
            return m.Op("Mul", [b, m.Constant(Tensor.FromArray(Floats(4, 9), [4, 1, 1]))]);
        });
        Assert.Equal(["Abs", "BatchNormalization", "Neg", "Mul"], shared.OptimizedOps());
    }

    [Fact]
    public void SumOfTwoInputsBecomesAdd()
    {
        var m = new QdqTestModel();
        var x = m.Input("x", 2, 3);
        var y = m.Input("y", 1, 3);
        m.Output(m.Op("Sum", [m.Op("Abs", [x]), y]));
        m.Output(m.Op("Sum", [x, y, y]));
        Assert.Equal(["Abs", "Add", "Sum"], m.OptimizedOps());
        Assert.Equal(0f, m.MaxDifference(2f));
    }

    [Fact]
    public void MatMulAddBecomesGemm()
    {
        var m = new QdqTestModel();
        var x = m.Input("x", 3, 4);
        m.Output(m.Op("Add", [m.Op("MatMul", [x, Weight(m, 1, 4, 5)]), Weight(m, 2, 5)]));
        Assert.Equal(["Gemm"], m.OptimizedOps());
        Assert.InRange(m.MaxDifference(2f), 0f, Tolerance);

        var batched = new QdqTestModel();
        var y = batched.Input("y", 2, 3, 4);
        batched.Output(batched.Op("Add", [batched.Op("MatMul", [y, Weight(batched, 1, 4, 5)]), Weight(batched, 2, 5)]));
        Assert.Equal(["MatMul", "Add"], batched.OptimizedOps());
    }

    [Fact]
    public void TransposesCancelComposeAndFoldIntoGemm()
    {
        var m = new QdqTestModel();
        var x = m.Input("x", 2, 3, 4);
        var t1 = m.Op("Transpose", [x], "", Ints("perm", 1, 2, 0));
        var t2 = m.Op("Transpose", [t1], "", Ints("perm", 2, 0, 1)); // cancels t1
        var t3 = m.Op("Transpose", [m.Op("Relu", [t2])], "", Ints("perm", 0, 2, 1));
        m.Output(m.Op("Transpose", [t3], "", Ints("perm", 1, 0, 2)));
        Assert.Equal(["Relu", "Transpose"], m.OptimizedOps());
        Assert.Equal([2L, 0, 1], m.Optimized().Graph.Nodes[1].Attributes["perm"].Ints);
        Assert.InRange(m.MaxDifference(1f), 0f, 0f);

        var g = new QdqTestModel();
        var a = g.Input("a", 4, 3);
        var at = g.Op("Transpose", [a], "", Ints("perm", 1, 0));
        var bt = g.Op("Transpose", [g.Input("b", 5, 4)]);
        g.Output(g.Op("MatMul", [at, bt]));
        Assert.Equal(["Gemm"], g.OptimizedOps());
        var gemm = g.Optimized().Graph.Nodes[0];
        Assert.Equal(1, gemm.Attributes["transA"].Int);
        Assert.Equal(1, gemm.Attributes["transB"].Int);
        Assert.InRange(g.MaxDifference(1f), 0f, Tolerance);

        // A transposed input that something else reads stays.
        var k = new QdqTestModel();
        var p = k.Op("Transpose", [k.Input("p", 4, 3)], "", Ints("perm", 1, 0));
        k.Output(k.Op("Gemm", [p, k.Input("q", 4, 2)]));
        k.Output(k.Op("Neg", [p]));
        Assert.Equal(["Transpose", "Gemm", "Neg"], k.OptimizedOps());
    }
}
