using System.Runtime.CompilerServices;

[assembly: InternalsVisibleTo("LureStream.Onnx.Tests")]

// Hot paths stackalloc small pointer arrays that are fully written before use.
[module: SkipLocalsInit]
