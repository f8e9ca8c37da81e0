using System.Diagnostics;
using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Core.Parallel;
using LureStream.Engines.Lure;
using LureStream.Prompts.Text;
using LureStream.Onnx;
using Microsoft.ML.OnnxRuntime;
using Serilog;

namespace LureStream.Engines.LureRt;

/// <summary>
/// lure-rt: LURE's prompt-conditioned network run at low resolution, applied at full resolution.
/// Per frame: both sources are area-averaged to 1/<see cref="LureManifest.InputScale"/> (row-parallel), the
/// coefficient network runs once on them with each modality's cached prompt embedding,
/// <see cref="UpsampleCoefficientRows"/> widens the returned maps to the frame width (with detail gains,
/// <see cref="UpsampleLowpassRows"/> widens the network's input planes as each source's low-pass, and with two detail
/// bands <see cref="UpsampleCoarseRows"/> their coarser average) and
/// <see cref="ApplyCoefficientRows"/> applies them to the full-resolution sources (both row-parallel, SIMD).
/// Every buffer, tensor and binding is made once per frame size, so a steady-state frame allocates nothing managed.
/// With <c>refreshEvery</c> N &gt; 1 the network runs on every N-th frame and the frames between reuse its maps (the
/// full-resolution sources, and with detail gains their low-pass planes, are always the current frame's); a prompt change
/// or a new frame size runs it at once, so a switched prompt shows on the next frame.
/// </summary>
/// <remarks>
/// Binding follows <see cref="LureFusionEngine"/>: bind-once on the CPU provider; device-style (inputs written into
/// alternating host staging buffers and rebound every frame, because a device provider copies a host tensor when it is
/// bound) on CUDA/TensorRT or when forced with <c>fusion.binding: device-style</c>. The coefficient maps are bound to
/// host memory: they are what comes back from the device, a few kilobytes per frame.
/// </remarks>
public sealed class LureRtEngine : IPromptedEngine
{
    private readonly LureModel _model;
    private readonly PromptEmbeddingCache _prompts;
    private readonly bool _ownsModel;
    private readonly int _embeddingDim;
    private readonly ParallelRows _rows;
    private readonly int _requestedScale;
    private FrameBuffers? _buffers;
    private long _frames;
    // What the maps in the current buffers were computed for, and how many more frames may reuse them.
    private FrameBuffers? _mapsOf;
    private string? _mapsIrPrompt, _mapsVisPrompt;
    private int _framesUntilNetwork;

    /// <summary>Largest <c>refreshEvery</c>: beyond about a second at 30 fps the maps would trail a moving scene visibly.</summary>
    public const int MaxRefreshEvery = 30;

    /// <summary>Network pixels above which auto scale halves the network input again on a CPU provider (256×256).</summary>
    public const int MaxAutoNetworkPixels = 256 * 256;

    public LureRtEngine(LureModel model, PromptEmbeddingCache prompts, bool ownsModel = true,
        OrtBindingStyle binding = OrtBindingStyle.Auto, int kernelThreads = 0, int inputScale = 0, int refreshEvery = 1)
    {
        if (inputScale is < 0 or > 64)
        {
            throw new ArgumentOutOfRangeException(nameof(inputScale), $"lure-rt input scale {inputScale}: 0 (auto) or 1–64");
        }
        if (refreshEvery is < 1 or > MaxRefreshEvery)
        {
            throw new ArgumentOutOfRangeException(nameof(refreshEvery), $"lure-rt refresh {refreshEvery}: run the network every 1–{MaxRefreshEvery} frames");
        }
        if (!model.Manifest.IsRealTime)
        {
            throw new ModelBundleException($"bundle {model.Manifest.Name} is family {model.Manifest.Family}, not {LureManifest.FamilyRt}");
        }
        _model = model;
        _prompts = prompts;
        _ownsModel = ownsModel;
        _requestedScale = inputScale;
        RefreshEvery = refreshEvery;
        _embeddingDim = model.Manifest.EmbeddingDim;
        _rows = new ParallelRows(kernelThreads, "lure-rt");
        BindingStyle = model.Coefficients.ResolveBindingStyle(binding);
        Log.ForContext("Stage", "engine").Information("lure-rt binding {Binding} on {Provider}; {Maps} coefficient maps ({Layout}); full-resolution kernel on {Threads} thread(s)",
            BindingStyle == OrtBindingStyle.BindOnce ? "bind-once" : "device-style", model.Provider, model.Manifest.CoefficientMaps.Count,
            !model.Manifest.CoefficientMaps.HasDetailGains ? "affine blend, chroma gain"
                : model.Manifest.CoefficientMaps.WindowedSelection ? $"affine blend, chroma gain, detail gains, detail selected by windowed energy (power {model.Manifest.CoefficientMaps.SelectPower}) on two bands"
                : model.Manifest.CoefficientMaps.DetailBands == 2 ? "affine blend, chroma gain, detail gains, detail selected per pixel on two bands"
                : model.Manifest.CoefficientMaps.SelectsDetail ? "affine blend, chroma gain, detail gains, detail selected per pixel"
                : "affine blend, chroma gain, detail gains", _rows.Threads);
        if (refreshEvery > 1)
        {
            Log.ForContext("Stage", "engine").Information("lure-rt runs its network every {N} frames (and at once on a prompt change); the frames between reuse its maps", refreshEvery);
        }
    }

