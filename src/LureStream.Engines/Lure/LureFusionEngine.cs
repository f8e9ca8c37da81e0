using System.Diagnostics;
using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Prompts.Text;
using LureStream.Onnx;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Serilog;

namespace LureStream.Engines.Lure;

/// <summary>
/// Runs LURE on one pair per call: both modalities go through the image encoder in one batched run (batch 0 =
/// infrared, 1 = visible), each with its own cached prompt embedding; the fusion decoder then reads the two halves
/// of the latent tensors in place (no copy) and writes the fused RGB image into a pinned host buffer. A decoder that
/// also reads the source frames (LURE v2 keeps the visible chroma: inputs <c>infrared</c> and <c>visible</c>) is bound
/// to the two halves of the encoder's staged image batch, so the frames are staged once.
/// </summary>
/// <remarks>
/// Binding follows ONNX Runtime's semantics, per provider (<see cref="OrtBindingStyle"/>):
/// <list type="bullet">
/// <item><b>bind-once</b> (CPU provider): pinned host buffers are bound once per frame size and rewritten every frame;
/// the latents are pinned host arrays. A steady-state frame allocates nothing managed.</item>
/// <item><b>device-style</b> (CUDA/TensorRT, or forced with <c>fusion.binding: device-style</c>): ONNX Runtime copies a host
/// tensor to the device when it is bound, so the encoder's inputs are written into alternating host staging buffers and
/// rebound every frame; the latents live in the provider's device memory (allocated through the session's allocator),
/// written by the encoder and read by the decoder without a host round trip. Only the fused frame comes back. The
/// alternating buffers make a missing rebind visible on the CPU provider too (the run would read the previous frame).</item>
/// </list>
/// </remarks>
public sealed class LureFusionEngine : IPromptedEngine
{
    private const int Ir = 0;
    private const int Vis = 1;
    private readonly LureModel _model;
    private readonly PromptEmbeddingCache _prompts;
    private readonly bool _ownsModel;
    private readonly int _multiple;
    private readonly int _embeddingDim;
    private FrameBuffers? _buffers;
    private long _frames;

    public LureFusionEngine(LureModel model, PromptEmbeddingCache prompts, bool ownsModel = true, OrtBindingStyle binding = OrtBindingStyle.Auto)
    {
        _model = model;
        _prompts = prompts;
        _ownsModel = ownsModel;
        _multiple = model.Manifest.SpatialMultiple;
        _embeddingDim = model.Manifest.EmbeddingDim;
        BindingStyle = model.ImageEncoder.ResolveBindingStyle(binding);
        model.FusionDecoder.ResolveBindingStyle(BindingStyle);
        Log.ForContext("Stage", "engine").Information("LURE binding {Binding} on {Provider}",
            BindingStyle == OrtBindingStyle.BindOnce ? "bind-once" : "device-style", model.Provider);
    }

    public string Name => "lure";
    public string Provider => "onnxruntime:" + _model.Provider;
    public LureModel Model => _model;
    public PromptEmbeddingCache Prompts => _prompts;

    /// <summary>Bind-once (CPU provider) or device-style (device providers, or forced by config).</summary>
    public OrtBindingStyle BindingStyle { get; }

    /// <summary>Time of the last call's encoder and decoder runs (for benchmarks: the engine's overhead is the rest).</summary>
    public TimeSpan LastEncoderTime { get; private set; }
    public TimeSpan LastDecoderTime { get; private set; }

    /// <summary>The prompt text a selection resolves to: the operator's text, else the model's prompt for the condition.</summary>
    public string PromptText(in PromptSelection selection) =>
        string.IsNullOrWhiteSpace(selection.Text) ? _model.Manifest.PromptFor(selection.Condition) : selection.Text!;

