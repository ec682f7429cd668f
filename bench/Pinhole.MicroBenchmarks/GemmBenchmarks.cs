using BenchmarkDotNet.Attributes;
using Pinhole.Runtime.Kernels;

namespace Pinhole.MicroBenchmarks;

/// <summary>C = A * B, 512 x 512 x 512 float32, per ISA path and thread count.</summary>
public class GemmBenchmarks : IFlopCount
{
    private const int N = 512;
    private float[] _a = [];
    private float[] _b = [];
    private float[] _c = [];

    public static IEnumerable<GemmIsa> Isas => Isa.Supported().Where(i => i != GemmIsa.Scalar);

    [ParamsSource(nameof(Isas))]
    public GemmIsa Path { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    public double Flops(string method) => 2.0 * N * N * N;

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _a = new float[N * N];
        _b = new float[N * N];
        _c = new float[N * N];
        for (int i = 0; i < _a.Length; i++)
        {
            _a[i] = (float)rng.NextDouble();
            _b[i] = (float)rng.NextDouble();
        }
    }

    [Benchmark]
    public void Gemm512() => Linalg.Gemm(false, false, N, N, N, 1f, _a, N, _b, N, 0f, _c, N, Threads, Path);
}
