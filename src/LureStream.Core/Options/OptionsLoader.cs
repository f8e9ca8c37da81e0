using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace LureStream.Core.Options;

/// <summary>A config that cannot be used; the message names the file, the key path and the problem.</summary>
public sealed class ConfigException : LureStreamException
{
    public ConfigException(string message) : base(message) { }
}

public static class OptionsLoader
{
    private static readonly IDeserializer Deserializer = new DeserializerBuilder()
        .WithNamingConvention(UnderscoredNamingConvention.Instance)
        .Build();

    /// <summary>Loads and validates a YAML config. Throws <see cref="ConfigException"/> naming the key on any problem.</summary>
    public static LureStreamOptions LoadFile(string path)
    {
        if (!File.Exists(path))
        {
            throw new ConfigException($"config file '{path}' does not exist");
        }
        string text;
        try
        {
            text = File.ReadAllText(path);
        }
        catch (IOException e)
        {
            throw new ConfigException($"cannot read config '{path}': {e.Message}");
        }
        var options = Parse(text, path);
        ResolvePaths(options, Path.GetDirectoryName(Path.GetFullPath(path))!);
        return options;
    }

    public static LureStreamOptions Parse(string yaml, string sourceName = "config")
    {
        LureStreamOptions? options;
        try
        {
            options = Deserializer.Deserialize<LureStreamOptions>(yaml);
        }
        catch (YamlException e)
        {
            string what = e.Message.Contains("not found on type", StringComparison.Ordinal)
                ? Describe(e)
                : YamlErrorLocator.Describe(yaml, e.Start, typeof(LureStreamOptions)) ?? Describe(e);
            throw new ConfigException($"{sourceName}:{e.Start.Line}:{e.Start.Column}: {what}");
        }
        options ??= new LureStreamOptions();
        var errors = OptionsValidator.Validate(options);
        if (errors.Count > 0)
        {
            throw new ConfigException($"{sourceName}: {string.Join("; ", errors)}");
        }
        return options;
    }

    // YamlDotNet wraps the useful message (unknown property, bad scalar) in an outer "Exception during deserialization".
    private static string Describe(YamlException e)
    {
        Exception inner = e;
        while (inner.InnerException is not null)
        {
            inner = inner.InnerException;
        }
        string msg = e.Message;
        if (msg.Contains("not found on type", StringComparison.Ordinal))
        {
            int q1 = msg.IndexOf('\'');
            int q2 = q1 >= 0 ? msg.IndexOf('\'', q1 + 1) : -1;
            string key = q2 > q1 ? msg[(q1 + 1)..q2] : "?";
            return $"unknown key '{key}'";
        }
        return inner == e ? msg : $"{msg.TrimEnd('.')}: {inner.Message}";
    }

    // Relative model and sink paths in a config file are relative to that file, as a user reading it expects.
    private static void ResolvePaths(LureStreamOptions options, string baseDir)
    {
        options.Fusion.Model = RelativeTo(baseDir, options.Fusion.Model);
        options.Fusion.RtModel = RelativeTo(baseDir, options.Fusion.RtModel);
    }

    private static string? RelativeTo(string baseDir, string? path)
    {
        if (path is { Length: > 0 } && !Path.IsPathRooted(path))
        {
            string candidate = Path.GetFullPath(Path.Combine(baseDir, path));
            if (Directory.Exists(candidate))
            {
                return candidate;
            }
        }
        return path;
    }
}
