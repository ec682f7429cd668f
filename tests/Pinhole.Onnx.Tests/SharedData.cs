using Xunit;

namespace Pinhole.Onnx.Tests;

/// <summary>
/// Locates the read-only test data in <c>../shared</c> next to the repository root (the folder with Pinhole.slnx).
/// Copy this file into another test project (and change the namespace) to use the attributes there.
/// </summary>
public static class SharedData
{
    private static readonly Lazy<string?> RootPath = new(FindRoot);

    /// <summary>The repository root: the first folder above the test binaries holding Pinhole.slnx.</summary>
    public static string? RepositoryRoot
    {
        get
        {
            for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
                if (File.Exists(Path.Combine(dir.FullName, "Pinhole.slnx"))) return dir.FullName;
            return null;
        }
    }

    /// <summary>Full path of <c>../shared</c>, or null when it is absent.</summary>
    public static string? Root => RootPath.Value;

    public static bool Available => Root is not null;

    public static string SkipReason =>
        $"shared test data not found: expected a 'shared' folder next to the repository root ({RepositoryRoot ?? "no Pinhole.slnx above " + AppContext.BaseDirectory})";

    /// <summary>A path under the shared folder; only call from tests marked with the attributes below.</summary>
    public static string Get(params string[] parts) =>
        Path.Combine([Root ?? throw new InvalidOperationException(SkipReason), .. parts]);

    private static string? FindRoot()
    {
        string? repo = RepositoryRoot;
        if (repo is null) return null;
        string shared = Path.GetFullPath(Path.Combine(repo, "..", "shared"));
        return Directory.Exists(shared) ? shared : null;
    }
}

/// <summary>A fact that is skipped, with the reason, when <c>../shared</c> is absent.</summary>
public sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (!SharedData.Available) Skip = SharedData.SkipReason;
    }
}

/// <summary>A theory that is skipped, with the reason, when <c>../shared</c> is absent.</summary>
public sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute()
    {
        if (!SharedData.Available) Skip = SharedData.SkipReason;
    }
}
