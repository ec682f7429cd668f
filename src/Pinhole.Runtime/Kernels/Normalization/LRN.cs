using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>LRN: y = x / (bias + alpha / size * sum of x^2 over neighbouring channels)^beta.</summary>
internal sealed class LRN : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "LRN", 1, info => new LRN(info));

    private readonly float _alpha;
    private readonly float _beta;
    private readonly float _bias;
    private readonly int _size;

    public override string Variant => NnFast.Enabled ? "tiled vector" : "scalar";

    private LRN(KernelInfo info)
    {
        _alpha = info.GetFloat("alpha", 1e-4f);
        _beta = info.GetFloat("beta", 0.75f);
        _bias = info.GetFloat("bias", 1f);
        long size = info.GetInt("size");
        if (size <= 0 || size > int.MaxValue) throw info.Invalid($"size {size} must be positive");
        _size = (int)size;
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (!NnData.IsFloat(x.Type)) throw context.Error($"element type {DataTypes.OnnxName(x.Type)} is not supported");
        if (x.Rank < 2) throw context.Error("input must have rank 2 or more");
        int batch = x.Shape[0], channels = x.Shape[1], spatial = NnData.Product(x.Shape, 2, x.Rank);
        float k = _alpha / _size;
        if (x.Type == DataType.Float && NnFast.Enabled && NnLrnFast.Supports(channels))
        {
            var fast = context.OutputUninitialized(0, x.Type, x.Shape);
            NnLrnFast.Run(x.ReadOnlySpan<float>(), fast.Span<float>(), batch, channels, spatial, _size, k, _bias, _beta,
                context.Options.IntraOpThreads);
            return;
        }
        var y = context.Output(0, x.Type, x.Shape);
        var xs = NnData.Floats(x);
        var ys = NnRows.Destination(y, out var temp);
        int before = (_size - 1) / 2, after = _size - 1 - before;
        for (int b = 0; b < batch; b++)
        {
            for (int c = 0; c < channels; c++)
            {
                int lo = Math.Max(0, c - before), hi = Math.Min(channels - 1, c + after);
                for (int s = 0; s < spatial; s++)
                {
                    float sum = 0;
                    for (int j = lo; j <= hi; j++)
                    {
                        float v = xs[(b * channels + j) * spatial + s];
                        sum += v * v;
                    }
                    int at = (b * channels + c) * spatial + s;
                    ys[at] = xs[at] / MathF.Pow(_bias + k * sum, _beta);
                }
            }
        }
        NnRows.Commit(y, temp);
    }
}
