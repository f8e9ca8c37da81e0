using System.Xml.Linq;
using LureStream.TestSupport;
using Xunit;

namespace LureStream.Core.Tests;

/// <summary>
/// The dependency direction between our projects, read from the project files themselves, so a reference that
/// points the wrong way (Core on Media, Media on Engines, a library on the command) fails the build's tests. The
/// allowed sets are the "may depend on" column of the README's project table (Architecture), and each project's .csproj
/// says the same in its header comment.
/// </summary>
public class DependencyDirectionTests
{
    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["LureStream.Core"] = [],
        ["LureStream.Media"] = ["LureStream.Core"],
        ["LureStream.Onnx"] = ["LureStream.Core"],
        ["LureStream.Prompts"] = ["LureStream.Core"],
        ["LureStream.Engines"] = ["LureStream.Core", "LureStream.Onnx", "LureStream.Prompts"],
        ["LureStream.Evaluation"] = ["LureStream.Core", "LureStream.Media", "LureStream.Prompts"],
        ["LureStream.Pipeline"] = ["LureStream.Core", "LureStream.Media", "LureStream.Onnx", "LureStream.Prompts", "LureStream.Engines"],
        ["LureStream.Benchmarks"] = ["LureStream.Core", "LureStream.Media", "LureStream.Onnx", "LureStream.Prompts", "LureStream.Engines", "LureStream.Pipeline"],
        ["LureStream.Cli"] = ["LureStream.Core", "LureStream.Media", "LureStream.Onnx", "LureStream.Prompts", "LureStream.Engines", "LureStream.Evaluation", "LureStream.Pipeline", "LureStream.Benchmarks"],
    };

    public static TheoryData<string> Projects()
    {
        var data = new TheoryData<string>();
        foreach (string dir in Directory.GetDirectories(Path.Combine(Repository.Root, "src")))
        {
            data.Add(Path.GetFileName(dir));
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Projects))]
    public void Project_references_point_only_down_the_layers(string project)
    {
        Assert.True(Allowed.TryGetValue(project, out var allowed),
            $"src/{project} is not in the dependency table: add it here and to the README");
        var csproj = XDocument.Load(Path.Combine(Repository.Root, "src", project, project + ".csproj"));
        foreach (var reference in csproj.Descendants("ProjectReference"))
        {
            string target = Path.GetFileNameWithoutExtension(reference.Attribute("Include")!.Value.Replace('\\', '/'));
            Assert.True(allowed.Contains(target), $"{project} references {target}; allowed: {string.Join(", ", allowed)}");
        }
    }
}
