using LureStream.Core.Frames;
using LureStream.Core.Fusion;

namespace LureStream.Prompts.Conditions;

/// <summary>Hysteresis settings of <see cref="ConditionTracker"/>.</summary>
public sealed record ConditionTrackerOptions
{
    /// <summary>A new condition must be seen on at least this many consecutive detections …</summary>
    public int MinFrames { get; init; } = 5;

    /// <summary>… spanning at least this much presentation time before the reported condition changes.</summary>
    public TimeSpan MinDwell { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>
    /// Run the detector at most once per this much presentation time per modality (zero = every frame); frames in
    /// between keep the current state. Conditions change over seconds, and the detector reads every other pixel of
    /// the frame on the fuse thread, so detecting at ~10 Hz instead of at the frame rate costs nothing in
    /// responsiveness and keeps the detector from slowing fusion.
    /// </summary>
    public TimeSpan DetectInterval { get; init; } = TimeSpan.Zero;

    /// <summary>Frames whose timestamps do not advance (a source without timestamps) are still detected this often.</summary>
    public const int MaxFramesBetweenDetections = 30;

    public static ConditionTrackerOptions Default { get; } = new();
}

/// <summary>One modality's state in <see cref="ConditionTracker"/>, for status pages and logs.</summary>
public readonly record struct ConditionTrackState(
    DegradationCondition Reported,
    DegradationCondition Candidate,
    int CandidateFrames,
    TimeSpan CandidateSince,
    ImageStatistics? LastStatistics);

/// <summary>
/// Turns per-frame detections into stable prompts. A candidate condition different from the reported one must persist
/// for <see cref="ConditionTrackerOptions.MinFrames"/> consecutive detections and
/// <see cref="ConditionTrackerOptions.MinDwell"/> of presentation time before the report switches; any other detection
/// restarts (or cancels) the candidate, so a single odd frame never flips the prompt. Operator overrides are not the
/// tracker's business: the pipeline's prompt controller applies them over what the tracker reports.
/// <see cref="Update"/> is called by the pipeline thread; the state getters may be called from any thread (status
/// pages). No allocation per update.
/// </summary>
public sealed class ConditionTracker
{
    private readonly Lock _lock = new();
    private readonly IConditionDetector _detector;
    private Track _ir, _vis;
    private DetectionClock _irClock, _visClock;

    public ConditionTracker(IConditionDetector? detector = null, ConditionTrackerOptions? options = null)
    {
        _detector = detector ?? new ConditionDetector();
        Options = options ?? ConditionTrackerOptions.Default;
        if (Options.MinFrames < 1 || Options.MinDwell < TimeSpan.Zero || Options.DetectInterval < TimeSpan.Zero)
        {
            throw new ArgumentException("condition tracker: MinFrames must be ≥ 1, MinDwell and DetectInterval ≥ 0", nameof(options));
        }
    }

    public ConditionTrackerOptions Options { get; }
    public IConditionDetector Detector => _detector;

    /// <summary>The prompts for the most recent pair.</summary>
    public FusionPrompts Current
    {
        get
        {
            lock (_lock)
            {
                return new FusionPrompts(_ir.Effective, _vis.Effective);
            }
        }
    }

    /// <summary>
    /// Detects the condition of each present frame, advances the hysteresis, and returns the prompts for this pair.
    /// A missing side (source down) keeps its state.
    /// </summary>
    public FusionPrompts Update(Frame? infrared, Frame? visible)
    {
        ConditionEstimate? ir = null, vis = null;
        if (infrared is not null && _irClock.Due(infrared.Pts, Options.DetectInterval))
        {
            ir = _detector.Detect(infrared, Modality.Infrared);
        }
        if (visible is not null && _visClock.Due(visible.Pts, Options.DetectInterval))
        {
            vis = _detector.Detect(visible, Modality.Visible);
        }
        lock (_lock)
        {
            if (ir is { } e)
            {
                _ir.Observe(e.Condition, infrared!.Pts, Options);
                _ir.LastStatistics = e.Statistics;
            }
            if (vis is { } v)
            {
                _vis.Observe(v.Condition, visible!.Pts, Options);
                _vis.LastStatistics = v.Statistics;
            }
            return new FusionPrompts(_ir.Effective, _vis.Effective);
        }
    }

    /// <summary>Feeds one detection (already classified) for <paramref name="modality"/> at <paramref name="timestamp"/>; returns the reported condition.</summary>
    public DegradationCondition Observe(Modality modality, DegradationCondition detected, TimeSpan timestamp)
    {
        lock (_lock)
        {
            ref Track t = ref TrackOf(modality);
            t.Observe(detected, timestamp, Options);
            return t.Reported;
        }
    }

    public ConditionTrackState GetState(Modality modality)
    {
        lock (_lock)
        {
            var t = TrackOf(modality);
            return new ConditionTrackState(t.Reported, t.Candidate, t.CandidateFrames, t.CandidateSince, t.LastStatistics);
        }
    }

    /// <summary>Forgets the detection history of both modalities, e.g. when the input changes.</summary>
    public void Reset()
    {
        lock (_lock)
        {
            _ir = default;
            _vis = default;
            _irClock = default;
            _visClock = default;
        }
    }

    private ref Track TrackOf(Modality modality)
    {
        switch (modality)
        {
            case Modality.Infrared:
                return ref _ir;
            case Modality.Visible:
                return ref _vis;
            default:
                throw new ArgumentException($"conditions are tracked for infrared and visible, not {modality}", nameof(modality));
        }
    }

    /// <summary>When one modality was last detected (only the fuse thread touches it).</summary>
    private struct DetectionClock
    {
        private bool _started;
        private TimeSpan _last;
        private int _skipped;

        public bool Due(TimeSpan pts, TimeSpan interval)
        {
            bool due = !_started || pts < _last || pts - _last >= interval || _skipped >= MaxSkipped;
            if (due)
            {
                _started = true;
                _last = pts;
                _skipped = 0;
            }
            else
            {
                _skipped++;
            }
            return due;
        }

        private const int MaxSkipped = ConditionTrackerOptions.MaxFramesBetweenDetections - 1;
    }

    private struct Track
    {
        public DegradationCondition Reported;
        public DegradationCondition Candidate;
        public int CandidateFrames;
        public TimeSpan CandidateSince;
        public TimeSpan LastTimestamp;
        public ImageStatistics? LastStatistics;

        public readonly PromptSelection Effective => new(Reported);

        public void Observe(DegradationCondition detected, TimeSpan timestamp, ConditionTrackerOptions options)
        {
            if (timestamp < LastTimestamp)
            {
                // Time went backwards (a looping file, a restarted source): restart the dwell clock.
                CandidateSince = timestamp;
            }
            LastTimestamp = timestamp;
            if (detected == Reported)
            {
                Candidate = Reported;
                CandidateFrames = 0;
                return;
            }
            if (detected != Candidate || CandidateFrames == 0)
            {
                Candidate = detected;
                CandidateFrames = 1;
                CandidateSince = timestamp;
            }
            else
            {
                CandidateFrames++;
            }
            if (CandidateFrames >= options.MinFrames && timestamp - CandidateSince >= options.MinDwell)
            {
                Reported = Candidate;
                CandidateFrames = 0;
            }
        }
    }
}
