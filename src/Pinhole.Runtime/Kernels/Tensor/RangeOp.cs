using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Range: start, start + delta, ... up to (excluding) limit, in the inputs' element type.</summary>
internal sealed class RangeOp : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Range", 11, _ => new RangeOp());

    public override void Execute(KernelContext context)
    {
        var startT = context.Input(0);
        var limitT = context.Input(1);
        var deltaT = context.Input(2);
        var type = startT.Type;
        if (limitT.Type != type || deltaT.Type != type) throw context.Error("start, limit and delta must have the same type");
        if (startT.Length != 1 || limitT.Length != 1 || deltaT.Length != 1) throw context.Error("start, limit and delta must be scalars");
        if (DataTypes.IsInteger(type))
        {
            long start = startT.GetInt64(0), limit = limitT.GetInt64(0), delta = deltaT.GetInt64(0);
            if (delta == 0) throw context.Error("delta cannot be 0");
            long n = Math.Max(0, (limit - start + delta + (delta > 0 ? -1 : 1)) / delta);
            var values = new long[TensorMoves.Dim(n)];
            for (int i = 0; i < values.Length; i++) values[i] = start + i * delta;
            TensorCast.Convert(Tensor.FromArray(values, [values.Length]), context.Output(0, type, [values.Length]));
        }
        else if (DataTypes.IsFloatingPoint(type))
        {
            double start = startT.GetDouble(0), limit = limitT.GetDouble(0), delta = deltaT.GetDouble(0);
            if (delta == 0) throw context.Error("delta cannot be 0");
            double count = Math.Ceiling((limit - start) / delta);
            if (double.IsNaN(count) || count > int.MaxValue) throw context.Error("range is too long");
            var values = new double[(int)Math.Max(0, count)];
            for (int i = 0; i < values.Length; i++) values[i] = start + i * delta;
            TensorCast.Convert(Tensor.FromArray(values, [values.Length]), context.Output(0, type, [values.Length]));
        }
        else throw context.Error($"element type {DataTypes.OnnxName(type)} is not supported");
    }
}
