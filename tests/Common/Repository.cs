namespace Pinhole.Testing;

/// <summary>
/// Locates the repository root (the folder holding Pinhole.slnx) and the read-only shared data beside it.
/// Linked into every test project by tests/Directory.Build.props.
/// </summary>
internal static class Repository
{
    public static string Root { get; } = FindRoot();

    /// <summary>The shared data folder (../shared from the repository root), or null when absent.</summary>
    public static string? Shared { get; } = Directory.Exists(Path.Combine(Root, "..", "shared"))
        ? Path.GetFullPath(Path.Combine(Root, "..", "shared"))
        : null;

    public const string SharedMissing =
        "../shared is absent beside the repository root: the ONNX backend test data and shared models are not here";

    /// <summary>A path under ../shared; only call from tests marked with the attributes below.</summary>
    public static string SharedPath(params string[] parts) =>
        Path.Combine([Shared ?? throw new InvalidOperationException(SharedMissing), .. parts]);

    /// <summary>A path under ../shared/models.</summary>
    public static string Model(params string[] parts) => SharedPath(["models", .. parts]);

    /// <summary>A path under the repository's samples folder.</summary>
    public static string Sample(params string[] parts) => Path.Combine([Root, "samples", .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Pinhole.slnx"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (Pinhole.slnx) above " + AppContext.BaseDirectory);
    }
}

/// <summary>A fact that is skipped, saying why, when ../shared is absent.</summary>
internal sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (Repository.Shared is null) Skip = Repository.SharedMissing;
    }
}

/// <summary>A theory that is skipped, saying why, when ../shared is absent.</summary>
internal sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute()
    {
        if (Repository.Shared is null) Skip = Repository.SharedMissing;
    }
}
