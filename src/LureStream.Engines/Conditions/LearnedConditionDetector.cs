using LureStream.Core.Frames;
using LureStream.Core.Fusion;
using LureStream.Engines.Lure;
using LureStream.Onnx;
using LureStream.Prompts.Conditions;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace LureStream.Engines.Conditions;

/// <summary>
/// The learned degradation prior (after DSPFusion): a small network on an S×S summary of the frame
/// (<see cref="PriorInput"/>) that gives each condition's probability and a severity, per modality. It lives in
/// Engines, not Prompts, because it runs on ONNX Runtime (Prompts may depend on Core only) and comes with a model
/// bundle, which Engines reads. One graph serves both modalities; a detection fills its modality's input and reads its
/// modality's outputs (the other input keeps its last content). Pinned buffers are bound once: a detection allocates
/// nothing managed. One CPU thread: the graph is tiny, and the detector runs on the fuse thread.
/// </summary>
public sealed class LearnedConditionDetector : IConditionDetector, IDisposable
{
    public const string LearnedKind = "learned-prior";

    private const string VisibleInput = "visible", InfraredInput = "infrared";
    private const string VisibleProbabilities = "visible_probabilities", VisibleSeverity = "visible_severity";
    private const string InfraredProbabilities = "infrared_probabilities", InfraredSeverity = "infrared_severity";

    private readonly Lock _lock = new();
    private readonly OnnxSession _session;
    private readonly OwnedOrtResources _owned = new();
    private readonly OrtIoBinding _binding;
    private readonly PriorInput _input;
    private readonly float[] _visible, _infrared, _visibleProbabilities, _infraredProbabilities, _visibleSeverity, _infraredSeverity;

    private LearnedConditionDetector(ConditionPriorSpec spec, OnnxSession session)
    {
        Spec = spec;
        _session = session;
        int s = spec.InputSize;
        _input = new PriorInput(s);
        _visible = GC.AllocateArray<float>(PriorInput.Planes(visible: true) * s * s, pinned: true);
        _infrared = GC.AllocateArray<float>(PriorInput.Planes(visible: false) * s * s, pinned: true);
        _visibleProbabilities = GC.AllocateArray<float>(spec.VisibleClasses.Length, pinned: true);
        _infraredProbabilities = GC.AllocateArray<float>(spec.InfraredClasses.Length, pinned: true);
        _visibleSeverity = GC.AllocateArray<float>(1, pinned: true);
        _infraredSeverity = GC.AllocateArray<float>(1, pinned: true);
        try
        {
            _binding = _owned.Own(session.Session.CreateIoBinding());
            Bind(VisibleInput, _visible, [1, PriorInput.Planes(visible: true), s, s], input: true);
            Bind(InfraredInput, _infrared, [1, PriorInput.Planes(visible: false), s, s], input: true);
            Bind(VisibleProbabilities, _visibleProbabilities, [1, _visibleProbabilities.Length], input: false);
            Bind(VisibleSeverity, _visibleSeverity, [1, 1], input: false);
            Bind(InfraredProbabilities, _infraredProbabilities, [1, _infraredProbabilities.Length], input: false);
            Bind(InfraredSeverity, _infraredSeverity, [1, 1], input: false);
        }
        catch
        {
            _owned.Dispose();
            throw;
        }
        Description = $"learned prior ({Path.GetFileName(spec.GraphPath)} of {Path.GetFileName(Path.GetDirectoryName(spec.Path))}, "
            + $"{s}x{s} input, min probability {spec.Decision.MinProbability:0.##})";
    }

    public ConditionPriorSpec Spec { get; }

    public string Kind => LearnedKind;

    public string Description { get; }

    /// <summary>Loads the prior a bundle's manifest names; errors are one line naming the file and the problem.</summary>
    /// <exception cref="ModelBundleException">Missing or unreadable file, or a graph whose inputs/outputs do not match the description.</exception>
    public static LearnedConditionDetector Load(LureManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        if (manifest.ConditionPrior is not { Length: > 0 } file)
        {
            throw new ModelBundleException($"bundle {manifest.Name} has no condition_prior");
        }
        return Load(Path.Combine(manifest.Directory, file));
    }

