using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Prompts.Conditions;
using LureStream.Media.Synthetic;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Prompts.Tests.Conditions;

public class ConditionTrackerTests
{
    private static TimeSpan Ms(double ms) => TimeSpan.FromMilliseconds(ms);

    [Fact]
    public void ASingleOddFrameDoesNotSwitch()
    {
        var t = new ConditionTracker();
        for (int i = 0; i < 50; i++)
        {
            var c = i == 20 ? DegradationCondition.Haze : DegradationCondition.None;
            Assert.Equal(DegradationCondition.None, t.Observe(Modality.Visible, c, Ms(40 * i)));
        }
    }

    [Fact]
    public void ASustainedChangeSwitchesAfterTheDwellTime()
    {
        var t = new ConditionTracker(options: new ConditionTrackerOptions { MinFrames = 5, MinDwell = TimeSpan.FromSeconds(1) });
        int switchedAt = -1;
        for (int i = 0; i < 60; i++)
        {
            var reported = t.Observe(Modality.Visible, DegradationCondition.LowLight, Ms(40 * i));
            if (reported == DegradationCondition.LowLight && switchedAt < 0)
            {
                switchedAt = i;
            }
        }
        Assert.Equal(25, switchedAt); // 25 frames × 40 ms = 1.0 s after the first low-light frame
        Assert.Equal(DegradationCondition.LowLight, t.GetState(Modality.Visible).Reported);
    }

    [Fact]
    public void BothFrameCountAndDwellAreRequired()
    {
        var t = new ConditionTracker(options: new ConditionTrackerOptions { MinFrames = 5, MinDwell = TimeSpan.FromSeconds(1) });
        // Two detections 3 s apart: long enough, but too few frames.
        Assert.Equal(DegradationCondition.None, t.Observe(Modality.Infrared, DegradationCondition.LowContrast, Ms(0)));
        Assert.Equal(DegradationCondition.None, t.Observe(Modality.Infrared, DegradationCondition.LowContrast, Ms(3000)));
        // Many frames in a short time: enough frames, not long enough.
        var u = new ConditionTracker(options: new ConditionTrackerOptions { MinFrames = 5, MinDwell = TimeSpan.FromSeconds(1) });
        for (int i = 0; i < 20; i++)
        {
            Assert.Equal(DegradationCondition.None, u.Observe(Modality.Infrared, DegradationCondition.LowContrast, Ms(10 * i)));
        }
    }

    [Fact]
    public void AlternatingCandidatesNeverSwitch()
    {
        var t = new ConditionTracker(options: new ConditionTrackerOptions { MinFrames = 3, MinDwell = Ms(200) });
        for (int i = 0; i < 100; i++)
        {
            var c = (i % 2 == 0) ? DegradationCondition.Haze : DegradationCondition.LowLight;
            Assert.Equal(DegradationCondition.None, t.Observe(Modality.Visible, c, Ms(40 * i)));
        }
    }

    [Fact]
    public void UpdateDetectsDegradedFramesThroughTheHysteresis()
    {
        var scene = new SyntheticScene(160, 128, 6);
        var t = new ConditionTracker(options: new ConditionTrackerOptions { MinFrames = 3, MinDwell = Ms(80) });
        FusionPrompts last = default;
        for (int i = 0; i < 6; i++)
        {
            using var ir = ConditionDetectorTests.Render(scene, Modality.Infrared, i, DegradationCondition.LowContrast, 0.7f);
            using var vis = ConditionDetectorTests.Render(scene, Modality.Visible, i, DegradationCondition.LowLight, 0.7f);
            ir.Pts = vis.Pts = Ms(40 * i);
            last = t.Update(ir, vis);
            if (i == 0)
            {
                Assert.Equal(FusionPrompts.Clean, last);
            }
        }
        Assert.Equal(DegradationCondition.LowContrast, last.Infrared.Condition);
        Assert.Equal(DegradationCondition.LowLight, last.Visible.Condition);
        Assert.NotNull(t.GetState(Modality.Visible).LastStatistics);

        // A missing side keeps its state.
        using var onlyIr = ConditionDetectorTests.Render(scene, Modality.Infrared, 7, DegradationCondition.LowContrast, 0.7f);
        Assert.Equal(DegradationCondition.LowLight, t.Update(onlyIr, null).Visible.Condition);
    }

    [Fact]
    public void UpdateAllocatesNothingAfterWarmUp()
    {
        var scene = new SyntheticScene(320, 256, 2);
        using var ir = ConditionDetectorTests.Render(scene, Modality.Infrared, 0, DegradationCondition.None, 0);
        using var vis = ConditionDetectorTests.Render(scene, Modality.Visible, 0, DegradationCondition.Haze, 0.6f);
        var t = new ConditionTracker();
        int frame = 0;
        void Update()
        {
            ir.Pts = vis.Pts = Ms(40 * frame++);
            t.Update(ir, vis);
        }
        Assert.Equal(0, Allocations.MinimumPerRound(Update));
        Assert.Equal(DegradationCondition.Haze, t.Current.Visible.Condition);
    }

    [Fact]
    public void DetectionRunsAtTheConfiguredRateOfPresentationTime()
    {
        // Frames every 40 ms, detection at most every 100 ms: frames 0, 3, 6, … are detected. Each frame has its own
        // uniform grey level, so the tracker's last statistics tell which frame was detected last.
        var t = new ConditionTracker(options: new ConditionTrackerOptions { DetectInterval = Ms(100) });
        using var vis = Frame.CreateUnpooled(64, 48, PixelFormat.Gray8);
        for (int i = 0; i < 12; i++)
        {
            vis.Pixels.Fill((byte)(20 + 10 * i));
            vis.Pts = Ms(40 * i);
            t.Update(null, vis);
            int lastDetected = i / 3 * 3;
            Assert.Equal(20 + 10 * lastDetected, t.GetState(Modality.Visible).LastStatistics!.Value.Mean, 0.5f);
        }
        // Time going backwards (a looping file) detects at once.
        vis.Pixels.Fill(200);
        vis.Pts = Ms(0);
        t.Update(null, vis);
        Assert.Equal(200, t.GetState(Modality.Visible).LastStatistics!.Value.Mean, 0.5f);
    }

    [Fact]
    public void FramesWithoutAdvancingTimestampsAreStillDetectedRegularly()
    {
        var t = new ConditionTracker(options: new ConditionTrackerOptions { DetectInterval = Ms(100) });
        using var vis = Frame.CreateUnpooled(64, 48, PixelFormat.Gray8);
        int every = ConditionTrackerOptions.MaxFramesBetweenDetections;
        for (int i = 0; i < 3 * every; i++)
        {
            vis.Pixels.Fill((byte)(i % 250));
            vis.Pts = TimeSpan.Zero;
            t.Update(null, vis);
            Assert.Equal(i / every * every % 250, t.GetState(Modality.Visible).LastStatistics!.Value.Mean, 0.5f);
        }
    }
}
