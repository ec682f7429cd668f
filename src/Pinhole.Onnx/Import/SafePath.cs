namespace Pinhole.Onnx.Import;

/// <summary>
/// Resolves an external-data location inside the model's folder, per ONNX's ExternalDataSecurity.md:
/// no absolute paths, no "..", and no symbolic link (in any component) that leads outside the folder.
/// </summary>
internal static class SafePath
{
    private const int MaxLinkHops = 40;

    /// <summary>The canonical path of <paramref name="location"/> under <paramref name="baseDirectory"/>.</summary>
    /// <exception cref="ExternalDataSecurityException">The location escapes the folder.</exception>
    public static string Resolve(string baseDirectory, string location, string what)
    {
        if (location.Contains('\0', StringComparison.Ordinal))
            throw Refused(what, location, "contains a NUL character");
        if (Path.IsPathRooted(location) || location.StartsWith('/') || location.StartsWith('\\')
            || (location.Length >= 2 && location[1] == ':'))
            throw Refused(what, location, "is an absolute path; it must be relative to the model's folder");
        // Backslash counts as a separator on every OS so a Windows-style "..\\x" cannot slip through on Linux.
        if (location.Split('/', '\\').Any(segment => segment == ".."))
            throw Refused(what, location, "uses '..' to leave the model's folder");

        string root = Canonical(Path.GetFullPath(baseDirectory), what, location);
        string target = Canonical(Path.GetFullPath(Path.Combine(baseDirectory, location)), what, location);
        string prefix = root.EndsWith(Path.DirectorySeparatorChar) ? root : root + Path.DirectorySeparatorChar;
        if (target == root)
            throw new InvalidModelException($"{what}: external data location '{location}' names the model's folder, not a file");
        if (!target.StartsWith(prefix, StringComparison.Ordinal))
            throw Refused(what, location, $"resolves through a symbolic link to '{target}', outside the model's folder '{root}'");
        return target;
    }

    /// <summary>
    /// <paramref name="fullPath"/> with every symbolic link resolved, component by component, like realpath(3).
    /// Components that do not exist are kept as they are.
    /// </summary>
    private static string Canonical(string fullPath, string what, string location)
    {
        int hops = 0;
        return Canonical(fullPath, ref hops, what, location);
    }

    private static string Canonical(string fullPath, ref int hops, string what, string location)
    {
        string current = Path.GetPathRoot(fullPath) ?? "";
        string[] parts = fullPath[current.Length..].Split(
            [Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries);
        foreach (string part in parts)
        {
            string next = Path.Combine(current, part);
            string? link;
            try
            {
                link = new FileInfo(next).LinkTarget;
            }
            catch (IOException e)
            {
                throw new InvalidModelException($"{what}: cannot inspect external data location '{location}': {e.Message}", e);
            }
            catch (UnauthorizedAccessException e)
            {
                throw new InvalidModelException($"{what}: cannot inspect external data location '{location}': {e.Message}", e);
            }
            if (link is null)
            {
                current = next;
                continue;
            }
            if (++hops > MaxLinkHops)
                throw Refused(what, location, "goes through too many symbolic links");
            current = Canonical(Path.GetFullPath(link, current), ref hops, what, location);
        }
        return current;
    }

    private static ExternalDataSecurityException Refused(string what, string location, string why) =>
        new($"{what}: external data location '{location}' {why}");
}
