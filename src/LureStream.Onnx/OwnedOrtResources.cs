using Microsoft.ML.OnnxRuntime;

namespace LureStream.Onnx;

/// <summary>
/// The ONNX Runtime objects an engine makes for one frame size (tensors over pinned buffers, device memory, IoBindings),
/// released in the order ONNX Runtime needs: bindings first, then the values they reference, then the memory under
/// those values (reverse creation order within each group).
/// </summary>
public sealed class OwnedOrtResources : IDisposable
{
    private readonly List<IDisposable> _owned = new();

    /// <summary>Takes ownership of <paramref name="resource"/> and returns it.</summary>
    public T Own<T>(T resource) where T : IDisposable
    {
        _owned.Add(resource);
        return resource;
    }

    public void Dispose()
    {
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            if (_owned[i] is OrtIoBinding)
            {
                _owned[i].Dispose();
            }
        }
        for (int i = _owned.Count - 1; i >= 0; i--)
        {
            if (_owned[i] is not OrtIoBinding)
            {
                _owned[i].Dispose();
            }
        }
        _owned.Clear();
    }
}
