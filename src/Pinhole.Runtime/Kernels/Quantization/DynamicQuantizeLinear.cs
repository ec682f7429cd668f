using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using static Pinhole.Runtime.Kernels.QuantizationHelpers;

namespace Pinhole.Runtime.Kernels;

/// <summary>DynamicQuantizeLinear: uint8 quantization with scale and zero point computed from the input's range (which always includes 0).</summary>
internal sealed class DynamicQuantizeLinear : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "DynamicQuantizeLinear", 11, _ => new DynamicQuantizeLinear());

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Type != DataType.Float) throw context.Error($"input type {DataTypes.OnnxName(x.Type)} is not supported");
        var xf = x.ReadOnlySpan<float>();
        float min = 0, max = 0;
        if (xf.Length > 0)
        {
            min = Math.Min(0, TensorPrimitives.Min(xf));
            max = Math.Max(0, TensorPrimitives.Max(xf));
        }
        float scale = (max - min) / 255f;
        float zero = 0;
        if (scale != 0 && float.IsFinite(scale)) zero = MathF.Round(Math.Clamp(0 - min / scale, 0f, 255f), MidpointRounding.ToEven);
        var y = context.Output(0, DataType.UInt8, x.Shape);
        if (scale != 0 && float.IsFinite(scale)) QuantizeInto(xf, scale, (int)zero, y);
        context.Output(1, DataType.Float, []).Span<float>()[0] = scale;
        context.Output(2, DataType.UInt8, []).Span<byte>()[0] = (byte)zero;
    }
}
