namespace LureStream.Onnx;

/// <summary>Tensor element types (<c>ONNXTensorElementDataType</c>).</summary>
public enum TensorElementType
{
    Undefined = 0,
    Float = 1,
    UInt8 = 2,
    Int8 = 3,
    UInt16 = 4,
    Int16 = 5,
    Int32 = 6,
    Int64 = 7,
    String = 8,
    Bool = 9,
    Float16 = 10,
    Double = 11,
    UInt32 = 12,
    UInt64 = 13,
    Complex64 = 14,
    Complex128 = 15,
    BFloat16 = 16,
}

/// <summary>ONNX value kinds (<c>ONNXType</c>).</summary>
public enum OnnxValueType
{
    Unknown = 0,
    Tensor = 1,
    Sequence = 2,
    Map = 3,
    Opaque = 4,
    SparseTensor = 5,
    Optional = 6,
}

public static class TensorElementTypeExtensions
{
    /// <summary>Bytes per element, or 0 for variable-size/unsupported types.</summary>
    public static int SizeInBytes(this TensorElementType type) => type switch
    {
        TensorElementType.Float => 4,
        TensorElementType.UInt8 => 1,
        TensorElementType.Int8 => 1,
        TensorElementType.UInt16 => 2,
        TensorElementType.Int16 => 2,
        TensorElementType.Int32 => 4,
        TensorElementType.Int64 => 8,
        TensorElementType.Bool => 1,
        TensorElementType.Float16 => 2,
        TensorElementType.Double => 8,
        TensorElementType.UInt32 => 4,
        TensorElementType.UInt64 => 8,
        TensorElementType.Complex64 => 8,
        TensorElementType.Complex128 => 16,
        TensorElementType.BFloat16 => 2,
        _ => 0,
    };

    /// <summary>ONNX-style lower-case name (float32, float16, uint8, int64, bool...).</summary>
    public static string OnnxName(this TensorElementType type) => type switch
    {
        TensorElementType.Float => "float32",
        TensorElementType.Float16 => "float16",
        TensorElementType.BFloat16 => "bfloat16",
        TensorElementType.Double => "float64",
        _ => type.ToString().ToLowerInvariant(),
    };

    /// <summary>The element type for a managed element type.</summary>
    public static TensorElementType Of<T>() where T : unmanaged
    {
        if (typeof(T) == typeof(float)) return TensorElementType.Float;
        if (typeof(T) == typeof(Half)) return TensorElementType.Float16;
        if (typeof(T) == typeof(byte)) return TensorElementType.UInt8;
        if (typeof(T) == typeof(long)) return TensorElementType.Int64;
        if (typeof(T) == typeof(bool)) return TensorElementType.Bool;
        if (typeof(T) == typeof(sbyte)) return TensorElementType.Int8;
        if (typeof(T) == typeof(short)) return TensorElementType.Int16;
        if (typeof(T) == typeof(ushort)) return TensorElementType.UInt16;
        if (typeof(T) == typeof(int)) return TensorElementType.Int32;
        if (typeof(T) == typeof(uint)) return TensorElementType.UInt32;
        if (typeof(T) == typeof(ulong)) return TensorElementType.UInt64;
        if (typeof(T) == typeof(double)) return TensorElementType.Double;
        throw new NotSupportedException($"No ONNX tensor element type for {typeof(T).Name}.");
    }
}