    public string Name => "lure-rt";
    public string Provider => "onnxruntime:" + _model.Provider + "+cpu-simd";
    public LureModel Model => _model;
    public PromptEmbeddingCache Prompts => _prompts;
    public OrtBindingStyle BindingStyle { get; }

    /// <summary>Time of the last call's network run, zero when the call reused the maps (for benchmarks: the rest is the full-resolution kernels).</summary>
    public TimeSpan LastNetworkTime { get; private set; }

    /// <summary>The network runs on every N-th frame (1: every frame).</summary>
    public int RefreshEvery { get; }

    /// <summary>How many times the network has run.</summary>
    public long NetworkRuns { get; private set; }

    public string PromptText(in PromptSelection selection) =>
        string.IsNullOrWhiteSpace(selection.Text) ? _model.Manifest.PromptFor(selection.Condition) : selection.Text!;

    public void Fuse(Frame infrared, Frame visible, Frame output, in FusionPrompts prompts)
    {
        if (infrared.Width != visible.Width || infrared.Height != visible.Height || output.Width != visible.Width || output.Height != visible.Height)
        {
            throw new ArgumentException($"lure-rt needs frames of one size: ir {infrared.Width}x{infrared.Height}, vis {visible.Width}x{visible.Height}, output {output.Width}x{output.Height}");
        }
        if (infrared.Format != PixelFormat.Gray8 || visible.Format != PixelFormat.Rgb24 || output.Format != PixelFormat.Rgb24)
        {
            throw new ArgumentException("lure-rt expects infrared Gray8, visible Rgb24 and an Rgb24 output");
        }
        var b = Buffers(visible.Width, visible.Height);
        int k = BindingStyle == OrtBindingStyle.DeviceStyle ? (int)(_frames++ & 1) : 0;
        string irPrompt = PromptText(prompts.Infrared), visPrompt = PromptText(prompts.Visible);
        bool runNetwork = _framesUntilNetwork <= 0 || !ReferenceEquals(b, _mapsOf)
            || !string.Equals(irPrompt, _mapsIrPrompt, StringComparison.Ordinal) || !string.Equals(visPrompt, _mapsVisPrompt, StringComparison.Ordinal);

        // Always the current frame's: the network's input, and with detail gains the low-pass the kernel subtracts.
        _rows.For(b.Geometry.InputHeight, new DownsampleRows(b.Geometry, infrared.UnsafeBuffer, visible.UnsafeBuffer, b.IrSmall[k], b.VisSmall[k]), minRowsPerChunk: 4);
        if (runNetwork)
        {
            _prompts.GetOrAdd(irPrompt).Span.CopyTo(b.IrEmbedding[k]);
            _prompts.GetOrAdd(visPrompt).Span.CopyTo(b.VisEmbedding[k]);
            if (BindingStyle == OrtBindingStyle.DeviceStyle)
            {
                b.BindInputs(k);
            }

            long t0 = Stopwatch.GetTimestamp();
            _model.Coefficients.Run(b.Binding);
            LastNetworkTime = Stopwatch.GetElapsedTime(t0);
            NetworkRuns++;

            var upsample = new UpsampleCoefficientRows(b.Geometry, b.CoefficientMaps, b.Upsampled);
            _rows.For(upsample.Rows, upsample, minRowsPerChunk: 4);
            (_mapsOf, _mapsIrPrompt, _mapsVisPrompt, _framesUntilNetwork) = (b, irPrompt, visPrompt, RefreshEvery - 1);
        }
        else
        {
            LastNetworkTime = TimeSpan.Zero;
            _framesUntilNetwork--;
        }
        b.Planes.Apply(_rows, b.IrSmall[k], b.VisSmall[k], b.Upsampled, infrared.UnsafeBuffer, visible.UnsafeBuffer, output.UnsafeBuffer);
    }

    private FrameBuffers Buffers(int width, int height)
    {
        if (_buffers is { } b && b.Geometry.Width == width && b.Geometry.Height == height)
        {
            return b;
        }
        _buffers?.Dispose();
        _buffers = null;
        _mapsOf = null;
        bool cpu = !_model.Provider.Contains("CUDA", StringComparison.Ordinal) && !_model.Provider.Contains("Tensorrt", StringComparison.OrdinalIgnoreCase);
        int scale = _requestedScale > 0 ? _requestedScale : AutoInputScale(width, height, _model.Manifest.InputScale, cpu);
        var maps = _model.Manifest.CoefficientMaps;
        _buffers = new FrameBuffers(_model, new RtGeometry(width, height, scale, maps.Count, maps.SelectsDetail, maps.DetailBands, maps.BandFactor, maps.WindowedSelection, maps.SelectPower), _embeddingDim, BindingStyle);
        Log.ForContext("Stage", "engine").Information("lure-rt at {Width}x{Height}: network input 1/{Scale} ({InputWidth}x{InputHeight}){Why}",
            width, height, scale, _buffers.Geometry.InputWidth, _buffers.Geometry.InputHeight,
            _requestedScale > 0 ? " as configured" : scale != _model.Manifest.InputScale ? $", auto: the bundle's 1/{_model.Manifest.InputScale} would exceed {MaxAutoNetworkPixels} network pixels on the CPU" : "");
        return _buffers;
    }

