using Pinhole.IR;

namespace Pinhole.Runtime.Tests.Optimization;

public class QdqFusionTests
{
    private static NodeAttribute Int(string name, long value) => NodeAttribute.Of(name, value);

    /// <summary>x → Q → Cast(uint8) → DQ; w, bias from DQ(initializer) (w's scale through an Identity) → Conv → Relu → Q → Cast(uint8) → DQ.</summary>
    private static QdqTestModel ConvModel(byte outZero = 0)
    {
        var m = new QdqTestModel();
        var x = m.Input("x", 1, 3, 5, 5);
        var xq = m.Op("Cast", [m.Q(x, 0.02f, 128)], "", Int("to", (long)DataType.UInt8));
        var xd = m.DQ(xq, 0.02f, 128);
        var wScale = m.Op("Identity", [m.Constant(Tensor.Scalar(0.01f))]);
        var w = m.Op("DequantizeLinear", [m.Constant(Tensor.FromArray(QdqTestModel.RandomInt8(4 * 3 * 3 * 3, 7), [4, 3, 3, 3])), wScale,
            m.Constant(Tensor.Scalar((sbyte)0))]);
        var b = m.DQ(Tensor.Vector(100, -200, 300, -400), 0.02f * 0.01f, Tensor.Scalar(0));
        var conv = m.Op("Conv", [xd, w, b], "", NodeAttribute.Of("pads", new long[] { 1, 1, 1, 1 }), NodeAttribute.Of("kernel_shape", new long[] { 3, 3 }));
        var relu = m.Op("Relu", [conv]);
        var yq = m.Op("Cast", [m.Q(relu, 0.05f, outZero)], "", Int("to", (long)DataType.UInt8));
        m.Output(m.DQ(yq, 0.05f, outZero));
        return m;
    }

    [Fact]
    public void ConvGroupBecomesQLinearConv()
    {
        var m = ConvModel();
        Assert.Equal(["QuantizeLinear", "QLinearConv", "DequantizeLinear"], m.OptimizedOps());
        Assert.InRange(m.MaxDifference(2f), 0f, 0.05f * 1.001f);
    }

    [Fact]
    public void ReluStaysWhenTheZeroPointIsNotTheMinimum()
    {
        var m = ConvModel(outZero: 10);
        Assert.Equal(["QuantizeLinear", "Conv", "Relu", "QuantizeLinear", "DequantizeLinear"],
            m.OptimizedOps().Where(op => op != "DequantizeLinear").Append("DequantizeLinear").ToArray());
        Assert.Equal(0f, m.MaxDifference(2f));
    }

    [Fact]
    public void SessionLeavesTheCallersModelAlone()
    {
        var m = ConvModel();
        var before = m.Model.Graph.Nodes.Select(n => n.OpType).ToArray();
        using var session = new InferenceSession(m.Model);
        Assert.Equal(before, m.Model.Graph.Nodes.Select(n => n.OpType).ToArray());
        Assert.Equal(["x"], session.Inputs.Select(i => i.Name));
    }

    [Theory]
    [InlineData("Add")]
    [InlineData("Mul")]
    public void BinaryGroupBecomesContribQLinearOp(string op)
    {
        var m = new QdqTestModel();
        var a = m.QDQ(m.Input("a", 2, 3), 0.02f, 128);
        var b = m.QDQ(m.Input("b", 2, 3), 0.03f, 120);
        m.Output(m.DQ(m.Q(m.Op(op, [a, b]), 0.04f, 128), 0.04f, 128));
        Assert.Equal(["QuantizeLinear", "QuantizeLinear", "QLinear" + op, "DequantizeLinear"], m.OptimizedOps());
        Assert.InRange(m.MaxDifference(2f), 0f, 0.04f * 1.001f);
    }

    [Fact]
    public void SharedDequantizedValueIsNotFused()
    {
        var m = new QdqTestModel();
        var a = m.QDQ(m.Input("a", 2, 3), 0.02f, 128);
        var b = m.QDQ(m.Input("b", 2, 3), 0.03f, 120);
        m.Output(m.DQ(m.Q(m.Op("Add", [a, b]), 0.04f, 128), 0.04f, 128));
        m.Output(a);
        Assert.Contains("Add", m.OptimizedOps());
        Assert.DoesNotContain("QLinearAdd", m.OptimizedOps());
    }

    [Fact]
    public void GlobalAveragePoolGroupBecomesQLinearGlobalAveragePool()
    {
        var m = new QdqTestModel();
        var x = m.QDQ(m.Input("x", 1, 2, 3, 3), 0.02f, 128);
        m.Output(m.DQ(m.Q(m.Op("GlobalAveragePool", [x]), 0.01f, 128), 0.01f, 128));
        Assert.Equal(["QuantizeLinear", "QLinearGlobalAveragePool", "DequantizeLinear"], m.OptimizedOps());
        Assert.InRange(m.MaxDifference(2f), 0f, 0.01f * 1.001f);
    }

    [Fact]
    public void MatMulGroupBecomesQLinearMatMul()
    {
        var m = new QdqTestModel();
        var a = m.QDQ(m.Input("a", 2, 4), 0.02f, 128);
        var w = m.DQ(Tensor.FromArray(QdqTestModel.RandomInt8(12, 3), [4, 3]), 0.01f, Tensor.Scalar((sbyte)0));
        m.Output(m.DQ(m.Q(m.Op("MatMul", [a, w]), 0.02f, 128), 0.02f, 128));
        Assert.Equal(["QuantizeLinear", "QLinearMatMul", "DequantizeLinear"], m.OptimizedOps());
        Assert.InRange(m.MaxDifference(2f), 0f, 0.02f * 1.001f);
    }

