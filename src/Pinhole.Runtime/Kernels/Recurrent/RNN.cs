using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>RNN (opset 7, 14 adds layout): Ht = f(Xt·Wᵀ + Ht-1·Rᵀ + Wb + Rb); clip, sequence_lens, directions.</summary>
internal sealed class RNN : RecurrentKernel
{
    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "RNN", 7, info => new RNN(info));
        KernelRegistry.Register("", "RNN", 14, info => new RNN(info));
    }

    private RNN(KernelInfo info) : base(info, 1, ["Tanh"])
    {
    }

    protected override void RunDirection(KernelContext context, Run run)
    {
        int hidden = run.Hidden, input = run.Input;
        var f = run.Activations.Span[0];
        var gates = new float[hidden];
        var hPrev = new float[hidden];
        for (int b = 0; b < run.Batch; b++)
        {
            int len = run.Lengths[b];
            var h = run.H.AsSpan(b * hidden, hidden);
            for (int i = 0; i < len; i++)
            {
                int t = TimeOf(run, i, b);
                for (int j = 0; j < hidden; j++) gates[j] = run.WB[j] + run.RB[j];
                AddMatVec(run.X.AsSpan((t * run.Batch + b) * input, input), run.W, gates);
                h.CopyTo(hPrev);
                AddMatVec(hPrev, run.R, gates);
                ClipGates(gates);
                f.Apply(gates);
                gates.CopyTo(h);
                h.CopyTo(run.Y.AsSpan(((t * run.Directions + run.Direction) * run.Batch + b) * hidden, hidden));
            }
        }
    }
}
