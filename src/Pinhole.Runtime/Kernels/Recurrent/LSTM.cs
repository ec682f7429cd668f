using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>LSTM (opset 7, 14 adds layout): gates i, o, f, c; peepholes, clip, input_forget, sequence_lens, directions.</summary>
internal sealed class LSTM : RecurrentKernel
{
    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "LSTM", 7, info => new LSTM(info));
        KernelRegistry.Register("", "LSTM", 14, info => new LSTM(info));
    }

    private readonly bool _inputForget;

    private LSTM(KernelInfo info) : base(info, 4, ["Sigmoid", "Tanh", "Tanh"]) =>
        _inputForget = info.GetInt("input_forget", 0) != 0;

    protected override bool HasCell => true;

    protected override void RunDirection(KernelContext context, Run run)
    {
        int hidden = run.Hidden, input = run.Input, gh = 4 * hidden;
        var f = run.Activations.Span[0];
        var g = run.Activations.Span[1];
        var hAct = run.Activations.Span[2];
        var gates = new float[gh];
        var hPrev = new float[hidden];
        var tmp = new float[hidden];
        var c = run.C!;
        for (int b = 0; b < run.Batch; b++)
        {
            int len = run.Lengths[b];
            var h = run.H.AsSpan(b * hidden, hidden);
            var cb = c.AsSpan(b * hidden, hidden);
            for (int i = 0; i < len; i++)
            {
                int t = TimeOf(run, i, b);
                for (int j = 0; j < gh; j++) gates[j] = run.WB[j] + run.RB[j];
                AddMatVec(run.X.AsSpan((t * run.Batch + b) * input, input), run.W, gates);
                h.CopyTo(hPrev);
                AddMatVec(hPrev, run.R, gates);
                var gi = gates.AsSpan(0, hidden);
                var go = gates.AsSpan(hidden, hidden);
                var gf = gates.AsSpan(2 * hidden, hidden);
                var gc = gates.AsSpan(3 * hidden, hidden);
                if (run.P is { } p)
                    for (int k = 0; k < hidden; k++)
                    {
                        gi[k] += p[k] * cb[k];
                        gf[k] += p[2 * hidden + k] * cb[k];
                    }
                ClipGates(gi);
                f.Apply(gi);
                if (_inputForget)
                    for (int k = 0; k < hidden; k++) gf[k] = 1 - gi[k];
                else
                {
                    ClipGates(gf);
                    f.Apply(gf);
                }
                ClipGates(gc);
                g.Apply(gc);
                for (int k = 0; k < hidden; k++) cb[k] = gf[k] * cb[k] + gi[k] * gc[k];
                if (run.P is { } p2)
                    for (int k = 0; k < hidden; k++) go[k] += p2[hidden + k] * cb[k];
                ClipGates(go);
                f.Apply(go);
                cb.CopyTo(tmp);
                hAct.Apply(tmp);
                for (int k = 0; k < hidden; k++) h[k] = go[k] * tmp[k];
                h.CopyTo(run.Y.AsSpan(((t * run.Directions + run.Direction) * run.Batch + b) * hidden, hidden));
            }
        }
    }
}
