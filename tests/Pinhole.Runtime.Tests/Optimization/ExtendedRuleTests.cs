using Pinhole.IR;
using Pinhole.Runtime.Optimization;

namespace Pinhole.Runtime.Tests.Optimization;

/// <summary>The contrib-op fusions of OptimizationLevel.Extended (FusedConv, FusedGemm, Gelu).</summary>
public class ExtendedRuleTests
{
    private const float Tolerance = 1e-4f;

    private static NodeAttribute Ints(string name, params long[] v) => NodeAttribute.Of(name, v);

    private static QdqTestModel ConvAnd(Func<QdqTestModel, string, string> activation, bool secondReader = false)
    {
        var m = new QdqTestModel();
        var x = m.Input("x", 1, 3, 6, 6);
        var conv = m.Op("Conv", [x, BasicRuleTests.Weight(m, 3, 4, 3, 3, 3)], "", Ints("pads", 1, 1, 1, 1));
        m.Output(activation(m, conv));
        if (secondReader) m.Output(m.Op("Neg", [conv]));
        return m;
    }

    public static TheoryData<string> ConvActivations => new("Relu", "Clip", "LeakyRelu", "HardSigmoid", "Sigmoid", "Tanh");

    private static string Activation(QdqTestModel m, string op, string x) => op switch
    {
        "Clip" => m.Op("Clip", [x, m.Constant(Tensor.Scalar(-0.5f)), m.Constant(Tensor.Scalar(0.75f))]),
        "LeakyRelu" => m.Op("LeakyRelu", [x], "", NodeAttribute.Of("alpha", 0.3f)),
        "HardSigmoid" => m.Op("HardSigmoid", [x], "", NodeAttribute.Of("alpha", 0.3f), NodeAttribute.Of("beta", 0.4f)),
        _ => m.Op(op, [x]),
    };

    [Theory]
    [MemberData(nameof(ConvActivations))]
    public void ConvActivationBecomesFusedConv(string op)
    {
        var m = ConvAnd((m, c) => Activation(m, op, c));
        Assert.Equal(["FusedConv"], m.OptimizedOps(OptimizationLevel.Extended));
        var fused = m.Optimized(OptimizationLevel.Extended);
        Assert.Equal(op, fused.Graph.Nodes[0].Attributes["activation"].String);
        Assert.Equal(1, fused.OpsetFor("com.microsoft"));
        if (op == "Clip") Assert.Equal([-0.5f, 0.75f], fused.Graph.Nodes[0].Attributes["activation_params"].Floats);
        if (op == "HardSigmoid") Assert.Equal([0.3f, 0.4f], fused.Graph.Nodes[0].Attributes["activation_params"].Floats);
        Assert.InRange(m.MaxDifference(2f, level: OptimizationLevel.Extended), 0f, Tolerance);
        Assert.Equal(["Conv", op], m.OptimizedOps(OptimizationLevel.Basic));
    }

    [Fact]
    public void ConvActivationNearMissesStay()
    {
        Assert.Equal(["Conv", "Relu", "Neg"], ConvAnd((m, c) => m.Op("Relu", [c]), secondReader: true).OptimizedOps(OptimizationLevel.Extended));
        // Clip bounds that are not constant, and activations ORT's FusedConv does not run (Elu).
        Assert.Equal(["Conv", "Clip"], ConvAnd((m, c) => m.Op("Clip", [c, m.Input("lo")])).OptimizedOps(OptimizationLevel.Extended));
        Assert.Equal(["Conv", "Elu"], ConvAnd((m, c) => m.Op("Elu", [c])).OptimizedOps(OptimizationLevel.Extended));
    }

    /// <summary>
    /// x (4 channels, 9x9) → Conv of <paramref name="kind"/> → Add(r) [→ activation] → Neg, where r = Neg(x) is a planned value the
    /// fused node may write over: "1x1" (pointwise GEMM), "3x3" (implicit GEMM), "winograd" (16 channels, 12x12 output),
    /// "depthwise" (the fallback that adds Z after the kernel).
    /// </summary>
    private static QdqTestModel ConvAddModel(string kind, string? activation, bool convFirst = true)
    {
        var m = new QdqTestModel();
        int c = kind == "winograd" ? 16 : 4, size = kind == "winograd" ? 24 : 9;
        var x = m.Input("x", 1, c, size, size);
        var r = m.Op("Neg", [x]);
        string conv = kind switch
        {
            "1x1" => m.Op("Conv", [x, BasicRuleTests.Weight(m, 5, c, c, 1, 1), BasicRuleTests.Weight(m, 6, c)]),
            "depthwise" => m.Op("Conv", [x, BasicRuleTests.Weight(m, 5, c, 1, 3, 3), BasicRuleTests.Weight(m, 6, c)], "", Ints("pads", 1, 1, 1, 1),
                NodeAttribute.Of("group", (long)c)),
            _ => m.Op("Conv", [x, BasicRuleTests.Weight(m, 5, c, c, 3, 3), BasicRuleTests.Weight(m, 6, c)], "", Ints("pads", 1, 1, 1, 1)),
        };
        var sum = m.Op("Add", convFirst ? [conv, r] : [r, conv]);
        // Read by one more node, so that the fused output is an intermediate the memory plan may put in r's range.
        m.Output(m.Op("Neg", [activation is null ? sum : Activation(m, activation, sum)]));
        return m;
    }

