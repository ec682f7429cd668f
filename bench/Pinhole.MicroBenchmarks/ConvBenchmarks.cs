using System.Globalization;
using BenchmarkDotNet.Attributes;
using Pinhole.IR;
using Pinhole.Runtime;

namespace Pinhole.MicroBenchmarks;

/// <summary>ResNet-50 convolutions at batch 1, 224x224 input (conv1 and the 1x1/3x3/1x1 of each stage), constant weights.</summary>
public class ConvBenchmarks : IFlopCount
{
    /// <summary>Cin-Cout, kernel size, stride (default 1), @ input size; pads k / 2.</summary>
    public static IEnumerable<string> Shapes =>
    [
        "3-64k7s2@224",
        "256-64k1@56", "64-64k3@56", "64-256k1@56",
        "512-128k1@28", "128-128k3@28", "128-512k1@28",
        "1024-256k1@14", "256-256k3@14", "256-1024k1@14",
        "2048-512k1@7", "512-512k3@7", "512-2048k1@7",
    ];

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "";

    [Params(1)]
    public int Threads { get; set; }

    private InferenceSession? _session;
    private Tensor[] _inputs = [];

    /// <summary>"Cin-Cout" "k" kernel ["s" stride] ["g" groups] "@" size, e.g. 96-96k3s2g96@122 (a depthwise 3x3, stride 2).</summary>
    internal static (int Cin, int Cout, int K, int S, int G, int H) Parse(string shape)
    {
        var m = System.Text.RegularExpressions.Regex.Match(shape, @"^(\d+)-(\d+)k(\d+)(?:s(\d+))?(?:g(\d+))?@(\d+)$");
        if (!m.Success) throw new ArgumentException($"bad conv shape '{shape}' (expected e.g. 64-64k3s2g1@56)");
        int Get(int i, int d) => m.Groups[i].Success ? int.Parse(m.Groups[i].Value, CultureInfo.InvariantCulture) : d;
        return (Get(1, 0), Get(2, 0), Get(3, 0), Get(4, 1), Get(5, 1), Get(6, 0));
    }

    internal static double FlopsOf(string shape)
    {
        var (cin, cout, k, s, g, h) = Parse(shape);
        int o = ((h + (2 * (k / 2)) - k) / s) + 1;
        return 2.0 * cin / g * cout * k * k * o * o;
    }

    public double Flops(string method) => FlopsOf(Shape);

    [GlobalSetup]
    public void Setup() => (_session, _inputs) = Create(Shape, Threads);

    internal static (InferenceSession Session, Tensor[] Inputs) Create(string shape, int threads, Action<NodeExecution>? observer = null)
    {
        var (cin, cout, k, s, g, h) = Parse(shape);
        var rng = new Random(3);
        var w = new float[cout * (cin / g) * k * k];
        for (int i = 0; i < w.Length; i++) w[i] = (float)(rng.NextDouble() - 0.5);
        var x = new float[cin * h * h];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
        var model = new Model();
        model.OpsetImports[""] = 21;
        var node = new Node("Conv", ["x", "w"], ["y"], "", "conv");
        node.Attributes["strides"] = NodeAttribute.Of("strides", new long[] { s, s });
        node.Attributes["group"] = NodeAttribute.Of("group", (long)g);
        node.Attributes["pads"] = NodeAttribute.Of("pads", new long[] { k / 2, k / 2, k / 2, k / 2 });
        model.Graph.Nodes.Add(node);
        // A declared input shape, as ONNX models have: kernels may choose their method by it (Winograd needs the width).
        model.Graph.Inputs.Add(new ValueInfo("x", new TensorTypeInfo(DataType.Float, [Dim.Known(1), Dim.Known(cin), Dim.Known(h), Dim.Known(h)])));
        if (observer is null)
        {
            model.Graph.Outputs.Add(new ValueInfo("y"));
        }
        else
        {
            // Timed by the node: y stays an arena intermediate (as in a model) under a small reduction, not a new graph output.
            model.Graph.Nodes.Add(new Node("Slice", ["y", "zero", "one"], ["r"], "", "first"));
            model.Graph.Initializers["zero"] = Tensor.FromArray(new long[] { 0 }, [1]);
            model.Graph.Initializers["one"] = Tensor.FromArray(new long[] { 1 }, [1]);
            model.Graph.Outputs.Add(new ValueInfo("r"));
        }
        model.Graph.Initializers["w"] = Tensor.FromArray(w, [cout, cin / g, k, k]);
        return (new InferenceSession(model, new SessionOptions { IntraOpThreads = threads, NodeExecuted = observer }), [Tensor.FromArray(x, [1, cin, h, h])]);
    }

    [GlobalCleanup]
    public void Cleanup() => _session?.Dispose();

    [Benchmark]
    public Tensor Conv() => _session!.Run(_inputs)[0];
}
