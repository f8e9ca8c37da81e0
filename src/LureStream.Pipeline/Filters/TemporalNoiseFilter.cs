using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using LureStream.Core.Frames;

namespace LureStream.Pipeline.Filters;

/// <summary>
/// Motion-adaptive recursive temporal noise filter for one camera (the temporal noise reduction thermal cores run):
/// each value moves towards the new frame by a gain k that is small where the change is within the sensor noise
/// (a static pixel averages over about 2/k frames) and grows to 1 where the change is larger (motion passes at once,
/// no ghost trails). k = clamp(1 − strength + (|Δ| − threshold) · strength / threshold, 1 − strength, 1).
/// Filters frames in place; keeps its state in floats so slow drifts are not stuck on 8-bit rounding. A new size or
/// format restarts it from the current frame. Not thread-safe: one instance per source.
/// </summary>
public sealed class TemporalNoiseFilter
{
    /// <summary>Strongest smoothing allowed (a static pixel then follows the scene with k = 0.1).</summary>
    public const double MaxStrength = 0.9;

    /// <summary>Range of the static-change threshold, in 8-bit levels.</summary>
    public const double MinThreshold = 0.5, MaxThreshold = 64;

    private readonly float _minGain;
    private readonly float _threshold;
    private readonly float _slope;
    private float[] _state = [];
    private int _width, _height;
    private PixelFormat _format;
    private bool _primed;

    /// <param name="strength">0 (off) to <see cref="MaxStrength"/>: how much a static pixel is smoothed.</param>
    /// <param name="thresholdLevels">Change (8-bit levels) up to which a pixel counts as static: about 3× the sensor noise σ.</param>
    public TemporalNoiseFilter(double strength, double thresholdLevels)
    {
        if (SettingsProblem(strength, thresholdLevels) is { } problem)
        {
            throw new ArgumentOutOfRangeException(nameof(strength), problem);
        }
        Strength = strength;
        ThresholdLevels = thresholdLevels;
        _minGain = (float)(1 - strength);
        _threshold = (float)thresholdLevels;
        _slope = (float)(strength / thresholdLevels);
    }

    /// <summary>What is wrong with these settings, in one line; null when they are valid.</summary>
    public static string? SettingsProblem(double strength, double thresholdLevels) =>
        strength is < 0 or > MaxStrength || double.IsNaN(strength)
            ? $"temporal denoise strength {strength} must be within 0 (off) and {MaxStrength}"
            : thresholdLevels is < MinThreshold or > MaxThreshold || double.IsNaN(thresholdLevels)
                ? $"temporal denoise threshold {thresholdLevels} must be within {MinThreshold} and {MaxThreshold} levels"
                : null;

    public double Strength { get; }
    public double ThresholdLevels { get; }

    /// <summary>Forgets the history: the next frame passes unchanged and starts it again (e.g. after a source restart).</summary>
    public void Reset() => _primed = false;

    /// <summary>Filters <paramref name="frame"/>'s pixels in place.</summary>
    public void Apply(Frame frame)
    {
        var pixels = frame.Pixels;
        if (!_primed || frame.Width != _width || frame.Height != _height || frame.Format != _format)
        {
            Prime(frame, pixels);
            return;
        }
        if (Strength == 0)
        {
            return;
        }
        Run(pixels, _state);
    }

    private void Prime(Frame frame, ReadOnlySpan<byte> pixels)
    {
        if (_state.Length != pixels.Length)
        {
            _state = new float[pixels.Length]; // once per size: frames of one source keep theirs
        }
        for (int i = 0; i < pixels.Length; i++)
        {
            _state[i] = pixels[i];
        }
        (_width, _height, _format, _primed) = (frame.Width, frame.Height, frame.Format, true);
    }

    private void Run(Span<byte> pixels, Span<float> state)
    {
        int i = 0;
        int lanes = Vector<byte>.Count;
        if (Vector.IsHardwareAccelerated && pixels.Length >= lanes)
        {
            var minGain = new Vector<float>(_minGain);
            var threshold = new Vector<float>(_threshold);
            var slope = new Vector<float>(_slope);
            var one = Vector<float>.One;
            var half = new Vector<float>(0.5f);
            var max = new Vector<float>(255f);
            int f = Vector<float>.Count;
            ref float s0 = ref MemoryMarshal.GetReference(state);
            for (; i <= pixels.Length - lanes; i += lanes)
            {
                var bytes = new Vector<byte>(pixels.Slice(i, lanes));
                Vector.Widen(bytes, out var lo16, out var hi16);
                Vector.Widen(lo16, out var a32, out var b32);
                Vector.Widen(hi16, out var c32, out var d32);
                var a = Step(Vector.ConvertToSingle(Vector.AsVectorInt32(a32)), ref Unsafe.Add(ref s0, i), minGain, threshold, slope, one, half, max);
                var b = Step(Vector.ConvertToSingle(Vector.AsVectorInt32(b32)), ref Unsafe.Add(ref s0, i + f), minGain, threshold, slope, one, half, max);
                var c = Step(Vector.ConvertToSingle(Vector.AsVectorInt32(c32)), ref Unsafe.Add(ref s0, i + 2 * f), minGain, threshold, slope, one, half, max);
                var d = Step(Vector.ConvertToSingle(Vector.AsVectorInt32(d32)), ref Unsafe.Add(ref s0, i + 3 * f), minGain, threshold, slope, one, half, max);
                var lo = Vector.Narrow(a, b);
                var hi = Vector.Narrow(c, d);
                Vector.Narrow(lo, hi).CopyTo(pixels.Slice(i, lanes));
            }
        }
        for (; i < pixels.Length; i++)
        {
            float cur = pixels[i], prev = state[i], delta = cur - prev;
            float gain = Math.Clamp(_minGain + (MathF.Abs(delta) - _threshold) * _slope, _minGain, 1f);
            float next = prev + gain * delta;
            state[i] = next;
            pixels[i] = (byte)Math.Clamp((int)(next + 0.5f), 0, 255);
        }
    }

    // One vector of values: update the state in place, return the rounded output as uint lanes.
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static Vector<uint> Step(Vector<float> cur, ref float state, Vector<float> minGain, Vector<float> threshold,
        Vector<float> slope, Vector<float> one, Vector<float> half, Vector<float> max)
    {
        ref var prevRef = ref Unsafe.As<float, Vector<float>>(ref state);
        var prev = prevRef;
        var delta = cur - prev;
        // The *Native forms: no NaN or overflow can occur here, and the IEEE-exact Min/Max and saturating conversion
        // cost several extra instructions per vector.
        var gain = Vector.MinNative(Vector.MaxNative(minGain + (Vector.Abs(delta) - threshold) * slope, minGain), one);
        var next = prev + gain * delta;
        prevRef = next;
        return Vector.AsVectorUInt32(Vector.ConvertToInt32Native(Vector.MinNative(next + half, max)));
    }
}
