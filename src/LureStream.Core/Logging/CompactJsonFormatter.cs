using Serilog.Events;
using Serilog.Formatting;
using Serilog.Formatting.Json;

namespace LureStream.Core.Logging;

/// <summary>
/// One JSON object per line in the compact log shape (<c>@t</c> time, <c>@l</c> level, <c>@mt</c> template,
/// <c>@m</c> rendered message, <c>@x</c> exception, then the structured properties flat) so log shippers and
/// <c>jq</c> can read the file. Written here because the Serilog compact formatter package is not available.
/// </summary>
public sealed class CompactJsonFormatter : ITextFormatter
{
    private static readonly JsonValueFormatter ValueFormatter = new("$type");

    public void Format(LogEvent logEvent, TextWriter output)
    {
        output.Write("{\"@t\":\"");
        output.Write(logEvent.Timestamp.UtcDateTime.ToString("O"));
        output.Write("\",\"@l\":\"");
        output.Write(logEvent.Level.ToString());
        output.Write("\",\"@mt\":");
        JsonValueFormatter.WriteQuotedJsonString(logEvent.MessageTemplate.Text, output);
        output.Write(",\"@m\":");
        JsonValueFormatter.WriteQuotedJsonString(logEvent.RenderMessage(), output);
        if (logEvent.Exception is not null)
        {
            output.Write(",\"@x\":");
            JsonValueFormatter.WriteQuotedJsonString(logEvent.Exception.ToString(), output);
        }
        foreach (var (name, value) in logEvent.Properties)
        {
            output.Write(',');
            JsonValueFormatter.WriteQuotedJsonString(name.StartsWith('@') ? "@" + name : name, output);
            output.Write(':');
            ValueFormatter.Format(value, output);
        }
        output.Write('}');
        output.Write('\n');
    }
}
