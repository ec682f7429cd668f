using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Not: elementwise logical negation of a bool tensor.</summary>
internal sealed class Not : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Not", 1, _ => new Not());

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Type != DataType.Bool) throw context.Error($"input must be bool, not {DataTypes.OnnxName(x.Type)}");
        var src = x.ReadOnlySpan<bool>();
        var dst = context.Output(0, DataType.Bool, x.Shape).Span<bool>();
        for (int i = 0; i < src.Length; i++) dst[i] = !src[i];
    }
}
