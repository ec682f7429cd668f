using Pinhole.IR;
using Pinhole.Runtime.Optimization;

namespace Pinhole.Runtime.Tests.Optimization;

public class GraphOptimizerTests
{
    [Fact]
    public void BasicLevelHasTheRegisteredRulesInNameOrder()
    {
        var names = OptimizationRules.For(OptimizationLevel.Basic).Select(r => r.Name).ToArray();
        Assert.Equal(["ConstantFolding", "DeadCodeElimination", "EliminateCast", "EliminateDropout", "EliminateIdentity", "EliminateReshape",
            "EliminateTranspose", "FuseBatchNormIntoConv", "FuseMatMulAddIntoGemm", "FuseMulAddIntoBatchNorm", "FuseMulAddIntoConv", "FuseTransposeIntoGemm",
            "QdqBinaryFusion", "QdqConcatFusion", "QdqConvFusion", "QdqDropFusion", "QdqGemmFusion", "QdqMatMulFusion", "QdqUnaryFusion", "ReluQuantFusion",
            "ShapeFolding", "ShapeThroughElementwise", "SumOfTwoToAdd"], names);
        Assert.Empty(OptimizationRules.For(OptimizationLevel.None));
        var extended = OptimizationRules.For(OptimizationLevel.Extended).Select(r => r.Name).ToArray();
        Assert.Equal(names, extended.Take(names.Length));
        Assert.Equal(["FuseConvActivation", "FuseConvAddIntoSum", "FuseGelu", "FuseGemmActivation", "FuseLayerNormalization"], extended.Skip(names.Length));
        Assert.Equal(extended, OptimizationRules.For(OptimizationLevel.All).Select(r => r.Name));
        Assert.Equal(OptimizationLevel.All, new SessionOptions().OptimizationLevel);
    }

    [Fact]
    public void IdentityReadBySubgraphIsKept()
    {
        var model = new Model();
        model.OpsetImports[""] = 13;
        var g = model.Graph;
        g.Inputs.Add(new ValueInfo("x", new TensorTypeInfo(DataType.Float, [Dim.Known(2)])));
        g.Inputs.Add(new ValueInfo("c", new TensorTypeInfo(DataType.Bool, [])));
        g.Nodes.Add(new Node("Identity", ["x"], ["id"]));
        Graph Branch(string op)
        {
            var b = new Graph { Name = op };
            b.Nodes.Add(new Node(op, ["id"], ["r"]));
            b.Outputs.Add(new ValueInfo("r"));
            return b;
        }
        g.Nodes.Add(new Node("If", ["c"], ["y"])
            .WithAttribute(NodeAttribute.Of("then_branch", Branch("Neg")))
            .WithAttribute(NodeAttribute.Of("else_branch", Branch("Abs"))));
        g.Outputs.Add(new ValueInfo("y"));

        var copy = model.Clone();
        GraphOptimizer.Optimize(copy, OptimizationLevel.Basic);
        Assert.Equal(["Identity", "If"], copy.Graph.Nodes.Select(n => n.OpType));

        using var session = new InferenceSession(model);
        var y = session.Run(Tensor.Vector(1f, -2f), Tensor.Scalar(true))[0];
        Assert.Equal(new[] { -1f, 2f }, y.ReadOnlySpan<float>().ToArray());
    }

    [Fact]
    public void CloneCopiesNodesAndSubgraphsButSharesTensors()
    {
        var model = new Model();
        model.OpsetImports[""] = 13;
        var w = Tensor.Vector(1f, 2f);
        model.Graph.Initializers["w"] = w;
        var body = new Graph();
        body.Nodes.Add(new Node("Identity", ["w"], ["r"]));
        model.Graph.Nodes.Add(new Node("If", ["c"], ["y"]).WithAttribute(NodeAttribute.Of("then_branch", body)));
        var copy = model.Clone();
        copy.Graph.Nodes[0].Inputs[0] = "d";
        copy.Graph.Nodes[0].Subgraphs().Single().Nodes.Clear();
        Assert.Equal("c", model.Graph.Nodes[0].Inputs[0]);
        Assert.Single(body.Nodes);
        Assert.Same(w, copy.Graph.Initializers["w"]);
    }
}
