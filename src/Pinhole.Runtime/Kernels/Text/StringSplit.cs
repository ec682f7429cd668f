using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// StringSplit (opset 20): splits each string like Python's str.split (by a delimiter, or by whitespace runs when the
/// delimiter is empty), at most maxsplit times; Y pads with empty strings, Z counts the pieces.
/// </summary>
internal sealed class StringSplit : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "StringSplit", 20, info => new StringSplit(info));

    private readonly string _delimiter;
    private readonly int _maxSplit;

    private StringSplit(KernelInfo info)
    {
        _delimiter = info.GetString("delimiter", "");
        long m = info.GetInt("maxsplit", int.MaxValue);
        _maxSplit = m < 0 ? int.MaxValue : (int)Math.Min(m, int.MaxValue);
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Type != DataType.String) throw context.Error("input must be strings");
        var xs = x.ReadOnlySpan<string>();
        var pieces = new List<string>[xs.Length];
        int widest = 0;
        for (int i = 0; i < xs.Length; i++)
        {
            pieces[i] = Split(xs[i]);
            widest = Math.Max(widest, pieces[i].Count);
        }
        var y = context.Output(0, DataType.String, [.. x.Shape, widest]);
        var z = context.Output(1, DataType.Int64, x.Shape);
        var ys = y.Span<string>();
        var zs = z.Span<long>();
        for (int i = 0; i < xs.Length; i++)
        {
            zs[i] = pieces[i].Count;
            for (int k = 0; k < pieces[i].Count; k++) ys[i * widest + k] = pieces[i][k];
        }
    }

    private List<string> Split(string s)
    {
        var result = new List<string>();
        if (_delimiter.Length > 0)
        {
            int start = 0;
            while (result.Count < _maxSplit)
            {
                int at = s.IndexOf(_delimiter, start, StringComparison.Ordinal);
                if (at < 0) break;
                result.Add(s[start..at]);
                start = at + _delimiter.Length;
            }
            result.Add(s[start..]);
            return result;
        }
        int i = 0;
        while (true)
        {
            while (i < s.Length && char.IsWhiteSpace(s[i])) i++;
            if (i >= s.Length) break;
            if (result.Count == _maxSplit)
            {
                result.Add(s[i..].TrimEnd());
                break;
            }
            int j = i;
            while (j < s.Length && !char.IsWhiteSpace(s[j])) j++;
            result.Add(s[i..j]);
            i = j;
        }
        return result;
    }
}
