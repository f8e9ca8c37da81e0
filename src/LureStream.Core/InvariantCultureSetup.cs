using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace LureStream.Core;

/// <summary>
/// Pins every LureStream process (the CLI and the test hosts) to the invariant culture when this assembly loads.
/// The processes load ICU (the prompt tokenizer needs Unicode normalisation, which globalization-invariant mode lacks),
/// so without this, number formats in reports, CSV and logs, and number parsing in configs, would follow the machine's
/// locale (LANG).
/// </summary>
internal static class InvariantCultureSetup
{
    [ModuleInitializer]
    [SuppressMessage("Usage", "CA2255:The 'ModuleInitializer' attribute should not be used in libraries",
        Justification = "Core is only loaded by LureStream's own executables, which all want the invariant culture.")]
    internal static void PinInvariantCulture()
    {
        CultureInfo.DefaultThreadCurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.DefaultThreadCurrentUICulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
        CultureInfo.CurrentUICulture = CultureInfo.InvariantCulture;
    }
}
