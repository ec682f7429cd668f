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

    internal static (int Cin, int Cout, int K, int S, int H) Parse(string shape)
    {
        var at = shape.Split('@');
        var ks = at[0].Split('k');
        var ch = ks[0].Split('-');
        var kparts = ks[1].Split('s');
        return (int.Parse(ch[0], CultureInfo.InvariantCulture), int.Parse(ch[1], CultureInfo.InvariantCulture),
            int.Parse(kparts[0], CultureInfo.InvariantCulture), kparts.Length > 1 ? int.Parse(kparts[1], CultureInfo.InvariantCulture) : 1,
            int.Parse(at[1], CultureInfo.InvariantCulture));
    }

    internal static double FlopsOf(string shape)
    {
        var (cin, cout, k, s, h) = Parse(shape);
        int o = ((h + (2 * (k / 2)) - k) / s) + 1;
        return 2.0 * cin * cout * k * k * o * o;
    }

    public double Flops(string method) => FlopsOf(Shape);

    [GlobalSetup]
    public void Setup() => (_session, _inputs) = Create(Shape, Threads);

    internal static (InferenceSession Session, Tensor[] Inputs) Create(string shape, int threads)
    {
        var (cin, cout, k, s, h) = Parse(shape);
        var rng = new Random(3);
        var w = new float[cout * cin * k * k];
        for (int i = 0; i < w.Length; i++) w[i] = (float)(rng.NextDouble() - 0.5);
        var x = new float[cin * h * h];
        for (int i = 0; i < x.Length; i++) x[i] = (float)rng.NextDouble();
        var model = new Model();
        model.OpsetImports[""] = 21;
        var node = new Node("Conv", ["x", "w"], ["y"], "", "conv");
        node.Attributes["strides"] = NodeAttribute.Of("strides", new long[] { s, s });
        node.Attributes["pads"] = NodeAttribute.Of("pads", new long[] { k / 2, k / 2, k / 2, k / 2 });
        model.Graph.Nodes.Add(node);
        model.Graph.Inputs.Add(new ValueInfo("x"));
        model.Graph.Outputs.Add(new ValueInfo("y"));
        model.Graph.Initializers["w"] = Tensor.FromArray(w, [cout, cin, k, k]);
        return (new InferenceSession(model, new SessionOptions { IntraOpThreads = threads }), [Tensor.FromArray(x, [1, cin, h, h])]);
    }

    [GlobalCleanup]
    public void Cleanup() => _session?.Dispose();

    [Benchmark]
    public Tensor Conv() => _session!.Run(_inputs)[0];
}
