using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Identity: output 0 is input 0 (shared, no copy).</summary>
internal sealed class Identity : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "Identity", 1, _ => new Identity());

    public override void Execute(KernelContext context) => context.SetOutput(0, context.Input(0));
}
