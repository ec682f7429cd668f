using System.Runtime.CompilerServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>NonMaxSuppression (opset 10, 11): greedy per batch and class selection by score, suppressing IoU above the threshold.</summary>
internal sealed class NonMaxSuppression : OpKernel
{
    [ModuleInitializer]
    internal static void Register() => KernelRegistry.Register("", "NonMaxSuppression", 10, info => new NonMaxSuppression(info));

    private readonly bool _centerPoint;

    private NonMaxSuppression(KernelInfo info)
    {
        long c = info.GetInt("center_point_box", 0);
        if (c is not (0 or 1)) throw info.Invalid($"center_point_box must be 0 or 1, is {c}");
        _centerPoint = c == 1;
    }

    public override void Execute(KernelContext context)
    {
        var boxesT = context.Input(0);
        var scoresT = context.Input(1);
        if (boxesT.Rank != 3 || boxesT.Shape[2] != 4) throw context.Error($"boxes must be [batches, boxes, 4], is {Tensor.FormatShape(boxesT.Shape)}");
        if (scoresT.Rank != 3 || scoresT.Shape[0] != boxesT.Shape[0] || scoresT.Shape[2] != boxesT.Shape[1])
            throw context.Error($"scores {Tensor.FormatShape(scoresT.Shape)} does not match boxes {Tensor.FormatShape(boxesT.Shape)}");
        long maxPerClass = context.OptionalInput(2) is { Length: > 0 } m ? m.GetInt64(0) : 0;
        float iouThreshold = context.OptionalInput(3) is { Length: > 0 } iou ? (float)iou.GetDouble(0) : 0f;
        float? scoreThreshold = context.OptionalInput(4) is { Length: > 0 } st ? (float)st.GetDouble(0) : null;
        if (iouThreshold < 0 || iouThreshold > 1) throw context.Error($"iou_threshold {iouThreshold} is outside [0, 1]");
        int batches = boxesT.Shape[0], classes = scoresT.Shape[1], count = boxesT.Shape[1];
        var boxes = FloatConversion.ToFloat(boxesT).Span<float>().ToArray();
        var scores = FloatConversion.ToFloat(scoresT).Span<float>().ToArray();

        // Corners as (y1, x1, y2, x2) with y1 <= y2 and x1 <= x2.
        var corners = new float[boxes.Length];
        for (int i = 0; i < boxes.Length; i += 4)
        {
            float a = boxes[i], b = boxes[i + 1], c = boxes[i + 2], d = boxes[i + 3];
            if (_centerPoint)
            {
                corners[i] = b - d / 2; corners[i + 1] = a - c / 2; corners[i + 2] = b + d / 2; corners[i + 3] = a + c / 2;
            }
            else
            {
                corners[i] = Math.Min(a, c); corners[i + 1] = Math.Min(b, d); corners[i + 2] = Math.Max(a, c); corners[i + 3] = Math.Max(b, d);
            }
        }

        var selected = new List<long>();
        var order = new int[count];
        var keys = new float[count];
        var chosen = new List<int>();
        if (maxPerClass > 0)
            for (int n = 0; n < batches; n++)
                for (int c = 0; c < classes; c++)
                {
                    int candidates = 0;
                    int sbase = (n * classes + c) * count;
                    for (int i = 0; i < count; i++)
                        if (scoreThreshold is not float t || scores[sbase + i] > t)
                        {
                            order[candidates] = i;
                            keys[candidates++] = -scores[sbase + i];
                        }
                    // Stable sort by descending score: ties keep the lower index first.
                    Array.Sort(keys, order, 0, candidates);
                    StableTies(keys, order, candidates);
                    chosen.Clear();
                    for (int k = 0; k < candidates && chosen.Count < maxPerClass; k++)
                    {
                        int i = order[k];
                        bool keep = true;
                        foreach (int j in chosen)
                            if (IoU(corners, (n * count + i) * 4, (n * count + j) * 4) > iouThreshold) { keep = false; break; }
                        if (!keep) continue;
                        chosen.Add(i);
                        selected.Add(n);
                        selected.Add(c);
                        selected.Add(i);
                    }
                }
        var y = context.Output(0, DataType.Int64, [selected.Count / 3, 3]);
        selected.CopyTo(y.Span<long>());
    }

    private static void StableTies(float[] keys, int[] order, int count)
    {
        for (int s = 0; s < count;)
        {
            int e = s + 1;
            while (e < count && keys[e] == keys[s]) e++;
            if (e - s > 1) Array.Sort(order, s, e - s);
            s = e;
        }
    }

    private static float IoU(float[] b, int i, int j)
    {
        float ymin = Math.Max(b[i], b[j]), xmin = Math.Max(b[i + 1], b[j + 1]);
        float ymax = Math.Min(b[i + 2], b[j + 2]), xmax = Math.Min(b[i + 3], b[j + 3]);
        float inter = Math.Max(0, ymax - ymin) * Math.Max(0, xmax - xmin);
        if (inter <= 0) return 0;
        float areaI = (b[i + 2] - b[i]) * (b[i + 3] - b[i + 1]);
        float areaJ = (b[j + 2] - b[j]) * (b[j + 3] - b[j + 1]);
        float union = areaI + areaJ - inter;
        return union <= 0 ? 0 : inter / union;
    }
}
