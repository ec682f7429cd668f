namespace Pinhole.Conformance.Tests;

/// <summary>
/// The committed verdict for every case: "pass", or "excluded" with the reason. A case listed as pass must keep
/// passing; a new case in ../shared must be classified.
/// </summary>
internal static class ExpectedResults
{
    public const string FileName = "expected.tsv";

    public static string SourcePath => Path.Combine(Repository.Root, "tests", "Pinhole.Conformance.Tests", FileName);

    public static IReadOnlyDictionary<string, (bool Pass, string Reason)> Load()
    {
        var path = Path.Combine(AppContext.BaseDirectory, FileName);
        var result = new Dictionary<string, (bool, string)>(StringComparer.Ordinal);
        foreach (var line in File.ReadLines(path))
        {
            if (line.Length == 0 || line[0] == '#') continue;
            var parts = line.Split('\t');
            result[parts[0]] = parts[1] == "pass" ? (true, "") : (false, parts.Length > 2 ? parts[2] : "");
        }
        return result;
    }

    public static void Write(IEnumerable<(string Id, string? Failure)> results)
    {
        using var writer = new StreamWriter(SourcePath);
        writer.WriteLine("# Conformance verdicts: case<TAB>pass, or case<TAB>excluded<TAB>reason. Regenerate: see docs/conformance.md.");
        foreach (var (id, failure) in results.OrderBy(r => r.Id, StringComparer.Ordinal))
            writer.WriteLine(failure is null ? $"{id}\tpass" : $"{id}\texcluded\t{failure.Replace('\t', ' ')}");
    }
}
