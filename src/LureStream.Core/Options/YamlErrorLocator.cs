using System.Collections;
using System.Reflection;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;
using YamlDotNet.Serialization.NamingConventions;

namespace LureStream.Core.Options;

/// <summary>
/// Turns a YamlDotNet type error ("Exception during deserialization: The input string 'wide' was not in a correct
/// format", "Invalid cast from 'System.String' to 'List`1[[…" …) into what a user can act on: the key path, what
/// that key expects, and what the file has there. It re-reads the YAML, finds the node the error points at, and
/// walks the options types along the same path.
/// </summary>
internal static class YamlErrorLocator
{
    public static string? Describe(string yaml, Mark at, Type root)
    {
        YamlNode? document;
        try
        {
            var stream = new YamlStream();
            stream.Load(new StringReader(yaml));
            document = stream.Documents.Count > 0 ? stream.Documents[0].RootNode : null;
        }
        catch (YamlException)
        {
            return null;
        }
        if (document is null || Find(document, at, root, "") is not { } hit)
        {
            return null;
        }
        return $"{hit.Path}: expected {Expected(hit.Type)}, found {Found(hit.Node)}";
    }

    private readonly record struct Hit(string Path, YamlNode Node, Type? Type);

    private static Hit? Find(YamlNode node, Mark at, Type? type, string path)
    {
        if (node.Start.Line == at.Line && node.Start.Column == at.Column && path.Length > 0)
        {
            return new Hit(path, node, type);
        }
        switch (node)
        {
            case YamlMappingNode map:
                foreach (var (key, value) in map.Children)
                {
                    string name = (key as YamlScalarNode)?.Value ?? "?";
                    var hit = Find(value, at, PropertyType(type, name), path.Length == 0 ? name : $"{path}.{name}");
                    if (hit is not null)
                    {
                        return hit;
                    }
                }
                break;
            case YamlSequenceNode seq:
                for (int i = 0; i < seq.Children.Count; i++)
                {
                    var hit = Find(seq.Children[i], at, ElementType(type), $"{path}[{i}]");
                    if (hit is not null)
                    {
                        return hit;
                    }
                }
                break;
        }
        return null;
    }

    private static Type? PropertyType(Type? type, string yamlName)
    {
        if (type is null)
        {
            return null;
        }
        foreach (var p in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (UnderscoredNamingConvention.Instance.Apply(p.Name) == yamlName)
            {
                return p.PropertyType;
            }
        }
        return null;
    }

    private static Type? ElementType(Type? type) =>
        type is null ? null
        : type.IsArray ? type.GetElementType()
        : type.IsGenericType && typeof(IEnumerable).IsAssignableFrom(type) ? type.GetGenericArguments()[0]
        : null;

    private static string Expected(Type? type)
    {
        type = type is null ? null : Nullable.GetUnderlyingType(type) ?? type;
        return type switch
        {
            null => "another kind of value",
            _ when type == typeof(string) => "a single text value",
            _ when type == typeof(bool) => "true or false",
            _ when type == typeof(int) || type == typeof(long) => "a whole number",
            _ when type == typeof(double) || type == typeof(float) => "a number",
            _ when type.IsEnum => "one of " + string.Join(", ", Enum.GetNames(type)),
            _ when ElementType(type) is { } e => $"a list (of {Expected(e)})",
            _ => "a mapping of keys (key: value lines)",
        };
    }

    private static string Found(YamlNode node) => node switch
    {
        YamlScalarNode s => $"'{s.Value}'",
        YamlSequenceNode => "a list",
        YamlMappingNode => "a mapping",
        _ => "something else",
    };
}
