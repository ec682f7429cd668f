using System.Diagnostics;
using Pinhole.Runtime;
using Pinhole.Runtime.Kernels;

namespace Pinhole.MicroBenchmarks;

/// <summary>The quick mode: every figure is the best of several repeats, in GFLOP/s of process CPU time (and wall time).</summary>
internal static class QuickRun
{
    private static double CpuSeconds() => Process.GetCurrentProcess().UserProcessorTime.TotalSeconds;

    /// <summary>Best (CPU-time rate, wall rate) over repeats of enough calls to take at least ~0.2 s.</summary>
    private static (double Cpu, double Wall) Measure(double flopsPerCall, int repeats, Action call)
    {
        call();
        int calls = Math.Max(3, (int)(3e10 / Math.Max(flopsPerCall, 1)));
        double cpu = 0, wall = 0;
        for (int r = 0; r < repeats; r++)
        {
            double c0 = CpuSeconds();
            var sw = Stopwatch.StartNew();
            for (int i = 0; i < calls; i++) call();
            double wallSec = sw.Elapsed.TotalSeconds, cpuSec = CpuSeconds() - c0;
            wall = Math.Max(wall, flopsPerCall * calls / wallSec / 1e9);
            if (cpuSec > 0) cpu = Math.Max(cpu, flopsPerCall * calls / cpuSec / 1e9);
        }
        return (cpu, wall);
    }

    /// <summary>
    /// Only the given convolution shapes (syntax of <see cref="ConvBenchmarks.Parse"/>) at the given thread count, timed by the
    /// node's own elapsed time (median of many runs), so the output allocation of a one-node session does not count. With
    /// PINHOLE_BENCH_COLD=1 every run starts from cold caches, as the first layer of a model does.
    /// </summary>
    public static void RunConvs(int threads, IEnumerable<string> shapes, bool int8 = false)
    {
        foreach (string arg in shapes)
        {
            var times = new List<double>();
            string variant = "";
            void Observe(NodeExecution e)
            {
                if (e.Node.Name != "conv") return;
                times.Add(e.Elapsed.TotalMilliseconds);
                variant = e.Variant;
            }
            // int8: a "w:" prefix takes 8-bit weights (the int16 layout) instead of 7-bit ones.
            string shape = arg.StartsWith("w:", StringComparison.Ordinal) ? arg[2..] : arg;
            var (session, inputs) = int8 ? Int8ConvBenchmarks.Create(shape, threads, shape != arg, Observe) : ConvBenchmarks.Create(shape, threads, Observe);
            using (session)
            {
                double flops = ConvBenchmarks.FlopsOf(shape);
                int calls = Math.Clamp((int)(2e10 / flops), 20, 20000);
                for (int i = 0; i < calls; i++) session.Run(inputs);
                times.Clear();
                // PINHOLE_BENCH_COLD=1: every run starts with cold caches (64 MiB written first), as a layer deep in a model
                // whose input and output were evicted since their last use.
                var evict = Environment.GetEnvironmentVariable("PINHOLE_BENCH_COLD") == "1" ? new byte[64 << 20] : null;
                for (int i = 0; i < calls; i++)
                {
                    evict?.AsSpan().Fill((byte)i);
                    session.Run(inputs);
                }
                times.Sort();
                double median = times[times.Count / 2], best = times[0];
                string unit = int8 ? "GOP/s" : "GFLOP/s";
                Console.WriteLine($"{(int8 ? "qconv" : "conv")} {arg} [{variant}] ({threads} thread(s)): median {median:F4} ms = {flops / median / 1e6:F1} {unit} (best {best:F4} ms)");
            }
        }
    }

    /// <summary>qpool THREADS SHAPE...: the uint8 MaxPool 3x3 stride 2 of <see cref="Int8PoolBenchmarks"/>, median of 2000 runs.</summary>
    public static void RunPools(int threads, IEnumerable<string> shapes)
    {
        foreach (string shape in shapes)
        {
            var times = new List<double>();
            string variant = "";
            void Observe(NodeExecution e)
            {
                if (e.Node.Name != "pool") return;
                times.Add(e.Elapsed.TotalMilliseconds);
                variant = e.Variant;
            }
            var (session, inputs) = Int8PoolBenchmarks.Create(shape, threads, Observe);
            using (session)
            {
                for (int i = 0; i < 2000; i++) session.Run(inputs);
                times.Clear();
                for (int i = 0; i < 2000; i++) session.Run(inputs);
                times.Sort();
                var (planes, size) = Int8PoolBenchmarks.Parse(shape);
                double median = times[times.Count / 2];
                Console.WriteLine($"qpool {shape} [{variant}] ({threads} thread(s)): median {median * 1000:F1} us = {planes * size * size / median / 1e6:F2} GB/s in (best {times[0] * 1000:F1} us)");
            }
        }
    }

    public static void Run(int repeats)
    {
        Console.WriteLine($"Default path: {Isa.Name(Isa.Default)}; GFLOP/s by CPU time (wall); best of {repeats}");
        var p256 = Measure(1e7 * 10 * 16, repeats, () => PeakFmaBenchmarks.Fma256Loop(10_000_000));
        Console.WriteLine($"peak FMA Vector256: {p256.Cpu:F1} ({p256.Wall:F1})");
        if (System.Runtime.Intrinsics.X86.Avx512F.IsSupported)
        {
            var p512 = Measure(1e7 * 10 * 32, repeats, () => PeakFmaBenchmarks.Fma512Loop(10_000_000));
            Console.WriteLine($"peak FMA Vector512: {p512.Cpu:F1} ({p512.Wall:F1})");
        }
        var g = new GemmBenchmarks();
        g.Setup();
        foreach (var isa in GemmBenchmarks.Isas)
            foreach (int threads in new[] { 1, 2 })
            {
                g.Path = isa;
                g.Threads = threads;
                var r = Measure(g.Flops(""), repeats, g.Gemm512);
                Console.WriteLine($"GEMM 512^3 {isa} {threads} thread(s): {r.Cpu:F1} per CPU second ({r.Wall:F1} wall)");
            }
        foreach (string shape in ConvBenchmarks.Shapes)
        {
            var (session, inputs) = ConvBenchmarks.Create(shape, 1);
            using (session)
            {
                var r = Measure(ConvBenchmarks.FlopsOf(shape), repeats, () => session.Run(inputs));
                Console.WriteLine($"ResNet-50 conv {shape}: {r.Cpu:F1} ({r.Wall:F1})");
            }
        }
    }
}