    public void Fuse(Frame infrared, Frame visible, Frame output, in FusionPrompts prompts)
    {
        if (infrared.Width != visible.Width || infrared.Height != visible.Height || output.Width != visible.Width || output.Height != visible.Height)
        {
            throw new ArgumentException($"LURE needs frames of one size: ir {infrared.Width}x{infrared.Height}, vis {visible.Width}x{visible.Height}, output {output.Width}x{output.Height}");
        }
        if (infrared.Format != PixelFormat.Gray8 || visible.Format != PixelFormat.Rgb24 || output.Format != PixelFormat.Rgb24)
        {
            throw new ArgumentException("LURE expects infrared Gray8, visible Rgb24 and an Rgb24 output");
        }
        var b = Buffers(visible.Width, visible.Height);
        // Bind-once always writes staging buffer 0; device-style alternates between the two.
        var k = BindingStyle == OrtBindingStyle.DeviceStyle ? (int)(_frames++ & 1) : 0;

        var embedding = b.TextEmbedding[k];
        _prompts.GetOrAdd(PromptText(prompts.Infrared)).Span.CopyTo(embedding.AsSpan(Ir * _embeddingDim, _embeddingDim));
        _prompts.GetOrAdd(PromptText(prompts.Visible)).Span.CopyTo(embedding.AsSpan(Vis * _embeddingDim, _embeddingDim));
        PadInfrared(infrared, b, b.Image[k]);
        PadVisible(visible, b, b.Image[k]);
        if (BindingStyle == OrtBindingStyle.DeviceStyle)
        {
            // A device provider copied the host buffers when they were bound: bind this frame's.
            b.BindStagedInputs(k);
        }

        long t0 = Stopwatch.GetTimestamp();
        _model.ImageEncoder.Run(b.EncoderBinding);
        long t1 = Stopwatch.GetTimestamp();
        _model.FusionDecoder.Run(b.DecoderBinding);
        LastEncoderTime = Stopwatch.GetElapsedTime(t0, t1);
        LastDecoderTime = Stopwatch.GetElapsedTime(t1);
        if (!b.Ran)
        {
            // The first run at a size pays one-off costs (arena growth, cuDNN algorithm search, a TensorRT engine build
            // when the graph has no explicit profile): logged once so the steady-state figures can be told apart.
            b.Ran = true;
            Log.ForContext("Stage", "engine").Information("LURE first frame at {Width}x{Height}: encoder {EncoderMs:0.0} ms, decoder {DecoderMs:0.0} ms",
                visible.Width, visible.Height, LastEncoderTime.TotalMilliseconds, LastDecoderTime.TotalMilliseconds);
        }

        CropFused(b, output);
    }

    private static void PadInfrared(Frame ir, FrameBuffers b, byte[] staging)
    {
        int w = ir.Width, h = ir.Height, pw = b.PaddedWidth, ph = b.PaddedHeight;
        var image = staging.AsSpan(0, ph * pw * 3);
        for (int y = 0; y < ph; y++)
        {
            var src = ir.Row(Math.Min(y, h - 1));
            var dst = image.Slice(y * pw * 3, pw * 3);
            for (int x = 0; x < pw; x++)
            {
                byte v = src[Math.Min(x, w - 1)];
                int d = x * 3;
                dst[d] = v;
                dst[d + 1] = v;
                dst[d + 2] = v;
            }
        }
    }

    private static void PadVisible(Frame vis, FrameBuffers b, byte[] staging)
    {
        int w = vis.Width, h = vis.Height, pw = b.PaddedWidth, ph = b.PaddedHeight;
        var image = staging.AsSpan(ph * pw * 3, ph * pw * 3);
        for (int y = 0; y < ph; y++)
        {
            var src = vis.Row(Math.Min(y, h - 1));
            var dst = image.Slice(y * pw * 3, pw * 3);
            src.CopyTo(dst);
            // Replicate the last column into the padding so the network sees no artificial edge.
            for (int x = w; x < pw; x++)
            {
                src.Slice((w - 1) * 3, 3).CopyTo(dst.Slice(x * 3, 3));
            }
        }
    }

    private static void CropFused(FrameBuffers b, Frame output)
    {
        int rowBytes = output.Width * 3;
        for (int y = 0; y < output.Height; y++)
        {
            b.Fused.AsSpan(y * b.PaddedWidth * 3, rowBytes).CopyTo(output.Row(y));
        }
    }

    private FrameBuffers Buffers(int width, int height)
    {
        if (_buffers is { } b && b.Width == width && b.Height == height)
        {
            return b;
        }
        _buffers?.Dispose();
        _buffers = null;
        _buffers = new FrameBuffers(_model, width, height, _multiple, _embeddingDim, BindingStyle);
        return _buffers;
    }

