using Pinhole.IR;
using Pinhole.Runtime;

namespace Pinhole.MicroBenchmarks;

/// <summary>
/// QLinearConv (uint8 activations, int8 per-channel weights, int32 bias) for the quick <c>qconv</c> mode, in the shape syntax
/// of <see cref="ConvBenchmarks.Parse"/>. Weights are Gaussian, per channel up to 63 in magnitude (7-bit, as <c>pinhole quantize
/// --reduce-range</c> writes them: the u8 GEMM layout) or, with <c>wide</c>, 127 (8-bit: mostly the int16 layout).
/// </summary>
internal static class Int8ConvBenchmarks
{
    internal static (InferenceSession Session, Tensor[] Inputs) Create(string shape, int threads, bool wide, Action<NodeExecution> observer)
    {
        var (cin, cout, k, s, g, h) = ConvBenchmarks.Parse(shape);
        var rng = new Random(3);
        // Gaussian weights quantized per output channel (largest magnitude 63 or 127), as trained weights are.
        int range = wide ? 127 : 63, per = cin / g * k * k;
        var w = new sbyte[cout * per];
        var normal = new double[per];
        for (int o = 0; o < cout; o++)
        {
            double peak = 0;
            for (int i = 0; i < per; i++)
            {
                normal[i] = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
                peak = Math.Max(peak, Math.Abs(normal[i]));
            }
            for (int i = 0; i < per; i++) w[(o * per) + i] = (sbyte)Math.Round(normal[i] / peak * range);
        }
        var x = new byte[cin * h * h];
        rng.NextBytes(x);
        var bias = new int[cout];
        for (int i = 0; i < bias.Length; i++) bias[i] = rng.Next(-5000, 5000);
        var ws = new float[cout];
        for (int i = 0; i < ws.Length; i++) ws[i] = 0.001f * (1 + (i % 7));
        var model = new Model();
        model.OpsetImports[""] = 21;
        var node = new Node("QLinearConv", ["x", "xs", "xz", "w", "ws", "wz", "ys", "yz", "b"], ["y"], "", "conv");
        node.Attributes["strides"] = NodeAttribute.Of("strides", new long[] { s, s });
        node.Attributes["group"] = NodeAttribute.Of("group", (long)g);
        node.Attributes["pads"] = NodeAttribute.Of("pads", new long[] { k / 2, k / 2, k / 2, k / 2 });
        model.Graph.Nodes.Add(node);
        model.Graph.Inputs.Add(new ValueInfo("x", new TensorTypeInfo(DataType.UInt8, [Dim.Known(1), Dim.Known(cin), Dim.Known(h), Dim.Known(h)])));
        // Timed by the node: y stays an arena intermediate under a small slice, not a new graph output.
        model.Graph.Nodes.Add(new Node("Slice", ["y", "zero", "one"], ["r"], "", "first"));
        model.Graph.Initializers["zero"] = Tensor.FromArray(new long[] { 0 }, [1]);
        model.Graph.Initializers["one"] = Tensor.FromArray(new long[] { 1 }, [1]);
        model.Graph.Outputs.Add(new ValueInfo("r"));
        model.Graph.Initializers["xs"] = Tensor.Scalar(0.02f);
        model.Graph.Initializers["xz"] = Tensor.Scalar((byte)120);
        model.Graph.Initializers["w"] = Tensor.FromArray(w, [cout, cin / g, k, k]);
        model.Graph.Initializers["ws"] = Tensor.FromArray(ws, [cout]);
        model.Graph.Initializers["wz"] = Tensor.FromArray(new sbyte[cout], [cout]);
        model.Graph.Initializers["ys"] = Tensor.Scalar(0.05f);
        model.Graph.Initializers["yz"] = Tensor.Scalar((byte)128);
        model.Graph.Initializers["b"] = Tensor.FromArray(bias, [cout]);
        var options = new SessionOptions { IntraOpThreads = threads, NodeExecuted = observer };
        return (new InferenceSession(model, options), [Tensor.FromArray(x, [1, cin, h, h])]);
    }
}
