namespace Pinhole.Tools.Quantization;

/// <summary>A scale and zero point of one quantized type: real = scale * (q - zeroPoint).</summary>
public readonly record struct QuantizationParameters(float Scale, int ZeroPoint, DataType Type)
{
    public int QMin => Type == DataType.UInt8 ? byte.MinValue : sbyte.MinValue;
    public int QMax => Type == DataType.UInt8 ? byte.MaxValue : sbyte.MaxValue;

    /// <summary>The smallest and largest real values the parameters represent.</summary>
    public double Lowest => Scale * (double)(QMin - ZeroPoint);
    public double Highest => Scale * (double)(QMax - ZeroPoint);

    /// <summary>Quantizes as QuantizeLinear does: round half to even, then saturate.</summary>
    public int Quantize(double real) => (int)Math.Clamp(Math.Round(real / Scale, MidpointRounding.ToEven) + ZeroPoint, QMin, QMax);

    public double Dequantize(int q) => Scale * (double)(q - ZeroPoint);

    /// <summary>
    /// Parameters covering [min, max] (widened to include 0, so that zero is exact, as padding and Relu need). Symmetric:
    /// zero point 0 (int8) or 128 (uint8) and scale max(|min|, |max|) / 127; otherwise the range spans all levels.
    /// A range of only zeros gets scale 1.
    /// </summary>
    public static QuantizationParameters FromRange(double min, double max, DataType type, bool symmetric)
    {
        if (type is not (DataType.UInt8 or DataType.Int8)) throw new ArgumentException($"{DataTypes.OnnxName(type)} is not uint8 or int8", nameof(type));
        if (!double.IsFinite(min) || !double.IsFinite(max) || min > max)
            throw new ArgumentException($"invalid range [{min}, {max}]");
        min = Math.Min(min, 0);
        max = Math.Max(max, 0);
        int qmin = type == DataType.UInt8 ? 0 : -128, qmax = type == DataType.UInt8 ? 255 : 127;
        if (symmetric)
        {
            double absMax = Math.Max(-min, max);
            int zero = type == DataType.UInt8 ? 128 : 0;
            float s = absMax > 0 ? (float)(absMax / 127) : 1f;
            return new QuantizationParameters(s, zero, type);
        }
        if (max - min <= 0) return new QuantizationParameters(1f, qmin, type);
        float scale = (float)((max - min) / (qmax - qmin));
        int zeroPoint = (int)Math.Clamp(Math.Round(qmin - min / scale, MidpointRounding.ToEven), qmin, qmax);
        return new QuantizationParameters(scale, zeroPoint, type);
    }
}
