namespace Pinhole.Runtime.Kernels;

/// <summary>The activation fused into com.microsoft FusedGemm / FusedConv, applied in place on float32 results.</summary>
public sealed class LinalgActivation
{
    private enum Kind { None, Relu, LeakyRelu, Tanh, Sigmoid, HardSigmoid, Clip, Elu, Selu, Softplus }

    private readonly Kind _kind;
    private readonly float _alpha;
    private readonly float _beta;
    private readonly float _gamma;

    private LinalgActivation(Kind kind, float alpha, float beta, float gamma)
    {
        _kind = kind;
        _alpha = alpha;
        _beta = beta;
        _gamma = gamma;
    }

    public static LinalgActivation None { get; } = new(Kind.None, 0, 0, 0);

    /// <summary>Parses an activation name with its parameters (defaults as in the ONNX op of that name).</summary>
    public static LinalgActivation? Parse(string name, float? alpha, float? beta, float? gamma) => name switch
    {
        "" => None,
        "Relu" => new(Kind.Relu, 0, 0, 0),
        "LeakyRelu" => new(Kind.LeakyRelu, alpha ?? 0.01f, 0, 0),
        "Tanh" => new(Kind.Tanh, 0, 0, 0),
        "Sigmoid" => new(Kind.Sigmoid, 0, 0, 0),
        "HardSigmoid" => new(Kind.HardSigmoid, alpha ?? 0.2f, beta ?? 0.5f, 0),
        "Clip" => new(Kind.Clip, alpha ?? float.MinValue, beta ?? float.MaxValue, 0),
        "Elu" => new(Kind.Elu, alpha ?? 1f, 0, 0),
        "Selu" => new(Kind.Selu, alpha ?? 1.67326319217681884765625f, 0, gamma ?? 1.05070102214813232421875f),
        "Softplus" => new(Kind.Softplus, 0, 0, 0),
        _ => null,
    };

    /// <summary>Whether this is the identity.</summary>
    public bool IsNone => _kind == Kind.None;

    /// <summary>None, Relu and Clip are a clamp to [low, high] (used by vectorized epilogues); others return false.</summary>
    public bool IsClamp(out float low, out float high)
    {
        (low, high) = _kind switch
        {
            Kind.Relu => (0f, float.PositiveInfinity),
            Kind.Clip => (_alpha, _beta),
            _ => (float.NegativeInfinity, float.PositiveInfinity),
        };
        return _kind is Kind.None or Kind.Relu or Kind.Clip;
    }

    /// <summary>The activation's name, for kernel variants.</summary>
    public string Name => _kind == Kind.None ? "" : _kind.ToString();

    public void Apply(Span<float> x)
    {
        switch (_kind)
        {
            case Kind.None: break;
            case Kind.Relu: System.Numerics.Tensors.TensorPrimitives.Max(x, 0f, x); break;
            case Kind.Tanh: System.Numerics.Tensors.TensorPrimitives.Tanh(x, x); break;
            case Kind.Sigmoid: System.Numerics.Tensors.TensorPrimitives.Sigmoid(x, x); break;
            case Kind.LeakyRelu:
                for (int i = 0; i < x.Length; i++) if (x[i] < 0) x[i] *= _alpha;
                break;
            case Kind.HardSigmoid:
                for (int i = 0; i < x.Length; i++) x[i] = Math.Clamp((_alpha * x[i]) + _beta, 0f, 1f);
                break;
            case Kind.Clip:
                for (int i = 0; i < x.Length; i++) x[i] = Math.Min(Math.Max(x[i], _alpha), _beta);
                break;
            case Kind.Elu:
                for (int i = 0; i < x.Length; i++) if (x[i] < 0) x[i] = _alpha * (MathF.Exp(x[i]) - 1f);
                break;
            case Kind.Selu:
                for (int i = 0; i < x.Length; i++)
                    x[i] = x[i] > 0 ? _gamma * x[i] : _gamma * ((_alpha * MathF.Exp(x[i])) - _alpha);
                break;
            case Kind.Softplus:
                for (int i = 0; i < x.Length; i++) x[i] = x[i] > 20 ? x[i] : MathF.Log(1f + MathF.Exp(x[i]));
                break;
        }
    }
}
