using System.Runtime.InteropServices;
using System.Text;

namespace LureStream.Onnx;

/// <summary>
/// Writes tiny ONNX models (protobuf) in memory so the binding benchmark and smoke checks need no files:
/// an Identity graph and a 3×3 Conv graph. Opset 17, IR version 8.
/// </summary>
public static class OnnxModelBuilder
{
    private const int OnnxFloat = 1;

    /// <summary>Y = Identity(X), float32 with the given shape.</summary>
    public static byte[] Identity(ReadOnlySpan<long> shape)
    {
        var node = new Proto().Str(1, "X").Str(2, "Y").Str(3, "identity").Str(4, "Identity");
        var graph = new Proto()
            .Msg(1, node)
            .Str(2, "identity")
            .Msg(11, ValueInfo("X", shape))
            .Msg(12, ValueInfo("Y", shape));
        return Model(graph);
    }

    /// <summary>
    /// Y = Conv(X, W, B), 3×3 kernel, pad 1, stride 1: X float32[1, channels, height, width], W [channels, channels, 3, 3].
    /// FLOPs = 2 · channels² · 9 · height · width (16×16 channels at 48×48 ≈ 10.6 MFLOP).
    /// </summary>
    public static byte[] Conv3x3(int channels, int height, int width, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias) =>
        ConvChain(channels, height, width, 1, weights, bias);

    /// <summary>
    /// <paramref name="nodes"/> such 3×3 convolutions in a chain, all sharing W and B: a graph whose run time grows with
    /// the node count (ONNX Runtime checks a run's terminate flag between nodes, so cancellation tests use a long chain).
    /// </summary>
    public static byte[] ConvChain(int channels, int height, int width, int nodes, ReadOnlySpan<float> weights, ReadOnlySpan<float> bias)
    {
        if (weights.Length != channels * channels * 9 || bias.Length != channels)
        {
            throw new ArgumentException("weights must be [C,C,3,3] and bias [C]");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(nodes, 1);
        long[] shape = [1, channels, height, width];
        var graph = new Proto();
        for (int i = 0; i < nodes; i++)
        {
            var kernel = new Proto().Str(1, "kernel_shape").Int(20, 7).Int(8, 3).Int(8, 3);
            var pads = new Proto().Str(1, "pads").Int(20, 7).Int(8, 1).Int(8, 1).Int(8, 1).Int(8, 1);
            string input = i == 0 ? "X" : $"t{i}";
            string output = i == nodes - 1 ? "Y" : $"t{i + 1}";
            graph.Msg(1, new Proto().Str(1, input).Str(1, "W").Str(1, "B").Str(2, output).Str(3, $"conv{i}").Str(4, "Conv")
                .Msg(5, kernel).Msg(5, pads));
        }
        graph.Str(2, "conv")
            .Msg(5, Tensor("W", [channels, channels, 3, 3], weights))
            .Msg(5, Tensor("B", [channels], bias))
            .Msg(11, ValueInfo("X", shape))
            .Msg(12, ValueInfo("Y", shape));
        return Model(graph);
    }

    private static byte[] Model(Proto graph)
    {
        var opset = new Proto().Str(1, "").Int(2, 17);
        return new Proto().Int(1, 8).Str(2, "lurestream").Msg(7, graph).Msg(8, opset).ToArray();
    }

    private static Proto ValueInfo(string name, ReadOnlySpan<long> shape)
    {
        var dims = new Proto();
        foreach (var d in shape)
        {
            dims.Msg(1, new Proto().Int(1, d));
        }
        var tensorType = new Proto().Int(1, OnnxFloat).Msg(2, dims);
        return new Proto().Str(1, name).Msg(2, new Proto().Msg(1, tensorType));
    }

    private static Proto Tensor(string name, ReadOnlySpan<long> dims, ReadOnlySpan<float> data)
    {
        var t = new Proto();
        foreach (var d in dims) t.Int(1, d);
        t.Int(2, OnnxFloat).Str(8, name);
        var raw = MemoryMarshal.AsBytes(data);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("raw_data is little-endian");
        }
        return t.Bytes(9, raw);
    }

    /// <summary>Minimal protobuf writer (varint and length-delimited fields).</summary>
    private sealed class Proto
    {
        private readonly MemoryStream _s = new();

        public Proto Int(int field, long value)
        {
            Varint((ulong)(field << 3));
            Varint((ulong)value);
            return this;
        }

        public Proto Str(int field, string value) => Bytes(field, Encoding.UTF8.GetBytes(value));

        public Proto Msg(int field, Proto message) => Bytes(field, message.ToArray());

        public Proto Bytes(int field, ReadOnlySpan<byte> value)
        {
            Varint((ulong)((field << 3) | 2));
            Varint((ulong)value.Length);
            _s.Write(value);
            return this;
        }

        public byte[] ToArray() => _s.ToArray();

        private void Varint(ulong v)
        {
            while (v >= 0x80)
            {
                _s.WriteByte((byte)(v | 0x80));
                v >>= 7;
            }
            _s.WriteByte((byte)v);
        }
    }
}
