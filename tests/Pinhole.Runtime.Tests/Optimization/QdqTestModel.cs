using Pinhole.IR;
using Pinhole.Runtime.Optimization;

namespace Pinhole.Runtime.Tests.Optimization;

/// <summary>Builds small QDQ graphs in code and compares sessions with and without graph optimization.</summary>
internal sealed class QdqTestModel
{
    private int _next;

    public QdqTestModel(int opset = 13) => Model.OpsetImports[""] = opset;

    public Model Model { get; } = new();
    private Graph Graph => Model.Graph;

    public string Input(string name, params int[] shape)
    {
        Graph.Inputs.Add(new ValueInfo(name, new TensorTypeInfo(DataType.Float, shape.Select(d => Dim.Known(d)).ToArray())));
        return name;
    }

    /// <summary>A float input with some dimensions symbolic (-1), fed as <paramref name="symbolicValue"/> in parity runs.</summary>
    public string SymbolicInput(string name, params int[] shape)
    {
        Graph.Inputs.Add(new ValueInfo(name, new TensorTypeInfo(DataType.Float, shape.Select(d => d < 0 ? Dim.Symbol("n") : Dim.Known(d)).ToArray())));
        return name;
    }

    /// <summary>The size symbolic dimensions get in <see cref="MaxDifference"/>.</summary>
    public int SymbolicValue { get; set; } = 2;

    public void Output(string value) => Graph.Outputs.Add(new ValueInfo(value));

    public string Constant(Tensor t)
    {
        string name = $"c{_next++}";
        Graph.Initializers[name] = t;
        return name;
    }

    public string Op(string opType, string[] inputs, string domain = "", params NodeAttribute[] attributes)
    {
        string output = $"v{_next++}";
        var node = new Node(opType, inputs, [output], domain, $"{opType}_{_next}");
        foreach (var a in attributes) node.Attributes[a.Name] = a;
        Graph.Nodes.Add(node);
        return output;
    }

    public string Q(string x, float scale, byte zero) =>
        Op("QuantizeLinear", [x, Constant(Tensor.Scalar(scale)), Constant(Tensor.Scalar(zero))]);

    public string DQ(string q, float scale, byte zero) =>
        Op("DequantizeLinear", [q, Constant(Tensor.Scalar(scale)), Constant(Tensor.Scalar(zero))]);

    /// <summary>A constant quantized tensor, dequantized: DequantizeLinear(initializer, scale, zero).</summary>
    public string DQ(Tensor quantized, float scale, Tensor zero) =>
        Op("DequantizeLinear", [Constant(quantized), Constant(Tensor.Scalar(scale)), Constant(zero)]);

    /// <summary>QuantizeLinear then DequantizeLinear with the same uint8 parameters.</summary>
    public string QDQ(string x, float scale, byte zero) => DQ(Q(x, scale, zero), scale, zero);

    /// <summary>The op types of the optimized copy of the model, in graph order.</summary>
    public string[] OptimizedOps(OptimizationLevel level = OptimizationLevel.Basic) => Optimized(level).Graph.Nodes.Select(n => n.OpType).ToArray();

    /// <summary>The optimized (and validated) copy of the model.</summary>
    public Model Optimized(OptimizationLevel level = OptimizationLevel.Basic)
    {
        var copy = Model.Clone();
        GraphOptimizer.Optimize(copy, level);
        copy.Graph.Validate();
        return copy;
    }

    /// <summary>The largest difference between the optimized and unoptimized results, for seeded random inputs in [-range, range].</summary>
    public float MaxDifference(float range, int seed = 1, OptimizationLevel level = OptimizationLevel.Basic)
    {
        var rng = new Random(seed);
        var inputs = Graph.Inputs.Select(i =>
        {
            var shape = ((TensorTypeInfo)i.Type!).Shape!.Select(d => d.Value is { } v ? (int)v : SymbolicValue).ToArray();
            var data = new float[Tensor.ElementCount(shape)];
            for (int k = 0; k < data.Length; k++) data[k] = (float)((rng.NextDouble() * 2 - 1) * range);
            return Tensor.FromArray(data, shape);
        }).ToArray();
        using var plain = new InferenceSession(Model, new SessionOptions { OptimizationLevel = OptimizationLevel.None });
        using var fused = new InferenceSession(Model, new SessionOptions { OptimizationLevel = level });
        var a = plain.Run(inputs);
        var b = fused.Run(inputs);
        float max = 0;
        for (int o = 0; o < a.Length; o++)
        {
            Assert.Equal(a[o].Shape, b[o].Shape);
            Assert.Equal(a[o].Type, b[o].Type);
            for (int k = 0; k < a[o].Length; k++) max = Math.Max(max, (float)Math.Abs(a[o].GetDouble(k) - b[o].GetDouble(k)));
        }
        return max;
    }

    public static sbyte[] RandomInt8(int count, int seed)
    {
        var rng = new Random(seed);
        var r = new sbyte[count];
        for (int i = 0; i < r.Length; i++) r[i] = (sbyte)rng.Next(-127, 128);
        return r;
    }
}
