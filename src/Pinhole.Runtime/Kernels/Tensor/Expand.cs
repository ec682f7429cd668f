using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Expand: broadcasts the input to the (bidirectionally broadcast) shape given by input 1.</summary>
internal sealed class Expand : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Expand", 8, _ => new Expand());

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        var dims = TensorMoves.Int64s(context.Input(1));
        var requested = new int[dims.Length];
        for (int i = 0; i < dims.Length; i++)
            requested[i] = dims[i] is >= 0 and <= int.MaxValue ? (int)dims[i] : throw context.Error($"invalid dimension {dims[i]}");
        int[] shape;
        try
        {
            shape = Broadcast.Shape(x.Shape, requested);
        }
        catch (ArgumentException e)
        {
            throw context.Error(e.Message);
        }
        if (shape.AsSpan().SequenceEqual(x.Shape))
        {
            context.SetOutput(0, x);
            return;
        }
        var y = context.Output(0, x.Type, shape);
        TensorMoves.Copy(x, 0, Broadcast.Strides(x.Shape, shape), y, 0, TensorMoves.Strides(shape), shape);
    }
}
