using Pinhole.IR;

namespace Pinhole.Runtime.Tests.Session;

/// <summary>
/// The CLR lets a byte[] pass as an sbyte[] (and ushort[]/short[], uint[]/int[], ulong[]/long[]); kernels that chose
/// a path from the array instead of the element type read 200 as -56. These cases pin the element-type dispatch.
/// </summary>
public class UnsignedStorageTests
{
    private static Tensor Bytes() => Tensor.FromArray(new byte[] { 200, 100 }, [2]);

    [Fact]
    public void ReduceMaxReadsUint8AsUnsigned()
    {
        var y = ModelBuilder.Run("ReduceMax", [Bytes()], opset: 13, attributes: NodeAttribute.Of("keepdims", 0L))[0];
        Assert.Equal((byte)200, y.Span<byte>()[0]);
    }

    [Fact]
    public void WhereKeepsUint8Values()
    {
        var condition = Tensor.FromArray(new[] { true, false }, [2]);
        var y = ModelBuilder.Run("Where", [condition, Bytes(), Tensor.FromArray(new byte[] { 250, 251 }, [2])])[0];
        Assert.Equal(new byte[] { 200, 251 }, y.Span<byte>().ToArray());
    }

    [Fact]
    public void PowOfUint8IsUnsigned()
    {
        var y = ModelBuilder.Run("Pow", [Bytes(), Tensor.FromArray(new byte[] { 1, 1 }, [2])])[0];
        Assert.Equal(new byte[] { 200, 100 }, y.Span<byte>().ToArray());
    }

    [Fact]
    public void ResizeNearestKeepsUint8Values()
    {
        var x = Tensor.FromArray(new byte[] { 200, 100, 250, 5 }, [1, 1, 2, 2]);
        var scales = Tensor.FromArray(new[] { 1f, 1f, 1f, 1f }, [4]);
        using var session = new InferenceSession(ResizeModel());
        var y = session.Run(x, scales)[0];
        Assert.Equal(new byte[] { 200, 100, 250, 5 }, y.Span<byte>().ToArray());
    }

    [Fact]
    public void ResizeLinearDoesNotClampUint8AtSignedRange()
    {
        var x = Tensor.FromArray(new byte[] { 200, 100, 250, 5 }, [1, 1, 2, 2]);
        var scales = Tensor.FromArray(new[] { 1f, 1f, 1f, 1f }, [4]);
        using var session = new InferenceSession(ResizeModel("linear"));
        Assert.Equal(new byte[] { 200, 100, 250, 5 }, session.Run(x, scales)[0].Span<byte>().ToArray());
    }

    private static Model ResizeModel(string mode = "nearest")
    {
        var model = new Model();
        model.OpsetImports[""] = 13;
        model.Graph.Nodes.Add(new Node("Resize", ["x", "", "scales"], ["y"], "", "resize").WithAttribute(NodeAttribute.Of("mode", mode)));
        model.Graph.Inputs.Add(new ValueInfo("x"));
        model.Graph.Inputs.Add(new ValueInfo("scales"));
        model.Graph.Outputs.Add(new ValueInfo("y"));
        return model;
    }
}
