using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Pinhole.Runtime.Kernels;

/// <summary>
/// Concat as block copies: for each outer index, each input contributes one contiguous block. Large outputs are split
/// into equal byte ranges over the intra-op threads. The reference is Concat's strided copy.
/// </summary>
internal static class FastConcat
{
    /// <summary>Element types copied as raw bytes.</summary>
    public static bool Supports(DataType type) => type is DataType.Float or DataType.Double or DataType.Int32 or DataType.Int64
        or DataType.Float16 or DataType.BFloat16 or DataType.Int8 or DataType.UInt8 or DataType.Bool;

    /// <summary>Whether every input's block per outer index is long enough for block copies to beat the strided copy.</summary>
    public static bool BlocksAreLarge(KernelContext context, int outer)
    {
        if (outer <= 1) return true;
        for (int i = 0; i < context.InputCount; i++)
        {
            var t = context.Input(i);
            if ((long)t.Length / outer * DataTypes.SizeOf(t.Type) < 256) return false;
        }
        return true;
    }

    /// <summary>Copies the inputs of <paramref name="context"/>, each viewed as [outer, block], into <paramref name="output"/>.</summary>
    public static void Run(KernelContext context, Tensor output, int outer, int threads)
    {
        long total = (long)output.Length * DataTypes.SizeOf(output.Type);
        if (total == 0 || outer == 0) return;
        int chunks = NnFast.Chunks(total / 4, (int)Math.Min(int.MaxValue, total / 4096), threads);
        var body = new Body(context, output, outer, total, chunks);
        IntraOp.For(chunks, threads, body);
    }

    /// <summary>Chunk c writes output bytes [total*c/chunks, total*(c+1)/chunks), from whichever inputs they come.</summary>
    private readonly struct Body(KernelContext context, Tensor output, int outer, long total, int chunks) : IParallelBody
    {
        public void Invoke(int index)
        {
            long from = total * index / chunks, to = total * (index + 1) / chunks;
            long outBlock = total / outer;
            var dst = output.Bytes();
            while (from < to)
            {
                long o = from / outBlock, within = from % outBlock, offset = 0;
                int i = 0;
                Span<byte> src;
                long block;
                while (true)
                {
                    src = context.Input(i).Bytes();
                    block = src.Length / outer;
                    if (within < offset + block) break;
                    offset += block;
                    i++;
                }
                long skip = within - offset;
                int n = (int)Math.Min(block - skip, to - from);
                var part = src.Slice((int)(o * block + skip), n);
                var into = dst.Slice((int)from, n);
                // An input the memory plan placed inside the output already lies where it goes.
                if (!Unsafe.AreSame(ref MemoryMarshal.GetReference(part), ref MemoryMarshal.GetReference(into))) part.CopyTo(into);
                from += n;
            }
        }
    }
}