    private static (QdqTestModel Model, string Gemm) GemmModel()
    {
        var m = new QdqTestModel();
        var a = m.QDQ(m.Input("a", 2, 4), 0.02f, 128);
        var w = m.DQ(Tensor.FromArray(QdqTestModel.RandomInt8(12, 5), [3, 4]), 0.01f, Tensor.Scalar((sbyte)0));
        var bias = m.DQ(Tensor.Vector(500, -300, 0), 0.02f * 0.01f, Tensor.Scalar(0));
        return (m, m.Op("Gemm", [a, w, bias], "", Int("transB", 1)));
    }

    [Fact]
    public void GemmGroupBecomesQGemm()
    {
        var (m, gemm) = GemmModel();
        m.Output(m.DQ(m.Q(gemm, 0.02f, 128), 0.02f, 128));
        Assert.Equal(["QuantizeLinear", "QGemm", "DequantizeLinear"], m.OptimizedOps());
        Assert.InRange(m.MaxDifference(2f), 0f, 0.02f * 1.001f);
    }

    [Fact]
    public void GemmWithoutQuantizeLinearBecomesFloatQGemm()
    {
        var (m, gemm) = GemmModel();
        m.Output(gemm);
        Assert.Equal(["QuantizeLinear", "QGemm"], m.OptimizedOps());
        Assert.InRange(m.MaxDifference(2f), 0f, 1e-5f);
    }

    [Fact]
    public void FlattenBetweenEqualQdqPairsRunsOnQuantizedValues()
    {
        var m = new QdqTestModel();
        var x = m.QDQ(m.Input("x", 1, 2, 2, 2), 0.02f, 128);
        m.Output(m.DQ(m.Q(m.Op("Flatten", [x]), 0.02f, 128), 0.02f, 128));
        Assert.Equal(["QuantizeLinear", "Flatten", "DequantizeLinear"], m.OptimizedOps());
        Assert.Equal(0f, m.MaxDifference(2f));
    }

    [Fact]
    public void MaxPoolBetweenEqualQdqPairsRunsOnQuantizedValues()
    {
        var m = new QdqTestModel();
        var x = m.QDQ(m.Input("x", 1, 3, 9, 9), 0.02f, 100);
        var pool = m.Op("MaxPool", [x], "", NodeAttribute.Of("kernel_shape", new long[] { 3, 3 }), NodeAttribute.Of("strides", new long[] { 2, 2 }),
            NodeAttribute.Of("pads", new long[] { 1, 1, 1, 1 }));
        m.Output(m.DQ(m.Q(pool, 0.02f, 100), 0.02f, 100));
        Assert.Equal(["QuantizeLinear", "MaxPool", "DequantizeLinear"], m.OptimizedOps());
        Assert.Equal(0f, m.MaxDifference(2f));
    }

    [Fact]
    public void ConcatWithSharedParametersBecomesAPlainConcatOfQuantizedValues()
    {
        var m = new QdqTestModel();
        var a = m.QDQ(m.Input("a", 1, 2, 3, 3), 0.05f, 120);
        var b = m.QDQ(m.Input("b", 1, 4, 3, 3), 0.05f, 120);
        var cat = m.Op("Concat", [a, b], "", NodeAttribute.Of("axis", 1L));
        m.Output(m.DQ(m.Q(cat, 0.05f, 120), 0.05f, 120));
        Assert.Equal(["QuantizeLinear", "QuantizeLinear", "Concat", "DequantizeLinear"], m.OptimizedOps());
        Assert.Equal(0f, m.MaxDifference(3f));
    }

    [Fact]
    public void ConcatWithDifferentParametersBecomesQLinearConcat()
    {
        var m = new QdqTestModel();
        var a = m.QDQ(m.Input("a", 1, 2, 3, 3), 0.05f, 120);
        var b = m.QDQ(m.Input("b", 1, 4, 3, 3), 0.02f, 128);
        var cat = m.Op("Concat", [a, b], "", NodeAttribute.Of("axis", 1L));
        m.Output(m.DQ(m.Q(cat, 0.05f, 120), 0.05f, 120));
        Assert.Equal(["QuantizeLinear", "QuantizeLinear", "QLinearConcat", "DequantizeLinear"], m.OptimizedOps());
        // Requantizing once per input rounds like DequantizeLinear -> QuantizeLinear does.
        Assert.InRange(m.MaxDifference(3f), 0f, 0.05f * 1.001f);
    }

    [Fact]
    public void FlattenBetweenDifferentQdqPairsStays()
    {
        var m = new QdqTestModel();
        var x = m.QDQ(m.Input("x", 1, 2, 2, 2), 0.02f, 128);
        m.Output(m.DQ(m.Q(m.Op("Flatten", [x]), 0.03f, 128), 0.03f, 128));
        Assert.Contains("DequantizeLinear", m.OptimizedOps().Take(2));
    }

    [Fact]
    public void IdentityAndNoOpCastAreRemovedButGraphOutputsKept()
    {
        var m = new QdqTestModel();
        var x = m.Input("x", 2, 2);
        var q = m.Q(x, 0.1f, 0);
        var cast = m.Op("Cast", [q], "", Int("to", (long)DataType.UInt8));
        var widen = m.Op("Cast", [cast], "", Int("to", (long)DataType.Int32));
        var id = m.Op("Identity", [widen]);
        m.Output(m.Op("Identity", [id]));
        Assert.Equal(["QuantizeLinear", "Cast", "Identity"], m.OptimizedOps());
    }
}
