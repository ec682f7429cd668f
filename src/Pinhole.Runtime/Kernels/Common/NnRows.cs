using System.Numerics.Tensors;

namespace Pinhole.Runtime.Kernels;

/// <summary>Row-wise helpers for the normalization kernels (float32, vectorized through TensorPrimitives).</summary>
internal static class NnRows
{
    /// <summary>y = x - mean(x); returns the mean and the (biased) variance of the row.</summary>
    public static (float Mean, float Variance) Center(ReadOnlySpan<float> x, Span<float> y)
    {
        if (x.Length == 0) return (0, 0);
        float mean = TensorPrimitives.Sum(x) / x.Length;
        TensorPrimitives.Subtract(x, mean, y);
        float variance = TensorPrimitives.SumOfSquares(y) / x.Length;
        return (mean, variance);
    }

    /// <summary>y = x * a + b.</summary>
    public static void Affine(ReadOnlySpan<float> x, float a, float b, Span<float> y)
    {
        TensorPrimitives.Multiply(x, a, y);
        TensorPrimitives.Add(y, b, y);
    }

    /// <summary>y = y * scale + bias where scale and bias have y's length or length 1 (bias may be empty).</summary>
    public static void ScaleShift(Span<float> y, ReadOnlySpan<float> scale, ReadOnlySpan<float> bias)
    {
        if (scale.Length == 1) TensorPrimitives.Multiply(y, scale[0], y);
        else TensorPrimitives.Multiply(y, scale, y);
        if (bias.Length == 1) TensorPrimitives.Add(y, bias[0], y);
        else if (bias.Length > 0) TensorPrimitives.Add(y, bias, y);
    }

    /// <summary>A float32 destination for <paramref name="output"/>: its own storage when it is float, else a buffer to store later.</summary>
    public static Span<float> Destination(Tensor output, out float[]? temp)
    {
        temp = output.Type == DataType.Float ? null : new float[output.Length];
        return temp ?? output.Span<float>();
    }

    /// <summary>Copies <paramref name="temp"/> into <paramref name="output"/> when <see cref="Destination"/> made one.</summary>
    public static void Commit(Tensor output, float[]? temp)
    {
        if (temp is not null) NnData.Store(temp, output);
    }

    /// <summary>A per-row parameter (scale or bias) broadcast to the normalized shape: its elements when they cover it, else null.</summary>
    public static float[]? Broadcast(Tensor? p, ReadOnlySpan<int> normalizedShape)
    {
        if (p is null) return [];
        int n = Tensor.ElementCount(normalizedShape);
        var values = NnData.ToFloatArray(p);
        if (values.Length == n || values.Length == 1) return values;
        try
        {
            var shape = Kernels.Broadcast.Shape(p.Shape, normalizedShape);
            if (Tensor.ElementCount(shape) != n) return null;
            var result = new float[n];
            Kernels.Broadcast.Binary<float, float, NnTakeSecond>(new float[n], normalizedShape, values, p.Shape, result, shape);
            return result;
        }
        catch (ArgumentException)
        {
            return null;
        }
    }

    private readonly struct NnTakeSecond : IBinaryOp<float, float>
    {
        public static float Invoke(float x, float y) => y;
    }
}
