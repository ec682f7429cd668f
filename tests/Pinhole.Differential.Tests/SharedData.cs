namespace Pinhole.Differential.Tests;

/// <summary>Locates the repository root and the shared data folder beside it.</summary>
internal static class SharedData
{
    public static string Root { get; } = FindRoot();

    /// <summary>The shared data folder (../shared from the repository root), or null when absent.</summary>
    public static string? Shared { get; } = Directory.Exists(Path.Combine(Root, "..", "shared"))
        ? Path.GetFullPath(Path.Combine(Root, "..", "shared"))
        : null;

    public const string Missing = "../shared is absent: the shared models are not here";

    /// <summary>A path under ../shared/models (only valid when <see cref="Shared"/> is set).</summary>
    public static string Model(params string[] parts) => Path.Combine([Shared ?? "", "models", .. parts]);

    public static string Sample(params string[] parts) => Path.Combine([Root, "samples", .. parts]);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Pinhole.slnx"))) return dir.FullName;
        throw new InvalidOperationException("cannot find the repository root (Pinhole.slnx) above " + AppContext.BaseDirectory);
    }
}

/// <summary>A theory that is skipped, saying why, when ../shared is absent.</summary>
internal sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute()
    {
        if (SharedData.Shared is null) Skip = SharedData.Missing;
    }
}

/// <summary>A fact that is skipped, saying why, when ../shared is absent.</summary>
internal sealed class SharedDataFactAttribute : FactAttribute
{
    public SharedDataFactAttribute()
    {
        if (SharedData.Shared is null) Skip = SharedData.Missing;
    }
}
