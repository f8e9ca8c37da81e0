using Serilog.Core;
using Serilog.Events;

namespace LureStream.Core.Logging;

/// <summary>
/// Gives every event a lower-case <c>stage</c> property (the console's "[stage]" column and a field of the JSON
/// log): the one a component set (as <c>stage</c>, or <c>Stage</c>, which is renamed), else the short name of its
/// source context (class), else "main".
/// </summary>
public sealed class StageEnricher : ILogEventEnricher
{
    public void Enrich(LogEvent logEvent, ILogEventPropertyFactory propertyFactory)
    {
        if (logEvent.Properties.TryGetValue("Stage", out var upper))
        {
            logEvent.RemovePropertyIfPresent("Stage");
            logEvent.AddPropertyIfAbsent(new LogEventProperty("stage", upper));
            return;
        }

        if (logEvent.Properties.ContainsKey("stage"))
        {
            return;
        }

        string stage = "main";
        if (logEvent.Properties.TryGetValue("SourceContext", out var ctx) && ctx is ScalarValue { Value: string s })
        {
            int dot = s.LastIndexOf('.');
            stage = dot >= 0 ? s[(dot + 1)..] : s;
        }

        logEvent.AddPropertyIfAbsent(propertyFactory.CreateProperty("stage", stage));
    }
}