    [Theory]
    [InlineData("1x1", "Relu", true)]
    [InlineData("1x1", null, false)]
    [InlineData("3x3", "Relu", false)]
    [InlineData("3x3", "Clip", true)]
    [InlineData("winograd", "Relu", true)]
    [InlineData("depthwise", "Relu", true)]
    [InlineData("depthwise", null, false)]
    public void ConvAddBecomesFusedConvWithSum(string kind, string? activation, bool convFirst)
    {
        var m = ConvAddModel(kind, activation, convFirst);
        Assert.Equal(["Neg", "FusedConv", "Neg"], m.OptimizedOps(OptimizationLevel.Extended));
        var node = m.Optimized(OptimizationLevel.Extended).Graph.Nodes[1];
        Assert.Equal(4, node.Inputs.Count);
        Assert.Equal(m.Model.Graph.Nodes[0].Outputs[0], node.Inputs[3]);
        if (activation is null) Assert.False(node.Attributes.ContainsKey("activation"));
        else Assert.Equal(activation, node.Attributes["activation"].String);
        Assert.InRange(m.MaxDifference(2f, level: OptimizationLevel.Extended), 0f, 4 * Tolerance);
        // Later runs use the memory plan, where the GEMM methods accumulate in r's own range; and the method is the one the
        // case means to cover (the GEMM ones accumulate onto Z, the others add it after).
        string variant = "";
        using var plain = new InferenceSession(m.Model, new SessionOptions { OptimizationLevel = OptimizationLevel.None });
        using var session = new InferenceSession(m.Model, new SessionOptions { NodeExecuted = e => { if (e.Node.OpType == "FusedConv") variant = e.Variant; } });
        int size = kind == "winograd" ? 24 : 9, c = kind == "winograd" ? 16 : 4;
        var rng = new Random(7);
        var x = Tensor.FromArray(Enumerable.Range(0, c * size * size).Select(_ => (float)rng.NextDouble() - 0.5f).ToArray(), [1, c, size, size]);
        var expected = plain.Run([x])[0].ReadOnlySpan<float>().ToArray();
        for (int run = 0; run < 3; run++)
        {
            var got = session.Run([x])[0].ReadOnlySpan<float>();
            for (int i = 0; i < expected.Length; i++) Assert.True(Math.Abs(expected[i] - got[i]) <= 4 * Tolerance, $"run {run}, {i}: {expected[i]} vs {got[i]}");
        }
        Assert.StartsWith(kind switch { "1x1" => "1x1-gemm", "3x3" => "implicit-gemm", _ => kind }, variant);
    }

    [Fact]
    public void ASymbolicBatchFromTheSameInputStillFuses()
    {
        // MobileNetV2's block: x → Conv → Relu → Conv → Add(x, ·), batch symbolic; the batch of both Add inputs is x's.
        var m = new QdqTestModel();
        var x = m.SymbolicInput("x", -1, 4, 5, 5);
        var hidden = m.Op("Relu", [m.Op("Conv", [x, BasicRuleTests.Weight(m, 5, 4, 4, 1, 1)])]);
        var block = m.Op("Add", [x, m.Op("Conv", [hidden, BasicRuleTests.Weight(m, 6, 4, 4, 3, 3)], "", Ints("pads", 1, 1, 1, 1))]);
        m.Output(m.Op("Neg", [block]));
        Assert.Equal(["FusedConv", "FusedConv", "Neg"], m.OptimizedOps(OptimizationLevel.Extended));
        Assert.Equal(4, m.Optimized(OptimizationLevel.Extended).Graph.Nodes[1].Inputs.Count);
        Assert.InRange(m.MaxDifference(2f, level: OptimizationLevel.Extended), 0f, 4 * Tolerance);

        // A symbolic batch from another input may differ at run time (and Add would broadcast): no fusion.
        m = new QdqTestModel();
        x = m.SymbolicInput("x", -1, 4, 5, 5);
        var other = m.SymbolicInput("r", -1, 4, 5, 5);
        m.Output(m.Op("Add", [m.Op("Conv", [x, BasicRuleTests.Weight(m, 5, 4, 4, 1, 1)]), other]));
        Assert.Equal(["Conv", "Add"], m.OptimizedOps(OptimizationLevel.Extended));
    }

