using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Engines;
using LureStream.Engines.Lure;
using LureStream.Onnx;
using Xunit;

namespace LureStream.Engines.Tests.Lure;

/// <summary>Tests that count managed allocations run alone (other tests' JIT work on this thread would not count, but keep them apart anyway).</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class AllocationCollection
{
    public const string Name = "allocation (not parallel)";
}

/// <summary>
/// The LURE engine's two binding paths on the shipped bundle: bind-once (the CPU provider's) and device-style (what
/// CUDA/TensorRT need: rebind every frame, latents in the provider's memory), forced here on the CPU provider.
/// </summary>
[Collection(AllocationCollection.Name)]
public class LureBindingTests
{
    private const int W = 40, H = 30; // not a multiple of 8: padding and cropping are exercised too

    private static (Frame Ir, Frame Vis) Scene(int seed) => Scenes.Pair(W, H, seed);

    private static readonly FusionPrompts[] Prompts =
    [
        FusionPrompts.Clean,
        new(PromptSelection.Clean, new PromptSelection(DegradationCondition.LowLight)),
        new(new PromptSelection(DegradationCondition.LowContrast), new PromptSelection(DegradationCondition.Haze)),
        new(new PromptSelection(DegradationCondition.LowContrast), new PromptSelection(DegradationCondition.LowLight)),
    ];

    [Theory]
    [MemberData(nameof(LureParityTests.Bundles), MemberType = typeof(LureParityTests))]
    public void Device_style_binding_gives_the_bind_once_output_frame_after_frame(string name)
    {
        // v2's decoder also reads the staged source frames: a stale binding of those would show here too.
        using var bindOnce = FusionEngineFactory.CreateLureEngine(LureParityTests.BundleNamed(name), threads: 1);
        using var deviceStyle = FusionEngineFactory.CreateLureEngine(LureParityTests.BundleNamed(name), threads: 1, binding: OrtBindingStyle.DeviceStyle);
        Assert.Equal(OrtBindingStyle.BindOnce, bindOnce.BindingStyle);
        Assert.Equal(OrtBindingStyle.DeviceStyle, deviceStyle.BindingStyle);

        byte[]? previous = null;
        for (int frame = 0; frame < 6; frame++)
        {
            // Every frame differs from the one before, in pixels and (mostly) in prompts: a stale bound input or latent
            // on either path would show up as a difference between the two engines.
            var (ir, vis) = Scene(frame);
            var prompts = Prompts[frame % Prompts.Length];
            var expected = Frame.CreateUnpooled(W, H, PixelFormat.Rgb24);
            var actual = Frame.CreateUnpooled(W, H, PixelFormat.Rgb24);
            bindOnce.Fuse(ir, vis, expected, prompts);
            deviceStyle.Fuse(ir, vis, actual, prompts);
            Assert.True(expected.Pixels.SequenceEqual(actual.Pixels), $"frame {frame}: device-style output differs from bind-once");
            Assert.False(previous is not null && previous.AsSpan().SequenceEqual(expected.Pixels), $"frame {frame}: same output as the previous frame");
            previous = expected.Pixels.ToArray();
        }
    }

    [Fact]
    public void Device_style_binding_is_chosen_from_config()
    {
        Assert.Equal(OrtBindingStyle.DeviceStyle, FusionEngineFactory.ParseBinding("device-style"));
        Assert.Equal(OrtBindingStyle.Auto, FusionEngineFactory.ParseBinding("auto"));
        Assert.Throws<LureStream.Core.LureStreamException>(() => FusionEngineFactory.ParseBinding("bind-always"));
    }

    [Fact]
    public void Steady_state_fuse_allocates_nothing_managed_on_the_cpu_path()
    {
        using var engine = FusionEngineFactory.CreateLureEngine(LureParityTests.Bundle, threads: 1);
        Assert.Equal(OrtBindingStyle.BindOnce, engine.BindingStyle);
        var (ir, vis) = Scene(3);
        var output = Frame.CreateUnpooled(W, H, PixelFormat.Rgb24);
        var prompts = new FusionPrompts(new PromptSelection(DegradationCondition.LowContrast), new PromptSelection(DegradationCondition.Haze));
        for (int i = 0; i < 20; i++)
        {
            engine.Fuse(ir, vis, output, prompts);
        }
        // The fewest bytes over several rounds: a round may catch a one-off tiering allocation, a per-frame one shows in all.
        long fewest = long.MaxValue;
        for (int round = 0; round < 5; round++)
        {
            long before = GC.GetAllocatedBytesForCurrentThread();
            for (int i = 0; i < 4; i++)
            {
                engine.Fuse(ir, vis, output, prompts);
            }
            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }
        Assert.Equal(0, fewest);
    }
}
