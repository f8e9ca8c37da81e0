using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("LureStream.Onnx.Tests")]