    [Fact]
    public void FusedConvRejectsASumOfAnotherShape()
    {
        var m = new QdqTestModel();
        var x = m.Input("x", 1, 4, 5, 5);
        m.Output(m.Op("FusedConv", [x, BasicRuleTests.Weight(m, 5, 4, 4, 1, 1), "", m.Input("z", 1, 4, 5, 4)], "com.microsoft"));
        m.Model.OpsetImports["com.microsoft"] = 1;
        using var session = new InferenceSession(m.Model, new SessionOptions { OptimizationLevel = OptimizationLevel.None });
        var e = Assert.ThrowsAny<Exception>(() => session.Run([Tensor.Zeros(DataType.Float, [1, 4, 5, 5]), Tensor.Zeros(DataType.Float, [1, 4, 5, 4])]));
        Assert.Contains("Z (float [1,4,5,4]) must be float with the output's shape [1,4,5,5]", e.Message);
    }

    [Fact]
    public void ConvAddNearMissesStay()
    {
        // Z broadcast ([1, 4, 1, 1]), the Conv output read twice, an activation already inside the Conv, Z = X.
        var m = new QdqTestModel();
        var x = m.Input("x", 1, 4, 5, 5);
        var conv = m.Op("Conv", [x, BasicRuleTests.Weight(m, 5, 4, 4, 1, 1)]);
        m.Output(m.Op("Add", [conv, m.Input("b", 1, 4, 1, 1)]));
        Assert.Equal(["Conv", "Add"], m.OptimizedOps(OptimizationLevel.Extended));

        m = new QdqTestModel();
        x = m.Input("x", 1, 4, 5, 5);
        conv = m.Op("Conv", [x, BasicRuleTests.Weight(m, 5, 4, 4, 1, 1)]);
        m.Output(m.Op("Add", [conv, m.Input("r", 1, 4, 5, 5)]));
        m.Output(m.Op("Neg", [conv]));
        Assert.Equal(["Conv", "Add", "Neg"], m.OptimizedOps(OptimizationLevel.Extended));

        m = new QdqTestModel();
        x = m.Input("x", 1, 4, 5, 5);
        m.Output(m.Op("Add", [m.Op("Relu", [m.Op("Conv", [x, BasicRuleTests.Weight(m, 5, 4, 4, 1, 1)])]), m.Input("r", 1, 4, 5, 5)]));
        Assert.Equal(["FusedConv", "Add"], m.OptimizedOps(OptimizationLevel.Extended));

        m = new QdqTestModel();
        x = m.Input("x", 1, 4, 5, 5);
        m.Output(m.Op("Add", [m.Op("Conv", [x, BasicRuleTests.Weight(m, 5, 4, 4, 1, 1)]), x]));
        Assert.Equal(["Conv", "Add"], m.OptimizedOps(OptimizationLevel.Extended));
        Assert.InRange(m.MaxDifference(2f, level: OptimizationLevel.Extended), 0f, Tolerance);
    }

    [Theory]
    [InlineData("Relu")]
    [InlineData("LeakyRelu")]
    [InlineData("HardSigmoid")]
    [InlineData("Elu")]
    [InlineData("Selu")]
    [InlineData("Softplus")]
    public void GemmActivationBecomesFusedGemm(string op)
    {
        var m = new QdqTestModel();
        var x = m.Input("x", 3, 4);
        var gemm = m.Op("Gemm", [x, BasicRuleTests.Weight(m, 1, 4, 5), BasicRuleTests.Weight(m, 2, 5)]);
        m.Output(Activation(m, op, gemm));
        Assert.Equal(["FusedGemm"], m.OptimizedOps(OptimizationLevel.Extended));
        var node = m.Optimized(OptimizationLevel.Extended).Graph.Nodes[0];
        Assert.Equal(op, node.Attributes["activation"].String);
        if (op == "LeakyRelu") Assert.Equal(0.3f, node.Attributes["activation_alpha"].Float);
        Assert.InRange(m.MaxDifference(2f, level: OptimizationLevel.Extended), 0f, Tolerance);
    }

