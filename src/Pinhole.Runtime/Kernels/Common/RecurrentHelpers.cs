using System.Numerics.Tensors;

namespace Pinhole.Runtime.Kernels;

/// <summary>Activation functions named by the activations attribute of RNN, GRU and LSTM.</summary>
internal enum RecurrentActivationKind { Sigmoid, Tanh, Relu, Affine, LeakyRelu, ThresholdedRelu, ScaledTanh, HardSigmoid, Elu, Softsign, Softplus }

internal readonly record struct RecurrentActivation(RecurrentActivationKind Kind, float Alpha, float Beta)
{
    /// <summary>Applies the activation in place.</summary>
    public void Apply(Span<float> v)
    {
        switch (Kind)
        {
            case RecurrentActivationKind.Sigmoid: TensorPrimitives.Sigmoid(v, v); break;
            case RecurrentActivationKind.Tanh: TensorPrimitives.Tanh(v, v); break;
            case RecurrentActivationKind.Relu: TensorPrimitives.Max(v, 0f, v); break;
            case RecurrentActivationKind.Affine:
                TensorPrimitives.Multiply(v, Alpha, v);
                TensorPrimitives.Add(v, Beta, v);
                break;
            case RecurrentActivationKind.LeakyRelu:
                for (int i = 0; i < v.Length; i++) if (v[i] < 0) v[i] *= Alpha;
                break;
            case RecurrentActivationKind.ThresholdedRelu:
                for (int i = 0; i < v.Length; i++) if (v[i] < Alpha) v[i] = 0;
                break;
            case RecurrentActivationKind.ScaledTanh:
                TensorPrimitives.Multiply(v, Beta, v);
                TensorPrimitives.Tanh(v, v);
                TensorPrimitives.Multiply(v, Alpha, v);
                break;
            case RecurrentActivationKind.HardSigmoid:
                for (int i = 0; i < v.Length; i++) v[i] = Math.Clamp(Alpha * v[i] + Beta, 0f, 1f);
                break;
            case RecurrentActivationKind.Elu:
                for (int i = 0; i < v.Length; i++) if (v[i] < 0) v[i] = Alpha * (MathF.Exp(v[i]) - 1);
                break;
            case RecurrentActivationKind.Softsign:
                for (int i = 0; i < v.Length; i++) v[i] /= 1 + MathF.Abs(v[i]);
                break;
            default:
                for (int i = 0; i < v.Length; i++) v[i] = v[i] > 20 ? v[i] : MathF.Log(1 + MathF.Exp(v[i]));
                break;
        }
    }
}

/// <summary>
/// Shared frame of RNN, GRU and LSTM: attributes, layouts, sequence lengths and the per-direction loop.
/// Computation is in float32 (float16, bfloat16 and double inputs are converted).
/// </summary>
internal abstract class RecurrentKernel : OpKernel
{
    protected RecurrentKernel(KernelInfo info, int gates, string[] defaultActivations)
    {
        Gates = gates;
        var direction = info.GetString("direction", "forward");
        Directions = direction switch
        {
            "forward" or "reverse" => 1,
            "bidirectional" => 2,
            _ => throw info.Invalid($"unknown direction '{direction}'"),
        };
        ReverseOnly = direction == "reverse";
        HiddenSize = checked((int)info.GetInt("hidden_size", 0));
        Layout = (int)info.GetInt("layout", 0);
        if (Layout is not (0 or 1)) throw info.Invalid($"layout must be 0 or 1, is {Layout}");
        Clip = info.HasAttribute("clip") ? info.GetFloat("clip", 0) : float.PositiveInfinity;
        if (!(Clip > 0)) throw info.Invalid("clip must be positive");

        int per = defaultActivations.Length;
        var names = info.GetStrings("activations");
        if (names is not null && names.Length != per * Directions && !(names.Length == per && Directions == 2))
            throw info.Invalid($"activations needs {per * Directions} entries, has {names.Length}");
        var alphas = info.GetFloats("activation_alpha") ?? [];
        var betas = info.GetFloats("activation_beta") ?? [];
        int ai = 0, bi = 0;
        Activations = new RecurrentActivation[per * Directions];
        for (int i = 0; i < Activations.Length; i++)
        {
            string name = names is null ? defaultActivations[i % per] : names[i % names.Length];
            var (kind, alpha, beta, usesAlpha, usesBeta) = name.ToLowerInvariant() switch
            {
                "sigmoid" => (RecurrentActivationKind.Sigmoid, 0f, 0f, false, false),
                "tanh" => (RecurrentActivationKind.Tanh, 0f, 0f, false, false),
                "relu" => (RecurrentActivationKind.Relu, 0f, 0f, false, false),
                "affine" => (RecurrentActivationKind.Affine, 1f, 0f, true, true),
                "leakyrelu" => (RecurrentActivationKind.LeakyRelu, 0.01f, 0f, true, false),
                "thresholdedrelu" => (RecurrentActivationKind.ThresholdedRelu, 1f, 0f, true, false),
                "scaledtanh" => (RecurrentActivationKind.ScaledTanh, 1f, 1f, true, true),
                "hardsigmoid" => (RecurrentActivationKind.HardSigmoid, 0.2f, 0.5f, true, true),
                "elu" => (RecurrentActivationKind.Elu, 1f, 0f, true, false),
                "softsign" => (RecurrentActivationKind.Softsign, 0f, 0f, false, false),
                "softplus" => (RecurrentActivationKind.Softplus, 0f, 0f, false, false),
                _ => throw info.Invalid($"unknown activation '{name}'"),
            };
            if (usesAlpha && ai < alphas.Length) alpha = alphas[ai++];
            if (usesBeta && bi < betas.Length) beta = betas[bi++];
            Activations[i] = new RecurrentActivation(kind, alpha, beta);
        }
    }

