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

    [Fact]
    public void RowCountPicksTheNarrowerTileOnlyWhenItWastesLessAndNothingIsForced()
    {
        if (Isa.IsForced || Isa.ForKernel != GemmIsa.Vector512) return; // only the unforced 512-bit default chooses
        Assert.Equal(GemmIsa.Vector256, Isa.ForRows(9));   // 9 of 16 rows vs 9 of 12
        Assert.Equal(GemmIsa.Vector256, Isa.ForRows(12));
        Assert.Equal(GemmIsa.Vector512, Isa.ForRows(64));
        Assert.Equal(GemmIsa.Vector512, Isa.ForRows(16));
        Isa.Override = GemmIsa.Vector512;
        try
        {
            Assert.Equal(GemmIsa.Vector512, Isa.ForRows(9));
        }
        finally
        {
            Isa.Override = null;
        }
    }
}
