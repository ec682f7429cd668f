using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// MaxUnpool (opset 9+): scatters X into a zero tensor at the flat positions I (as produced by MaxPool's Indices).
/// The output shape is input 2 when given, else (in - 1) * stride + kernel - pads per spatial dimension.
/// </summary>
internal sealed class MaxUnpool : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "MaxUnpool", 9, info => new MaxUnpool(info));

    private readonly long[] _kernel;
    private readonly long[] _strides;
    private readonly long[] _pads;

    private MaxUnpool(KernelInfo info)
    {
        _kernel = info.GetInts("kernel_shape") ?? throw info.Invalid("required attribute 'kernel_shape' is missing");
        int rank = _kernel.Length;
        _strides = info.GetInts("strides") ?? [.. Enumerable.Repeat(1L, rank)];
        _pads = info.GetInts("pads") ?? new long[2 * rank];
        if (_strides.Length != rank || _pads.Length != 2 * rank) throw info.Invalid("strides and pads must match kernel_shape");
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        var indices = context.Input(1);
        int rank = _kernel.Length;
        if (x.Rank != rank + 2) throw context.Error($"input of rank {x.Rank} does not match a {rank}-D kernel");
        if (!indices.Shape.AsSpan().SequenceEqual(x.Shape)) throw context.Error("I must have the shape of X");
        // Indices refer to the default unpooled shape; a given output_shape re-places them by their coordinates.
        var defaultShape = new int[x.Rank];
        defaultShape[0] = x.Shape[0];
        defaultShape[1] = x.Shape[1];
        for (int i = 0; i < rank; i++)
        {
            long d = (x.Shape[2 + i] - 1L) * _strides[i] + _kernel[i] - _pads[i] - _pads[i + rank];
            if (d < 0 || d > int.MaxValue) throw context.Error("the output shape is invalid");
            defaultShape[2 + i] = (int)d;
        }
        int[] outShape = defaultShape;
        if (context.OptionalInput(2) is { } shapeTensor)
        {
            var dims = shapeTensor.ToInt64Array();
            if (dims.Length != x.Rank) throw context.Error("output_shape must have the rank of X");
            outShape = new int[dims.Length];
            for (int i = 0; i < dims.Length; i++)
            {
                if (dims[i] < 0 || dims[i] > int.MaxValue) throw context.Error($"output_shape value {dims[i]} is invalid");
                outShape[i] = (int)dims[i];
            }
        }
        bool remap = !outShape.AsSpan().SequenceEqual(defaultShape);
        int defaultLength = Tensor.ElementCount(defaultShape);
        var y = context.Output(0, x.Type, outShape);
        var xs = NnData.Floats(x);
        var ys = NnRows.Destination(y, out var temp);
        for (int i = 0; i < xs.Length; i++)
        {
            long at = indices.GetInt64(i);
            if (remap)
            {
                if (at < 0 || at >= defaultLength) throw context.Error($"index {at} is outside the unpooled shape");
                at = Remap(at, defaultShape, outShape);
            }
            if (at < 0 || at >= ys.Length) throw context.Error($"index {at} is outside the output of {ys.Length} elements");
            ys[(int)at] = xs[i];
        }
        NnRows.Commit(y, temp);
    }

    /// <summary>The flat position in <paramref name="to"/> of the element at flat position <paramref name="index"/> in <paramref name="from"/>, or -1 when outside.</summary>
    private static long Remap(long index, int[] from, int[] to)
    {
        long result = 0, scale = 1;
        for (int d = from.Length - 1; d >= 0; d--)
        {
            long c = index % from[d];
            index /= from[d];
            if (c >= to[d]) return -1;
            result += c * scale;
            scale *= to[d];
        }
        return result;
    }
}
