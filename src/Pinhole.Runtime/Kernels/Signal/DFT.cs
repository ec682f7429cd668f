using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>DFT (opset 17: axis attribute; opset 20: axis input): forward, inverse, one-sided (RFFT) and IRFFT along one axis.</summary>
internal sealed class DFT : OpKernel
{
    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "DFT", 17, info => new DFT(info));
        KernelRegistry.Register("", "DFT", 20, info => new DFT(info));
    }

    private readonly bool _inverse;
    private readonly bool _onesided;
    private readonly long? _axisAttribute;

    private DFT(KernelInfo info)
    {
        _inverse = info.GetInt("inverse", 0) != 0;
        _onesided = info.GetInt("onesided", 0) != 0;
        if (info.OpsetVersion < 20) _axisAttribute = info.GetInt("axis", 1);
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank;
        if (rank < 2 || x.Shape[^1] is not (1 or 2)) throw context.Error($"input must end in a dimension of 1 or 2, has shape {Tensor.FormatShape(x.Shape)}");
        bool complexIn = x.Shape[^1] == 2;
        long axis = _axisAttribute ?? (context.OptionalInput(2) is { } a ? SignalHelpers.ScalarInt(context, a, "axis") : -2);
        if (axis < 0) axis += rank;
        if (axis < 0 || axis >= rank - 1) throw context.Error($"axis {axis} is out of range for rank {rank}");
        int ax = (int)axis;
        int length = x.Shape[ax];
        bool irfft = _inverse && _onesided;
        long nLong = context.OptionalInput(1) is { } d ? SignalHelpers.ScalarInt(context, d, "dft_length") : irfft ? 2L * (length - 1) : length;
        if (nLong <= 0 || nLong > 1 << 24) throw context.Error($"dft_length {nLong} is invalid");
        int n = (int)nLong;
        if (_onesided && !_inverse && complexIn) throw context.Error("a one-sided forward DFT needs real input");
        int bins = _onesided && !_inverse ? n / 2 + 1 : n;

        var outShape = (int[])x.Shape.Clone();
        outShape[ax] = bins;
        outShape[^1] = irfft ? 1 : 2;
        int outer = 1, inner = 1;
        for (int i = 0; i < ax; i++) outer *= x.Shape[i];
        for (int i = ax + 1; i < rank - 1; i++) inner *= x.Shape[i];
        int c = x.Shape[^1];
        var result = new double[Tensor.ElementCount(outShape)];
        var tw = SignalHelpers.Twiddles(n);
        var re = new double[irfft ? n : Math.Min(length, n)];
        var im = new double[re.Length];
        var oRe = new double[bins];
        var oIm = new double[bins];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < inner; i++)
            {
                Array.Clear(re);
                Array.Clear(im);
                int taken = Math.Min(length, re.Length);
                for (int j = 0; j < taken; j++)
                {
                    int src = ((o * length + j) * inner + i) * c;
                    re[j] = x.GetDouble(src);
                    im[j] = complexIn ? x.GetDouble(src + 1) : 0;
                }
                if (irfft)
                    for (int k = taken; k < n; k++)
                        if (n - k < taken)
                        {
                            re[k] = re[n - k];
                            im[k] = -im[n - k];
                        }
                SignalHelpers.Dft(re, im, n, bins, _inverse, tw, oRe, oIm);
                int oc = irfft ? 1 : 2;
                for (int k = 0; k < bins; k++)
                {
                    int dst = ((o * bins + k) * inner + i) * oc;
                    result[dst] = oRe[k];
                    if (!irfft) result[dst + 1] = oIm[k];
                }
            }
        SignalHelpers.FromDoubles(context, 0, x.Type, outShape, result);
    }
}
