using System.Diagnostics;
using LureStream.Core;
using LureStream.Core.Fusion;
using LureStream.Core.Frames;
using LureStream.Core.Media;

namespace LureStream.Media.Synthetic;

/// <summary>
/// An <see cref="IFrameSource"/> over <see cref="SyntheticScene"/>: the infrared or visible camera of a seeded
/// procedural street scene, with optional degradations and sensor noise (<see cref="SyntheticOptions"/>). Two sources
/// opened with the same URI for the two modalities produce a pixel-aligned pair with matching pts.
/// </summary>
/// <remarks>
/// Frames come from a <see cref="FramePool"/>; textures are built once when the source opens, so steady-state reading
/// allocates nothing. Recorded mode (default) renders as fast as the reader asks; <c>live=true</c> paces frames at the
/// frame rate from the first <see cref="Read"/>, and a reader that falls behind gets the current frame (skipped frame
/// numbers show up as gaps in <see cref="Frame.Sequence"/>), as a camera would behave.
/// </remarks>
public sealed class SyntheticSource : IFrameSource
{
    private readonly SyntheticScene _scene;
    private readonly FramePool _pool;
    private readonly byte[]? _convert;
    private readonly float[] _scratch;
    private readonly bool _infrared;
    private long _next;
    private long _startTimestamp;
    private bool _disposed;

    public SyntheticSource(SyntheticOptions options, Modality modality, SourceRequest request, string? uri = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(request);
        if (modality is not (Modality.Infrared or Modality.Visible))
        {
            throw new LureStreamException($"synthetic source: modality must be infrared or visible, not {modality}");
        }
        if (request.Width < 16 || request.Height < 16 || request.Width > 16384 || request.Height > 16384)
        {
            throw new LureStreamException($"synthetic source: frame size {request.Width}x{request.Height} is outside 16..16384");
        }
        double fps = options.FrameRate ?? request.FrameRate;
        if (!(fps > 0) || fps > 1000)
        {
            throw new LureStreamException($"synthetic source: frame rate {fps} must be in (0, 1000]");
        }
        Options = options;
        Modality = modality;
        _infrared = modality == Modality.Infrared;
        _scene = new SyntheticScene(request.Width, request.Height, options.Seed, fps);
        _pool = new FramePool(request.Width, request.Height, request.Format, maxRetained: 16);
        int nativeChannels = _infrared ? 1 : 3;
        if (request.Format.BytesPerPixel() != nativeChannels)
        {
            _convert = new byte[request.Width * request.Height * nativeChannels];
        }
        _scratch = new float[SyntheticDegradations.LowResolutionScratchLength(request.Width, request.Height, 2)];
        string desc = $"synthetic {(_infrared ? "infrared" : "visible")} scene, seed {options.Seed}, {request.Width}x{request.Height} @ {fps:0.##} fps"
            + (options.Frames is { } n ? $", {n} frames" : "") + (options.Live ? ", live" : "");
        Info = new SourceInfo(uri ?? options.ToUri(), request.Width, request.Height, request.Format, fps, options.Live, desc);
    }

    /// <summary>Opens <c>synthetic:?…</c> (see <see cref="SyntheticOptions"/>) for one modality at the requested size and format.</summary>
    public static SyntheticSource Open(string uri, Modality modality, SourceRequest request)
        => new(SyntheticOptions.Parse(uri), modality, request, uri);

    public SourceInfo Info { get; }
    public SyntheticOptions Options { get; }
    public Modality Modality { get; }
    public SyntheticScene Scene => _scene;

    /// <summary>The pool frames are rented from (its <see cref="FramePool.Allocated"/> stays flat when readers dispose).</summary>
    public FramePool Pool => _pool;

    /// <summary>The frame number the next <see cref="Read"/> renders (recorded mode).</summary>
    public long Position => Interlocked.Read(ref _next);

    /// <summary>The degradations applied to frame <paramref name="frameIndex"/> (per the schedule, if any).</summary>
    public (DegradationCondition Visible, DegradationCondition Infrared) ConditionsAt(long frameIndex)
        => Options.ConditionsAt(_scene.TimeOf(frameIndex));

