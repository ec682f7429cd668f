using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>HannWindow, HammingWindow, BlackmanWindow (opset 17): generalized cosine windows, periodic or symmetric.</summary>
internal sealed class CosineWindow : OpKernel
{
    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "HannWindow", 17, info => new CosineWindow(info, 0.5, 0.5, 0));
        KernelRegistry.Register("", "HammingWindow", 17, info => new CosineWindow(info, 25.0 / 46, 21.0 / 46, 0));
        KernelRegistry.Register("", "BlackmanWindow", 17, info => new CosineWindow(info, 0.42, 0.5, 0.08));
    }

    private readonly double _a0, _a1, _a2;
    private readonly bool _periodic;
    private readonly DataType _type;

    private CosineWindow(KernelInfo info, double a0, double a1, double a2)
    {
        (_a0, _a1, _a2) = (a0, a1, a2);
        _periodic = info.GetInt("periodic", 1) != 0;
        _type = (DataType)info.GetInt("output_datatype", 1);
        if (_type is not (DataType.Float or DataType.Double or DataType.Float16 or DataType.BFloat16 or DataType.Int8
            or DataType.UInt8 or DataType.Int16 or DataType.UInt16 or DataType.Int32 or DataType.UInt32 or DataType.Int64 or DataType.UInt64))
            throw info.Invalid($"output_datatype {(int)_type} is not supported");
    }

    public override void Execute(KernelContext context)
    {
        long size = SignalHelpers.ScalarInt(context, context.Input(0), "size");
        if (size < 0 || size > int.MaxValue) throw context.Error($"size {size} is invalid");
        int n = (int)size;
        double denominator = _periodic ? n : n - 1;
        var v = new double[n];
        for (int i = 0; i < n; i++)
        {
            double x = denominator == 0 ? 0 : 2 * Math.PI * i / denominator;
            v[i] = _a0 - _a1 * Math.Cos(x) + _a2 * Math.Cos(2 * x);
        }
        SignalHelpers.FromDoubles(context, 0, _type, [n], v);
    }
}
