using System.Runtime.CompilerServices;

namespace Pinhole.Tools.Transforms.Opset;

/// <summary>Ops whose old meaning a newer opset cannot express node for node.</summary>
internal static class RefusedOps
{
    [ModuleInitializer]
    internal static void Register()
    {
        OpsetAdapters.Register(new RefusedOp("Upsample", 10, "Upsample was deprecated at opset 10 (its replacement Resize has different coordinate rules)"));
        OpsetAdapters.Register(new RefusedOp("Resize", 11, "opset 11 changed Resize's coordinate transformation"));
        OpsetAdapters.Register(new RefusedOp("Scatter", 11, "Scatter was deprecated at opset 11"));
        OpsetAdapters.Register(new RefusedOp("Scan", 9, "opset 9 removed Scan's batch axis"));
    }
}
