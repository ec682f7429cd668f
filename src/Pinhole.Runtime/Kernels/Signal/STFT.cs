using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>STFT (opset 17): windowed DFTs of frames of [batch, length, 1|2] signals → [batch, frames, bins, 2].</summary>
internal sealed class STFT : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "STFT", 17, info => new STFT(info));

    private readonly bool _onesided;

    private STFT(KernelInfo info) => _onesided = info.GetInt("onesided", 1) != 0;

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Rank != 3 || x.Shape[2] is not (1 or 2)) throw context.Error($"signal must be [batch, length, 1|2], is {Tensor.FormatShape(x.Shape)}");
        long step = SignalHelpers.ScalarInt(context, context.Input(1), "frame_step");
        var window = context.OptionalInput(2);
        long frameLength = context.OptionalInput(3) is { } fl ? SignalHelpers.ScalarInt(context, fl, "frame_length")
            : window?.Length ?? throw context.Error("either window or frame_length must be given");
        if (window is not null && (window.Rank != 1 || window.Length != frameLength))
            throw context.Error($"window has shape {Tensor.FormatShape(window.Shape)}, expected [{frameLength}]");
        int batch = x.Shape[0], length = x.Shape[1], c = x.Shape[2];
        if (step <= 0 || frameLength <= 0 || frameLength > length) throw context.Error($"invalid frame_step {step} or frame_length {frameLength} for length {length}");
        bool complexIn = c == 2;
        if (_onesided && complexIn) throw context.Error("onesided output needs a real signal");
        int n = (int)frameLength;
        int frames = (int)((length - n) / step + 1);
        int bins = _onesided ? n / 2 + 1 : n;
        var w = new double[n];
        for (int j = 0; j < n; j++) w[j] = window is null ? 1 : window.GetDouble(j);
        var tw = SignalHelpers.Twiddles(n);
        var re = new double[n];
        var im = new double[n];
        var oRe = new double[bins];
        var oIm = new double[bins];
        var result = new double[(long)batch * frames * bins * 2];
        for (int b = 0; b < batch; b++)
            for (int f = 0; f < frames; f++)
            {
                int start = (int)(f * step);
                for (int j = 0; j < n; j++)
                {
                    int src = (b * length + start + j) * c;
                    re[j] = x.GetDouble(src) * w[j];
                    im[j] = complexIn ? x.GetDouble(src + 1) * w[j] : 0;
                }
                SignalHelpers.Dft(re, im, n, bins, false, tw, oRe, oIm);
                int dst = (b * frames + f) * bins * 2;
                for (int k = 0; k < bins; k++)
                {
                    result[dst + 2 * k] = oRe[k];
                    result[dst + 2 * k + 1] = oIm[k];
                }
            }
        SignalHelpers.FromDoubles(context, 0, x.Type, [batch, frames, bins, 2], result);
    }
}
