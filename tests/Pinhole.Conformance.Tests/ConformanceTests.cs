namespace Pinhole.Conformance.Tests;

/// <summary>Shared lookups for the conformance test classes.</summary>
internal static class Cases
{
    private static readonly Lazy<Dictionary<string, ConformanceCase>> All = new(() =>
        Repository.Shared is null ? [] : ConformanceCase.Discover(Repository.Shared).ToDictionary(c => c.Id));

    public static ConformanceCase Get(string id) =>
        All.Value.TryGetValue(id, out var c) ? c : throw new Xunit.Sdk.XunitException($"case {id} is listed as pass but is not in ../shared");

    public static IReadOnlyCollection<ConformanceCase> Discovered => All.Value.Values;

    public static TheoryData<string> Passing(Func<string, bool> filter)
    {
        var data = new TheoryData<string>();
        foreach (var (id, verdict) in ExpectedResults.Load())
            if (verdict.Pass && filter(id)) data.Add(id);
        return data;
    }

    public static void AssertPasses(string id)
    {
        var failure = ConformanceRunner.Run(Get(id));
        Assert.True(failure is null, $"{id} passed before and fails now: {failure}");
    }
}

public class NodeConformanceTests
{
    public static TheoryData<string> Passing => Cases.Passing(id => id.StartsWith("node/", StringComparison.Ordinal));

    [SharedDataTheory]
    [MemberData(nameof(Passing))]
    public void PassesAsBefore(string id) => Cases.AssertPasses(id);
}

public class ModelConformanceTests
{
    public static TheoryData<string> Passing => Cases.Passing(id => !id.StartsWith("node/", StringComparison.Ordinal));

    [SharedDataTheory]
    [MemberData(nameof(Passing))]
    public void PassesAsBefore(string id) => Cases.AssertPasses(id);
}

public class ConformanceCatalogTests
{
    [SharedDataFact]
    public void EveryCaseInSharedIsClassified()
    {
        var expected = ExpectedResults.Load();
        var missing = Cases.Discovered.Select(c => c.Id).Where(id => !expected.ContainsKey(id)).ToList();
        Assert.True(missing.Count == 0, $"unclassified cases (regenerate expected.tsv): {string.Join(", ", missing.Take(20))}");
    }

    [Fact]
    public void EveryExclusionStatesItsReason()
    {
        var unexplained = ExpectedResults.Load().Where(kv => !kv.Value.Pass && string.IsNullOrWhiteSpace(kv.Value.Reason)).Select(kv => kv.Key).ToList();
        Assert.Empty(unexplained);
    }

    /// <summary>Regenerates expected.tsv and docs/conformance.md when PINHOLE_UPDATE_CONFORMANCE=1.</summary>
    [SharedDataFact]
    public void UpdateExpectedResults()
    {
        if (Environment.GetEnvironmentVariable("PINHOLE_UPDATE_CONFORMANCE") != "1") return;
        var results = Cases.Discovered.AsParallel().Select(c => (c.Id, Failure: ConformanceRunner.Run(c))).ToList();
        ExpectedResults.Write(results);
        ConformanceReport.Write(results, Cases.Discovered.ToDictionary(c => c.Id));
    }
}

public class ConformanceExplorationTests
{
    /// <summary>
    /// For development: PINHOLE_CONFORMANCE_RUN=REGEX runs every discovered case whose id matches (pass or not) and
    /// writes one line per case to PINHOLE_CONFORMANCE_OUT (default: artifacts/conformance-run.txt).
    /// </summary>
    [SharedDataFact]
    public void RunMatchingCases()
    {
        var pattern = Environment.GetEnvironmentVariable("PINHOLE_CONFORMANCE_RUN");
        if (string.IsNullOrEmpty(pattern)) return;
        var regex = new System.Text.RegularExpressions.Regex(pattern);
        var lines = Cases.Discovered.Where(c => regex.IsMatch(c.Id)).OrderBy(c => c.Id, StringComparer.Ordinal).AsParallel().AsOrdered()
            .Select(c => ConformanceRunner.Run(c) is { } failure ? $"FAIL\t{c.Id}\t{failure}" : $"pass\t{c.Id}").ToList();
        var output = Environment.GetEnvironmentVariable("PINHOLE_CONFORMANCE_OUT")
            ?? Path.Combine(Repository.Root, "artifacts", "conformance-run.txt");
        Directory.CreateDirectory(Path.GetDirectoryName(output)!);
        File.WriteAllLines(output, lines.Append($"{lines.Count(l => l.StartsWith("pass", StringComparison.Ordinal))} passed, {lines.Count(l => l.StartsWith("FAIL", StringComparison.Ordinal))} failed"));
    }
}