    public Frame? Read(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        cancellationToken.ThrowIfCancellationRequested();
        long n = _next;
        if (Options.Live)
        {
            n = WaitForLiveFrame(n, cancellationToken);
        }
        if (Options.Frames is { } limit && n >= limit)
        {
            return null;
        }
        _next = n + 1;

        var frame = _pool.Rent();
        try
        {
            Render(n, frame);
        }
        catch
        {
            frame.Dispose();
            throw;
        }
        frame.Sequence = n;
        frame.Source = Modality;
        frame.Pts = TimeSpan.FromTicks((long)Math.Round(n * (double)TimeSpan.TicksPerSecond / Info.FrameRate));
        frame.CaptureTimestamp = Stopwatch.GetTimestamp();
        return frame;
    }

    /// <summary>Renders frame <paramref name="frameIndex"/> with this source's degradations into <paramref name="frame"/> (any pooled or unpooled frame of the source's geometry).</summary>
    public void Render(long frameIndex, Frame frame)
    {
        ArgumentNullException.ThrowIfNull(frame);
        if (frame.Width != Info.Width || frame.Height != Info.Height || frame.Format != Info.Format)
        {
            throw new ArgumentException($"frame is {frame.Width}x{frame.Height} {frame.Format}; this source renders {Info.Width}x{Info.Height} {Info.Format}");
        }
        Span<byte> target = _convert ?? frame.Pixels;
        int w = Info.Width, h = Info.Height;
        var (vis, ir) = ConditionsAt(frameIndex);
        ulong noiseSeed = SceneRandom.Hash((ulong)(uint)Options.Seed, (ulong)frameIndex, _infrared ? 1UL : 0UL);
        float sigma = Options.Noise * 255f;
        if (_infrared)
        {
            _scene.RenderInfrared(frameIndex, target);
            if (ir == DegradationCondition.LowResolution)
            {
                // Sensor noise first: the upscaler then smooths it, as in a real low-resolution camera.
                SyntheticDegradations.AddNoise(target, w, h, 1, sigma, noiseSeed);
                ApplyLowResolution(target, w, h);
            }
            else
            {
                SyntheticDegradations.Apply(ir, Options.Strength, target, w, h, 1, noiseSeed);
                SyntheticDegradations.AddNoise(target, w, h, 1, sigma, noiseSeed ^ 0x5555);
            }
        }
        else
        {
            _scene.RenderVisible(frameIndex, target);
            SyntheticDegradations.Apply(vis, Options.Strength, target, w, h, 3, noiseSeed);
            SyntheticDegradations.AddNoise(target, w, h, 3, sigma, noiseSeed ^ 0x5555);
        }
        if (_convert is not null)
        {
            ConvertInto(_convert, frame.Pixels);
        }
    }

    private void ApplyLowResolution(Span<byte> target, int w, int h)
    {
        int factor = SyntheticDegradations.LowResolutionFactor(Options.Strength);
        SyntheticDegradations.ApplyLowResolution(target, w, h, factor, _scratch);
    }

    private void ConvertInto(ReadOnlySpan<byte> native, Span<byte> output)
    {
        if (_infrared)
        {
            // Gray8 → Rgb24: replicate.
            for (int i = 0, o = 0; i < native.Length; i++, o += 3)
            {
                byte v = native[i];
                output[o] = v;
                output[o + 1] = v;
                output[o + 2] = v;
            }
        }
        else
        {
            // Rgb24 → Gray8: BT.601 luma.
            for (int i = 0, o = 0; o < output.Length; i += 3, o++)
            {
                output[o] = (byte)((77 * native[i] + 150 * native[i + 1] + 29 * native[i + 2] + 128) >> 8);
            }
        }
    }

    private long WaitForLiveFrame(long n, CancellationToken cancellationToken)
    {
        if (_startTimestamp == 0)
        {
            _startTimestamp = Stopwatch.GetTimestamp();
        }
        double elapsed = Stopwatch.GetElapsedTime(_startTimestamp).TotalSeconds;
        long current = (long)Math.Floor(elapsed * Info.FrameRate);
        if (current > n)
        {
            // The reader fell behind real time: a live camera has moved on.
            return current;
        }
        double due = n / Info.FrameRate;
        while (true)
        {
            double wait = due - Stopwatch.GetElapsedTime(_startTimestamp).TotalSeconds;
            if (wait <= 0)
            {
                return n;
            }
            if (cancellationToken.WaitHandle.WaitOne(TimeSpan.FromSeconds(Math.Min(wait, 0.25))))
            {
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
    }

    public void Dispose() => _disposed = true;

    public override string ToString() => Info.Description;
}
