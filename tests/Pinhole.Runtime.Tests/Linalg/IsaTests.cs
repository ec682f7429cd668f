using Pinhole.Runtime.Kernels;

namespace Pinhole.Runtime.Tests.Linalg;

public class IsaTests
{
    [Fact]
    public void DefaultIsTheWidestPathUnlessForced()
    {
        // Regression: static initializer order once left Default at Scalar whatever the hardware.
        var forced = Environment.GetEnvironmentVariable("PINHOLE_ISA");
        Assert.Equal(Isa.Choose(forced), Isa.Default);
        if (string.IsNullOrWhiteSpace(forced)) Assert.Equal(Isa.Widest, Isa.Default);
    }

    [Theory]
    [InlineData("scalar", GemmIsa.Scalar)]
    [InlineData("128", GemmIsa.Vector128)]
    public void ForcedPathsAreHonoured(string setting, GemmIsa expected) =>
        Assert.Equal(Isa.IsSupported(expected) ? expected : Isa.Widest, Isa.Choose(setting));
}