    protected int Gates { get; }
    protected int Directions { get; }
    protected bool ReverseOnly { get; }
    protected int HiddenSize { get; }
    protected int Layout { get; }
    protected float Clip { get; }
    protected RecurrentActivation[] Activations { get; }

    /// <summary>Inputs of one direction's run. Arrays are float32, time-major.</summary>
    protected sealed class Run
    {
        public required float[] X;          // [seq, batch, input]
        public required int Seq, Batch, Input, Hidden;
        public required float[] W;          // [gates*hidden, input] of this direction
        public required float[] R;          // [gates*hidden, hidden]
        public required float[] WB;         // [gates*hidden]
        public required float[] RB;         // [gates*hidden]
        public required int[] Lengths;      // [batch]
        public required float[] H;          // [batch, hidden], initial state, updated in place
        public float[]? C;                  // LSTM cell state
        public float[]? P;                  // LSTM peepholes [3*hidden]
        public required float[] Y;          // [seq, dirs, batch, hidden]
        public required int Direction, Directions;
        public required bool Reverse;
        public required ReadOnlyMemory<RecurrentActivation> Activations;
    }

    protected abstract void RunDirection(KernelContext context, Run run);

    /// <summary>Extra state (LSTM: initial_c at input 6); null for RNN and GRU.</summary>
    protected virtual bool HasCell => false;

    public override void Execute(KernelContext context)
    {
        var xIn = context.Input(0);
        var type = xIn.Type;
        if (type is not (DataType.Float or DataType.Float16 or DataType.BFloat16 or DataType.Double))
            throw context.Error($"{DataTypes.OnnxName(type)} is not supported");
        if (xIn.Rank != 3) throw context.Error($"X must be 3-D, has shape {Tensor.FormatShape(xIn.Shape)}");
        var wT = context.Input(1);
        var rT = context.Input(2);
        int dirs = Directions;
        int hidden = HiddenSize > 0 ? HiddenSize : rT.Rank == 3 ? rT.Shape[2] : 0;
        int gh = Gates * hidden;
        int seq = Layout == 0 ? xIn.Shape[0] : xIn.Shape[1];
        int batch = Layout == 0 ? xIn.Shape[1] : xIn.Shape[0];
        int input = xIn.Shape[2];
        if (wT.Rank != 3 || wT.Shape[0] != dirs || wT.Shape[1] != gh || wT.Shape[2] != input)
            throw context.Error($"W has shape {Tensor.FormatShape(wT.Shape)}, expected [{dirs},{gh},{input}]");
        if (rT.Rank != 3 || rT.Shape[0] != dirs || rT.Shape[1] != gh || rT.Shape[2] != hidden)
            throw context.Error($"R has shape {Tensor.FormatShape(rT.Shape)}, expected [{dirs},{gh},{hidden}]");
        var x = Floats(xIn);
        if (Layout == 1) x = Transpose01(x, batch, seq, input);
        var w = Floats(wT);
        var r = Floats(rT);
        float[]? b = null;
        if (context.OptionalInput(3) is { } bT)
        {
            if (bT.Length != dirs * 2 * gh) throw context.Error($"B has shape {Tensor.FormatShape(bT.Shape)}, expected [{dirs},{2 * gh}]");
            b = Floats(bT);
        }
        var lengths = new int[batch];
        if (context.OptionalInput(4) is { } lT)
        {
            if (lT.Length != batch) throw context.Error($"sequence_lens has {lT.Length} entries, expected {batch}");
            for (int i = 0; i < batch; i++)
            {
                long l = lT.GetInt64(i);
                if (l < 0 || l > seq) throw context.Error($"sequence_lens[{i}] = {l} is outside [0, {seq}]");
                lengths[i] = (int)l;
            }
        }
        else Array.Fill(lengths, seq);
        float[]? h0 = InitialState(context, 5, dirs, batch, hidden);
        float[]? c0 = HasCell ? InitialState(context, 6, dirs, batch, hidden) : null;
        float[]? p = null;
        if (HasCell && context.OptionalInput(7) is { } pT)
        {
            if (pT.Length != dirs * 3 * hidden) throw context.Error($"P has shape {Tensor.FormatShape(pT.Shape)}, expected [{dirs},{3 * hidden}]");
            p = Floats(pT);
        }

        var y = new float[(long)seq * dirs * batch * hidden];
        var yh = new float[dirs * batch * hidden];
        var yc = HasCell ? new float[dirs * batch * hidden] : null;
        int per = Activations.Length / dirs;
        for (int d = 0; d < dirs; d++)
        {
            var h = new float[batch * hidden];
            if (h0 is not null) Array.Copy(h0, d * batch * hidden, h, 0, h.Length);
            float[]? c = null;
            if (HasCell)
            {
                c = new float[batch * hidden];
                if (c0 is not null) Array.Copy(c0, d * batch * hidden, c, 0, c.Length);
            }
            var run = new Run
            {
                X = x,
                Seq = seq,
                Batch = batch,
                Input = input,
                Hidden = hidden,
                W = w.AsSpan(d * gh * input, gh * input).ToArray(),
                R = r.AsSpan(d * gh * hidden, gh * hidden).ToArray(),
                WB = b is null ? new float[gh] : b.AsSpan(d * 2 * gh, gh).ToArray(),
                RB = b is null ? new float[gh] : b.AsSpan(d * 2 * gh + gh, gh).ToArray(),
                Lengths = lengths,
                H = h,
                C = c,
                P = p?.AsSpan(d * 3 * hidden, 3 * hidden).ToArray(),
                Y = y,
                Direction = d,
                Directions = dirs,
                Reverse = ReverseOnly || d == 1,
                Activations = Activations.AsMemory(d * per, per),
            };
            RunDirection(context, run);
            h.CopyTo(yh, d * batch * hidden);
            c?.CopyTo(yc!, d * batch * hidden);
        }

        if (context.HasOutput(0))
        {
            var yOut = Layout == 0 ? y : Transpose0_2(y, seq, dirs, batch, hidden);
            int[] shape = Layout == 0 ? [seq, dirs, batch, hidden] : [batch, seq, dirs, hidden];
            Write(context, 0, type, shape, yOut);
        }
        int[] stateShape = Layout == 0 ? [dirs, batch, hidden] : [batch, dirs, hidden];
        if (context.HasOutput(1)) Write(context, 1, type, stateShape, Layout == 0 ? yh : Transpose01(yh, dirs, batch, hidden));
        if (yc is not null && context.HasOutput(2)) Write(context, 2, type, stateShape, Layout == 0 ? yc : Transpose01(yc, dirs, batch, hidden));
    }

