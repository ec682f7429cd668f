using CsCheck;
using Pinhole.Runtime.Kernels;

namespace Pinhole.Runtime.Tests;

public class BroadcastTests
{
    [Theory]
    [InlineData(new[] { 2, 3 }, new[] { 3 }, new[] { 2, 3 })]
    [InlineData(new[] { 2, 1, 4 }, new[] { 3, 1 }, new[] { 2, 3, 4 })]
    [InlineData(new int[0], new[] { 5 }, new[] { 5 })]
    public void ShapeFollowsNumpyRules(int[] a, int[] b, int[] expected) =>
        Assert.Equal(expected, Broadcast.Shape(a, b));

    [Fact]
    public void IncompatibleShapesAreRejected() =>
        Assert.Throws<ArgumentException>(() => Broadcast.Shape([2, 3], [4]));

    [Fact]
    public void AddMatchesAScalarReferenceOnRandomShapes()
    {
        var gen = Gen.Int[1, 3].Array[0, 4].Select(Gen.Bool.Array[4], (dims, mask) => (dims, mask));
        gen.Sample(t =>
        {
            var outShape = t.dims;
            var aShape = outShape.Select((d, i) => t.mask[i] ? 1 : d).ToArray();
            var bShape = outShape.Skip(outShape.Length / 2).ToArray();
            var a = Tensor.FromArray(Enumerable.Range(0, Tensor.ElementCount(aShape)).Select(i => (float)i).ToArray(), aShape);
            var b = Tensor.FromArray(Enumerable.Range(0, Tensor.ElementCount(bShape)).Select(i => 100f * i).ToArray(), bShape);
            var y = ModelBuilder.Run("Add", [a, b])[0];
            var shape = Broadcast.Shape(aShape, bShape);
            Assert.Equal(shape, y.Shape);
            var sa = Broadcast.Strides(aShape, shape);
            var sb = Broadcast.Strides(bShape, shape);
            var index = new int[shape.Length];
            for (int k = 0; k < y.Length; k++)
            {
                int rem = k, oa = 0, ob = 0;
                for (int d = shape.Length - 1; d >= 0; d--)
                {
                    int i = rem % shape[d];
                    rem /= shape[d];
                    oa += i * sa[d];
                    ob += i * sb[d];
                }
                Assert.Equal(a.Span<float>()[oa] + b.Span<float>()[ob], y.Span<float>()[k]);
            }
        });
    }
}
