using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>AffineGrid (opset 20): sampling grids theta·[x, y, (z,) 1] over normalized 2-D or 3-D positions.</summary>
internal sealed class AffineGrid : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "AffineGrid", 20, info => new AffineGrid(info));

    private readonly bool _alignCorners;

    private AffineGrid(KernelInfo info) => _alignCorners = info.GetInt("align_corners", 0) != 0;

    private double[] Positions(int n)
    {
        var p = new double[n];
        for (int i = 0; i < n; i++)
            p[i] = _alignCorners ? (n == 1 ? -1 : -1 + 2.0 * i / (n - 1)) : (2.0 * i + 1) / n - 1;
        return p;
    }

    public override void Execute(KernelContext context)
    {
        var theta = context.Input(0);
        var size = context.Input(1).ToInt64Array();
        if (size.Length is not (4 or 5)) throw context.Error($"size must have 4 or 5 entries, has {size.Length}");
        int r = size.Length - 2;
        int batch = (int)size[0];
        if (theta.Rank != 3 || theta.Shape[0] != batch || theta.Shape[1] != r || theta.Shape[2] != r + 1)
            throw context.Error($"theta has shape {Tensor.FormatShape(theta.Shape)}, expected [{batch},{r},{r + 1}]");
        foreach (long s in size) if (s < 0 || s > int.MaxValue) throw context.Error($"invalid size {s}");
        int d = r == 3 ? (int)size[2] : 1, h = (int)size[^2], w = (int)size[^1];
        var zs = Positions(d);
        var ys = Positions(h);
        var xs = Positions(w);
        int[] shape = r == 2 ? [batch, h, w, 2] : [batch, d, h, w, 3];
        var result = new double[Tensor.ElementCount(shape)];
        var th = new double[theta.Length];
        for (int i = 0; i < th.Length; i++) th[i] = theta.GetDouble(i);
        int o = 0;
        for (int n = 0; n < batch; n++)
            for (int k = 0; k < d; k++)
                for (int i = 0; i < h; i++)
                    for (int j = 0; j < w; j++)
                    {
                        int tb = n * r * (r + 1);
                        for (int row = 0; row < r; row++)
                        {
                            int t = tb + row * (r + 1);
                            double v = th[t] * xs[j] + th[t + 1] * ys[i];
                            v += r == 3 ? th[t + 2] * zs[k] + th[t + 3] : th[t + 2];
                            result[o++] = v;
                        }
                    }
        SignalHelpers.FromDoubles(context, 0, theta.Type, shape, result);
    }
}
