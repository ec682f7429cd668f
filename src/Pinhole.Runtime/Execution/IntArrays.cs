namespace Pinhole.Runtime;

/// <summary>
/// Integer arrays for plans and attributes, filled by a plain loop: Array.Fill over int is an instantiation that the JIT compiles at
/// every process start (ReadyToRun cannot precompile it outside the runtime library), inside model loading.
/// </summary>
internal static class IntArrays
{
    public static int[] Filled(int length, int value)
    {
        var array = new int[length];
        for (int i = 0; i < array.Length; i++) array[i] = value;
        return array;
    }
}