    public void Dispose()
    {
        _buffers?.Dispose();
        _buffers = null;
        if (_ownsModel)
        {
            _model.Dispose();
        }
    }

    /// <summary>Host staging buffers, latents and bindings for one frame size.</summary>
    private sealed class FrameBuffers : IDisposable
    {
        private readonly OwnedOrtResources _owned = new();
        private readonly OrtValue[] _imageValues;
        private readonly OrtValue[] _embeddingValues;
        private readonly OrtValue _modalityValue;
        private readonly OrtValue[] _irSourceValues = [];
        private readonly OrtValue[] _visSourceValues = [];

        public FrameBuffers(LureModel model, int width, int height, int multiple, int embeddingDim, OrtBindingStyle style)
        {
            Width = width;
            Height = height;
            PaddedWidth = (width + multiple - 1) / multiple * multiple;
            PaddedHeight = (height + multiple - 1) / multiple * multiple;
            long pw = PaddedWidth, ph = PaddedHeight;
            bool deviceStyle = style == OrtBindingStyle.DeviceStyle;
            int stagingCount = deviceStyle ? 2 : 1;
            try
            {
                Image = new byte[stagingCount][];
                TextEmbedding = new float[stagingCount][];
                _imageValues = new OrtValue[stagingCount];
                _embeddingValues = new OrtValue[stagingCount];
                for (int k = 0; k < stagingCount; k++)
                {
                    Image[k] = GC.AllocateUninitializedArray<byte>((int)(2 * ph * pw * 3), pinned: true);
                    TextEmbedding[k] = GC.AllocateArray<float>(2 * embeddingDim, pinned: true);
                    _imageValues[k] = Own(OrtValue.CreateTensorValueFromMemory(Image[k], [2, ph, pw, 3]));
                    _embeddingValues[k] = Own(OrtValue.CreateTensorValueFromMemory(TextEmbedding[k], [2, embeddingDim]));
                }
                var decoderInputs = model.Manifest.Graphs[LureManifest.FusionDecoder].Inputs;
                if (decoderInputs.Exists(i => i.Name == "infrared") && decoderInputs.Exists(i => i.Name == "visible"))
                {
                    // Views of the staged batch: [0] is the infrared (grey in three channels), [1] the visible frame.
                    int half = (int)(ph * pw * 3);
                    _irSourceValues = new OrtValue[stagingCount];
                    _visSourceValues = new OrtValue[stagingCount];
                    for (int k = 0; k < stagingCount; k++)
                    {
                        _irSourceValues[k] = Own(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<byte>(Image[k], 0, half), [1, ph, pw, 3]));
                        _visSourceValues[k] = Own(OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<byte>(Image[k], half, half), [1, ph, pw, 3]));
                    }
                }
                var modality = GC.AllocateArray<long>(2, pinned: true);
                modality[Ir] = model.Manifest.Modality.GetValueOrDefault("infrared", 1);
                modality[Vis] = model.Manifest.Modality.GetValueOrDefault("visible", 0);
                _modalityValue = Own(OrtValue.CreateTensorValueFromMemory(modality, [2]));
                Fused = GC.AllocateUninitializedArray<byte>((int)(ph * pw * 3), pinned: true);

                EncoderBinding = Own(model.ImageEncoder.Session.CreateIoBinding());
                DecoderBinding = Own(model.FusionDecoder.Session.CreateIoBinding());
                if (!deviceStyle)
                {
                    BindStagedInputs(0);
                }

