using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>MelWeightMatrix (opset 17): triangular mel filterbank of shape [dft_length/2 + 1, num_mel_bins].</summary>
internal sealed class MelWeightMatrix : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "MelWeightMatrix", 17, info => new MelWeightMatrix(info));

    private readonly DataType _type;

    private MelWeightMatrix(KernelInfo info) => _type = (DataType)info.GetInt("output_datatype", 1);

    public override void Execute(KernelContext context)
    {
        long mel = SignalHelpers.ScalarInt(context, context.Input(0), "num_mel_bins");
        long dft = SignalHelpers.ScalarInt(context, context.Input(1), "dft_length");
        long rate = SignalHelpers.ScalarInt(context, context.Input(2), "sample_rate");
        var lowT = context.Input(3);
        var highT = context.Input(4);
        if (lowT.Length != 1 || highT.Length != 1) throw context.Error("lower_edge_hertz and upper_edge_hertz must be scalars");
        double low = lowT.GetDouble(0), high = highT.GetDouble(0);
        if (mel <= 0 || dft <= 0 || rate <= 0 || mel > 1 << 20 || dft > 1 << 26)
            throw context.Error($"invalid num_mel_bins {mel}, dft_length {dft} or sample_rate {rate}");
        int bins = (int)(dft / 2 + 1);
        int m = (int)mel;
        double lowMel = 2595 * Math.Log10(1 + low / 700);
        double highMel = 2595 * Math.Log10(1 + high / 700);
        double step = (highMel - lowMel) / (m + 2);
        var points = new long[m + 2];
        for (int i = 0; i < m + 2; i++)
        {
            double hz = 700 * (Math.Pow(10, (i * step + lowMel) / 2595) - 1);
            points[i] = (long)Math.Floor((dft + 1) * hz / rate);
        }
        var v = new double[bins * m];
        for (int i = 0; i < m; i++)
        {
            long left = points[i], center = points[i + 1], right = points[i + 2];
            long lowToCenter = center - left;
            if (lowToCenter == 0)
            {
                if (center >= 0 && center < bins) v[center * m + i] = 1;
            }
            else
                for (long j = left; j <= center; j++)
                    if (j >= 0 && j < bins) v[j * m + i] = (double)(j - left) / lowToCenter;
            long centerToHigh = right - center;
            if (centerToHigh > 0)
                for (long j = center; j < right; j++)
                    if (j >= 0 && j < bins) v[j * m + i] = (double)(right - j) / centerToHigh;
        }
        SignalHelpers.FromDoubles(context, 0, _type, [bins, m], v);
    }
}
