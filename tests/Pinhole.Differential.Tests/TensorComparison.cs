using Xunit.Abstractions;

namespace Pinhole.Differential.Tests;

/// <summary>Element-wise comparison of a Pinhole output against a reference output.</summary>
internal static class TensorComparison
{
    /// <summary>
    /// Asserts equal type and shape, finite values, and |actual - expected| &lt;= atol + rtol * |expected| for every
    /// element (integer and bool outputs must be equal). Logs the max abs and max rel differences.
    /// </summary>
    public static (double MaxAbs, double MaxRel) AssertClose(string what, Tensor expected, Tensor actual, double atol, double rtol, ITestOutputHelper? log = null)
    {
        Assert.True(expected.Type == actual.Type, $"{what}: type {actual.Type}, expected {expected.Type}");
        Assert.True(expected.Shape.SequenceEqual(actual.Shape),
            $"{what}: shape {Tensor.FormatShape(actual.Shape)}, expected {Tensor.FormatShape(expected.Shape)}");
        bool exact = !DataTypes.IsFloatingPoint(expected.Type);
        double maxAbs = 0, maxRel = 0, range = 0;
        int worst = -1, failures = 0;
        for (int i = 0; i < expected.Length; i++)
        {
            double e = expected.GetDouble(i), a = actual.GetDouble(i);
            range = Math.Max(range, Math.Abs(e));
            double diff = Math.Abs(a - e);
            if (!double.IsFinite(a) && !(double.IsNaN(a) && double.IsNaN(e)) && a != e) diff = double.PositiveInfinity;
            if (double.IsNaN(a) && double.IsNaN(e)) diff = 0;
            if (diff > maxAbs) { maxAbs = diff; worst = i; }
            if (Math.Abs(e) > 1e-6) maxRel = Math.Max(maxRel, diff / Math.Abs(e));
            if (exact ? diff != 0 : !(diff <= atol + rtol * Math.Abs(e))) failures++;
        }
        log?.WriteLine($"{what}: {DataTypes.OnnxName(actual.Type)} {Tensor.FormatShape(actual.Shape)}, max |expected| {range:G4}, " +
            $"max abs diff {maxAbs:G4}, max rel diff {maxRel:G4}");
        Assert.True(failures == 0,
            $"{what}: {failures} of {expected.Length} elements differ by more than atol {atol} + rtol {rtol}; worst at {worst}: " +
            $"{(worst >= 0 ? actual.GetDouble(worst) : 0)} vs expected {(worst >= 0 ? expected.GetDouble(worst) : 0)}");
        return (maxAbs, maxRel);
    }
}
