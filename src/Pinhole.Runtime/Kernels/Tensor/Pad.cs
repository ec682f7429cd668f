using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Pad: constant, reflect, edge and wrap padding (attributes in opset 2, inputs from 11, axes from 18); negative pads crop.</summary>
internal sealed class Pad : OpKernel
{
    private enum Mode
    {
        Constant,
        Reflect,
        Edge,
        Wrap,
    }

    private readonly Mode _mode;
    private readonly long[]? _pads;
    private readonly float _value;

    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "Pad", 2, info => new Pad(info));
        KernelRegistry.Register("", "Pad", 11, info => new Pad(info));
    }

    private Pad(KernelInfo info)
    {
        _mode = info.GetString("mode", "constant") switch
        {
            "constant" => Mode.Constant,
            "reflect" => Mode.Reflect,
            "edge" => Mode.Edge,
            "wrap" when info.OpsetVersion >= 19 => Mode.Wrap,
            var m => throw info.Invalid($"unknown mode '{m}'"),
        };
        if (info.OpsetVersion < 11)
        {
            _pads = info.GetInts(info.OpsetVersion < 2 ? "paddings" : "pads") ?? throw info.Invalid("attribute 'pads' is required");
            _value = info.GetFloat("value", 0);
        }
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        int rank = x.Rank;
        var begin = new long[rank];
        var end = new long[rank];
        if (_pads is not null)
        {
            if (_pads.Length != 2 * rank) throw context.Error($"pads has {_pads.Length} entries for rank {rank}");
            for (int i = 0; i < rank; i++)
            {
                begin[i] = _pads[i];
                end[i] = _pads[rank + i];
            }
        }
        else
        {
            var pads = TensorMoves.Int64s(context.Input(1));
            int n = rank;
            int[] axes;
            if (context.OptionalInput(3) is { } axesTensor)
            {
                var raw = TensorMoves.Int64s(axesTensor);
                n = raw.Length;
                axes = new int[n];
                for (int i = 0; i < n; i++)
                    axes[i] = raw[i] < -rank || raw[i] >= rank ? throw context.Error($"axis {raw[i]} is out of range for rank {rank}")
                        : (int)(raw[i] < 0 ? raw[i] + rank : raw[i]);
            }
            else
            {
                axes = new int[rank];
                for (int i = 0; i < rank; i++) axes[i] = i;
            }
            if (pads.Length != 2 * n) throw context.Error($"pads has {pads.Length} entries for {n} axes");
            for (int i = 0; i < n; i++)
            {
                begin[axes[i]] = pads[i];
                end[axes[i]] = pads[n + i];
            }
        }

        var shape = new int[rank];
        for (int d = 0; d < rank; d++)
        {
            long size = x.Shape[d] + begin[d] + end[d];
            if (size < 0) throw context.Error($"pads crop axis {d} below zero");
            shape[d] = TensorMoves.Dim(size);
        }
        var y = context.Output(0, x.Type, shape);
        if (y.Length == 0) return;

        Tensor fill;
        if (_pads is not null)
        {
            fill = Tensor.Zeros(x.Type, [1]);
            if (x.Type != DataType.String) TensorCast.Convert(Tensor.FromArray(new[] { _value }, [1]), fill);
        }
        else if (context.OptionalInput(2) is { Length: > 0 } cv)
        {
            if (cv.Type != x.Type) throw context.Error("constant_value must have the element type of data");
            fill = cv;
        }
        else fill = Tensor.Zeros(x.Type, [1]);

        var maps = new int[rank][];
        for (int d = 0; d < rank; d++)
        {
            int dim = x.Shape[d];
            if (dim == 0 && _mode != Mode.Constant && shape[d] > 0)
                throw context.Error($"cannot {_mode.ToString().ToLowerInvariant()}-pad an empty axis");
            var m = maps[d] = new int[shape[d]];
            for (int o = 0; o < m.Length; o++) m[o] = Source(o - begin[d], dim, _mode);
        }
        var action = new Fill(x, y, fill, maps);
        TensorMoves.Dispatch(x.Type, ref action);
    }

    private static int Source(long i, int dim, Mode mode)
    {
        if (i >= 0 && i < dim) return (int)i;
        switch (mode)
        {
            case Mode.Edge: return i < 0 ? 0 : dim - 1;
            case Mode.Wrap: return (int)(((i % dim) + dim) % dim);
            case Mode.Reflect:
                if (dim == 1) return 0;
                long p = 2L * (dim - 1);
                long r = ((i % p) + p) % p;
                return (int)(r >= dim ? p - r : r);
            default: return -1;
        }
    }

    private readonly struct Fill(Tensor x, Tensor y, Tensor fill, int[][] maps) : IElementAction
    {
        public void Invoke<T>()
        {
            var src = TensorMoves.Elements<T>(x);
            var dst = TensorMoves.Elements<T>(y);
            T value = TensorMoves.Elements<T>(fill)[0];
            int rank = maps.Length;
            if (rank == 0)
            {
                dst[0] = src[0];
                return;
            }
            var strides = TensorMoves.Strides(x.Shape);
            var inner = maps[rank - 1];
            int rows = y.Length / inner.Length;
            var index = new int[rank];
            for (int r = 0, o = 0; r < rows; r++, o += inner.Length)
            {
                int baseOffset = 0;
                bool outside = false;
                for (int d = 0; d < rank - 1; d++)
                {
                    int s = maps[d][index[d]];
                    if (s < 0) { outside = true; break; }
                    baseOffset += s * strides[d];
                }
                var row = dst.Slice(o, inner.Length);
                if (outside) row.Fill(value);
                else
                    for (int j = 0; j < row.Length; j++)
                        row[j] = inner[j] < 0 ? value : src[baseOffset + inner[j]];
                for (int d = rank - 2; d >= 0; d--)
                {
                    if (++index[d] < maps[d].Length) break;
                    index[d] = 0;
                }
            }
        }
    }
}
