using System.Globalization;
using Pinhole.IR;
using Pinhole.Runtime;

namespace Pinhole.MicroBenchmarks;

/// <summary>
/// MaxPool 3x3 stride 2 with ceil mode over uint8 planes (SqueezeNet 1.0's pools in a quantized model) for the quick
/// <c>qpool</c> mode. Shape <c>C@H</c>: C planes of H x H bytes (SqueezeNet: 96@109, 256@54, 512@27).
/// </summary>
internal static class Int8PoolBenchmarks
{
    internal static (int Planes, int Size) Parse(string shape)
    {
        var m = System.Text.RegularExpressions.Regex.Match(shape, @"^(\d+)@(\d+)$");
        if (!m.Success) throw new ArgumentException($"bad pool shape '{shape}' (expected e.g. 512@27)");
        return (int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), int.Parse(m.Groups[2].Value, CultureInfo.InvariantCulture));
    }

    internal static (InferenceSession Session, Tensor[] Inputs) Create(string shape, int threads, Action<NodeExecution> observer)
    {
        var (planes, size) = Parse(shape);
        var x = new byte[planes * size * size];
        new Random(5).NextBytes(x);
        var model = new Model();
        model.OpsetImports[""] = 21;
        var node = new Node("MaxPool", ["x"], ["y"], "", "pool");
        node.Attributes["kernel_shape"] = NodeAttribute.Of("kernel_shape", new long[] { 3, 3 });
        node.Attributes["strides"] = NodeAttribute.Of("strides", new long[] { 2, 2 });
        node.Attributes["ceil_mode"] = NodeAttribute.Of("ceil_mode", 1L);
        model.Graph.Nodes.Add(node);
        model.Graph.Inputs.Add(new ValueInfo("x", new TensorTypeInfo(DataType.UInt8, [Dim.Known(1), Dim.Known(planes), Dim.Known(size), Dim.Known(size)])));
        // Timed by the node: y stays an arena intermediate under a small slice, not a new graph output.
        model.Graph.Nodes.Add(new Node("Slice", ["y", "zero", "one"], ["r"], "", "first"));
        model.Graph.Initializers["zero"] = Tensor.FromArray(new long[] { 0 }, [1]);
        model.Graph.Initializers["one"] = Tensor.FromArray(new long[] { 1 }, [1]);
        model.Graph.Outputs.Add(new ValueInfo("r"));
        var options = new SessionOptions { IntraOpThreads = threads, NodeExecuted = observer };
        return (new InferenceSession(model, options), [Tensor.FromArray(x, [1, planes, size, size])]);
    }
}
