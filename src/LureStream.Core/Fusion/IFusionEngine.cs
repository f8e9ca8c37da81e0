using LureStream.Core.Frames;

namespace LureStream.Core.Fusion;

/// <summary>
/// Fuses one registered infrared/visible pair. Inputs: infrared <see cref="PixelFormat.Gray8"/> and visible
/// <see cref="PixelFormat.Rgb24"/> of the same size; output: an <see cref="PixelFormat.Rgb24"/> frame of that size.
/// Implementations keep their scratch buffers between calls (no per-frame allocation) and are used by one
/// fusion stage thread at a time.
/// </summary>
public interface IFusionEngine : IDisposable
{
    /// <summary>"lure" or "classical".</summary>
    string Name { get; }

    /// <summary>Where it runs, for logs and status: "cpu-simd", "onnxruntime:CPUExecutionProvider", …</summary>
    string Provider { get; }

    void Fuse(Frame infrared, Frame visible, Frame output, in FusionPrompts prompts);
}
