using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>GRU (opset 7, 14 adds layout): gates z, r, h; linear_before_reset, clip, sequence_lens, directions.</summary>
internal sealed class GRU : RecurrentKernel
{
    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "GRU", 7, info => new GRU(info));
        KernelRegistry.Register("", "GRU", 14, info => new GRU(info));
    }

    private readonly bool _linearBeforeReset;

    private GRU(KernelInfo info) : base(info, 3, ["Sigmoid", "Tanh"]) =>
        _linearBeforeReset = info.GetInt("linear_before_reset", 0) != 0;

    protected override void RunDirection(KernelContext context, Run run)
    {
        int hidden = run.Hidden, input = run.Input, gh = 3 * hidden;
        var f = run.Activations.Span[0];
        var g = run.Activations.Span[1];
        var gates = new float[gh];
        var rec = new float[gh];
        var hPrev = new float[hidden];
        var rh = new float[hidden];
        var rHidden = run.R.AsSpan(2 * hidden * hidden, hidden * hidden).ToArray();
        for (int b = 0; b < run.Batch; b++)
        {
            int len = run.Lengths[b];
            var h = run.H.AsSpan(b * hidden, hidden);
            for (int i = 0; i < len; i++)
            {
                int t = TimeOf(run, i, b);
                Array.Copy(run.WB, gates, gh);
                AddMatVec(run.X.AsSpan((t * run.Batch + b) * input, input), run.W, gates);
                h.CopyTo(hPrev);
                Array.Copy(run.RB, rec, gh);
                // z and r (and, with linear_before_reset, h) recurrences in one pass over R.
                AddMatVec(hPrev, run.R, _linearBeforeReset ? rec : rec.AsSpan(0, 2 * hidden));
                var z = gates.AsSpan(0, hidden);
                var r = gates.AsSpan(hidden, hidden);
                var hh = gates.AsSpan(2 * hidden, hidden);
                for (int k = 0; k < 2 * hidden; k++) gates[k] += rec[k];
                ClipGates(z);
                f.Apply(z);
                ClipGates(r);
                f.Apply(r);
                if (_linearBeforeReset)
                    for (int k = 0; k < hidden; k++) hh[k] += r[k] * rec[2 * hidden + k];
                else
                {
                    for (int k = 0; k < hidden; k++) rh[k] = r[k] * hPrev[k];
                    for (int k = 0; k < hidden; k++) hh[k] += rec[2 * hidden + k];
                    AddMatVec(rh, rHidden, hh);
                }
                ClipGates(hh);
                g.Apply(hh);
                for (int k = 0; k < hidden; k++) h[k] = (1 - z[k]) * hh[k] + z[k] * hPrev[k];
                h.CopyTo(run.Y.AsSpan(((t * run.Directions + run.Direction) * run.Batch + b) * hidden, hidden));
            }
        }
    }
}
