using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>com.microsoft QLinearLeakyRelu: Y = quantize(leaky_relu(dequantize(X), alpha)), through a lookup table.</summary>
internal sealed class QLinearLeakyRelu : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("com.microsoft", "QLinearLeakyRelu", 1, info => new QLinearLeakyRelu(info));

    private readonly float _alpha;

    private QLinearLeakyRelu(KernelInfo info) => _alpha = info.GetFloat("alpha", 0.01f);

    public override void Execute(KernelContext context)
    {
        float alpha = _alpha;
        QLinearLookup.Run(context, v => v >= 0 ? v : v * alpha);
    }
}
