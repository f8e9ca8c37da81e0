using Serilog.Core;
using Serilog.Events;

namespace LureStream.Core.Logging;

/// <summary>
/// Gives every event a <c>Stage</c> for the console's "[stage]" column: the one a component set, else the short
/// name of its source context (class), else "main".
/// </summary>
public sealed class StageEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        if (logEvent.Properties.ContainsKey("Stage"))
        {
            return;
        }
        string stage = "main";
        if (logEvent.Properties.TryGetValue("stage", out var lower) && lower is ScalarValue { Value: string s1 })
        {
            stage = s1;
        }
        else if (logEvent.Properties.TryGetValue("SourceContext", out var ctx) && ctx is ScalarValue { Value: string s })
        {
            int dot = s.LastIndexOf('.');
            stage = dot >= 0 ? s[(dot + 1)..] : s;
        }
        logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("Stage", stage));
    }
}
