using System.Globalization;
using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Running;

namespace Pinhole.MicroBenchmarks;

/// <summary>Marks a benchmark class whose instances know the floating-point operations of one invocation.</summary>
public interface IFlopCount
{
    /// <summary>FLOPs of one benchmark invocation with the current parameters (after parameters are set).</summary>
    double Flops(string method);
}

/// <summary>GFLOP/s = FLOPs of one invocation / mean time (the class implements <see cref="IFlopCount"/>).</summary>
public sealed class GflopsColumn : IColumn
{
    public string Id => nameof(GflopsColumn);
    public string ColumnName => "GFLOP/s";
    public bool AlwaysShow => true;
    public ColumnCategory Category => ColumnCategory.Custom;
    public int PriorityInCategory => 0;
    public bool IsNumeric => true;
    public UnitType UnitType => UnitType.Dimensionless;
    public string Legend => "Billions of floating-point operations per second (mean time)";

    public bool IsAvailable(Summary summary) => true;
    public bool IsDefault(Summary summary, BenchmarkCase benchmarkCase) => false;
    public string GetValue(Summary summary, BenchmarkCase benchmarkCase) => GetValue(summary, benchmarkCase, SummaryStyle.Default);

    public string GetValue(Summary summary, BenchmarkCase benchmarkCase, SummaryStyle style)
    {
        var report = summary[benchmarkCase];
        var stats = report?.ResultStatistics;
        if (stats == null || Activator.CreateInstance(benchmarkCase.Descriptor.Type) is not IFlopCount counter) return "-";
        foreach (var p in benchmarkCase.Parameters.Items)
        {
            var prop = benchmarkCase.Descriptor.Type.GetProperty(p.Name);
            if (prop != null) prop.SetValue(counter, p.Value);
            else benchmarkCase.Descriptor.Type.GetField(p.Name)?.SetValue(counter, p.Value);
        }
        double flops = counter.Flops(benchmarkCase.Descriptor.WorkloadMethod.Name);
        return (flops / stats.Mean).ToString("F1", CultureInfo.InvariantCulture); // FLOP per ns = GFLOP/s
    }

    public override string ToString() => ColumnName;
}
