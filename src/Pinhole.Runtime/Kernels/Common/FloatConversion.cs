namespace Pinhole.Runtime.Kernels;

/// <summary>Widening and narrowing of float16 and bfloat16 tensors, so kernels can compute in float32.</summary>
public static class FloatConversion
{
    /// <summary>A float32 copy of a float, float16, bfloat16 or double tensor (float32 input is returned as is).</summary>
    public static Tensor ToFloat(Tensor t)
    {
        switch (t.Type)
        {
            case DataType.Float: return t;
            case DataType.Float16:
                {
                    var r = new float[t.Length];
                    System.Numerics.Tensors.TensorPrimitives.ConvertToSingle(t.ReadOnlySpan<Half>(), r);
                    return Tensor.FromArray(r, t.Shape);
                }
            case DataType.BFloat16:
                {
                    var src = t.ReadOnlySpan<BFloat16>();
                    var r = new float[t.Length];
                    for (int i = 0; i < r.Length; i++) r[i] = (float)src[i];
                    return Tensor.FromArray(r, t.Shape);
                }
            case DataType.Double:
                {
                    var src = t.ReadOnlySpan<double>();
                    var r = new float[t.Length];
                    for (int i = 0; i < r.Length; i++) r[i] = (float)src[i];
                    return Tensor.FromArray(r, t.Shape);
                }
            default:
                throw new ArgumentException($"cannot widen {DataTypes.OnnxName(t.Type)} to float");
        }
    }

    /// <summary>Writes float32 values into <paramref name="destination"/> of type float, float16, bfloat16 or double.</summary>
    public static void FromFloat(ReadOnlySpan<float> values, Tensor destination)
    {
        switch (destination.Type)
        {
            case DataType.Float: values.CopyTo(destination.Span<float>()); break;
            case DataType.Float16: System.Numerics.Tensors.TensorPrimitives.ConvertToHalf(values, destination.Span<Half>()); break;
            case DataType.BFloat16:
                {
                    var d = destination.Span<BFloat16>();
                    for (int i = 0; i < d.Length; i++) d[i] = (BFloat16)values[i];
                    break;
                }
            case DataType.Double:
                {
                    var d = destination.Span<double>();
                    for (int i = 0; i < d.Length; i++) d[i] = values[i];
                    break;
                }
            default:
                throw new ArgumentException($"cannot narrow float to {DataTypes.OnnxName(destination.Type)}");
        }
    }
}
