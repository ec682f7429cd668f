using System.Numerics;

namespace Pinhole.Runtime.Kernels;

/// <summary>A generic operation to instantiate for the element type found at run time.</summary>
public interface INumericAction
{
    void Invoke<T>() where T : unmanaged, INumber<T>;
}

/// <summary>Maps an element type to a generic instantiation, so kernels write one generic body.</summary>
public static class TypeDispatch
{
    /// <summary>Calls <paramref name="action"/> with the storage type of <paramref name="type"/> for every numeric type (float16 included; bfloat16 and bool are not INumber).</summary>
    /// <returns>False when <paramref name="type"/> is not numeric.</returns>
    public static bool Numeric<TAction>(DataType type, ref TAction action) where TAction : struct, INumericAction
    {
        switch (type)
        {
            case DataType.Float: action.Invoke<float>(); return true;
            case DataType.Double: action.Invoke<double>(); return true;
            case DataType.Float16: action.Invoke<Half>(); return true;
            case DataType.Int8: action.Invoke<sbyte>(); return true;
            case DataType.UInt8: action.Invoke<byte>(); return true;
            case DataType.Int16: action.Invoke<short>(); return true;
            case DataType.UInt16: action.Invoke<ushort>(); return true;
            case DataType.Int32: action.Invoke<int>(); return true;
            case DataType.UInt32: action.Invoke<uint>(); return true;
            case DataType.Int64: action.Invoke<long>(); return true;
            case DataType.UInt64: action.Invoke<ulong>(); return true;
            default: return false;
        }
    }

    /// <summary>Like <see cref="Numeric{TAction}"/> but throws a <see cref="KernelException"/> naming the node for other types.</summary>
    public static void RequireNumeric<TAction>(KernelContext context, DataType type, ref TAction action) where TAction : struct, INumericAction
    {
        if (!Numeric(type, ref action))
            throw context.Error($"element type {DataTypes.OnnxName(type)} is not supported");
    }
}
