using Pinhole.Runtime;

namespace Pinhole.Runtime.Tests.Execution;

public class IntraOpTests
{
    private readonly struct CountBody(int[] hits) : IParallelBody
    {
        public void Invoke(int index) => Interlocked.Increment(ref hits[index]);
    }

    private readonly struct ThrowBody(int bad) : IParallelBody
    {
        public void Invoke(int index)
        {
            if (index == bad) throw new InvalidOperationException($"item {index}");
        }
    }

    private readonly struct NestedBody(int[] hits, int inner) : IParallelBody
    {
        public void Invoke(int index) => IntraOp.For(inner, 4, new CountBody(hits));
    }

    [Theory]
    [InlineData(1, 1)]
    [InlineData(1000, 1)]
    [InlineData(1000, 2)]
    [InlineData(7, 16)]
    [InlineData(10000, 4)]
    [InlineData(65535, 2)] // the most items claimed from both ends
    [InlineData(65536, 3)] // from the front only
    public void EveryItemRunsExactlyOnce(int count, int threads)
    {
        for (int repeat = 0; repeat < 20; repeat++)
        {
            var hits = new int[count];
            IntraOp.For(count, threads, new CountBody(hits));
            Assert.All(hits, h => Assert.Equal(1, h));
        }
    }

    private readonly struct OwnerBody(int[] owner) : IParallelBody
    {
        public void Invoke(int index)
        {
            owner[index] = Environment.CurrentManagedThreadId;
            Thread.SpinWait(200);
        }
    }

    [Fact]
    public void TheCallerTakesItemsFromTheFrontAndTheHelperFromTheBack()
    {
        // So that two threads keep the same part of every loop from one kernel to the next.
        for (int repeat = 0; repeat < 20; repeat++)
        {
            var owner = new int[400];
            IntraOp.For(owner.Length, 2, new OwnerBody(owner));
            int caller = Environment.CurrentManagedThreadId;
            int prefix = 0;
            while (prefix < owner.Length && owner[prefix] == caller) prefix++;
            // The prefix may be empty: a busy machine can hold the caller back while the helper runs everything.
            Assert.All(owner[prefix..], o => Assert.NotEqual(caller, o));
        }
    }

    [Fact]
    public void ExceptionsReachTheCaller()
    {
        var e = Assert.Throws<InvalidOperationException>(() => IntraOp.For(100, 3, new ThrowBody(57)));
        Assert.Equal("item 57", e.Message);
        var hits = new int[50];
        IntraOp.For(50, 3, new CountBody(hits));
        Assert.All(hits, h => Assert.Equal(1, h));
    }

    [Fact]
    public void NestedLoopsComplete()
    {
        var hits = new int[64];
        IntraOp.For(8, 4, new NestedBody(hits, 64));
        Assert.All(hits, h => Assert.Equal(8, h));
    }

    [Fact]
    public void ConcurrentCallersDoNotMixTheirItems()
    {
        var results = new int[6][];
        Parallel.For(0, results.Length, i =>
        {
            for (int r = 0; r < 50; r++)
            {
                var hits = new int[200 + i];
                IntraOp.For(hits.Length, 3, new CountBody(hits));
                if (hits.Any(h => h != 1)) { results[i] = hits; return; }
            }
            results[i] = [];
        });
        Assert.All(results, r => Assert.Empty(r));
    }
}
