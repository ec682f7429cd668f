using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Attention (opset 23/24): scaled dot-product attention with MHA/GQA/MQA, masks, causal, softcap, KV cache.</summary>
internal sealed class Attention : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Attention", 23, info => new Attention(info));

    private readonly bool _causal;
    private readonly int _kvHeads;
    private readonly int _qHeads;
    private readonly int _mode;
    private readonly float? _scale;
    private readonly float _softcap;

    private Attention(KernelInfo info)
    {
        _causal = info.GetInt("is_causal", 0) != 0;
        _kvHeads = checked((int)info.GetInt("kv_num_heads", 0));
        _qHeads = checked((int)info.GetInt("q_num_heads", 0));
        _mode = checked((int)info.GetInt("qk_matmul_output_mode", 0));
        if (_mode is < 0 or > 3) throw info.Invalid($"qk_matmul_output_mode {_mode} is invalid");
        _scale = info.HasAttribute("scale") ? info.GetFloat("scale", 1f) : null;
        _softcap = info.GetFloat("softcap", 0f);
    }

    /// <summary>A [B, H, S, D] float copy of a 3-D or 4-D input.</summary>
    private static float[] To4D(KernelContext context, Tensor t, int heads, string name, out int b, out int h, out int s, out int d)
    {
        var src = FloatConversion.ToFloat(t).ReadOnlySpan<float>();
        if (t.Rank == 4)
        {
            b = t.Shape[0]; h = t.Shape[1]; s = t.Shape[2]; d = t.Shape[3];
            return src.ToArray();
        }
        if (t.Rank != 3) throw context.Error($"{name} must be 3-D or 4-D, got {Tensor.FormatShape(t.Shape)}");
        if (heads <= 0 || t.Shape[2] % heads != 0) throw context.Error($"{name}: num_heads attribute must divide hidden size {t.Shape[2]}");
        b = t.Shape[0]; s = t.Shape[1]; h = heads; d = t.Shape[2] / heads;
        var r = new float[src.Length];
        for (int bi = 0; bi < b; bi++)
            for (int si = 0; si < s; si++)
                for (int hi = 0; hi < h; hi++)
                    src.Slice((((bi * s) + si) * h * d) + (hi * d), d).CopyTo(r.AsSpan((((bi * h) + hi) * s + si) * d, d));
        return r;
    }

    public override void Execute(KernelContext context)
    {
        var qt = context.Input(0);
        var kt = context.Input(1);
        var vt = context.Input(2);
        var maskT = context.OptionalInput(3);
        var pastK = context.OptionalInput(4);
        var pastV = context.OptionalInput(5);
        var nonpadT = context.OptionalInput(6);
        if (!LinalgHelpers.ViaFloat32(qt.Type)) throw context.Error($"element type {DataTypes.OnnxName(qt.Type)} is not supported");
        var q = To4D(context, qt, _qHeads, "Q", out int batch, out int hq, out int sq, out int dh);
        var k = To4D(context, kt, _kvHeads, "K", out int kb, out int hkv, out int skv, out int dk);
        var v = To4D(context, vt, _kvHeads, "V", out int vb, out int hv, out int sv, out int dv);
        if (kb != batch || vb != batch || hv != hkv || sv != skv || dk != dh)
            throw context.Error("Q, K and V shapes are inconsistent");
        if (hkv == 0 || hq % hkv != 0) throw context.Error($"q heads {hq} must be a multiple of kv heads {hkv}");
        int past = 0;
        if ((pastK == null) != (pastV == null)) throw context.Error("past_key and past_value must be given together");
        if (pastK != null)
        {
            if (pastK.Rank != 4 || pastK.Shape[0] != batch || pastK.Shape[1] != hkv || pastK.Shape[3] != dh
                || pastV!.Rank != 4 || pastV.Shape[0] != batch || pastV.Shape[1] != hkv || pastV.Shape[3] != dv || pastV.Shape[2] != pastK.Shape[2])
                throw context.Error("past_key/past_value shapes are inconsistent");
            past = pastK.Shape[2];
        }
        int total = past + skv;
        // present K/V: [B, Hkv, T, D]
        float[] pk = k, pv = v;
        if (past > 0)
        {
            pk = Concat(FloatConversion.ToFloat(pastK!).ReadOnlySpan<float>(), k, batch * hkv, past, skv, dh);
            pv = Concat(FloatConversion.ToFloat(pastV!).ReadOnlySpan<float>(), v, batch * hkv, past, skv, dv);
        }
        long[]? nonpad = null;
        if (nonpadT != null)
        {
            nonpad = nonpadT.ToInt64Array();
            if (nonpad.Length != batch) throw context.Error("nonpad_kv_seqlen must have shape [batch]");
        }
        // Mask strides over [B, Hq, Sq, Tm].
        int maskLen = 0;
        var mStride = new int[4];
        float[]? maskF = null;
        bool[]? maskB = null;
        if (maskT != null)
        {
            if (maskT.Rank is < 1 or > 4) throw context.Error("attn_mask must have rank 1 to 4");
            maskLen = maskT.Shape[^1];
            if (maskLen > total) throw context.Error($"attn_mask last dimension {maskLen} exceeds total sequence length {total}");
            int[] target = [batch, hq, sq, maskLen];
            int st = 1;
            for (int d = 3; d >= 0; d--)
            {
                int md = d - (4 - maskT.Rank);
                int size = md >= 0 ? maskT.Shape[md] : 1;
                if (size != 1 && size != target[d]) throw context.Error($"attn_mask {Tensor.FormatShape(maskT.Shape)} does not broadcast to [{batch},{hq},{sq},{maskLen}]");
                mStride[d] = size == 1 ? 0 : st;
                st *= size;
            }
            if (maskT.Type == DataType.Bool) maskB = maskT.Span<bool>().ToArray();
            else maskF = FloatConversion.ToFloat(maskT).ReadOnlySpan<float>().ToArray();
        }
        float scale = _scale ?? (1f / MathF.Sqrt(dh));
        bool threeD = qt.Rank == 3;
        int[] yShape = threeD ? [batch, sq, hq * dv] : [batch, hq, sq, dv];
        var y = new float[batch * hq * sq * dv];
        bool wantQk = context.HasOutput(3);
        var qk = wantQk ? new float[batch * hq * sq * total] : null;
        var scores = new float[sq * total];
        var yh = new float[sq * dv];
        int group = hq / hkv;
        int threads = context.Options.IntraOpThreads;
        for (int b = 0; b < batch; b++)
        {
            int offset = past > 0 ? past : nonpad != null ? (int)nonpad[b] - sq : 0;
            int validKeys = nonpad != null ? (int)Math.Clamp(nonpad[b], 0, total) : total;
            for (int h = 0; h < hq; h++)
            {
                int kvh = h / group;
                var qh = q.AsSpan((((b * hq) + h) * sq) * dh, sq * dh);
                var kh = pk.AsSpan((((b * hkv) + kvh) * total) * dh, total * dh);
                var vh = pv.AsSpan((((b * hkv) + kvh) * total) * dv, total * dv);
                Linalg.Gemm(false, true, sq, total, dh, scale, qh, dh, kh, dh, 0f, scores, total, threads);
                var qkOut = wantQk ? qk.AsSpan((((b * hq) + h) * sq) * total, sq * total) : default;
                if (wantQk && _mode == 0) scores.CopyTo(qkOut);
                if (_softcap > 0)
                {
                    for (int i = 0; i < scores.Length; i++) scores[i] = _softcap * MathF.Tanh(scores[i] / _softcap);
                }
                if (wantQk && _mode == 1) scores.CopyTo(qkOut);
                for (int i = 0; i < sq; i++)
                {
                    var row = scores.AsSpan(i * total, total);
                    int mBase = (b * mStride[0]) + (h * mStride[1]) + (i * mStride[2]);
                    for (int j = 0; j < total; j++)
                    {
                        bool masked = j >= validKeys || (_causal && j > i + offset);
                        if (maskT != null)
                        {
                            if (j >= maskLen) masked = true;
                            else if (maskB != null) masked |= !maskB[mBase + (j * mStride[3])];
                            else row[j] += maskF![mBase + (j * mStride[3])];
                        }
                        if (masked) row[j] = float.NegativeInfinity;
                    }
                }
                if (wantQk && _mode == 2) scores.CopyTo(qkOut);
                for (int i = 0; i < sq; i++)
                {
                    var row = scores.AsSpan(i * total, total);
                    float max = float.NegativeInfinity;
                    foreach (float s in row) if (s > max) max = s;
                    if (float.IsNegativeInfinity(max) || float.IsNaN(max))
                    {
                        row.Clear();
                        continue;
                    }
                    float sum = 0;
                    for (int j = 0; j < total; j++) { row[j] = MathF.Exp(row[j] - max); sum += row[j]; }
                    System.Numerics.Tensors.TensorPrimitives.Divide(row, sum, row);
                }
                if (wantQk && _mode == 3) scores.CopyTo(qkOut);
                Linalg.Gemm(false, false, sq, dv, total, 1f, scores, total, vh, dv, 0f, yh, dv, threads);
                for (int i = 0; i < sq; i++)
                {
                    int dst = threeD ? (((b * sq) + i) * hq * dv) + (h * dv) : ((((b * hq) + h) * sq) + i) * dv;
                    yh.AsSpan(i * dv, dv).CopyTo(y.AsSpan(dst, dv));
                }
            }
        }
        FloatConversion.FromFloat(y, context.Output(0, qt.Type, yShape));
        if (context.HasOutput(1)) FloatConversion.FromFloat(pk, context.Output(1, kt.Type, [batch, hkv, total, dh]));
        if (context.HasOutput(2)) FloatConversion.FromFloat(pv, context.Output(2, vt.Type, [batch, hkv, total, dv]));
        if (wantQk) FloatConversion.FromFloat(qk, context.Output(3, qt.Type, [batch, hq, sq, total]));
    }

    private static float[] Concat(ReadOnlySpan<float> past, float[] cur, int heads, int p, int s, int d)
    {
        var r = new float[heads * (p + s) * d];
        for (int h = 0; h < heads; h++)
        {
            past.Slice(h * p * d, p * d).CopyTo(r.AsSpan(h * (p + s) * d));
            cur.AsSpan(h * s * d, s * d).CopyTo(r.AsSpan((h * (p + s) * d) + (p * d)));
        }
        return r;
    }
}
