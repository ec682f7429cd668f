using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace Pinhole.MicroBenchmarks;

/// <summary>
/// Kernel micro-benchmarks (Release only): peak FMA rate, GEMM 512^3 per ISA and thread count, ResNet-50 convolutions.
/// Every benchmark reports GFLOP/s in its own column. Short BenchmarkDotNet run: <c>dotnet run -c Release -- --filter '*' --job short</c>.
/// On a loaded machine use <c>dotnet run -c Release -- quick [repeats]</c>: best of repeats, timed by this process's CPU time
/// (not disturbed by other processes taking turns on the cores), one thread for every line but the 2-thread GEMM.
/// </summary>
public static class Program
{
    public static void Main(string[] args)
    {
        if (args.Length > 0 && args[0] == "quick")
        {
            QuickRun.Run(args.Length > 1 ? int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture) : 5);
            return;
        }
        if (args.Length > 2 && args[0] == "conv")
        {
            // conv THREADS SHAPE...: quick figures for chosen convolution shapes (see ConvBenchmarks.Parse).
            QuickRun.RunConvs(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), args[2..]);
            return;
        }
        if (args.Length > 2 && args[0] == "qpool")
        {
            // qpool THREADS SHAPE...: uint8 MaxPool 3x3 stride 2 (see Int8PoolBenchmarks).
            QuickRun.RunPools(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), args[2..]);
            return;
        }
        if (args.Length > 1 && args[0] == "kernel")
        {
            // kernel KC: the Vector512 GEMM micro-kernel alone, operands in L1 (see KernelTiming).
            KernelTiming.Run(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
            return;
        }
        if (args.Length > 1 && args[0] == "pack")
        {
            // pack SHAPE...: the implicit GEMM's panel packing alone (see PackTiming).
            foreach (var shape in args[1..]) PackTiming.Run(shape);
            return;
        }
        if (args.Length > 2 && args[0] == "qconv")
        {
            // qconv THREADS SHAPE...: the same for QLinearConv (uint8 x int8, see Int8ConvBenchmarks); "w:SHAPE" for 8-bit weights.
            QuickRun.RunConvs(int.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture), args[2..], int8: true);
            return;
        }
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly)
            .Run(args, DefaultConfig.Instance.AddColumn(new GflopsColumn()).WithBuildTimeout(TimeSpan.FromMinutes(10)));
    }
}
