using System.Globalization;
using System.Text;
using LureStream.Core;
using LureStream.Core.Fusion;

namespace LureStream.Media.Synthetic;

/// <summary>One phase of a condition schedule: which degradation each modality shows, for how long.</summary>
public readonly record struct SyntheticPhase(DegradationCondition Visible, DegradationCondition Infrared, double Seconds)
{
    public override string ToString()
    {
        string vis = Visible == DegradationCondition.None ? "" : Visible.Key().Replace('_', '-');
        string ir = Infrared == DegradationCondition.None ? "" : Infrared.Key().Replace('_', '-');
        string name = (vis, ir) switch
        {
            ("", "") => "none",
            (_, "") => vis,
            ("", _) => ir,
            _ => vis + "+" + ir,
        };
        return $"{name}:{Seconds.ToString("0.###", CultureInfo.InvariantCulture)}";
    }
}

/// <summary>
/// Settings of a <see cref="SyntheticSource"/>, parsed from a URI of the form
/// <c>synthetic:?seed=7&amp;vis=low-light&amp;ir=low-contrast&amp;strength=0.6&amp;noise=0.02&amp;fps=25&amp;frames=250&amp;live=true&amp;schedule=none:3,low-light:3,haze+low-contrast:3</c>.
/// Every parameter is optional.
/// </summary>
/// <remarks>
/// <list type="table">
/// <item><term>seed</term><description>integer scene seed (default 1): layout, colours and motion.</description></item>
/// <item><term>vis</term><description>visible degradation: none, low-light, haze, overexposure (default none).</description></item>
/// <item><term>ir</term><description>infrared degradation: none, low-contrast, low-resolution (default none).</description></item>
/// <item><term>strength</term><description>degradation strength in [0, 1] (default 0.6); see <see cref="SyntheticDegradations"/>.</description></item>
/// <item><term>noise</term><description>sensor noise σ as a fraction of full scale, [0, 0.5] (default 0.008 ≈ 2 grey levels).</description></item>
/// <item><term>fps</term><description>frame rate (default: the request's); frame n has pts n / fps.</description></item>
/// <item><term>frames</term><description>stream length in frames (default: endless).</description></item>
/// <item><term>live</term><description>true: pace frames in real time like a camera (a slow reader skips frames);
/// false (default): as fast as the reader asks, like a recording.</description></item>
/// <item><term>schedule</term><description>cycling condition phases <c>name[+name]:seconds,…</c>, e.g.
/// <c>none:3,low-light:3,haze+low-contrast:3</c>; replaces vis/ir.</description></item>
/// </list>
/// </remarks>
public sealed class SyntheticOptions
{
    public const string Scheme = "synthetic:";

    private static readonly string[] Known = ["seed", "vis", "ir", "strength", "noise", "fps", "frames", "live", "schedule"];

    public int Seed { get; init; } = 1;
    public DegradationCondition Visible { get; init; }
    public DegradationCondition Infrared { get; init; }
    public float Strength { get; init; } = 0.6f;
    public float Noise { get; init; } = 0.008f;

    /// <summary>Null: take the frame rate of the request.</summary>
    public double? FrameRate { get; init; }

    /// <summary>Null: endless.</summary>
    public long? Frames { get; init; }
    public bool Live { get; init; }

    /// <summary>Null or empty: constant <see cref="Visible"/>/<see cref="Infrared"/>.</summary>
    public IReadOnlyList<SyntheticPhase>? Schedule { get; init; }