    /// <summary>x → Add(bias) → GELU in one of its written forms (0..2), or with a wrong constant.</summary>
    private static QdqTestModel GeluModel(int form, float half = 0.5f, bool mulBySqrtHalf = false)
    {
        var m = new QdqTestModel();
        var x = m.Op("Add", [m.Input("in", 2, 8), BasicRuleTests.Weight(m, 1, 8)]);
        var scaled = mulBySqrtHalf
            ? m.Op("Mul", [x, m.Constant(Tensor.Scalar(MathF.Sqrt(0.5f)))])
            : m.Op("Div", [x, m.Constant(Tensor.Scalar(MathF.Sqrt(2f)))]);
        var add = m.Op("Add", [m.Constant(Tensor.Scalar(1f)), m.Op("Erf", [scaled])]);
        var h = m.Constant(Tensor.Scalar(half));
        m.Output(form switch
        {
            0 => m.Op("Mul", [m.Op("Mul", [x, add]), h]),
            1 => m.Op("Mul", [m.Op("Mul", [x, h]), add]),
            _ => m.Op("Mul", [x, m.Op("Mul", [h, add])]),
        });
        return m;
    }

    [Theory]
    [InlineData(0, false)]
    [InlineData(1, false)]
    [InlineData(2, false)]
    [InlineData(2, true)]
    public void ErfGeluBecomesContribGelu(int form, bool mulBySqrtHalf)
    {
        var m = GeluModel(form, mulBySqrtHalf: mulBySqrtHalf);
        Assert.Equal(["Add", "Gelu"], m.OptimizedOps(OptimizationLevel.Extended));
        Assert.Equal("com.microsoft", m.Optimized(OptimizationLevel.Extended).Graph.Nodes[1].Domain);
        Assert.InRange(m.MaxDifference(3f, level: OptimizationLevel.Extended), 0f, Tolerance);
        Assert.Equal(6, GeluModel(form, half: 0.6f).OptimizedOps(OptimizationLevel.Extended).Length);
    }
}

public class LayerNormalizationFusionTests
{
    /// <summary>PyTorch's decomposed layer norm over the last axis of [2, 3, 8].</summary>
    private static QdqTestModel Model(int opset, bool mulSquare = false, bool beta = true, bool meanReadTwice = false)
    {
        var m = new QdqTestModel(opset);
        var x = m.Input("x", 2, 3, 8);
        var axes = NodeAttribute.Of("axes", new long[] { -1 });
        string Mean(string v) => opset >= 18 ? m.Op("ReduceMean", [v, m.Constant(Tensor.Vector(-1L))]) : m.Op("ReduceMean", [v], "", axes);
        var mean = Mean(x);
        var d = m.Op("Sub", [x, mean]);
        var sq = mulSquare ? m.Op("Mul", [d, d]) : m.Op("Pow", [d, m.Constant(Tensor.Scalar(2f))]);
        var std = m.Op("Sqrt", [m.Op("Add", [Mean(sq), m.Constant(Tensor.Scalar(1e-5f))])]);
        var y = m.Op("Mul", [m.Op("Div", [d, std]), BasicRuleTests.Weight(m, 1, 8)]);
        if (beta) y = m.Op("Add", [y, BasicRuleTests.Weight(m, 2, 8)]);
        m.Output(y);
        if (meanReadTwice) m.Output(m.Op("Neg", [mean]));
        return m;
    }

    [Theory]
    [InlineData(17, false, true)]
    [InlineData(18, true, true)]
    [InlineData(17, false, false)]
    public void DecomposedLayerNormBecomesLayerNormalization(int opset, bool mulSquare, bool beta)
    {
        var m = Model(opset, mulSquare, beta);
        Assert.Equal(["LayerNormalization"], m.OptimizedOps(OptimizationLevel.Extended));
        var node = m.Optimized(OptimizationLevel.Extended).Graph.Nodes[0];
        Assert.Equal(beta ? 3 : 2, node.Inputs.Count);
        Assert.Equal(1e-5f, node.Attributes["epsilon"].Float);
        Assert.InRange(m.MaxDifference(2f, level: OptimizationLevel.Extended), 0f, 1e-4f);
    }

    [Fact]
    public void NearMissesStay()
    {
        Assert.Equal(9, Model(13).OptimizedOps(OptimizationLevel.Extended).Length); // no LayerNormalization before opset 17
        Assert.Contains("ReduceMean", Model(17, meanReadTwice: true).OptimizedOps(OptimizationLevel.Extended));
    }
}
