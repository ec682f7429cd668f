using System.Globalization;

namespace Pinhole.Bench;

/// <summary>Minimal <c>--name value</c> / <c>--flag</c> parsing for the driver and its workers.</summary>
internal sealed class Arguments
{
    private readonly Dictionary<string, string?> _values = new(StringComparer.Ordinal);

    public Arguments(string[] args, IReadOnlySet<string> flags)
    {
        for (int i = 0; i < args.Length; i++)
        {
            string a = args[i];
            if (!a.StartsWith("--", StringComparison.Ordinal)) throw new ArgumentException($"unexpected argument '{a}'");
            if (flags.Contains(a))
            {
                _values[a] = null;
                continue;
            }
            if (i + 1 >= args.Length) throw new ArgumentException($"{a} needs a value");
            _values[a] = args[++i];
        }
    }

    public bool Has(string name) => _values.ContainsKey(name);

    public string? Get(string name) => _values.GetValueOrDefault(name);

    public string Required(string name) => Get(name) ?? throw new ArgumentException($"{name} is required");

    public int Int(string name, int fallback) =>
        Get(name) is string s ? int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture) : fallback;

    public double Double(string name, double fallback) =>
        Get(name) is string s ? double.Parse(s, NumberStyles.Float, CultureInfo.InvariantCulture) : fallback;

    public IEnumerable<string> Unknown(IEnumerable<string> known) => _values.Keys.Except(known);
}
