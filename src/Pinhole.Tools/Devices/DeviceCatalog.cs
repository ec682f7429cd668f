using System.Collections.Concurrent;
using System.Reflection;

namespace Pinhole.Tools.Devices;

/// <summary>
/// The device profiles and backend op sets that ship with Pinhole (devices/ in the repository, embedded in this assembly),
/// and those a user gives as files.
/// </summary>
public static class DeviceCatalog
{
    private const string ProfilePrefix = "devices/profiles/";
    private const string BackendPrefix = "devices/backends/";
    private static readonly Lazy<IReadOnlyList<DeviceProfile>> s_profiles = new(LoadBuiltInProfiles);
    private static readonly ConcurrentDictionary<string, BackendOpSet?> s_backends = new(StringComparer.Ordinal);

    /// <summary>The name that profiles the machine this runs on (<see cref="HostProbe"/>).</summary>
    public const string HostName = "host";

    /// <summary>The built-in device profiles, by name.</summary>
    public static IReadOnlyList<DeviceProfile> BuiltInProfiles => s_profiles.Value;

    /// <summary>The names of the built-in backends.</summary>
    public static IReadOnlyList<string> BuiltInBackendNames =>
        [.. typeof(DeviceCatalog).Assembly.GetManifestResourceNames().Where(n => n.StartsWith(BackendPrefix, StringComparison.Ordinal))
            .Select(n => Path.GetFileNameWithoutExtension(n[BackendPrefix.Length..])).Order(StringComparer.Ordinal)];

    /// <summary>
    /// A device by built-in name, <c>host</c> (this machine, measured), or the path of a profile file.
    /// </summary>
    /// <exception cref="DeviceProfileException">No such device, or the file is not a valid profile.</exception>
    public static DeviceProfile Resolve(string nameOrFile)
    {
        ArgumentException.ThrowIfNullOrEmpty(nameOrFile);
        if (nameOrFile == HostName) return HostProbe.Profile();
        if (File.Exists(nameOrFile)) return DeviceProfile.Parse(File.ReadAllText(nameOrFile), nameOrFile);
        if (nameOrFile.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || nameOrFile.Contains(Path.DirectorySeparatorChar))
            throw new DeviceProfileException($"device file '{nameOrFile}' does not exist");
        return BuiltInProfiles.FirstOrDefault(p => p.Name == nameOrFile)
            ?? throw new DeviceProfileException($"no device named '{nameOrFile}'; built-in devices: {string.Join(", ", BuiltInProfiles.Select(p => p.Name))}, {HostName} (or give a profile file)");
    }

    /// <summary>
    /// The op set of backend <paramref name="name"/> as <paramref name="device"/> names it: a file beside the device's own
    /// profile file (<c>backends/NAME.json</c> or <c>NAME.json</c>) first, then the built-in one.
    /// </summary>
    /// <exception cref="DeviceProfileException">No such backend, or its file is not valid.</exception>
    public static BackendOpSet Backend(string name, DeviceProfile device)
    {
        ArgumentNullException.ThrowIfNull(device);
        if (File.Exists(device.Origin) && Path.GetDirectoryName(Path.GetFullPath(device.Origin)) is { } dir)
        {
            foreach (var candidate in new[] { Path.Combine(dir, "backends", name + ".json"), Path.Combine(dir, name + ".json") })
                if (File.Exists(candidate)) return BackendOpSet.Parse(File.ReadAllText(candidate), candidate);
        }
        return BuiltInBackend(name)
            ?? throw new DeviceProfileException($"device '{device.Name}' names backend '{name}', which is neither a file beside its profile nor built in ({string.Join(", ", BuiltInBackendNames)})");
    }

    /// <summary>A built-in backend op set by name, or null.</summary>
    public static BackendOpSet? BuiltInBackend(string name) => s_backends.GetOrAdd(name, static n =>
    {
        string resource = BackendPrefix + n + ".json";
        return ReadResource(resource) is { } text ? BackendOpSet.Parse(text, "built-in " + resource) : null;
    });

    private static IReadOnlyList<DeviceProfile> LoadBuiltInProfiles() =>
        [.. typeof(DeviceCatalog).Assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith(ProfilePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal)
            .Select(n => DeviceProfile.Parse(ReadResource(n)!, "built-in " + n) with { Origin = "built-in" })];

    private static string? ReadResource(string name)
    {
        using var stream = typeof(DeviceCatalog).Assembly.GetManifestResourceStream(name);
        if (stream is null) return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
