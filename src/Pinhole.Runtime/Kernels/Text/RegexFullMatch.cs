using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Pinhole.Runtime.Kernels;

/// <summary>RegexFullMatch (opset 20): whether each string matches the whole pattern (RE2 syntax, run by .NET's regex engine).</summary>
internal sealed class RegexFullMatch : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "RegexFullMatch", 20, info => new RegexFullMatch(info));

    private readonly Regex _regex;

    private RegexFullMatch(KernelInfo info)
    {
        string pattern = info.GetString("pattern", "");
        try
        {
            _regex = new Regex(@"\A(?:" + pattern + @")\z", RegexOptions.CultureInvariant | RegexOptions.Compiled, TimeSpan.FromSeconds(10));
        }
        catch (ArgumentException e)
        {
            throw info.Invalid($"invalid pattern '{pattern}': {e.Message}");
        }
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Type != DataType.String) throw context.Error("input must be strings");
        var y = context.Output(0, DataType.Bool, x.Shape);
        var xs = x.ReadOnlySpan<string>();
        var ys = y.Span<bool>();
        for (int i = 0; i < xs.Length; i++) ys[i] = _regex.IsMatch(xs[i]);
    }
}
