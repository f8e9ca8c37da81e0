using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Engines.Lure;
using LureStream.Engines.LureRt;
using LureStream.Engines.Tests.Lure;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Engines.Tests.LureRt;

/// <summary>
/// lure-rt with the network on every N-th frame (<c>fusion.rt_refresh_every</c>): when the network runs, and that
/// the frames between apply the kept maps to their own full-resolution pixels.
/// </summary>
[Collection(AllocationCollection.Name)]
public class LureRtRefreshTests
{
    private const int W = 160, H = 128;
    private static readonly FusionPrompts LowLight = new(PromptSelection.Clean, new PromptSelection(DegradationCondition.LowLight));

    private static LureRtEngine Engine(int refreshEvery) =>
        (LureRtEngine)FusionEngineFactory.CreatePromptedEngine(LureRtEngineTests.Bundle, threads: 1, rtRefreshEvery: refreshEvery);

    private static Frame Output(int w = W, int h = H) => Frame.CreateUnpooled(w, h, PixelFormat.Rgb24);

    [Fact]
    public void The_network_runs_every_nth_frame_and_at_once_on_a_prompt_or_size_change()
    {
        using var engine = Engine(refreshEvery: 3);
        var (ir, vis) = Scenes.Pair(W, H, seed: 3);
        var output = Output();
        var runs = new List<long>();
        for (int i = 0; i < 7; i++)
        {
            engine.Fuse(ir, vis, output, FusionPrompts.Clean);
            runs.Add(engine.NetworkRuns);
        }
        Assert.Equal([1L, 1, 1, 2, 2, 2, 3], runs);

        engine.Fuse(ir, vis, output, LowLight); // prompt switched: runs now, not at the next multiple of 3
        Assert.Equal(4, engine.NetworkRuns);
        engine.Fuse(ir, vis, output, LowLight);
        Assert.Equal(4, engine.NetworkRuns);

        var (smallIr, smallVis) = Scenes.Pair(96, 64, seed: 3);
        engine.Fuse(smallIr, smallVis, Output(96, 64), LowLight); // new size: new buffers, fresh maps
        Assert.Equal(5, engine.NetworkRuns);
    }

    [Fact]
    public void Frames_between_refreshes_apply_the_kept_maps_to_their_own_pixels()
    {
        using var reuse = Engine(refreshEvery: 2);
        using var fresh = Engine(refreshEvery: 1);
        var (ir, vis) = Scenes.Pair(W, H, seed: 8);
        var (irB, visB) = Scenes.Pair(W, H, seed: 8);
        // Frame B: a hot, bright object enters the top-left corner of both frames (in both, so that it shows whatever
        // weight the model's maps give each source there: a visible-led model all but drops a flat infrared change).
        for (int y = 0; y < 24; y++)
        {
            irB.Pixels.Slice(y * W, 24).Fill(250);
            visB.Pixels.Slice(y * W * 3, 24 * 3).Fill(250);
        }

        var firstA = Output();
        var reusedB = Output();
        reuse.Fuse(ir, vis, firstA, FusionPrompts.Clean);
        reuse.Fuse(irB, visB, reusedB, FusionPrompts.Clean);
        Assert.Equal(1, reuse.NetworkRuns);

        var freshA = Output();
        var freshB = Output();
        fresh.Fuse(ir, vis, freshA, FusionPrompts.Clean);
        fresh.Fuse(irB, visB, freshB, FusionPrompts.Clean);
        Assert.Equal(2, fresh.NetworkRuns);
        Assert.True(firstA.Pixels.SequenceEqual(freshA.Pixels), "the refresh frame differs from the every-frame engine's");

        // The object shows on the reused frame (its pixels are the current frame's) ...
        Assert.True(MeanLuma(reusedB, 4, 20) > MeanLuma(firstA, 4, 20) + 20, $"the object is missing from the frame that reused the maps: mean luma {MeanLuma(reusedB, 4, 20):F1}, {MeanLuma(firstA, 4, 20):F1} before it came");
        // ... far from it both the maps and the pixels are frame A's, so the output is too (byte for byte) ...
        Assert.True(Region(reusedB, 64, W).SequenceEqual(Region(firstA, 64, W)), "pixels far from the change moved although maps and sources did not");
        // ... and the maps were reused: the every-frame engine, which ran the network on B, differs.
        Assert.False(reusedB.Pixels.SequenceEqual(freshB.Pixels), "the reused frame equals a fresh run: the maps were not reused");
    }

    [Fact]
    public void Steady_state_with_reused_maps_allocates_nothing_managed()
    {
        using var engine = Engine(refreshEvery: 2);
        var (ir, vis) = Scenes.Pair(W, H, seed: 2);
        var output = Output();
        long bytes = Allocations.MinimumPerRound(() => engine.Fuse(ir, vis, output, LowLight), warmup: 40, callsPerRound: 4, allThreads: true);
        Assert.Equal(0, bytes);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(31)]
    public void A_refresh_outside_1_to_30_is_refused(int n)
    {
        using var model = LureModel.Load(LureRtEngineTests.Bundle, threads: 1);
        var e = Assert.Throws<ArgumentOutOfRangeException>(() => new LureRtEngine(model, null!, ownsModel: false, refreshEvery: n));
        Assert.Contains("every 1–30 frames", e.Message);
    }

    private static double MeanLuma(Frame rgb, int from, int to)
    {
        double sum = 0;
        for (int y = from; y < to; y++)
        {
            for (int x = from; x < to; x++)
            {
                int i = (y * rgb.Width + x) * 3;
                sum += 0.299 * rgb.Pixels[i] + 0.587 * rgb.Pixels[i + 1] + 0.114 * rgb.Pixels[i + 2];
            }
        }
        return sum / ((to - from) * (to - from));
    }

    /// <summary>Rows <paramref name="fromRow"/> to the end, all columns: well away from the top-left change.</summary>
    private static byte[] Region(Frame rgb, int fromRow, int width) => rgb.Pixels[(fromRow * width * 3)..].ToArray();
}
