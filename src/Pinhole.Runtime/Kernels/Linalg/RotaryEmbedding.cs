using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>RotaryEmbedding (opset 23): RoPE on [B, H, S, D] or [B, S, H*D] inputs, half-split or interleaved, optionally partial.</summary>
internal sealed class RotaryEmbedding : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "RotaryEmbedding", 23, info => new RotaryEmbedding(info));

    private readonly bool _interleaved;
    private readonly int _numHeads;
    private readonly int _rotaryDim;

    private RotaryEmbedding(KernelInfo info)
    {
        _interleaved = info.GetInt("interleaved", 0) != 0;
        _numHeads = checked((int)info.GetInt("num_heads", 0));
        _rotaryDim = checked((int)info.GetInt("rotary_embedding_dim", 0));
        if (_numHeads < 0 || _rotaryDim < 0) throw info.Invalid("num_heads and rotary_embedding_dim must be >= 0");
    }

    public override void Execute(KernelContext context)
    {
        var xt = context.Input(0);
        var cosT = context.Input(1);
        var sinT = context.Input(2);
        var posT = context.OptionalInput(3);
        if (!LinalgHelpers.ViaFloat32(xt.Type)) throw context.Error($"element type {DataTypes.OnnxName(xt.Type)} is not supported");
        int batch, seq, heads, headSize;
        // Element (b, s, h, d) is at b*bStride + s*sStride + h*hStride + d.
        int bStride, sStride, hStride;
        if (xt.Rank == 4)
        {
            batch = xt.Shape[0]; heads = xt.Shape[1]; seq = xt.Shape[2]; headSize = xt.Shape[3];
            hStride = seq * headSize; sStride = headSize; bStride = heads * seq * headSize;
        }
        else if (xt.Rank == 3)
        {
            if (_numHeads == 0 || xt.Shape[2] % _numHeads != 0) throw context.Error("num_heads must divide the hidden size of a 3-D input");
            batch = xt.Shape[0]; seq = xt.Shape[1]; heads = _numHeads; headSize = xt.Shape[2] / _numHeads;
            hStride = headSize; sStride = heads * headSize; bStride = seq * sStride;
        }
        else throw context.Error($"input must be 3-D or 4-D, got {Tensor.FormatShape(xt.Shape)}");
        int rot = _rotaryDim == 0 ? headSize : _rotaryDim;
        if (rot > headSize || rot % 2 != 0) throw context.Error($"rotary_embedding_dim {rot} is invalid for head size {headSize}");
        int half = rot / 2;
        if (cosT.Shape[^1] != half || sinT.Shape[^1] != half) throw context.Error($"cos/sin caches must have last dimension {half}");
        long[]? pos = null;
        if (posT != null)
        {
            if (cosT.Rank != 2 || sinT.Rank != 2) throw context.Error("with position_ids, cos/sin caches must be 2-D");
            if (posT.Length != batch * seq) throw context.Error("position_ids must have shape [batch, sequence]");
            pos = posT.ToInt64Array();
        }
        else if (cosT.Rank != 3 || cosT.Shape[0] != batch || cosT.Shape[1] != seq || sinT.Rank != 3 || sinT.Shape[0] != batch || sinT.Shape[1] != seq)
        {
            throw context.Error("without position_ids, cos/sin caches must be [batch, sequence, rotary_dim/2]");
        }
        var x = FloatConversion.ToFloat(xt).ReadOnlySpan<float>();
        var cos = FloatConversion.ToFloat(cosT).ReadOnlySpan<float>();
        var sin = FloatConversion.ToFloat(sinT).ReadOnlySpan<float>();
        var yt = xt.Type == DataType.Float ? context.Output(0, DataType.Float, xt.Shape) : Tensor.Zeros(DataType.Float, xt.Shape);
        var y = yt.Span<float>();
        x.CopyTo(y);
        int rows = cosT.Rank == 2 ? cosT.Shape[0] : 0;
        for (int b = 0; b < batch; b++)
            for (int s = 0; s < seq; s++)
            {
                int cacheRow;
                if (pos != null)
                {
                    long p = pos[(b * seq) + s];
                    if (p < 0 || p >= rows) throw context.Error($"position id {p} is outside the cache of {rows} rows");
                    cacheRow = (int)p;
                }
                else cacheRow = (b * seq) + s;
                var c = cos.Slice(cacheRow * half, half);
                var sn = sin.Slice(cacheRow * half, half);
                for (int h = 0; h < heads; h++)
                {
                    int o = (b * bStride) + (s * sStride) + (h * hStride);
                    var src = x.Slice(o, rot);
                    var dst = y.Slice(o, rot);
                    for (int i = 0; i < half; i++)
                    {
                        int i1 = _interleaved ? 2 * i : i, i2 = _interleaved ? (2 * i) + 1 : i + half;
                        float x1 = src[i1], x2 = src[i2];
                        dst[i1] = (c[i] * x1) - (sn[i] * x2);
                        dst[i2] = (sn[i] * x1) + (c[i] * x2);
                    }
                }
            }
        if (xt.Type != DataType.Float) FloatConversion.FromFloat(y, context.Output(0, xt.Type, xt.Shape));
    }
}