                // Device-style: the latents live where the provider computes (CUDA memory on a GPU), allocated once per
                // frame size through the encoder session's allocator. Values already on the provider's device are bound
                // by reference, so binding them once is right for every provider. Should the two graphs have ended up
                // on different devices (one fell back to the CPU), the latents stay in host memory, which either side
                // can read (ONNX Runtime copies to and from a device as needed).
                bool oneDevice = SameDevice(model.ImageEncoder, model.FusionDecoder);
                if (deviceStyle && !oneDevice)
                {
                    Log.ForContext("Stage", "engine").Warning("LURE image encoder runs on {Encoder}, fusion decoder on {Decoder}: latents go through host memory",
                        model.ImageEncoder.Providers[0], model.FusionDecoder.Providers[0]);
                }
                OrtAllocator? allocator = deviceStyle && oneDevice ? Own(CreateAllocator(model.ImageEncoder)) : null;
                var memory = model.ImageEncoder.DeviceMemory;
                var channels = model.Manifest.LatentChannels;
                for (int i = 0; i < 4; i++)
                {
                    long h = ph >> i, w = pw >> i, c = channels[i];
                    long half = c * h * w;
                    OrtValue batch, ir, vis;
                    if (allocator is not null)
                    {
                        var block = Own(allocator.Allocate(checked((uint)(2 * half * sizeof(float)))));
                        nint data = block.DangerousGetHandle();
                        long halfBytes = half * sizeof(float);
                        batch = OrtValue.CreateTensorValueWithData(memory, TensorElementType.Float, [2, c, h, w], data, 2 * halfBytes);
                        ir = OrtValue.CreateTensorValueWithData(memory, TensorElementType.Float, [1, c, h, w], data, halfBytes);
                        vis = OrtValue.CreateTensorValueWithData(memory, TensorElementType.Float, [1, c, h, w], data + (nint)halfBytes, halfBytes);
                    }
                    else
                    {
                        var latents = GC.AllocateUninitializedArray<float>((int)(2 * half), pinned: true);
                        batch = OrtValue.CreateTensorValueFromMemory(latents, [2, c, h, w]);
                        ir = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(latents, 0, (int)half), [1, c, h, w]);
                        vis = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, new Memory<float>(latents, (int)half, (int)half), [1, c, h, w]);
                    }
                    // Batch 0 is infrared, batch 1 visible: the decoder reads each half in place.
                    EncoderBinding.BindOutput($"z{i + 1}", Own(batch));
                    DecoderBinding.BindInput($"ir_z{i + 1}", Own(ir));
                    DecoderBinding.BindInput($"vis_z{i + 1}", Own(vis));
                }
                // The fused frame comes back to the host (ONNX Runtime copies it from the device after each run).
                DecoderBinding.BindOutput("fused", Own(OrtValue.CreateTensorValueFromMemory(Fused, [1, ph, pw, 3])));
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public int Width { get; }
        public int Height { get; }

        /// <summary>False until the first frame at this size has run.</summary>
        public bool Ran { get; set; }
        public int PaddedWidth { get; }
        public int PaddedHeight { get; }
        public byte[][] Image { get; }
        public float[][] TextEmbedding { get; }
        public byte[] Fused { get; }
        public OrtIoBinding EncoderBinding { get; }
        public OrtIoBinding DecoderBinding { get; }

        /// <summary>
        /// Binds staging buffer <paramref name="k"/> as the encoder's inputs, and as the decoder's source frames when
        /// it reads them (a device provider copies host tensors now).
        /// </summary>
        public void BindStagedInputs(int k)
        {
            EncoderBinding.BindInput("image", _imageValues[k]);
            EncoderBinding.BindInput("text_embedding", _embeddingValues[k]);
            EncoderBinding.BindInput("modality", _modalityValue);
            if (_irSourceValues.Length > 0)
            {
                DecoderBinding.BindInput("infrared", _irSourceValues[k]);
                DecoderBinding.BindInput("visible", _visSourceValues[k]);
            }
        }

        /// <summary>Both sessions compute in the same memory: both on the CPU, or both on the same CUDA device.</summary>
        private static bool SameDevice(OnnxSession a, OnnxSession b) =>
            a.RunsOnDevice == b.RunsOnDevice && (!a.RunsOnDevice || a.DeviceMemory.Id == b.DeviceMemory.Id);

        private static OrtAllocator CreateAllocator(OnnxSession session)
        {
            try
            {
                return new OrtAllocator(session.Session, session.DeviceMemory);
            }
            catch (OnnxRuntimeException e)
            {
                throw OrtException.From(e, $"Allocating device memory for the latents of '{session.ModelName}'");
            }
        }

        private T Own<T>(T disposable) where T : IDisposable => _owned.Own(disposable);

        public void Dispose() => _owned.Dispose();
    }
}
