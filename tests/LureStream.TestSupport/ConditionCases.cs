using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using Xunit;

namespace LureStream.TestSupport;

/// <summary>Every condition a detector answers, per modality: the theory cases both detectors' tests run over.</summary>
public static class ConditionCases
{
    public static TheoryData<Modality, DegradationCondition> All => new()
    {
        { Modality.Visible, DegradationCondition.None },
        { Modality.Visible, DegradationCondition.LowLight },
        { Modality.Visible, DegradationCondition.Haze },
        { Modality.Visible, DegradationCondition.Overexposure },
        { Modality.Infrared, DegradationCondition.None },
        { Modality.Infrared, DegradationCondition.LowContrast },
        { Modality.Infrared, DegradationCondition.LowResolution },
    };
}
