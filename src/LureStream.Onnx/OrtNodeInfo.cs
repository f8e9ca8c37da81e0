using System.Text;

namespace LureStream.Onnx;

/// <summary>A model input or output as the session declares it.</summary>
public sealed class OrtNodeInfo
{
    internal OrtNodeInfo(string name, int index, OnnxValueType valueType, TensorElementType elementType, long[] shape,
        string?[] symbolicDimensions)
    {
        Name = name;
        Index = index;
        ValueType = valueType;
        ElementType = elementType;
        ShapeArray = shape;
        SymbolicDimensionsArray = symbolicDimensions;
    }

    public string Name { get; }

    /// <summary>Position among the session's inputs (or outputs).</summary>
    public int Index { get; }

    public OnnxValueType ValueType { get; }

    /// <summary>Element type for tensors (Undefined otherwise).</summary>
    public TensorElementType ElementType { get; }

    /// <summary>Declared dimensions; -1 for a dynamic (symbolic or unknown) dimension.</summary>
    public IReadOnlyList<long> Shape => ShapeArray;

    /// <summary>Per dimension: the symbolic name (e.g. "batch"), or null for a fixed or unnamed dimension.</summary>
    public IReadOnlyList<string?> SymbolicDimensions => SymbolicDimensionsArray;

    internal long[] ShapeArray { get; }

    internal string?[] SymbolicDimensionsArray { get; }

    /// <summary>True when any dimension is dynamic.</summary>
    public bool HasDynamicShape => Array.IndexOf(ShapeArray, -1L) >= 0;

    /// <summary>The shape as text, symbolic names in place of dynamic dims: [batch,?,3].</summary>
    public string FormatShape()
    {
        var sb = new StringBuilder("[");
        for (var i = 0; i < ShapeArray.Length; i++)
        {
            if (i > 0) sb.Append(',');
            if (ShapeArray[i] >= 0) sb.Append(ShapeArray[i]);
            else sb.Append(string.IsNullOrEmpty(SymbolicDimensionsArray[i]) ? "?" : SymbolicDimensionsArray[i]);
        }
        return sb.Append(']').ToString();
    }

    public override string ToString() =>
        ValueType == OnnxValueType.Tensor ? $"{Name}: {ElementType.OnnxName()}{FormatShape()}" : $"{Name}: {ValueType}";
}

/// <summary>Model-level metadata (<c>OrtModelMetadata</c>).</summary>
public sealed record OrtModelMetadata(
    string ProducerName,
    string GraphName,
    string GraphDescription,
    string Domain,
    string Description,
    long Version,
    IReadOnlyDictionary<string, string> CustomMetadata);
