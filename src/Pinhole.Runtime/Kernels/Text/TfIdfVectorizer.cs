using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Pinhole.Runtime.Kernels;

/// <summary>TfIdfVectorizer (opset 9): counts pooled n-grams (with skips) per row; TF, IDF or TFIDF weighting.</summary>
internal sealed class TfIdfVectorizer : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "TfIdfVectorizer", 9, info => new TfIdfVectorizer(info));

    private readonly int _minGram, _maxGram, _maxSkip;
    private readonly int _mode; // 0 TF, 1 IDF, 2 TFIDF
    private readonly Dictionary<string, int> _pool = new(StringComparer.Ordinal); // key → n-gram number in the pool
    private readonly long[] _indexes;
    private readonly float[] _weights;
    private readonly int _width;
    private readonly bool _strings;

    private TfIdfVectorizer(KernelInfo info)
    {
        _minGram = checked((int)info.GetInt("min_gram_length"));
        _maxGram = checked((int)info.GetInt("max_gram_length"));
        _maxSkip = checked((int)info.GetInt("max_skip_count"));
        if (_minGram < 1 || _maxGram < _minGram || _maxSkip < 0)
            throw info.Invalid($"invalid n-gram lengths [{_minGram}, {_maxGram}] or max_skip_count {_maxSkip}");
        _mode = info.GetString("mode", "TF") switch
        {
            "TF" => 0,
            "IDF" => 1,
            "TFIDF" => 2,
            var s => throw info.Invalid($"unknown mode '{s}'"),
        };
        var counts = info.GetInts("ngram_counts") ?? throw info.Invalid("ngram_counts is required");
        _indexes = info.GetInts("ngram_indexes") ?? throw info.Invalid("ngram_indexes is required");
        var strings = info.GetStrings("pool_strings");
        var ints = info.GetInts("pool_int64s");
        if ((strings is null) == (ints is null)) throw info.Invalid("exactly one of pool_strings and pool_int64s must be set");
        _strings = strings is not null;
        string[] pool = strings ?? Array.ConvertAll(ints!, v => v.ToString(CultureInfo.InvariantCulture));
        _weights = info.GetFloats("weights") ?? [];
        if (_weights.Length == 0)
        {
            _weights = new float[_indexes.Length];
            Array.Fill(_weights, 1f);
        }
        if (_weights.Length != _indexes.Length) throw info.Invalid("weights and ngram_indexes differ in length");
        int gram = 0;
        for (int level = 0; level < counts.Length; level++)
        {
            int n = level + 1;
            long start = counts[level], end = level + 1 < counts.Length ? counts[level + 1] : pool.Length;
            if (start < 0 || end > pool.Length || end < start || (end - start) % n != 0)
                throw info.Invalid($"ngram_counts does not split the pool into {n}-grams");
            for (long p = start; p < end; p += n)
            {
                if (gram >= _indexes.Length) throw info.Invalid("the pool holds more n-grams than ngram_indexes");
                _pool.TryAdd(Key(pool.AsSpan((int)p, n)), gram++);
            }
        }
        long max = -1;
        foreach (long i in _indexes)
        {
            if (i < 0) throw info.Invalid("ngram_indexes must be non-negative");
            max = Math.Max(max, i);
        }
        _width = checked((int)(max + 1));
    }

    private static string Key(ReadOnlySpan<string> items)
    {
        var sb = new StringBuilder();
        foreach (var s in items) sb.Append(s).Append('\u0001');
        return sb.ToString();
    }

    public override void Execute(KernelContext context)
    {
        var x = context.Input(0);
        if (x.Rank is not (1 or 2)) throw context.Error($"input must be [C] or [N, C], is {Tensor.FormatShape(x.Shape)}");
        if (_strings != (x.Type == DataType.String)) throw context.Error($"input type {DataTypes.OnnxName(x.Type)} does not match the pool");
        int rows = x.Rank == 1 ? 1 : x.Shape[0];
        int cols = x.Shape[^1];
        var items = new string[x.Length];
        for (int i = 0; i < items.Length; i++)
            items[i] = _strings ? x.Span<string>()[i] : x.GetInt64(i).ToString(CultureInfo.InvariantCulture);
        var y = context.Output(0, DataType.Float, x.Rank == 1 ? [_width] : [rows, _width]);
        var ys = y.Span<float>();
        var counts = new int[_indexes.Length];
        var gram = new string[_maxGram];
        for (int r = 0; r < rows; r++)
        {
            Array.Clear(counts);
            int minGram = _minGram;
            for (int skip = 0; skip <= _maxSkip; skip++)
            {
                for (int start = 0; start < cols; start++)
                    for (int n = minGram; n <= _maxGram; n++)
                    {
                        int last = start + (n - 1) * (skip + 1);
                        if (last >= cols) break;
                        for (int k = 0; k < n; k++) gram[k] = items[r * cols + start + k * (skip + 1)];
                        if (_pool.TryGetValue(Key(gram.AsSpan(0, n)), out int g)) counts[g]++;
                    }
                if (minGram == 1) minGram = 2; // unigrams do not depend on the skip: count them once
                if (minGram > _maxGram) break;
            }
            var row = ys.Slice(r * _width, _width);
            for (int g = 0; g < counts.Length; g++)
            {
                if (counts[g] == 0) continue;
                float v = _mode switch { 0 => counts[g], 1 => _weights[g], _ => counts[g] * _weights[g] };
                row[(int)_indexes[g]] = v;
            }
        }
    }
}
