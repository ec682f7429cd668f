namespace Pinhole.Tools.Devices;

/// <summary>A device profile or backend file that cannot be used; the message names the file and the field at fault.</summary>
public sealed class DeviceProfileException(string message) : PinholeException(message);
