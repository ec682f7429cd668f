namespace Pinhole.IR;

/// <summary>One dimension of a declared shape: a known size, a named symbol, or unknown.</summary>
public readonly record struct Dim(long? Value, string? Param = null)
{
    public static Dim Known(long value) => new(value);
    public static Dim Symbol(string name) => new(null, name);
    public static readonly Dim Unknown = new(null, null);
    public bool IsKnown => Value.HasValue;
    public override string ToString() => Value?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? Param ?? "?";
}

/// <summary>The declared type of a graph value (ONNX <c>TypeProto</c>).</summary>
public abstract record TypeInfo;

/// <summary>A tensor type; <see cref="Shape"/> is null when the rank is unknown.</summary>
public sealed record TensorTypeInfo(DataType ElementType, Dim[]? Shape) : TypeInfo
{
    public override string ToString() =>
        $"tensor({DataTypes.OnnxName(ElementType)})" + (Shape is null ? "" : "[" + string.Join(",", Shape) + "]");

    /// <summary>The shape with symbolic or unknown dimensions replaced by <paramref name="symbolic"/>.</summary>
    public int[]? ConcreteShape(int symbolic = 1)
    {
        if (Shape is null) return null;
        var shape = new int[Shape.Length];
        for (int i = 0; i < shape.Length; i++) shape[i] = Shape[i].Value is long v ? checked((int)v) : symbolic;
        return shape;
    }
}

/// <summary>A sparse tensor type.</summary>
public sealed record SparseTensorTypeInfo(DataType ElementType, Dim[]? Shape) : TypeInfo;

public sealed record SequenceTypeInfo(TypeInfo? ElementType) : TypeInfo
{
    public override string ToString() => $"seq({ElementType})";
}

public sealed record OptionalTypeInfo(TypeInfo? ElementType) : TypeInfo
{
    public override string ToString() => $"optional({ElementType})";
}

public sealed record MapTypeInfo(DataType KeyType, TypeInfo? ValueType) : TypeInfo
{
    public override string ToString() => $"map({DataTypes.OnnxName(KeyType)},{ValueType})";
}

/// <summary>A named value with its (possibly unknown) type, as in graph inputs, outputs and value_info.</summary>
public sealed class ValueInfo
{
    public ValueInfo(string name, TypeInfo? type = null)
    {
        Name = name;
        Type = type;
    }

    public string Name { get; set; }
    public TypeInfo? Type { get; set; }
    public string? DocString { get; set; }

    public override string ToString() => $"{Name}: {Type?.ToString() ?? "?"}";
}