    private float[]? InitialState(KernelContext context, int index, int dirs, int batch, int hidden)
    {
        if (context.OptionalInput(index) is not { } t) return null;
        if (t.Length != dirs * batch * hidden) throw context.Error($"input {index} has shape {Tensor.FormatShape(t.Shape)}, expected {dirs * batch * hidden} elements");
        var v = Floats(t);
        return Layout == 0 ? v : Transpose01(v, batch, dirs, hidden);
    }

    private static void Write(KernelContext context, int index, DataType type, int[] shape, float[] values)
    {
        if (type == DataType.Float)
        {
            context.SetOutput(index, Tensor.FromArray(values, shape));
            return;
        }
        FloatConversion.FromFloat(values, context.Output(index, type, shape));
    }

    private static float[] Floats(Tensor t) => t.Type == DataType.Float ? t.Span<float>().ToArray() : FloatConversion.ToFloat(t).Span<float>().ToArray();

    /// <summary>[a, b, c] → [b, a, c].</summary>
    private static float[] Transpose01(float[] v, int a, int b, int c)
    {
        var r = new float[v.Length];
        for (int i = 0; i < a; i++)
            for (int j = 0; j < b; j++)
                Array.Copy(v, (i * b + j) * c, r, (j * a + i) * c, c);
        return r;
    }

    /// <summary>[seq, dirs, batch, hidden] → [batch, seq, dirs, hidden].</summary>
    private static float[] Transpose0_2(float[] v, int seq, int dirs, int batch, int hidden)
    {
        var r = new float[v.Length];
        for (int s = 0; s < seq; s++)
            for (int d = 0; d < dirs; d++)
                for (int b = 0; b < batch; b++)
                    Array.Copy(v, ((s * dirs + d) * batch + b) * hidden, r, ((b * seq + s) * dirs + d) * hidden, hidden);
        return r;
    }

    /// <summary>dst[j] += dot(row, m[j, :]) for each row j of the row-major matrix m.</summary>
    protected static void AddMatVec(ReadOnlySpan<float> row, float[] m, Span<float> dst)
    {
        int k = row.Length;
        for (int j = 0; j < dst.Length; j++) dst[j] += TensorPrimitives.Dot(row, m.AsSpan(j * k, k));
    }

    /// <summary>Clamps gate pre-activations to [-clip, clip] when clip is set.</summary>
    protected void ClipGates(Span<float> v)
    {
        if (float.IsPositiveInfinity(Clip)) return;
        TensorPrimitives.Clamp(v, -Clip, Clip, v);
    }

    /// <summary>The time step that iteration <paramref name="i"/> of batch entry <paramref name="b"/> processes.</summary>
    protected static int TimeOf(Run run, int i, int b) => run.Reverse ? run.Lengths[b] - 1 - i : i;
}
