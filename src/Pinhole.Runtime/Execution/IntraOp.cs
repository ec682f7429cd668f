using System.Collections.Concurrent;
using System.Diagnostics;
using System.Runtime.ExceptionServices;

namespace Pinhole.Runtime;

/// <summary>One unit of a parallel loop. Implement it on a struct holding only read-only state (arrays, pointers, sizes).</summary>
public interface IParallelBody
{
    /// <summary>Runs item <paramref name="index"/>. Items must be independent: each writes only its own part of the output.</summary>
    void Invoke(int index);
}

/// <summary>
/// Intra-op parallelism over one process-wide pool of worker threads. <see cref="For{T}"/> splits items among the
/// caller and up to threads - 1 workers; every item is run exactly once by one thread, so a kernel whose items write
/// disjoint outputs gives the same bits for any thread count. Does not allocate per call (after the first call of a
/// body type on a thread); nested calls are safe (the caller always works through its own items).
/// </summary>
public static class IntraOp
{
    private static readonly ConcurrentQueue<Ticket> Tickets = new();
    private static readonly SemaphoreSlim Wake = new(0);

    /// <summary>Workers blocked (or about to block) on <see cref="Wake"/>: only they are released, so that spinning workers do
    /// not leave semaphore counts behind that would keep them spinning after the work is done.</summary>
    private static int _sleeping;
    private static readonly Lock WorkerGate = new();
    private static int _workers;

    /// <summary>The thread count used when a session does not set one: the number of logical processors.</summary>
    public static int DefaultThreads => Environment.ProcessorCount;

    /// <summary>Runs <paramref name="body"/> for items 0..count-1 on up to <paramref name="threads"/> threads (the caller included).</summary>
    public static void For<T>(int count, int threads, in T body) where T : struct, IParallelBody
    {
        if (count <= 0) return;
        int helpers = Math.Min(threads, count) - 1;
        if (helpers <= 0)
        {
            for (int i = 0; i < count; i++) body.Invoke(i);
            return;
        }
        EnsureWorkers(helpers);
        var job = Job<T>.Rent();
        int generation = job.Start(body, count);
        for (int h = 0; h < helpers; h++) Tickets.Enqueue(new Ticket(job, generation));
        int sleeping = Volatile.Read(ref _sleeping);
        if (sleeping > 0) Wake.Release(Math.Min(helpers, sleeping));
        job.Work(generation, fromBack: false);
        job.WaitAndReturn();
    }

    private static void EnsureWorkers(int wanted)
    {
        if (Volatile.Read(ref _workers) >= wanted) return;
        lock (WorkerGate)
        {
            while (_workers < wanted)
            {
                var thread = new Thread(WorkerLoop) { IsBackground = true, Name = $"pinhole-intra-op-{_workers}" };
                thread.Start();
                _workers++;
            }
        }
    }

    /// <summary>How long a worker (or a caller waiting for its helpers) spins before blocking: about 1 ms.</summary>
    private static readonly long SpinTicks = Stopwatch.Frequency / 1000;

    private static void WorkerLoop()
    {
        while (true)
        {
            // Spin for a while before sleeping: a model run hands out work every few microseconds, and waking a sleeping
            // thread costs tens of microseconds; after ~1 ms without work (between runs) the worker sleeps.
            Ticket ticket;
            long spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            int spins = 0;
            while (!Tickets.TryDequeue(out ticket))
            {
                if ((++spins & 63) == 0 && Stopwatch.GetTimestamp() > spinUntil)
                {
                    Interlocked.Increment(ref _sleeping);
                    // Look once more after announcing the sleep: work queued just before it would get no release.
                    bool found = Tickets.TryDequeue(out ticket);
                    if (!found) Wake.Wait();
                    Interlocked.Decrement(ref _sleeping);
                    if (found) break;
                    spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
                    continue;
                }
                Thread.SpinWait(20);
            }
            ticket.Job.Work(ticket.Generation, fromBack: true);
        }
    }

    private readonly record struct Ticket(PoolJob Job, int Generation);

    private abstract class PoolJob
    {
        /// <summary>
        /// Runs unclaimed items of the given generation, taking them from the front of the range (the caller) or from its
        /// back (helpers); a stale ticket (older generation) does nothing.
        /// </summary>
        public abstract void Work(int generation, bool fromBack);
    }

    private sealed class Job<T> : PoolJob where T : struct, IParallelBody
    {
        [ThreadStatic] private static Job<T>? _cached;

        private readonly ManualResetEventSlim _done = new(false);
        private T _body;
        private int _count;
        private int _remaining;
        private ExceptionDispatchInfo? _error;

        // High 32 bits: generation. Low 32 bits: for up to 65535 items, the next item from the front (bits 0-15) and the end
        // of the unclaimed range (bits 16-31), so that the caller works from the front and helpers from the back: with two
        // threads each keeps the same part of every loop (the first rows, channels or panels for the caller), and a
        // kernel reads mostly what the same core wrote in the one before, instead of data in the other core's cache. More
        // items: the next item only, claimed from the front by all. Claims check the generation, so a ticket left over
        // from an earlier call cannot take items of a later one.
        private long _state;
        private bool _twoEnded;

        public static Job<T> Rent()
        {
            var job = _cached ?? new Job<T>();
            _cached = null;
            return job;
        }

        public int Start(in T body, int count)
        {
            _body = body;
            _count = count;
            _remaining = count;
            _error = null;
            _done.Reset();
            _twoEnded = count <= 0xFFFF;
            int generation = (int)(Volatile.Read(ref _state) >> 32) + 1;
            Volatile.Write(ref _state, ((long)generation << 32) | (_twoEnded ? (long)count << 16 : 0));
            return generation;
        }

        public override void Work(int generation, bool fromBack)
        {
            while (true)
            {
                long state = Volatile.Read(ref _state);
                if ((int)(state >> 32) != generation) return;
                int index;
                long next;
                if (_twoEnded)
                {
                    int front = (int)(state & 0xFFFF), end = (int)((state >> 16) & 0xFFFF);
                    if (front >= end) return;
                    (index, next) = fromBack ? (end - 1, state - (1L << 16)) : (front, state + 1);
                }
                else
                {
                    index = (int)state;
                    if (index >= _count) return;
                    next = state + 1;
                }
                if (Interlocked.CompareExchange(ref _state, next, state) != state) continue;
                try
                {
                    _body.Invoke(index);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref _error, ExceptionDispatchInfo.Capture(e), null);
                }
                if (Interlocked.Decrement(ref _remaining) == 0) _done.Set();
            }
        }

        public void WaitAndReturn()
        {
            // The helpers usually finish within microseconds of the caller: spin before blocking on the event.
            long spinUntil = Stopwatch.GetTimestamp() + SpinTicks;
            int spins = 0;
            while (Volatile.Read(ref _remaining) > 0 && ((++spins & 63) != 0 || Stopwatch.GetTimestamp() < spinUntil)) Thread.SpinWait(20);
            _done.Wait();
            var error = _error;
            _body = default;
            _error = null;
            _cached = this;
            error?.Throw();
        }
    }
}
