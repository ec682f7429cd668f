namespace Pinhole.Conformance.Tests;

/// <summary>A theory that is skipped, saying why, when ../shared is absent.</summary>
internal sealed class SharedDataTheoryAttribute : TheoryAttribute
{
    public SharedDataTheoryAttribute()
    {
        if (Repository.Shared is null) Skip = Repository.SharedMissing;
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
