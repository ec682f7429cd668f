using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Running;

namespace Pinhole.MicroBenchmarks;

/// <summary>
/// Kernel micro-benchmarks (Release only): peak FMA rate, GEMM 512^3 per ISA and thread count, ResNet-50 convolutions.
/// Every benchmark reports GFLOP/s in its own column. Quick run: <c>dotnet run -c Release -- --filter '*' --job short</c>.
/// </summary>
public static class Program
{
    public static void Main(string[] args) =>
        BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly)
            .Run(args, DefaultConfig.Instance.AddColumn(new GflopsColumn()).WithBuildTimeout(TimeSpan.FromMinutes(10)));
}
