using System.Globalization;
using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>StringNormalizer (opset 10): removes stop words (optionally case-insensitively) and changes case, on [C] or [1, C].</summary>
internal sealed class StringNormalizer : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "StringNormalizer", 10, info => new StringNormalizer(info));

    private readonly int _caseChange; // 0 none, 1 lower, 2 upper
    private readonly HashSet<string> _stopwords;

    private StringNormalizer(KernelInfo info)
    {
        _caseChange = info.GetString("case_change_action", "NONE") switch
        {
            "NONE" => 0,
            "LOWER" => 1,
            "UPPER" => 2,
            var s => throw info.Invalid($"unknown case_change_action '{s}'"),
        };
        bool caseSensitive = info.GetInt("is_case_sensitive", 0) != 0;
        _stopwords = new HashSet<string>(info.GetStrings("stopwords") ?? [],
            caseSensitive ? StringComparer.Ordinal : StringComparer.OrdinalIgnoreCase);
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Type != DataType.String) throw context.Error("input must be strings");
        if (!(x.Rank == 1 || (x.Rank == 2 && x.Shape[0] == 1)))
            throw context.Error($"input must be [C] or [1, C], is {Tensor.FormatShape(x.Shape)}");
        var kept = new List<string>();
        foreach (var s in x.ReadOnlySpan<string>())
        {
            if (_stopwords.Contains(s)) continue;
            kept.Add(_caseChange switch
            {
                1 => s.ToLower(CultureInfo.InvariantCulture),
                2 => s.ToUpper(CultureInfo.InvariantCulture),
                _ => s,
            });
        }
        if (kept.Count == 0) kept.Add("");
        int[] shape = x.Rank == 1 ? [kept.Count] : [1, kept.Count];
        var y = context.Output(0, DataType.String, shape);
        kept.CopyTo(y.Span<string>());
    }
}
