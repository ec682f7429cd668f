using CsCheck;
using Pinhole.IR;
using Pinhole.Runtime.Kernels;

namespace Pinhole.Runtime.Tests;

/// <summary>Transpose's block path (permutations that keep the last axes) against the strided reference, on 1 to 3 threads.</summary>
public class TransposeBlockTests
{
    [Fact]
    public void BlockPermutationsMatchTheStridedCopy()
    {
        // Rank 3 to 5, the last 1 or 2 axes kept, the others permuted; blocks of 16 to 240 floats.
        Gen.Select(Gen.Int[3, 5], Gen.Int[1, 2], Gen.Int[0, 1000], Gen.Int[1, 3]).Sample(t =>
        {
            var (rank, kept, seed, threads) = t;
            var rng = new Random(seed);
            var shape = new int[rank];
            for (int d = 0; d < rank; d++) shape[d] = d >= rank - kept ? rng.Next(4, 16) : rng.Next(1, 10);
            var outer = Enumerable.Range(0, rank - kept).OrderBy(_ => rng.Next()).ToArray();
            long[] perm = [.. outer.Select(v => (long)v), .. Enumerable.Range(rank - kept, kept).Select(v => (long)v)];
            var data = new float[Tensor.ElementCount(shape)];
            for (int i = 0; i < data.Length; i++) data[i] = i;
            var x = Tensor.FromArray(data, shape);
            var model = ModelBuilder.SingleNode("Transpose", 1, 1, 21, "", NodeAttribute.Of("perm", perm));
            Tensor expected;
            using (NnFast.Reference())
            using (var reference = new InferenceSession(model))
                expected = reference.Run([x])[0];
            using var session = new InferenceSession(model, new SessionOptions { IntraOpThreads = threads });
            for (int run = 0; run < 2; run++)
            {
                var y = session.Run([x])[0];
                Assert.Equal(expected.Shape, y.Shape);
                Assert.Equal(expected.Span<float>().ToArray(), y.Span<float>().ToArray());
            }
        }, iter: 150);
    }
}
