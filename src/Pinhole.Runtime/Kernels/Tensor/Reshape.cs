using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Reshape: a view under a new shape (opset 1 reads the shape attribute, 5+ the shape input; 14 adds allowzero).</summary>
internal sealed class Reshape : OpKernel
{
    private readonly long[]? _shapeAttribute;
    private readonly bool _allowZero;

    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "Reshape", 1, info => new Reshape(info));
        KernelRegistry.Register("", "Reshape", 5, info => new Reshape(info));
    }

    private Reshape(KernelInfo info)
    {
        if (info.OpsetVersion < 5) _shapeAttribute = info.GetInts("shape") ?? throw info.Invalid("attribute 'shape' is required");
        _allowZero = info.GetInt("allowzero", 0) != 0;
    }

    public override void Execute(KernelContext context)
    {
        var data = context.Input(0);
        var requested = _shapeAttribute ?? TensorMoves.Int64s(context.Input(1));
        var shape = Resolve(context, data.Shape, requested, _allowZero);
        context.SetOutput(0, data.Reshape(shape));
    }

    internal static int[] Resolve(KernelContext context, int[] input, ReadOnlySpan<long> requested, bool allowZero)
    {
        var shape = new int[requested.Length];
        int inferred = -1;
        long known = 1;
        for (int i = 0; i < shape.Length; i++)
        {
            long d = requested[i];
            if (d == -1)
            {
                if (inferred >= 0) throw context.Error("shape has more than one -1");
                inferred = i;
                continue;
            }
            if (d == 0 && !allowZero)
            {
                if (i >= input.Length) throw context.Error($"shape has 0 at {i} but the input has rank {input.Length}");
                d = input[i];
            }
            if (d < 0) throw context.Error($"invalid dimension {d} in shape");
            if (d > int.MaxValue) throw context.Error($"dimension {d} is too large");
            shape[i] = (int)d;
            known *= d;
        }
        int count = Tensor.ElementCount(input);
        if (inferred >= 0)
        {
            if (known == 0 || count % known != 0)
                throw context.Error($"cannot reshape {Tensor.FormatShape(input)} to [{string.Join(",", requested.ToArray())}]");
            shape[inferred] = (int)(count / known);
        }
        else if (known != count)
            throw context.Error($"cannot reshape {Tensor.FormatShape(input)} to [{string.Join(",", requested.ToArray())}]");
        return shape;
    }
}
