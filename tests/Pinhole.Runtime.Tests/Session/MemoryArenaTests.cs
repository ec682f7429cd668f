using Pinhole.IR;

namespace Pinhole.Runtime.Tests.Session;

/// <summary>
/// Runs after the first of an input signature place intermediates in a planned arena: results must not change
/// (against the first run and an unoptimized session without an arena), outputs must never be arena memory, and
/// views, aliases, concurrent runs and new shapes must all stay correct.
/// </summary>
public class MemoryArenaTests
{
    private static Model Graph(string[] inputs, string[] outputs, params Node[] nodes)
    {
        var model = new Model();
        model.OpsetImports[""] = 21;
        model.Graph.Inputs.AddRange(inputs.Select(i => new ValueInfo(i)));
        model.Graph.Outputs.AddRange(outputs.Select(o => new ValueInfo(o)));
        model.Graph.Nodes.AddRange(nodes);
        return model;
    }

    private static Node N(string op, string[] inputs, string[] outputs, params NodeAttribute[] attributes)
    {
        var node = new Node(op, inputs, outputs, "", $"{op}_{outputs[0]}");
        foreach (var a in attributes) node.Attributes[a.Name] = a;
        return node;
    }

    private static Tensor Random(int seed, params int[] shape)
    {
        var rng = new Random(seed);
        var data = new float[Tensor.ElementCount(shape)];
        for (int i = 0; i < data.Length; i++) data[i] = (float)(rng.NextDouble() * 2 - 1);
        return Tensor.FromArray(data, shape);
    }

    private static Tensor[] Reference(Model model, params Tensor[] inputs)
    {
        using var session = new InferenceSession(model, new SessionOptions { OptimizationLevel = OptimizationLevel.None, MemoryArena = false });
        return session.Run(inputs);
    }

