using Pinhole.IR;

namespace Pinhole.Runtime.Tests.Session;

/// <summary>Bad models and bad inputs get typed errors that name the part at fault.</summary>
public class SessionErrorTests
{
    private static Model AddModel()
    {
        var model = ModelBuilder.SingleNode("Add", 2);
        var type = new TensorTypeInfo(DataType.Float, [Dim.Known(2), Dim.Symbol("n")]);
        model.Graph.Inputs[0].Type = type;
        model.Graph.Inputs[1].Type = type;
        return model;
    }

    private static Tensor Floats(params int[] shape) => Tensor.Zeros<float>(shape);

    [Fact]
    public void UnknownOpNamesOpDomainAndOpset()
    {
        var model = ModelBuilder.SingleNode("NoSuchOp", 1, opset: 17);
        var e = Assert.Throws<UnsupportedModelException>(() => new InferenceSession(model));
        Assert.Contains("NoSuchOp", e.Message, StringComparison.Ordinal);
        Assert.Contains("ai.onnx", e.Message, StringComparison.Ordinal);
        Assert.Contains("17", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void DomainNotImportedIsInvalid()
    {
        var model = ModelBuilder.SingleNode("Relu", 1);
        model.Graph.Nodes[0].Domain = "com.example";
        var e = Assert.Throws<InvalidModelException>(() => new InferenceSession(model));
        Assert.Contains("com.example", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void MissingInputIsNamed()
    {
        using var session = new InferenceSession(AddModel());
        var e = Assert.Throws<InvalidInputException>(() => session.Run(new Dictionary<string, Tensor> { ["x0"] = Floats(2, 3) }));
        Assert.Contains("x1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void UnknownInputIsNamed()
    {
        using var session = new InferenceSession(AddModel());
        var e = Assert.Throws<InvalidInputException>(() => session.Run(new Dictionary<string, Tensor>
        {
            ["x0"] = Floats(2, 3),
            ["x1"] = Floats(2, 3),
            ["extra"] = Floats(1),
        }));
        Assert.Contains("extra", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongElementTypeSaysExpectedAndActual()
    {
        using var session = new InferenceSession(AddModel());
        var e = Assert.Throws<InvalidInputException>(() => session.Run(Tensor.Zeros<int>([2, 3]), Floats(2, 3)));
        Assert.Contains("expected element type float", e.Message, StringComparison.Ordinal);
        Assert.Contains("int32", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongShapeSaysExpectedAndActual()
    {
        using var session = new InferenceSession(AddModel());
        var e = Assert.Throws<InvalidInputException>(() => session.Run(Floats(3, 3), Floats(2, 3)));
        Assert.Contains("[2,n]", e.Message, StringComparison.Ordinal);
        Assert.Contains("[3,3]", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void SymbolicDimensionsAcceptAnySize()
    {
        using var session = new InferenceSession(AddModel());
        Assert.Equal([2, 5], session.Run(Floats(2, 5), Floats(2, 5))[0].Shape);
    }

    [Fact]
    public void IncompatibleShapesAtRunTimeNameTheNode()
    {
        using var session = new InferenceSession(ModelBuilder.SingleNode("Add", 2));
        var e = Assert.Throws<KernelException>(() => session.Run(Floats(2, 3), Floats(4)));
        Assert.Contains("node 'node' (Add)", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OutputsNeverAliasTheCallersInputs()
    {
        using var session = new InferenceSession(ModelBuilder.SingleNode("Identity", 1));
        var x = Tensor.FromArray(new[] { 1f, 2f }, [2]);
        var y = session.Run(x)[0];
        y.Span<float>()[0] = 42;
        Assert.Equal(1f, x.Span<float>()[0]);
    }

    [Fact]
    public void DisposedSessionRefusesToRun()
    {
        var session = new InferenceSession(ModelBuilder.SingleNode("Relu", 1));
        session.Dispose();
        Assert.Throws<ObjectDisposedException>(() => session.Run(Floats(1)));
    }

    [Fact]
    public void ConcurrentRunsMatchSequentialRuns()
    {
        using var session = new InferenceSession(ModelBuilder.SingleNode("Add", 2));
        var inputs = Enumerable.Range(0, 16).Select(i => Tensor.FromArray(Enumerable.Range(0, 4096).Select(k => (float)(k * i)).ToArray(), [4096])).ToArray();
        var sequential = inputs.Select(x => session.Run(x, x)[0].Span<float>().ToArray()).ToArray();
        var concurrent = new float[inputs.Length][];
        Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            for (int repeat = 0; repeat < 20; repeat++) concurrent[i] = session.Run(inputs[i], inputs[i])[0].Span<float>().ToArray();
        });
        for (int i = 0; i < inputs.Length; i++) Assert.Equal(sequential[i], concurrent[i]);
    }
}
