namespace Pinhole.Tools.Quantization;

/// <summary>How activation ranges are chosen from what calibration observed.</summary>
public enum CalibrationMethod
{
    /// <summary>The observed minimum and maximum.</summary>
    MinMax,

    /// <summary>Clips the tails beyond a percentile (<see cref="QuantizationOptions.Percentile"/>) of the observed values.</summary>
    Percentile,

    /// <summary>The threshold whose quantized distribution has the least KL divergence from the observed one (TensorRT's method).</summary>
    Entropy,

    /// <summary>The range with the least expected squared quantization error over the observed values (clipping plus rounding).</summary>
    Mse,
}

/// <summary>Static post-training quantization settings (the defaults follow ONNX Runtime's quantizer: QDQ, uint8 activations, int8 weights).</summary>
public sealed record QuantizationOptions
{
    public CalibrationMethod Method { get; init; } = CalibrationMethod.MinMax;

    /// <summary>Weights quantized per output channel (one scale per channel) rather than per tensor.</summary>
    public bool PerChannel { get; init; } = true;

    /// <summary>Activations quantized symmetrically (zero point 0 for int8, 128 for uint8). Weights are always symmetric int8.</summary>
    public bool Symmetric { get; init; }

    /// <summary>The activations' quantized type: <see cref="DataType.UInt8"/> or <see cref="DataType.Int8"/>.</summary>
    public DataType ActivationType { get; init; } = DataType.UInt8;

    /// <summary>Names of nodes to keep in float.</summary>
    public IReadOnlyCollection<string> Exclude { get; init; } = [];

    /// <summary>For <see cref="CalibrationMethod.Percentile"/>: the share of values (in percent) the range keeps.</summary>
    public double Percentile { get; init; } = 99.999;

    /// <summary>
    /// Weights limited to 7 bits ([-63, 63]) as ONNX Runtime's <c>reduce_range</c>: on x86 without VNNI the int8 dot product
    /// (VPMADDUBSW) then cannot saturate, at some cost in accuracy.
    /// </summary>
    public bool ReduceRange { get; init; }

    /// <summary>Histogram bins per sign for the histogram methods.</summary>
    public int HistogramBins { get; init; } = 2048;

    /// <summary>Intra-op threads of the calibration session (0: the runtime's default).</summary>
    public int Threads { get; init; }
}