    public static bool IsSyntheticUri(string? uri) => uri is not null && uri.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase);

    /// <summary>Parses a <c>synthetic:</c> URI; a bad parameter throws a <see cref="LureStreamException"/> naming it.</summary>
    public static SyntheticOptions Parse(string uri)
    {
        ArgumentNullException.ThrowIfNull(uri);
        string text = uri.Trim();
        if (!IsSyntheticUri(text))
        {
            throw new LureStreamException($"synthetic source: URI '{uri}' does not start with '{Scheme}'");
        }
        string rest = text[Scheme.Length..];
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            rest = rest[2..];
        }
        int q = rest.IndexOf('?');
        string head = q >= 0 ? rest[..q] : rest;
        string query = q >= 0 ? rest[(q + 1)..] : "";
        if (head.Length > 0 && head != "/")
        {
            // Accept "synthetic:seed=3&..." (no '?') as a convenience.
            if (q < 0 && head.Contains('='))
            {
                query = head;
            }
            else
            {
                throw new LureStreamException($"synthetic source: unexpected '{head}' in '{uri}' (parameters go after '?', e.g. synthetic:?seed=7&vis=haze)");
            }
        }

        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (string part in query.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            int eq = part.IndexOf('=');
            string key = Uri.UnescapeDataString(eq >= 0 ? part[..eq] : part).Trim();
            string value = eq >= 0 ? Uri.UnescapeDataString(part[(eq + 1)..].Replace('+', ' ')).Trim() : "";
            if (Array.IndexOf(Known, key.ToLowerInvariant()) < 0)
            {
                throw new LureStreamException($"synthetic source: unknown parameter '{key}' (known: {string.Join(", ", Known)})");
            }
            if (eq < 0 || value.Length == 0)
            {
                throw new LureStreamException($"synthetic source: parameter '{key}' needs a value ({key}=…)");
            }
            values[key.ToLowerInvariant()] = value;
        }

        int seed = 1;
        if (values.TryGetValue("seed", out var s) && !int.TryParse(s, NumberStyles.Integer, CultureInfo.InvariantCulture, out seed))
        {
            throw Bad("seed", s, "an integer");
        }
        var vis = ParseCondition(values, "vis", infrared: false);
        var ir = ParseCondition(values, "ir", infrared: true);
        float strength = (float)ParseNumber(values, "strength", 0.6, 0, 1, "a number in [0, 1]");
        float noise = (float)ParseNumber(values, "noise", 0.008, 0, 0.5, "a number in [0, 0.5] (σ as a fraction of full scale)");
        double? fps = values.ContainsKey("fps") ? ParseNumber(values, "fps", 25, 0.001, 1000, "a frame rate in (0, 1000]") : null;
        long? frames = null;
        if (values.TryGetValue("frames", out var f))
        {
            if (!long.TryParse(f, NumberStyles.Integer, CultureInfo.InvariantCulture, out long n) || n < 0)
            {
                throw Bad("frames", f, "a non-negative integer");
            }
            frames = n;
        }
        bool live = false;
        if (values.TryGetValue("live", out var l))
        {
            live = l.ToLowerInvariant() switch
            {
                "true" or "1" or "yes" or "on" => true,
                "false" or "0" or "no" or "off" => false,
                _ => throw Bad("live", l, "true or false"),
            };
        }
        IReadOnlyList<SyntheticPhase>? schedule = null;
        if (values.TryGetValue("schedule", out var sched))
        {
            if (values.ContainsKey("vis") || values.ContainsKey("ir"))
            {
                throw new LureStreamException("synthetic source: parameter 'schedule' replaces 'vis' and 'ir'; give either the schedule or fixed conditions");
            }
            schedule = ParseSchedule(sched);
        }
        return new SyntheticOptions
        {
            Seed = seed,
            Visible = vis,
            Infrared = ir,
            Strength = strength,
            Noise = noise,
            FrameRate = fps,
            Frames = frames,
            Live = live,
            Schedule = schedule,
        };
    }

    /// <summary>Parses <c>name[+name]:seconds,…</c>; names are conditions of either modality (<c>none</c> for clean).</summary>
    public static IReadOnlyList<SyntheticPhase> ParseSchedule(string text)
    {
        var phases = new List<SyntheticPhase>();
        foreach (string raw in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            int colon = raw.LastIndexOf(':');
            if (colon <= 0)
            {
                throw Bad("schedule", raw, "phases like 'low-light:3' (condition:seconds)");
            }
            string names = raw[..colon];
            string secs = raw[(colon + 1)..];
            if (!double.TryParse(secs, NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || !(seconds > 0) || double.IsInfinity(seconds))
            {
                throw Bad("schedule", raw, "a positive number of seconds after ':'");
            }
            var vis = DegradationCondition.None;
            var ir = DegradationCondition.None;
            foreach (string name in names.Split('+', ' '))
            {
                if (name.Length == 0)
                {
                    continue;
                }
                if (!DegradationConditions.TryParse(name, out var c))
                {
                    throw Bad("schedule", raw, $"conditions from: {DegradationConditions.AllKeys}");
                }
                if (c == DegradationCondition.None)
                {
                    continue;
                }
                if (SyntheticDegradations.AppliesTo(c, infrared: false))
                {
                    vis = c;
                }
                else
                {
                    ir = c;
                }
            }
            phases.Add(new SyntheticPhase(vis, ir, seconds));
        }
        if (phases.Count == 0)
        {
            throw Bad("schedule", text, "at least one phase like 'none:3,haze:3'");
        }
        return phases;
    }

    /// <summary>The conditions in effect at scene time <paramref name="seconds"/> (the schedule cycles).</summary>
    public (DegradationCondition Visible, DegradationCondition Infrared) ConditionsAt(double seconds)
    {
        var schedule = Schedule;
        if (schedule is null || schedule.Count == 0)
        {
            return (Visible, Infrared);
        }
        double total = 0;
        for (int i = 0; i < schedule.Count; i++)
        {
            total += schedule[i].Seconds;
        }
        double t = seconds % total;
        if (t < 0)
        {
            t += total;
        }
        for (int i = 0; i < schedule.Count; i++)
        {
            if (t < schedule[i].Seconds)
            {
                return (schedule[i].Visible, schedule[i].Infrared);
            }
            t -= schedule[i].Seconds;
        }
        var last = schedule[^1];
        return (last.Visible, last.Infrared);
    }

    /// <summary>The canonical URI for these options (round-trips through <see cref="Parse"/>).</summary>
    public string ToUri()
    {
        var sb = new StringBuilder("synthetic:?seed=").Append(Seed.ToString(CultureInfo.InvariantCulture));
        if (Schedule is { Count: > 0 })
        {
            sb.Append("&schedule=").Append(string.Join(",", Schedule));
        }
        else
        {
            if (Visible != DegradationCondition.None)
            {
                sb.Append("&vis=").Append(Visible.Key().Replace('_', '-'));
            }
            if (Infrared != DegradationCondition.None)
            {
                sb.Append("&ir=").Append(Infrared.Key().Replace('_', '-'));
            }
        }
        sb.Append("&strength=").Append(Strength.ToString("0.###", CultureInfo.InvariantCulture));
        sb.Append("&noise=").Append(Noise.ToString("0.####", CultureInfo.InvariantCulture));
        if (FrameRate is { } fps)
        {
            sb.Append("&fps=").Append(fps.ToString("0.###", CultureInfo.InvariantCulture));
        }
        if (Frames is { } n)
        {
            sb.Append("&frames=").Append(n.ToString(CultureInfo.InvariantCulture));
        }
        if (Live)
        {
            sb.Append("&live=true");
        }
        return sb.ToString();
    }

    public override string ToString() => ToUri();

    private static DegradationCondition ParseCondition(Dictionary<string, string> values, string key, bool infrared)
    {
        if (!values.TryGetValue(key, out var text))
        {
            return DegradationCondition.None;
        }
        string allowed = infrared ? "none, low-contrast, low-resolution" : "none, low-light, haze, overexposure";
        if (!DegradationConditions.TryParse(text, out var c) || !SyntheticDegradations.AppliesTo(c, infrared))
        {
            throw Bad(key, text, allowed);
        }
        return c;
    }

    private static double ParseNumber(Dictionary<string, string> values, string key, double fallback, double min, double max, string what)
    {
        if (!values.TryGetValue(key, out var text))
        {
            return fallback;
        }
        if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double v) || double.IsNaN(v) || v < min || v > max)
        {
            throw Bad(key, text, what);
        }
        return v;
    }

    private static LureStreamException Bad(string key, string value, string expected)
        => new($"synthetic source: parameter '{key}' must be {expected} (got '{value}')");
}