    /// <summary>The area-average factor of the current frame size (0 before the first frame).</summary>
    public int InputScale => _buffers?.Geometry.InputScale ?? 0;

    /// <summary>
    /// Auto input scale: the bundle's, doubled (on a CPU provider only) while the network input would exceed
    /// <see cref="MaxAutoNetworkPixels"/>, so large frames cost the network about what 640×512 costs — the maps are
    /// smooth, and detail comes from the full-resolution sources either way.
    /// </summary>
    public static int AutoInputScale(int width, int height, int bundleScale, bool cpu)
    {
        int s = bundleScale;
        while (cpu && s * 2 <= 64 && (long)((width + s - 1) / s) * ((height + s - 1) / s) > MaxAutoNetworkPixels)
        {
            s *= 2;
        }
        return s;
    }

    public void Dispose()
    {
        _buffers?.Dispose();
        _buffers = null;
        _rows.Dispose();
        if (_ownsModel)
        {
            _model.Dispose();
        }
    }

    /// <summary>Pinned host buffers, their tensors and the binding for one frame size.</summary>
    private sealed class FrameBuffers : IDisposable
    {
        private readonly OwnedOrtResources _owned = new();
        private readonly OrtValue[] _irValues, _visValues, _irEmbValues, _visEmbValues;

        public FrameBuffers(LureModel model, RtGeometry geometry, int embeddingDim, OrtBindingStyle style)
        {
            Geometry = geometry;
            int staging = style == OrtBindingStyle.DeviceStyle ? 2 : 1;
            long h = geometry.InputHeight, w = geometry.InputWidth;
            IrSmall = new float[staging][];
            VisSmall = new float[staging][];
            IrEmbedding = new float[staging][];
            VisEmbedding = new float[staging][];
            _irValues = new OrtValue[staging];
            _visValues = new OrtValue[staging];
            _irEmbValues = new OrtValue[staging];
            _visEmbValues = new OrtValue[staging];
            try
            {
                for (int k = 0; k < staging; k++)
                {
                    IrSmall[k] = GC.AllocateUninitializedArray<float>((int)(h * w), pinned: true);
                    VisSmall[k] = GC.AllocateUninitializedArray<float>((int)(3 * h * w), pinned: true);
                    IrEmbedding[k] = GC.AllocateArray<float>(embeddingDim, pinned: true);
                    VisEmbedding[k] = GC.AllocateArray<float>(embeddingDim, pinned: true);
                    _irValues[k] = Own(OrtValue.CreateTensorValueFromMemory(IrSmall[k], [1, 1, h, w]));
                    _visValues[k] = Own(OrtValue.CreateTensorValueFromMemory(VisSmall[k], [1, 3, h, w]));
                    _irEmbValues[k] = Own(OrtValue.CreateTensorValueFromMemory(IrEmbedding[k], [1, embeddingDim]));
                    _visEmbValues[k] = Own(OrtValue.CreateTensorValueFromMemory(VisEmbedding[k], [1, embeddingDim]));
                }
                long ch = geometry.CoefficientHeight, cw = geometry.CoefficientWidth;
                CoefficientMaps = GC.AllocateUninitializedArray<float>((int)(geometry.Maps * ch * cw), pinned: true);
                Upsampled = GC.AllocateUninitializedArray<float>(geometry.UpsampledLength);
                Planes = new RtFramePlanes(geometry);
                Binding = Own(model.Coefficients.Session.CreateIoBinding());
                if (style != OrtBindingStyle.DeviceStyle)
                {
                    BindInputs(0);
                }
                Binding.BindOutput("coefficients", Own(OrtValue.CreateTensorValueFromMemory(CoefficientMaps, [1, geometry.Maps, ch, cw])));
            }
            catch
            {
                Dispose();
                throw;
            }
        }

        public RtGeometry Geometry { get; }
        public float[][] IrSmall { get; }
        public float[][] VisSmall { get; }
        public float[][] IrEmbedding { get; }
        public float[][] VisEmbedding { get; }
        public float[] CoefficientMaps { get; } = [];
        public float[] Upsampled { get; } = [];
        public RtFramePlanes Planes { get; } = null!;
        public OrtIoBinding Binding { get; } = null!;

        /// <summary>Binds staging buffer <paramref name="k"/> (a device provider copies it now).</summary>
        public void BindInputs(int k)
        {
            Binding.BindInput("infrared", _irValues[k]);
            Binding.BindInput("visible", _visValues[k]);
            Binding.BindInput("ir_embedding", _irEmbValues[k]);
            Binding.BindInput("vis_embedding", _visEmbValues[k]);
        }

        private T Own<T>(T disposable) where T : IDisposable => _owned.Own(disposable);

        public void Dispose() => _owned.Dispose();
    }
}
