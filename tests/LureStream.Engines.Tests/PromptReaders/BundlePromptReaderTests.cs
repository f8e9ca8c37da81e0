using LureStream.Core.Fusion;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Engines.Tests.PromptReaders;

/// <summary>Free text through the shipped bundle's prompt cache with and without the prompt reader.</summary>
public class BundlePromptReaderTests
{
    [Fact]
    public void A_confidently_read_prompt_gets_the_bundle_prompt_of_its_task()
    {
        using var engine = FusionEngineFactory.CreatePromptedEngine(Repository.LureBundle!, promptReader: true);
        string typed = "pitch black, can't see anything";
        var embedding = engine.Prompts.GetOrAdd(typed).ToArray();
        var taskPrompt = engine.Prompts.GetOrAdd(engine.Model.Manifest.PromptFor(DegradationCondition.LowLight)).ToArray();
        Assert.Equal(taskPrompt, embedding);
        var reading = engine.Prompts.ReadingOf(typed);
        Assert.NotNull(reading);
        Assert.True(reading.Value.Confident);
        Assert.Equal(DegradationCondition.LowLight, reading.Value.Condition);
    }

    [Fact]
    public void An_unclear_prompt_goes_to_the_bundle_encoder_as_typed()
    {
        // p 0.31 for its best reading (the fixture): below the 0.5 the reader needs
        string typed = "fuzzy low res FLIR";
        using var reading = FusionEngineFactory.CreatePromptedEngine(Repository.LureBundle!, promptReader: true);
        using var plain = FusionEngineFactory.CreatePromptedEngine(Repository.LureBundle!);
        var read = reading.Prompts.GetOrAdd(typed).ToArray();
        var asTyped = plain.Prompts.GetOrAdd(typed).ToArray();
        Assert.False(reading.Prompts.ReadingOf(typed)!.Value.Confident);
        Assert.Null(plain.Prompts.ReadingOf(typed));
        Assert.Equal(asTyped.Length, read.Length);
        for (int i = 0; i < read.Length; i++)
        {
            Assert.Equal(asTyped[i], read[i], 1e-5f);
        }
        Assert.NotEqual(asTyped, plain.Prompts.GetOrAdd(plain.Model.Manifest.PromptFor(DegradationCondition.LowResolution)).ToArray());
    }
}