    private static void AssertSame(Tensor[] expected, Tensor[] actual)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i].Shape, actual[i].Shape);
            Assert.Equal(expected[i].Span<float>().ToArray(), actual[i].Span<float>().ToArray());
        }
    }

    /// <summary>
    /// A mix of element-wise ops (some in place), views (Reshape, Flatten), a matmul and a value (r) read long after
    /// it is made, through a view, while other values come and go.
    /// </summary>
    private static Model Mixed() => Graph(["x", "w"], ["y", "z"],
        N("Relu", ["x"], ["a"]),
        N("Sigmoid", ["a"], ["b"]),
        N("Reshape", ["b", "flat"], ["r"]),
        N("Mul", ["x", "x"], ["c"]),
        N("Abs", ["c"], ["d"]),
        N("Add", ["d", "x"], ["e"]),
        N("MatMul", ["e", "w"], ["f"]),
        N("Relu", ["f"], ["g"]),
        N("Flatten", ["g"], ["h"]),
        N("Reshape", ["r", "back"], ["rb"]),
        N("Add", ["rb", "e"], ["y"]),
        N("Add", ["h", "h"], ["z"]));

    private static Model WithShapes(Model model, int rows, int cols)
    {
        model.Graph.Initializers["flat"] = Tensor.Vector(-1L);
        model.Graph.Initializers["back"] = Tensor.Vector((long)rows, cols);
        return model;
    }

    [Fact]
    public void SecondRunUsesTheArenaAndMatchesTheFirstAndAnUnoptimizedRun()
    {
        var model = WithShapes(Mixed(), 8, 16);
        Tensor[] inputs = [Random(1, 8, 16), Random(2, 16, 4)];
        var expected = Reference(model, inputs);
        using var session = new InferenceSession(model);
        Assert.Null(session.MemoryPlan);
        var first = session.Run(inputs);
        var plan = session.MemoryPlan;
        Assert.NotNull(plan);
        Assert.True(plan.PlannedValues >= 6, $"{plan.PlannedValues} values planned");
        Assert.True(plan.ArenaBytes >= plan.LowerBoundBytes && plan.LowerBoundBytes > 0, plan.ToString());
        var second = session.Run(inputs);
        var third = session.Run(inputs);
        AssertSame(expected, first);
        AssertSame(expected, second);
        AssertSame(expected, third);
        // Outputs are the caller's: a later run must not write over them.
        var kept = second.Select(t => t.Span<float>().ToArray()).ToArray();
        session.Run([Random(3, 8, 16), Random(4, 16, 4)]);
        for (int i = 0; i < kept.Length; i++) Assert.Equal(kept[i], second[i].Span<float>().ToArray());
    }

    [Fact]
    public void InPlaceOpsReuseTheirInputsStorage()
    {
        // x -> Relu -> Relu -> Relu -> Relu (output): the three intermediates can share one range in place, while
        // Abs (not in place) needs two ranges taking turns.
        Model Chain(string op) => Graph(["x"], ["y"], N(op, ["x"], ["a"]), N(op, ["a"], ["b"]), N(op, ["b"], ["c"]), N(op, ["c"], ["y"]));
        var x = Random(5, 1024);
        long bytes = 1024 * sizeof(float);
        foreach (var (op, ranges) in new[] { ("Relu", 1), ("Abs", 2) })
        {
            var model = Chain(op);
            using var session = new InferenceSession(model);
            session.Run(x);
            var y = session.Run(x);
            AssertSame(Reference(model, x), y);
            Assert.Equal(ranges * bytes, session.MemoryPlan!.ArenaBytes);
            Assert.Equal(ranges * bytes, session.MemoryPlan.LowerBoundBytes);
            Assert.Equal(3, session.MemoryPlan.PlannedValues);
        }
    }

    [Fact]
    public void JoinedInputsAreMadeInsideTheConcatOutput()
    {
        // a and b are made where their halves of c go: the arena holds c alone (a is still read after the join).
        var model = Graph(["x"], ["y", "z"],
            N("Abs", ["x"], ["a"]),
            N("Mul", ["x", "x"], ["b"]),
            N("Concat", ["a", "b"], ["c"], NodeAttribute.Of("axis", 1L)),
            N("Abs", ["c"], ["y"]),
            N("Add", ["a", "a"], ["z"]));
        var x = Random(6, 1, 16, 8, 8);
        using var session = new InferenceSession(model);
        var expected = Reference(model, x);
        AssertSame(expected, session.Run(x));
        AssertSame(expected, session.Run(x));
        AssertSame(expected, session.Run(x));
        long c = 2 * 16 * 8 * 8 * sizeof(float);
        Assert.Equal(c, session.MemoryPlan!.ArenaBytes);
        Assert.Equal(c, session.MemoryPlan.LowerBoundBytes);
    }

    [Fact]
    public void NestedJoinsShareTheOutermostRange()
    {
        // DenseNet's growing concatenation: c = [a, b], e = [c, d], g = [e, f]; every piece is made where it ends up in g,
        // and the intermediate joins (read by Abs on the way) are views into it.
        var axis = NodeAttribute.Of("axis", 1L);
        var model = Graph(["x"], ["y", "z", "w"],
            N("Abs", ["x"], ["a"]),
            N("Mul", ["x", "x"], ["b"]),
            N("Concat", ["a", "b"], ["c"], axis),
            N("Abs", ["c"], ["y"]),
            N("Neg", ["x"], ["d"]),
            N("Concat", ["c", "d"], ["e"], axis),
            N("Abs", ["e"], ["z"]),
            N("Sin", ["x"], ["f"]),
            N("Concat", ["e", "f"], ["g"], axis),
            N("Abs", ["g"], ["w"]));
        var x = Random(14, 1, 4, 8, 8);
        using var session = new InferenceSession(model);
        var expected = Reference(model, x);
        for (int run = 0; run < 3; run++) AssertSame(expected, session.Run(x));
        Assert.Equal(4 * 4 * 8 * 8 * sizeof(float), session.MemoryPlan!.ArenaBytes);
    }

    public static TheoryData<string> JoinCases => new("batch2", "repeated", "graphInput", "inPlaceProducer", "nested", "negativeAxis", "sharedInput");

    [Theory]
    [MemberData(nameof(JoinCases))]
    public void JoinsThatCannotOrMayOnlyPartlyBeInPlaceStayCorrect(string name)
    {
        var axis = NodeAttribute.Of("axis", 1L);
        var (model, x) = name switch
        {
            // Not contiguous: each input contributes one block per batch item.
            "batch2" => (Graph(["x"], ["y"], N("Abs", ["x"], ["a"]), N("Mul", ["x", "x"], ["b"]), N("Concat", ["a", "b"], ["c"], axis),
                N("Abs", ["c"], ["y"])), Random(7, 2, 4, 8, 8)),
            "repeated" => (Graph(["x"], ["y"], N("Abs", ["x"], ["a"]), N("Concat", ["a", "a"], ["c"], axis), N("Abs", ["c"], ["y"])),
                Random(8, 1, 4, 8, 8)),
            "graphInput" => (Graph(["x"], ["y"], N("Abs", ["x"], ["a"]), N("Concat", ["x", "a"], ["c"], axis), N("Abs", ["c"], ["y"])),
                Random(9, 1, 4, 8, 8)),
            "inPlaceProducer" => (Graph(["x"], ["y"], N("Abs", ["x"], ["a"]), N("Relu", ["a"], ["r"]), N("Mul", ["x", "x"], ["b"]),
                N("Concat", ["r", "b"], ["c"], axis), N("Abs", ["c"], ["y"])), Random(10, 1, 4, 8, 8)),
            "nested" => (Graph(["x"], ["y"], N("Abs", ["x"], ["a"]), N("Mul", ["x", "x"], ["b"]), N("Concat", ["a", "b"], ["c"], axis),
                N("Neg", ["x"], ["d"]), N("Concat", ["c", "d"], ["e"], axis), N("Abs", ["e"], ["y"])), Random(11, 1, 4, 8, 8)),
            "negativeAxis" => (Graph(["x"], ["y"], N("Abs", ["x"], ["a"]), N("Mul", ["x", "x"], ["b"]),
                N("Concat", ["a", "b"], ["c"], NodeAttribute.Of("axis", -3L)), N("Abs", ["c"], ["y"])), Random(12, 1, 4, 8, 8)),
            // a joins the first Concat; the second one copies it.
            _ => (Graph(["x"], ["y", "z"], N("Abs", ["x"], ["a"]), N("Mul", ["x", "x"], ["b"]), N("Concat", ["a", "b"], ["c"], axis),
                N("Concat", ["b", "a"], ["d"], axis), N("Abs", ["c"], ["y"]), N("Abs", ["d"], ["z"])), Random(13, 1, 4, 8, 8)),
        };
        using var session = new InferenceSession(model);
        var expected = Reference(model, x);
        for (int run = 0; run < 3; run++) AssertSame(expected, session.Run(x));
        Assert.NotNull(session.MemoryPlan);
    }

    [Fact]
    public void NewInputShapesArePlannedAgain()
    {
        var model = Graph(["x"], ["y"], N("Relu", ["x"], ["a"]), N("Abs", ["a"], ["b"]), N("Neg", ["b"], ["c"]), N("Add", ["c", "a"], ["y"]));
        using var session = new InferenceSession(model);
        foreach (int n in new[] { 16, 16, 256, 256, 16, 64, 256 })
        {
            var x = Random(n, n);
            AssertSame(Reference(model, x), session.Run(x));
            Assert.Equal(3 * n * sizeof(float), session.MemoryPlan!.LowerBoundBytes);
        }
        Assert.Equal(3 * 256 * sizeof(float), session.MemoryPlan!.LowerBoundBytes);
    }

    [Fact]
    public void ConcurrentRunsEachGetTheirOwnArena()
    {
        var model = WithShapes(Mixed(), 8, 16);
        var inputs = Enumerable.Range(0, 16).Select(i => new[] { Random(10 + i, 8, 16), Random(100 + i, 16, 4) }).ToArray();
        var expected = inputs.Select(i => Reference(model, i)).ToArray();
        using var session = new InferenceSession(model, new SessionOptions { IntraOpThreads = 1 });
        session.Run(inputs[0]);
        for (int round = 0; round < 4; round++)
        {
            var results = new Tensor[inputs.Length][];
            Parallel.For(0, inputs.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i => results[i] = session.Run(inputs[i]));
            for (int i = 0; i < inputs.Length; i++) AssertSame(expected[i], results[i]);
        }
    }

    [Fact]
    public void AnOutputThatIsAViewOfAnIntermediateIsNotArenaMemory()
    {
        // y is a Reshape (a view) of a: a must stay out of the arena, or the next run would overwrite y.
        var model = Graph(["x"], ["y", "z"], N("Relu", ["x"], ["a"]), N("Reshape", ["a", "shape"], ["y"]), N("Abs", ["x"], ["b"]),
            N("Neg", ["b"], ["z"]));
        model.Graph.Initializers["shape"] = Tensor.Vector(-1L);
        using var session = new InferenceSession(model);
        var x1 = Random(20, 4, 8);
        session.Run(x1);
        var second = session.Run(x1);
        var kept = second[0].Span<float>().ToArray();
        var third = session.Run(Random(21, 4, 8));
        Assert.Equal(kept, second[0].Span<float>().ToArray());
        Assert.NotEqual(kept, third[0].Span<float>().ToArray());
        AssertSame(Reference(model, x1), second);
    }

    [Fact]
    public void APassThroughTheRecordedRunDidNotSeeIsCopiedOutOfTheArena()
    {
        // The If passes on an intermediate (an alias) only when cond is true; the plan was recorded with cond false, so
        // a's range is reused by b and c after the If. The run with cond true must still see a's values in y.
        var thenG = new Graph { Name = "then" };
        thenG.Outputs.Add(new ValueInfo("a"));
        var elseG = new Graph { Name = "else" };
        elseG.Outputs.Add(new ValueInfo("n"));
        elseG.Nodes.Add(new Node("Neg", ["a"], ["n"]));
        var model = Graph(["cond", "x"], ["out"],
            N("Relu", ["x"], ["a"]),
            N("If", ["cond"], ["y"], NodeAttribute.Of("then_branch", thenG), NodeAttribute.Of("else_branch", elseG)),
            N("Abs", ["x"], ["b"]),
            N("Neg", ["b"], ["c"]),
            N("Abs", ["c"], ["d"]),
            N("Add", ["y", "d"], ["out"]));
        using var session = new InferenceSession(model);
        var x = Random(30, 64);
        AssertSame(Reference(model, Tensor.Scalar(false), x), session.Run(Tensor.Scalar(false), x));
        AssertSame(Reference(model, Tensor.Scalar(false), x), session.Run(Tensor.Scalar(false), x));
        AssertSame(Reference(model, Tensor.Scalar(true), x), session.Run(Tensor.Scalar(true), x));
        AssertSame(Reference(model, Tensor.Scalar(true), x), session.Run(Tensor.Scalar(true), x));
    }

    [Fact]
    public void OutputsAreNeverTheCallersInputsOrConstants()
    {
        var model = Graph(["x"], ["y", "k"], N("Identity", ["x"], ["y"]), N("Identity", ["c"], ["k"]));
        model.Graph.Initializers["c"] = Tensor.Vector(1f, 2f);
        using var session = new InferenceSession(model, new SessionOptions { OptimizationLevel = OptimizationLevel.None });
        var x = Random(40, 3);
        for (int run = 0; run < 3; run++)
        {
            var r = session.Run(x);
            Assert.False(r[0].Overlaps(x));
            Assert.False(ReferenceEquals(r[1].Buffer, model.Graph.Initializers["c"].Buffer));
        }
    }

    [Fact]
    public void WithoutTheArenaNothingIsPlanned()
    {
        var model = Graph(["x"], ["y"], N("Relu", ["x"], ["a"]), N("Relu", ["a"], ["y"]));
        using var session = new InferenceSession(model, new SessionOptions { MemoryArena = false });
        session.Run(Random(1, 4));
        session.Run(Random(1, 4));
        Assert.Null(session.MemoryPlan);
    }
}
