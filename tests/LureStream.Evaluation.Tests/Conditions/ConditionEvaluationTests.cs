using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Evaluation.Conditions;
using LureStream.Prompts.Conditions;
using Xunit;

namespace LureStream.Evaluation.Tests.Conditions;

public class ConditionEvaluationTests
{
    [Fact]
    public void HeldOutAccuracyIsHigh()
    {
        var m = ConditionEvaluation.Run(8, seed: 5, width: 320, height: 256);
        Assert.Equal(7, m.Labels.Count);
        Assert.Equal(7 * 8, m.Total);
        Assert.True(m.Accuracy >= 0.9, m.ToMarkdown());
        string md = m.ToMarkdown();
        Assert.Contains("| vis:low_light |", md);
        Assert.Contains("| ir:low_resolution |", md);
        Assert.Contains("Accuracy:", md);
    }

    [Fact]
    public void EvaluationIsDeterministicPerSeed()
    {
        var a = ConditionEvaluation.Samples(2, 3, 160, 128, heldOut: true).Select(s => (s.Truth, s.Predicted, s.Strength)).ToList();
        var b = ConditionEvaluation.Samples(2, 3, 160, 128, heldOut: true).Select(s => (s.Truth, s.Predicted, s.Strength)).ToList();
        Assert.Equal(a, b);
        Assert.Equal(14, a.Count);
        Assert.All(ConditionEvaluation.Samples(1, 3, 160, 128, heldOut: true),
            s => Assert.InRange(s.Strength, ConditionEvaluation.MinStrength, ConditionEvaluation.MaxStrength));
    }

    [Fact]
    public void ConfusionMatrixCountsAndRates()
    {
        var m = new ConfusionMatrix(["a", "b"]);
        m.Add("a", "a");
        m.Add("a", "b");
        m.Add("b", "b");
        m.Add("b", "b");
        Assert.Equal(4, m.Total);
        Assert.Equal(3, m.Correct);
        Assert.Equal(0.75, m.Accuracy, 6);
        Assert.Equal(0.5, m.Recall(0), 6);
        Assert.Equal(2.0 / 3, m.Precision(1), 6);
        Assert.Equal(1, m[0, 1]);
        Assert.Throws<ArgumentException>(() => m.Add("c", "a"));
        Assert.Equal("vis:haze", ConditionEvaluation.Label(Modality.Visible, DegradationCondition.Haze));
    }

    [Fact]
    public void ConfusionMatrixMarkdownShowsNoRecallForAClassWithoutSamples()
    {
        var m = new ConfusionMatrix(["none", "haze"]);
        m.Add("none", "none");
        m.Add("none", "haze");
        string md = m.ToMarkdown();
        Assert.Contains("| none | 1 | 1 | 50.0 % |", md);
        Assert.Contains("| haze | 0 | 0 | – |", md);
        Assert.Equal(0, m.RowTotal(1));
    }
}
