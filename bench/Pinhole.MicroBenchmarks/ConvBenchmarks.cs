using BenchmarkDotNet.Attributes;
using Pinhole.IR;
using Pinhole.Runtime;

namespace Pinhole.MicroBenchmarks;

/// <summary>ResNet-50 convolutions at batch 1, 224x224 input (conv1 and the 1x1/3x3/1x1 of each stage), constant weights.</summary>
public class ConvBenchmarks : IFlopCount
{
    /// <summary>Name: channels in, channels out, kernel, stride, input size.</summary>
    public static IEnumerable<string> Shapes =>
    [
        "conv1 3-64 k7 s2 224",
        "s2-1x1r 256-64 k1 s1 56", "s2-3x3 64-64 k3 s1 56", "s2-1x1e 64-256 k1 s1 56",
        "s3-1x1r 512-128 k1 s1 28", "s3-3x3 128-128 k3 s1 28", "s3-1x1e 128-512 k1 s1 28",
        "s4-1x1r 1024-256 k1 s1 14", "s4-3x3 256-256 k3 s1 14", "s4-1x1e 256-1024 k1 s1 14",
        "s5-1x1r 2048-512 k1 s1 7", "s5-3x3 512-512 k3 s1 7", "s5-1x1e 512-2048 k1 s1 7",
    ];

    [ParamsSource(nameof(Shapes))]
    public string Shape { get; set; } = "";

    [Params(1)]
    public int Threads { get; set; }

    private InferenceSession? _session;
    private Tensor[] _inputs = [];

    private (int Cin, int Cout, int K, int S, int H) Parse()
    {
        var p = Shape.Split(' ');
        var ch = p[1].Split('-');
        return (int.Parse(ch[0]), int.Parse(ch[1]), int.Parse(p[2][1..]), int.Parse(p[3][1..]), int.Parse(p[4]));
    }

    public double Flops(string method)
    {
        var (cin, cout, k, s, h) = Parse();
        int o = ((h + (2 * (k / 2)) - k) / s) + 1;
        return 2.0 * cin * cout * k * k * o * o;
    }

    [GlobalSetup]
    public void Setup()
    {
        var (cin, cout, k, s, h) = Parse();
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
        _session = new InferenceSession(model, new SessionOptions { IntraOpThreads = Threads });
        _inputs = [Tensor.FromArray(x, [1, cin, h, h])];
    }

    [GlobalCleanup]
    public void Cleanup() => _session?.Dispose();

    [Benchmark]
    public Tensor Conv() => _session!.Run(_inputs)[0];
}
