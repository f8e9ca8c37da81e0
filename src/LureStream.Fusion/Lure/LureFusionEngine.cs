using System.Diagnostics;
using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Fusion.Text;
using LureStream.Onnx;

namespace LureStream.Fusion.Lure;

/// <summary>
/// Runs LURE on one pair per call: both modalities go through the image encoder in one batched run (batch 0 =
/// infrared, 1 = visible), each with its own cached prompt embedding; the fusion decoder then reads the two halves
/// of the latent buffers directly (no copy) and writes the fused RGB image. All tensors live in pinned buffers bound
/// once per frame size through IoBinding, so a steady-state frame allocates nothing managed.
/// </summary>
public sealed class LureFusionEngine : IFusionEngine
{
    private const int Ir = 0;
    private const int Vis = 1;
    private readonly LureModel _model;
    private readonly PromptEmbeddingCache _prompts;
    private readonly bool _ownsModel;
    private readonly int _multiple;
    private readonly int _embeddingDim;
    private FrameBuffers? _buffers;
    private readonly ReadOnlyMemory<float>[] _boundEmbedding = new ReadOnlyMemory<float>[2];

    public LureFusionEngine(LureModel model, PromptEmbeddingCache prompts, bool ownsModel = true)
    {
        _model = model;
        _prompts = prompts;
        _ownsModel = ownsModel;
        _multiple = model.Manifest.SpatialMultiple;
        _embeddingDim = model.Manifest.EmbeddingDim;
    }

    public string Name => "lure";
    public string Provider => "onnxruntime:" + _model.Provider;
    public LureModel Model => _model;
    public PromptEmbeddingCache Prompts => _prompts;

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

        BindEmbedding(b, Ir, PromptText(prompts.Infrared));
        BindEmbedding(b, Vis, PromptText(prompts.Visible));
        PadInfrared(infrared, b);
        PadVisible(visible, b);

        long t0 = Stopwatch.GetTimestamp();
        b.EncoderBinding.Run();
        long t1 = Stopwatch.GetTimestamp();
        b.DecoderBinding.Run();
        LastEncoderTime = Stopwatch.GetElapsedTime(t0, t1);
        LastDecoderTime = Stopwatch.GetElapsedTime(t1);

        CropFused(b, output);
    }

    private void BindEmbedding(FrameBuffers b, int slot, string text)
    {
        var embedding = _prompts.GetOrAdd(text);
        // Copy only when the prompt changed: a cache hit returns the same memory.
        if (!embedding.Equals(_boundEmbedding[slot]))
        {
            embedding.Span.CopyTo(b.TextEmbedding.AsSpan(slot * _embeddingDim, _embeddingDim));
            _boundEmbedding[slot] = embedding;
        }
    }

    private static void PadInfrared(Frame ir, FrameBuffers b)
    {
        int w = ir.Width, h = ir.Height, pw = b.PaddedWidth, ph = b.PaddedHeight;
        var image = b.Image.AsSpan(0, ph * pw * 3);
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

    private static void PadVisible(Frame vis, FrameBuffers b)
    {
        int w = vis.Width, h = vis.Height, pw = b.PaddedWidth, ph = b.PaddedHeight;
        var image = b.Image.AsSpan(ph * pw * 3, ph * pw * 3);
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
        Array.Clear(_boundEmbedding);
        _buffers = new FrameBuffers(_model, width, height, _multiple, _embeddingDim);
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

    /// <summary>Pinned tensors and bindings for one frame size.</summary>
    private sealed class FrameBuffers : IDisposable
    {
        private readonly List<OrtValue> _values = new();

        public FrameBuffers(LureModel model, int width, int height, int multiple, int embeddingDim)
        {
            Width = width;
            Height = height;
            PaddedWidth = (width + multiple - 1) / multiple * multiple;
            PaddedHeight = (height + multiple - 1) / multiple * multiple;
            long pw = PaddedWidth, ph = PaddedHeight;

            Image = GC.AllocateUninitializedArray<byte>((int)(2 * ph * pw * 3), pinned: true);
            TextEmbedding = GC.AllocateArray<float>(2 * embeddingDim, pinned: true);
            Modality = GC.AllocateArray<long>(2, pinned: true);
            Modality[Ir] = model.Manifest.Modality.GetValueOrDefault("infrared", 1);
            Modality[Vis] = model.Manifest.Modality.GetValueOrDefault("visible", 0);
            Fused = GC.AllocateUninitializedArray<byte>((int)(ph * pw * 3), pinned: true);

            EncoderBinding = model.ImageEncoder.CreateIoBinding();
            DecoderBinding = model.FusionDecoder.CreateIoBinding();
            EncoderBinding.BindInput("image", Track(OrtValue.CreateTensor(Image, [2, ph, pw, 3])));
            EncoderBinding.BindInput("text_embedding", Track(OrtValue.CreateTensor(TextEmbedding, [2, embeddingDim])));
            EncoderBinding.BindInput("modality", Track(OrtValue.CreateTensor(Modality, [2])));

            var channels = model.Manifest.LatentChannels;
            Latents = new float[4][];
            for (int i = 0; i < 4; i++)
            {
                long h = ph >> i, w = pw >> i, c = channels[i];
                long half = c * h * w;
                Latents[i] = GC.AllocateUninitializedArray<float>((int)(2 * half), pinned: true);
                EncoderBinding.BindOutput($"z{i + 1}", Track(OrtValue.CreateTensor(Latents[i], [2, c, h, w])));
                // The decoder reads each half in place: batch 0 is infrared, batch 1 visible.
                var ir = new Memory<float>(Latents[i], 0, (int)half);
                var vis = new Memory<float>(Latents[i], (int)half, (int)half);
                DecoderBinding.BindInput($"ir_z{i + 1}", Track(OrtValue.CreateTensor(ir, [1, c, h, w])));
                DecoderBinding.BindInput($"vis_z{i + 1}", Track(OrtValue.CreateTensor(vis, [1, c, h, w])));
            }
            DecoderBinding.BindOutput("fused", Track(OrtValue.CreateTensor(Fused, [1, ph, pw, 3])));
        }

        public int Width { get; }
        public int Height { get; }
        public int PaddedWidth { get; }
        public int PaddedHeight { get; }
        public byte[] Image { get; }
        public float[] TextEmbedding { get; }
        public long[] Modality { get; }
        public float[][] Latents { get; }
        public byte[] Fused { get; }
        public OrtIoBinding EncoderBinding { get; }
        public OrtIoBinding DecoderBinding { get; }

        private OrtValue Track(OrtValue v)
        {
            _values.Add(v);
            return v;
        }

        public void Dispose()
        {
            EncoderBinding.Dispose();
            DecoderBinding.Dispose();
            foreach (var v in _values)
            {
                v.Dispose();
            }
        }
    }
}
