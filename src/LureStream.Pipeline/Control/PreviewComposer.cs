using System.Diagnostics;
using LureStream.Core.Frames;
using LureStream.Media.Stills;

namespace LureStream.Pipeline.Control;

/// <summary>
/// Keeps a small side-by-side still (IR | VIS | fused) for the web console. The fuse stage offers every pair; at
/// most one every <see cref="Interval"/> is downscaled (nearest neighbour, into a reused buffer) and encoded to PNG
/// on the thread pool, so the preview never slows the pipeline.
/// </summary>
public sealed class PreviewComposer
{
    private readonly Frame _canvas;
    private readonly int _tileWidth;
    private readonly int _tileHeight;
    private long _lastTimestamp;
    private int _encoding;
    private byte[]? _png;

    public PreviewComposer(int sourceWidth, int sourceHeight, int tileWidth = 320)
    {
        _tileWidth = Math.Min(tileWidth, sourceWidth);
        _tileHeight = Math.Max(1, (int)Math.Round(sourceHeight * (double)_tileWidth / sourceWidth));
        _canvas = Frame.CreateUnpooled(_tileWidth * 3, _tileHeight, PixelFormat.Rgb24);
    }

    public TimeSpan Interval { get; init; } = TimeSpan.FromMilliseconds(500);

    public byte[]? LatestPng => Volatile.Read(ref _png);

    public void Offer(Frame? infrared, Frame? visible, Frame fused)
    {
        if (Stopwatch.GetElapsedTime(_lastTimestamp) < Interval || Volatile.Read(ref _encoding) != 0)
        {
            return;
        }
        _lastTimestamp = Stopwatch.GetTimestamp();
        DrawTile(infrared, 0);
        DrawTile(visible, 1);
        DrawTile(fused, 2);
        Volatile.Write(ref _encoding, 1);
        ThreadPool.UnsafeQueueUserWorkItem(static self =>
        {
            try
            {
                Volatile.Write(ref self._png, StillImages.EncodePng(self._canvas));
            }
            finally
            {
                Volatile.Write(ref self._encoding, 0);
            }
        }, this, preferLocal: false);
    }

    private void DrawTile(Frame? src, int index)
    {
        int x0 = index * _tileWidth;
        for (int y = 0; y < _tileHeight; y++)
        {
            var dst = _canvas.Row(y).Slice(x0 * 3, _tileWidth * 3);
            if (src is null)
            {
                dst.Clear();
                continue;
            }
            int sy = (int)((long)y * src.Height / _tileHeight);
            var row = src.Row(sy);
            int bpp = src.Format.BytesPerPixel();
            for (int x = 0; x < _tileWidth; x++)
            {
                int sx = (int)((long)x * src.Width / _tileWidth) * bpp;
                int d = x * 3;
                if (bpp == 1)
                {
                    dst[d] = dst[d + 1] = dst[d + 2] = row[sx];
                }
                else
                {
                    dst[d] = row[sx];
                    dst[d + 1] = row[sx + 1];
                    dst[d + 2] = row[sx + 2];
                }
            }
        }
    }
}
