namespace Pinhole;

/// <summary>
/// The exact CLR array type behind a tensor. Switch on this, not on <c>Tensor.Buffer</c> patterns: the CLR lets a
/// byte[] match <c>sbyte[]</c> (likewise ushort/short, uint/int, ulong/long), which silently misreads unsigned data.
/// </summary>
public enum ElementStorage
{
    Float,
    Double,
    Half,
    BFloat16,
    SByte,
    Byte,
    Int16,
    UInt16,
    Int32,
    UInt32,
    Int64,
    UInt64,
    Bool,
    String,
}