    /// <summary>Loads a prior from its description file (<c>condition_prior.json</c>).</summary>
    public static LearnedConditionDetector Load(string specPath)
    {
        var spec = ConditionPriorSpec.Load(specPath);
        OnnxSession session;
        try
        {
            session = OnnxSession.Create(spec.GraphPath, new OrtSessionConfig { IntraOpThreads = 1, InterOpThreads = 1, LogId = "condition-prior" });
        }
        catch (OrtException e)
        {
            throw new ModelBundleException($"condition prior {spec.GraphPath} cannot be loaded: {e.Message}", e);
        }
        try
        {
            CheckGraph(spec, session);
            return new LearnedConditionDetector(spec, session);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    private static void CheckGraph(ConditionPriorSpec spec, OnnxSession session)
    {
        int s = spec.InputSize;
        Check(spec, session.Session.InputMetadata, VisibleInput, "input", [1, PriorInput.Planes(visible: true), s, s]);
        Check(spec, session.Session.InputMetadata, InfraredInput, "input", [1, PriorInput.Planes(visible: false), s, s]);
        Check(spec, session.Session.OutputMetadata, VisibleProbabilities, "output", [1, spec.VisibleClasses.Length]);
        Check(spec, session.Session.OutputMetadata, VisibleSeverity, "output", [1, 1]);
        Check(spec, session.Session.OutputMetadata, InfraredProbabilities, "output", [1, spec.InfraredClasses.Length]);
        Check(spec, session.Session.OutputMetadata, InfraredSeverity, "output", [1, 1]);
    }

    private static void Check(ConditionPriorSpec spec, IReadOnlyDictionary<string, NodeMetadata> nodes, string name, string kind, int[] shape)
    {
        string graph = Path.GetFileName(spec.GraphPath);
        if (!nodes.TryGetValue(name, out var node))
        {
            throw new ModelBundleException($"condition prior {graph}: no {kind} '{name}' (it has: {string.Join(", ", nodes.Keys)})");
        }
        bool matches = node.IsTensor && node.ElementDataType == TensorElementType.Float && node.Dimensions.Length == shape.Length;
        for (int i = 0; matches && i < shape.Length; i++)
        {
            matches = node.Dimensions[i] == shape[i] || (i == 0 && node.Dimensions[i] < 0);
        }
        if (!matches)
        {
            throw new ModelBundleException($"condition prior {graph}: {kind} '{name}' is {OnnxSession.Describe(node)}, expected float32[{string.Join(",", shape)}] "
                + $"(input_size {spec.InputSize}, classes in {Path.GetFileName(spec.Path)})");
        }
    }

    private void Bind(string name, float[] buffer, long[] shape, bool input)
    {
        var value = _owned.Own(OrtValue.CreateTensorValueFromMemory(buffer, shape));
        if (input)
        {
            _binding.BindInput(name, value);
        }
        else
        {
            _binding.BindOutput(name, value);
        }
    }

    public ConditionEstimate Detect(Frame frame, Modality modality)
    {
        ArgumentNullException.ThrowIfNull(frame);
        bool infrared = modality == Modality.Infrared;
        lock (_lock)
        {
            _input.Fill(frame, visible: !infrared, infrared ? _infrared : _visible);
            _session.Run(_binding);
            var (condition, probability) = Decide(infrared ? _infraredProbabilities : _visibleProbabilities, Spec.ClassesOf(modality),
                Spec.Decision.MinProbability);
            return new ConditionEstimate(condition, default)
            {
                Probability = probability,
                Severity = condition == DegradationCondition.None ? 0f : (infrared ? _infraredSeverity : _visibleSeverity)[0],
            };
        }
    }

    /// <summary>The class probabilities of <paramref name="modality"/>'s last detection, in <see cref="ConditionPriorSpec.ClassesOf"/> order.</summary>
    public ReadOnlySpan<float> LastProbabilities(Modality modality) => modality == Modality.Infrared ? _infraredProbabilities : _visibleProbabilities;

    /// <summary>Argmax, except that a degradation below <paramref name="minProbability"/> answers none.</summary>
    public static (DegradationCondition Condition, float Probability) Decide(ReadOnlySpan<float> probabilities, ReadOnlySpan<DegradationCondition> classes,
        float minProbability)
    {
        int best = 0;
        for (int i = 1; i < probabilities.Length; i++)
        {
            if (probabilities[i] > probabilities[best])
            {
                best = i;
            }
        }
        if (best != 0 && probabilities[best] < minProbability)
        {
            best = 0;
        }
        return (classes[best], probabilities[best]);
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _owned.Dispose();
            _session.Dispose();
        }
    }
}
