using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>Upsample (opset 7: scales attribute; opset 9: scales input): nearest or linear, asymmetric coordinates.</summary>
internal static class Upsample
{
    [ModuleInitializer]
    internal static void Register()
    {
        KernelRegistry.Register("", "Upsample", 7, info =>
            new Resize(info, info.GetFloats("scales") ?? throw info.Invalid("required attribute 'scales' is missing")));
        KernelRegistry.Register("", "Upsample", 9, info => new Resize(info, null));
    }
}
