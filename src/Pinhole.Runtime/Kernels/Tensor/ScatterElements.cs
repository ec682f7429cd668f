using System.Numerics;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>ScatterElements (and the deprecated Scatter): a copy of data with updates written at the indexed elements, optionally reduced.</summary>
internal sealed class ScatterElements : OpKernel
{
    private readonly long _axis;
    private readonly ScatterReduction _reduction;

    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "ScatterElements", 11, info => new ScatterElements(info));
        KernelRegistry.Register("", "Scatter", 9, info => new ScatterElements(info));
    }

    private ScatterElements(KernelInfo info)
    {
        _axis = info.GetInt("axis", 0);
        _reduction = ScatterApply.Parse(info);
    }

    public override void Execute(KernelContext context)
    {
        var data = context.Input(0);
        var indices = context.Input(1);
        var updates = context.Input(2);
        int rank = data.Rank;
        if (_axis < -rank || _axis >= rank) throw context.Error($"axis {_axis} is out of range for rank {rank}");
        if (indices.Rank != rank || !indices.Shape.AsSpan().SequenceEqual(updates.Shape))
            throw context.Error("indices and updates must have the same shape and the rank of data");
        if (updates.Type != data.Type) throw context.Error("updates must have the element type of data");
        int axis = (int)(_axis < 0 ? _axis + rank : _axis);
        var offsets = GatherElements.ElementOffsets(context, data.Shape, indices, axis);
        var y = data.Clone();
        ScatterApply.Run(context, y, updates, offsets, 1, _reduction);
        context.SetOutput(0, y);
    }
}

internal enum ScatterReduction
{
    None,
    Add,
    Mul,
    Max,
    Min,
}

/// <summary>Writes or reduces blocks of updates into a tensor at precomputed offsets.</summary>
internal static class ScatterApply
{
    public static ScatterReduction Parse(KernelInfo info) => info.GetString("reduction", "none") switch
    {
        "none" => ScatterReduction.None,
        "add" => ScatterReduction.Add,
        "mul" => ScatterReduction.Mul,
        "max" => ScatterReduction.Max,
        "min" => ScatterReduction.Min,
        var r => throw info.Invalid($"unknown reduction '{r}'"),
    };

    /// <summary>For block t, y[offsets[t] + j] (op)= updates[t * block + j], j &lt; block.</summary>
    public static void Run(KernelContext context, Tensor y, Tensor updates, int[] offsets, int block, ScatterReduction reduction)
    {
        if (offsets.Length == 0 || block == 0) return;
        if (reduction == ScatterReduction.None)
        {
            var move = new Move(y, updates, offsets, block);
            TensorMoves.Dispatch(y.Type, ref move);
            return;
        }
        if (y.Type is DataType.BFloat16)
        {
            var wide = FloatConversion.ToFloat(y).Clone();
            Run(context, wide, FloatConversion.ToFloat(updates), offsets, block, reduction);
            FloatConversion.FromFloat(wide.ReadOnlySpan<float>(), y);
            return;
        }
        var reduce = new Reduce(y, updates, offsets, block, reduction);
        TypeDispatch.RequireNumeric(context, y.Type, ref reduce);
    }

    private readonly struct Move(Tensor y, Tensor updates, int[] offsets, int block) : IElementAction
    {
        public void Invoke<T>()
        {
            var dst = TensorMoves.Elements<T>(y);
            var src = TensorMoves.Elements<T>(updates);
            if (block == 1)
                for (int t = 0; t < offsets.Length; t++) dst[offsets[t]] = src[t];
            else
                for (int t = 0; t < offsets.Length; t++) src.Slice(t * block, block).CopyTo(dst.Slice(offsets[t], block));
        }
    }

    private readonly struct Reduce(Tensor y, Tensor updates, int[] offsets, int block, ScatterReduction reduction) : INumericAction
    {
        public void Invoke<T>() where T : unmanaged, INumber<T>
        {
            var dst = y.Span<T>();
            var src = updates.ReadOnlySpan<T>();
            for (int t = 0; t < offsets.Length; t++)
            {
                var d = dst.Slice(offsets[t], block);
                var s = src.Slice(t * block, block);
                switch (reduction)
                {
                    case ScatterReduction.Add:
                        for (int j = 0; j < block; j++) d[j] += s[j];
                        break;
                    case ScatterReduction.Mul:
                        for (int j = 0; j < block; j++) d[j] *= s[j];
                        break;
                    case ScatterReduction.Max:
                        for (int j = 0; j < block; j++) d[j] = T.Max(d[j], s[j]);
                        break;
                    default:
                        for (int j = 0; j < block; j++) d[j] = T.Min(d[j], s[j]);
                        break;
                }
            }
        }
    }
}
