namespace LureStream.Media.Synthetic;

/// <summary>
/// A deterministic procedural street scene rendered as a pixel-aligned infrared (Gray8, white-hot) / visible (Rgb24)
/// pair: sky, buildings with windows, trees and a hedge (value-noise textures), a sidewalk, a three-lane road,
/// pedestrians walking both ways, vehicles with warm engines, wheels and exhaust, and two targets that only the
/// infrared camera sees — a person standing in a dark doorway and an animal camouflaged in the hedge.
/// </summary>
/// <remarks>
/// Frame <c>n</c> is a pure function of (seed, n, size, frame rate): object positions are closed-form functions of
/// <c>t = n / frameRate</c>, so an infrared and a visible renderer built with the same arguments show the same scene
/// state. The static background and all textures are computed once in the constructor; rendering a frame copies the
/// background and draws the moving objects in their bounding boxes only, with no allocation.
/// The renderer is clean; degradations and sensor noise are applied afterwards by <see cref="SyntheticDegradations"/>.
/// </remarks>
public sealed class SyntheticScene
{
    /// <summary>Row fraction where the ground meets the buildings (the vanishing depth of <see cref="SyntheticDegradations.DepthOfRow"/>).</summary>
    public const float GroundLine = 0.50f;

    private const float SidewalkEnd = 0.58f;
    private const float RoadEnd = 0.93f;

    private readonly byte[] _irBackground;
    private readonly byte[] _visBackground;
    private readonly SceneObject[] _objects;

    /// <param name="width">Frame width in pixels (16..16384).</param>
    /// <param name="height">Frame height in pixels (16..16384).</param>
    /// <param name="seed">Layout, colours and motion.</param>
    /// <param name="frameRate">Maps frame numbers to scene time.</param>
    /// <param name="hiddenTargets">False leaves out the infrared-only targets (reference images for tests and metrics).</param>
    public SyntheticScene(int width, int height, int seed, double frameRate = 25, bool hiddenTargets = true)
    {
        if (width < 16 || height < 16 || width > 16384 || height > 16384)
        {
            throw new ArgumentOutOfRangeException(nameof(width), $"synthetic scene size {width}x{height} is outside 16..16384");
        }
        if (!(frameRate > 0) || double.IsInfinity(frameRate))
        {
            throw new ArgumentOutOfRangeException(nameof(frameRate), $"frame rate {frameRate} must be positive");
        }
        Width = width;
        Height = height;
        Seed = seed;
        FrameRate = frameRate;
        _irBackground = new byte[width * height];
        _visBackground = new byte[width * height * 3];
        var layout = new Layout(width, height, seed);
        layout.RenderBackground(_irBackground, _visBackground);
        var objects = layout.CreateObjects();
        _objects = hiddenTargets ? objects : Array.FindAll(objects, o => !o.InfraredOnly);
    }

    public int Width { get; }
    public int Height { get; }
    public int Seed { get; }
    public double FrameRate { get; }

    /// <summary>Scene time of frame <paramref name="frameIndex"/>, in seconds.</summary>
    public double TimeOf(long frameIndex) => frameIndex / FrameRate;

    /// <summary>Renders frame <paramref name="frameIndex"/> of the infrared camera (Gray8, packed rows of <see cref="Width"/> bytes).</summary>
    public void RenderInfrared(long frameIndex, Span<byte> destination) => Render(frameIndex, destination, infrared: true);

    /// <summary>Renders frame <paramref name="frameIndex"/> of the visible camera (Rgb24, packed rows of 3·<see cref="Width"/> bytes).</summary>
    public void RenderVisible(long frameIndex, Span<byte> destination) => Render(frameIndex, destination, infrared: false);

    private void Render(long frameIndex, Span<byte> destination, bool infrared)
    {
        byte[] background = infrared ? _irBackground : _visBackground;
        if (destination.Length < background.Length)
        {
            throw new ArgumentException($"destination has {destination.Length} bytes; a {Width}x{Height} {(infrared ? "Gray8" : "Rgb24")} frame needs {background.Length}", nameof(destination));
        }
        background.CopyTo(destination);
        var canvas = new SceneCanvas(destination, Width, Height, infrared ? 1 : 3);
        float t = (float)(frameIndex / FrameRate % 86400.0);
        foreach (var o in _objects)
        {
            o.Draw(canvas, t);
        }
    }

    /// <summary>
    /// Normalised bounding boxes (x0, y0, x1, y1 in [0,1]) of the objects at frame <paramref name="frameIndex"/> that only
    /// the infrared camera shows (hidden person, camouflaged animal): where a fused image must show something the visible
    /// one does not. Allocates; for tests and evaluation.
    /// </summary>
    public IReadOnlyList<(string Name, float X0, float Y0, float X1, float Y1)> InfraredOnlyTargets(long frameIndex)
    {
        float t = (float)(frameIndex / FrameRate % 86400.0);
        var list = new List<(string, float, float, float, float)>();
        foreach (var o in _objects)
        {
            if (o.InfraredOnly)
            {
                var (x0, y0, x1, y1) = o.Bounds(t);
                list.Add((o.Name, x0 / Width, y0 / Height, x1 / Width, y1 / Height));
            }
        }
        return list;
    }

    /// <summary>Normalised bounding boxes of all moving objects (pedestrians and vehicles) at frame <paramref name="frameIndex"/>.</summary>
    public IReadOnlyList<(string Name, float X0, float Y0, float X1, float Y1)> MovingObjects(long frameIndex)
    {
        float t = (float)(frameIndex / FrameRate % 86400.0);
        var list = new List<(string, float, float, float, float)>();
        foreach (var o in _objects)
        {
            if (o.Speed != 0)
            {
                var (x0, y0, x1, y1) = o.Bounds(t);
                list.Add((o.Name, x0 / Width, y0 / Height, x1 / Width, y1 / Height));
            }
        }
        return list;
    }

    // ---------------------------------------------------------------------------------------------------------
    // Objects

    private abstract class SceneObject
    {
        public required string Name { get; init; }
        public float FootY { get; init; }
        public float Size { get; init; }
        public float StartX { get; init; }
        public float Speed { get; init; }
        public float SceneWidth { get; init; }
        public bool InfraredOnly { get; init; }

        /// <summary>Horizontal extent beyond the centre, for wrapping around the frame edges.</summary>
        protected abstract float HalfExtent { get; }

        public float X(float t)
        {
            if (Speed == 0)
            {
                return StartX;
            }
            float margin = HalfExtent + 2;
            float span = SceneWidth + 2 * margin;
            float p = (StartX + margin + Speed * t) % span;
            if (p < 0)
            {
                p += span;
            }
            return p - margin;
        }

        public abstract void Draw(SceneCanvas canvas, float t);

        public abstract (float X0, float Y0, float X1, float Y1) Bounds(float t);
    }

    private sealed class Pedestrian : SceneObject
    {
        public Paint Skin { get; init; }
        public Paint Shirt { get; init; }
        public Paint Trousers { get; init; }
        public float Warmth { get; init; } = 1f;
        public float ShadowDepth { get; init; } = 0.6f;
        public bool Standing { get; init; }

        protected override float HalfExtent => Size * 0.3f;

        public override (float X0, float Y0, float X1, float Y1) Bounds(float t)
        {
            float x = X(t);
            return (x - Size * 0.2f, FootY - Size, x + Size * 0.2f, FootY);
        }

        public override void Draw(SceneCanvas c, float t)
        {
            float h = Size, x = X(t), fy = FootY;
            bool ir = c.IsInfrared;
            float soft = ir ? 1.8f : 1f;
            float phase = Standing ? 0 : MathF.Abs(Speed) * t / (0.55f * h) * MathF.PI * 2;
            float sway = Standing ? MathF.Sin(t * 0.7f + StartX) * 0.02f * h : 0;
            float swing = MathF.Sin(phase) * 0.11f * h;
            x += sway;

            if (!ir && ShadowDepth < 1)
            {
                c.ShadeEllipse(x + 0.06f * h, fy, 0.2f * h, 0.035f * h, ShadowDepth);
            }

            Paint head = ir ? Paint.Gray(200 + 35 * Warmth) : Skin;
            Paint torso = ir ? Paint.Gray(160 + 45 * Warmth) : Shirt;
            Paint legs = ir ? Paint.Gray(150 + 40 * Warmth) : Trousers;
            Paint arms = ir ? Paint.Gray(165 + 45 * Warmth) : Shirt;

            float hipY = fy - 0.48f * h, shoulderY = fy - 0.80f * h;
            // Far leg and arm first, then torso, then near ones.
            c.FillCapsule(x - 0.03f * h, hipY, x - swing, fy - 0.035f * h, 0.05f * h, legs.Scale(ir ? 0.97f : 0.85f), soft);
            c.FillCapsule(x + 0.02f * h, shoulderY + 0.04f * h, x + 0.6f * swing + 0.03f * h, fy - 0.47f * h, 0.037f * h, arms.Scale(ir ? 0.97f : 0.85f), soft);
            c.FillRoundRect(x - 0.12f * h, shoulderY, x + 0.12f * h, hipY + 0.04f * h, 0.06f * h, torso, soft);
            c.FillCapsule(x + 0.03f * h, hipY, x + swing, fy - 0.035f * h, 0.05f * h, legs, soft);
            c.FillCapsule(x - 0.02f * h, shoulderY + 0.04f * h, x - 0.6f * swing - 0.03f * h, fy - 0.47f * h, 0.037f * h, arms, soft);
            c.FillEllipse(x, fy - 0.91f * h, 0.068f * h, 0.085f * h, head, soft);
            if (!ir)
            {
                // Hair.
                c.FillEllipse(x, fy - 0.95f * h, 0.066f * h, 0.05f * h, Skin.Scale(0.35f), soft);
            }
        }
    }

    private sealed class Vehicle : SceneObject
    {
        public Paint Body { get; init; }
        public bool Running { get; init; } = true;

        protected override float HalfExtent => Size * 0.5f;

        public override (float X0, float Y0, float X1, float Y1) Bounds(float t)
        {
            float x = X(t);
            return (x - Size * 0.5f, FootY - Size * 0.38f, x + Size * 0.5f, FootY);
        }

        public override void Draw(SceneCanvas c, float t)
        {
            float L = Size, x = X(t), by = FootY;
            bool ir = c.IsInfrared;
            float dir = Speed >= 0 ? 1 : -1;
            float soft = ir ? 1.6f : 1f;
            float front = x + dir * 0.5f * L;

            if (!ir)
            {
                c.ShadeEllipse(x, by - 0.01f * L, 0.56f * L, 0.05f * L, 0.35f);
            }
            else if (Running)
            {
                // Warm road under the engine.
                c.FillEllipse(x + dir * 0.15f * L, by - 0.01f * L, 0.35f * L, 0.03f * L, Paint.Gray(185), 3f, 0.6f);
            }

            Paint body = ir ? Paint.Gray(Running ? 158 : 140) : Body;
            Paint glass = ir ? Paint.Gray(72) : new Paint(52, 62, 78);
            Paint tyre = ir ? Paint.Gray(Running ? 196 : 140) : new Paint(22, 22, 24);
            Paint rim = ir ? Paint.Gray(Running ? 205 : 140) : new Paint(150, 150, 155);

            // Cabin (set towards the rear), then the lower body over its bottom edge.
            float cabinC = x - dir * 0.06f * L;
            c.FillRoundRect(cabinC - 0.26f * L, by - 0.37f * L, cabinC + 0.24f * L, by - 0.19f * L, 0.07f * L, body, soft);
            float wy0 = by - 0.345f * L, wy1 = by - 0.215f * L;
            c.FillRoundRect(cabinC - 0.23f * L, wy0, cabinC - 0.01f * L, wy1, 0.03f * L, glass, soft);
            c.FillRoundRect(cabinC + 0.015f * L, wy0, cabinC + 0.21f * L, wy1, 0.03f * L, glass, soft);
            c.FillRoundRect(x - 0.5f * L, by - 0.24f * L, x + 0.5f * L, by - 0.07f * L, 0.05f * L, body, soft);
            if (!ir)
            {
                // Door line and a highlight along the top of the body.
                c.FillRoundRect(x - 0.48f * L, by - 0.235f * L, x + 0.48f * L, by - 0.22f * L, 0.005f * L, Body.Lerp(new Paint(255, 255, 255), 0.35f), 1f);
                c.FillRoundRect(cabinC - 0.005f * L, by - 0.2f * L, cabinC + 0.005f * L, by - 0.1f * L, 0.003f * L, Body.Scale(0.6f), 1f);
                // Lights.
                c.FillEllipse(front - dir * 0.02f * L, by - 0.19f * L, 0.025f * L, 0.018f * L, new Paint(250, 245, 220), 1f);
                c.FillEllipse(x - dir * 0.485f * L, by - 0.19f * L, 0.02f * L, 0.02f * L, new Paint(200, 25, 25), 1f);
            }
            else if (Running)
            {
                // Engine compartment and exhaust.
                float e0 = front - dir * 0.3f * L;
                c.FillRoundRect(MathF.Min(e0, front - dir * 0.02f * L), by - 0.22f * L, MathF.Max(e0, front - dir * 0.02f * L), by - 0.08f * L, 0.04f * L, Paint.Gray(222), 4f, 0.9f);
                c.FillEllipse(x - dir * 0.47f * L, by - 0.07f * L, 0.03f * L, 0.02f * L, Paint.Gray(250), 2f);
            }
            float wr = 0.085f * L;
            c.FillEllipse(x - 0.31f * L, by - wr, wr, wr, tyre, soft);
            c.FillEllipse(x + 0.31f * L, by - wr, wr, wr, tyre, soft);
            c.FillEllipse(x - 0.31f * L, by - wr, 0.5f * wr, 0.5f * wr, rim, soft);
            c.FillEllipse(x + 0.31f * L, by - wr, 0.5f * wr, 0.5f * wr, rim, soft);
        }
    }

    // ---------------------------------------------------------------------------------------------------------
    // Layout: background and object placement from the seed.

    private sealed class Layout
    {
        private readonly int _w, _h;
        private readonly uint _seed;
        private SceneRandom _rng;
        private readonly float[] _ir;
        private readonly float[] _vis;
        private float _doorX, _doorW, _doorTop;
        private float _hedgeX0, _hedgeX1, _hedgeTop;

        private static readonly Paint[] Facades =
        [
            new(196, 184, 160), new(150, 150, 154), new(158, 92, 72), new(214, 208, 196), new(120, 116, 110), new(186, 160, 120),
        ];

        private static readonly Paint[] CarColours =
        [
            new(170, 24, 28), new(28, 60, 140), new(225, 225, 228), new(160, 162, 168), new(24, 24, 28), new(222, 180, 30), new(40, 110, 70),
        ];

        private static readonly Paint[] Shirts =
        [
            new(200, 40, 40), new(40, 80, 170), new(230, 230, 225), new(240, 200, 40), new(60, 140, 80), new(150, 60, 140), new(230, 120, 40),
        ];

        private static readonly Paint[] Trousers = [new(40, 45, 70), new(30, 30, 32), new(110, 95, 70), new(70, 75, 85)];

        private static readonly Paint[] Skins = [new(235, 200, 170), new(200, 150, 110), new(140, 95, 65), new(90, 60, 45)];

        public Layout(int width, int height, int seed)
        {
            _w = width;
            _h = height;
            _seed = (uint)SceneRandom.Hash((ulong)(uint)seed, 0xC0FFEE);
            _rng = new SceneRandom(SceneRandom.Hash((ulong)(uint)seed, 17));
            _ir = new float[width * height];
            _vis = new float[width * height * 3];
        }

        private float Fx(float fraction) => fraction * _w;
        private float Fy(float fraction) => fraction * _h;

        private void Set(int x, int y, float ir, Paint vis)
        {
            int i = y * _w + x;
            _ir[i] = ir;
            _vis[i * 3] = vis.R;
            _vis[i * 3 + 1] = vis.G;
            _vis[i * 3 + 2] = vis.B;
        }

        private void Mix(int x, int y, float a, float ir, Paint vis)
        {
            int i = y * _w + x;
            _ir[i] += (ir - _ir[i]) * a;
            _vis[i * 3] += (vis.R - _vis[i * 3]) * a;
            _vis[i * 3 + 1] += (vis.G - _vis[i * 3 + 1]) * a;
            _vis[i * 3 + 2] += (vis.B - _vis[i * 3 + 2]) * a;
        }

        private void Scale(int x, int y, float irK, float visK)
        {
            int i = y * _w + x;
            _ir[i] *= irK;
            _vis[i * 3] *= visK;
            _vis[i * 3 + 1] *= visK;
            _vis[i * 3 + 2] *= visK;
        }

        /// <summary>Texture coordinates in units of the frame height, so a scene looks alike at any resolution.</summary>
        private float Tex(uint layer, int x, int y, float cyclesPerHeight, int octaves)
            => ValueNoise.Fbm(_seed + layer * 7919u, x * cyclesPerHeight / _h, y * cyclesPerHeight / _h, octaves);

        private float Grain(uint layer, int x, int y) => ValueNoise.White(_seed + layer * 104729u, x, y);

        public void RenderBackground(byte[] ir, byte[] vis)
        {
            Sky();
            FarTrees();
            PlaceHedge();
            Buildings();
            NearTree();
            Hedge();
            Ground();
            for (int i = 0; i < _ir.Length; i++)
            {
                ir[i] = (byte)Math.Clamp((int)(_ir[i] + 0.5f), 0, 255);
            }
            for (int i = 0; i < _vis.Length; i++)
            {
                vis[i] = (byte)Math.Clamp((int)(_vis[i] + 0.5f), 0, 255);
            }
        }

        private void Sky()
        {
            int ground = (int)Fy(GroundLine);
            for (int y = 0; y < ground; y++)
            {
                float v = y / (float)ground;
                var top = new Paint(92, 138, 198);
                var horizon = new Paint(188, 206, 224);
                Paint sky = top.Lerp(horizon, v * v);
                float irSky = 28 + 34 * v * v;
                for (int x = 0; x < _w; x++)
                {
                    float cloud = Tex(1, x, y * 3, 2.5f, 5);
                    cloud = Math.Clamp((cloud - 0.52f) * 3.2f, 0, 1) * (1 - 0.6f * v);
                    Set(x, y, irSky + 16 * cloud, sky.Lerp(new Paint(240, 242, 246), cloud));
                }
            }
        }

        private (float Ir, Paint Vis) Foliage(int x, int y, float shade)
        {
            float leaf = Tex(3, x, y, 38, 3);
            float big = Tex(4, x, y, 7, 3);
            float g = Grain(5, x, y);
            float v = Math.Clamp(0.55f * leaf + 0.35f * big + 0.2f * g - 0.05f, 0, 1);
            // Gaps in the canopy are darker (shadowed branches).
            if (leaf < 0.33f)
            {
                v *= 0.45f;
            }
            var dark = new Paint(26, 48, 22);
            var light = new Paint(104, 146, 60);
            return ((92 + 40 * v) * shade, dark.Lerp(light, v).Scale(shade));
        }

        private void FarTrees()
        {
            int ground = (int)Fy(GroundLine);
            for (int x = 0; x < _w; x++)
            {
                float profile = ValueNoise.Fbm(_seed + 31, x * 9f / _w, 0.5f, 4);
                int top = (int)Fy(GroundLine - 0.07f - 0.16f * profile);
                for (int y = Math.Max(0, top); y < ground; y++)
                {
                    var (ir, vis) = Foliage(x, y, 0.8f);
                    float edge = Math.Clamp((y - top) / 3f, 0.3f, 1f);
                    Mix(x, y, edge, ir, vis);
                }
            }
        }

        private void Buildings()
        {
            int ground = (int)Fy(GroundLine);
            float x = -(float)_rng.Range(0, 0.05) * _w;
            int index = 0;
            bool doorPlaced = false;
            while (x < _w)
            {
                float bw = (float)_rng.Range(0.08, 0.17) * _w;
                float gap = _rng.Chance(0.45) ? (float)_rng.Range(0.01, 0.06) * _w : 0;
                float top = Fy((float)_rng.Range(0.08, 0.3));
                Paint facade = Facades[_rng.Next(Facades.Length)];
                float irWall = (float)_rng.Range(108, 132);
                float cell = Math.Max(4, Fy(0.045f));
                float winW = cell * 0.55f, winH = cell * 0.62f;
                int x0 = Math.Max(0, (int)x), x1 = Math.Min(_w, (int)(x + bw));
                uint windowSeed = (uint)SceneRandom.Hash(_seed, (ulong)index);
                for (int yy = Math.Max(0, (int)top); yy < ground; yy++)
                {
                    for (int xx = x0; xx < x1; xx++)
                    {
                        float tex = Tex(6, xx, yy, 60, 2) - 0.5f;
                        float g = Grain(7, xx, yy) - 0.5f;
                        Paint vis = facade.Scale(1 + 0.08f * tex + 0.05f * g);
                        float ir = irWall + 6 * tex + 3 * g;
                        // Sunlit left facade edge, darker right edge.
                        if (xx - x < 2 || x + bw - xx < 2)
                        {
                            vis = vis.Scale(0.8f);
                        }
                        float lx = (xx - x - cell * 0.45f) / cell, ly = (yy - top - cell * 0.6f) / cell;
                        if (lx >= 0 && ly >= 0 && yy < ground - cell * 1.2f && xx < x + bw - cell * 0.4f)
                        {
                            int cx = (int)lx, cy = (int)ly;
                            float fx = (lx - cx) * cell, fy = (ly - cy) * cell;
                            if (fx < winW && fy < winH)
                            {
                                uint h = (uint)SceneRandom.Hash(windowSeed, (ulong)(cx * 131 + cy));
                                bool lit = (h & 7) == 0;
                                float refl = fy / winH;
                                vis = lit ? new Paint(236, 214, 150) : new Paint(54 + 60 * refl, 70 + 60 * refl, 92 + 55 * refl);
                                ir = lit ? 165 : 74 + 8 * refl;
                            }
                        }
                        Set(xx, yy, ir, vis);
                    }
                }
                float doorCentre = x + bw * 0.5f;
                bool clearOfHedge = doorCentre + Fx(0.04f) < _hedgeX0 || doorCentre - Fx(0.04f) > _hedgeX1;
                if (!doorPlaced && doorCentre > 0.15f * _w && doorCentre < 0.9f * _w && bw > 0.09f * _w && clearOfHedge)
                {
                    CarveDoor(doorCentre, ground);
                    doorPlaced = true;
                }
                x += bw + gap;
                index++;
            }
            if (!doorPlaced)
            {
                CarveDoor(_hedgeX0 < 0.5f * _w ? 0.7f * _w : 0.3f * _w, ground);
            }
        }

        /// <summary>A dark, deep doorway: the visible camera sees almost nothing in it.</summary>
        private void CarveDoor(float centre, int ground)
        {
            _doorW = Fx(0.05f);
            _doorX = centre - _doorW * 0.5f;
            _doorTop = ground - Fy(0.15f);
            for (int yy = Math.Max(0, (int)_doorTop); yy < ground; yy++)
            {
                for (int xx = Math.Max(0, (int)_doorX); xx < Math.Min(_w, (int)(_doorX + _doorW)); xx++)
                {
                    float g = Grain(8, xx, yy);
                    Set(xx, yy, 96 + 4 * g, new Paint(11 + 3 * g, 11 + 3 * g, 13 + 3 * g));
                }
            }
        }

        private void NearTree()
        {
            float tx = Fx((float)_rng.Range(0.55, 0.8));
            float cy = Fy(0.2f);
            float r = Fy(0.17f);
            int ground = (int)Fy(GroundLine + 0.02f);
            float trunkW = Fy(0.018f);
            for (int y = (int)(cy); y < ground; y++)
            {
                for (int x = (int)(tx - trunkW); x <= (int)(tx + trunkW); x++)
                {
                    if (x >= 0 && x < _w)
                    {
                        float g = Grain(9, x, y);
                        float side = (x - tx) / trunkW;
                        Set(x, y, 112 + 6 * g, new Paint(78, 58, 40).Scale(1f - 0.3f * side + 0.1f * g));
                    }
                }
            }
            for (int y = Math.Max(0, (int)(cy - r * 1.1f)); y < Math.Min(_h, (int)(cy + r * 1.1f)); y++)
            {
                for (int x = Math.Max(0, (int)(tx - r * 1.4f)); x < Math.Min(_w, (int)(tx + r * 1.4f)); x++)
                {
                    float dx = (x - tx) / (r * 1.3f), dy = (y - cy) / r;
                    float d = MathF.Sqrt(dx * dx + dy * dy) + 0.45f * (Tex(10, x, y, 9, 3) - 0.5f);
                    if (d < 1)
                    {
                        var (ir, vis) = Foliage(x, y, 1f - 0.15f * Math.Clamp((dy - 0.1f) * 2.5f, 0, 1));
                        Mix(x, y, Math.Clamp((1 - d) * 12, 0, 1), ir, vis);
                    }
                }
            }
        }

        private void PlaceHedge()
        {
            _hedgeX0 = Fx((float)_rng.Range(0.02, 0.1));
            _hedgeX1 = _hedgeX0 + Fx(0.28f);
            if (_rng.Chance(0.5))
            {
                (_hedgeX0, _hedgeX1) = (_w - _hedgeX1, _w - _hedgeX0);
            }
        }

        private void Hedge()
        {
            _hedgeTop = Fy(GroundLine - 0.035f);
            int bottom = (int)Fy(GroundLine + 0.012f);
            for (int y = Math.Max(0, (int)(_hedgeTop - Fy(0.02f))); y < bottom; y++)
            {
                for (int x = Math.Max(0, (int)_hedgeX0); x < Math.Min(_w, (int)_hedgeX1); x++)
                {
                    float edge = _hedgeTop + Fy(0.02f) * (Tex(11, x, 0, 30, 2) - 0.5f) * 2;
                    if (y >= edge)
                    {
                        var (ir, vis) = Foliage(x, y, 0.75f);
                        Set(x, y, ir - 4, vis);
                    }
                }
            }
        }

        private void Ground()
        {
            int start = (int)Fy(GroundLine);
            int sidewalkEnd = (int)Fy(SidewalkEnd);
            int curbEnd = sidewalkEnd + Math.Max(1, (int)Fy(0.008f));
            int roadEnd = (int)Fy(RoadEnd);
            float paverW = Fx(0.05f), paverH = Fy(0.018f);
            for (int y = start; y < _h; y++)
            {
                bool hedgeRow = y < (int)Fy(GroundLine + 0.012f);
                float yn = y / (float)_h;
                float persp = (yn - 0.42f) / 0.5f;
                for (int x = 0; x < _w; x++)
                {
                    if (hedgeRow && x >= _hedgeX0 && x < _hedgeX1)
                    {
                        continue;
                    }
                    float tex = Tex(12, x, y, 25, 3) - 0.5f;
                    float g = Grain(13, x, y) - 0.5f;
                    if (y < sidewalkEnd)
                    {
                        float px = (x + (y - start) * 0.9f) % paverW, py = (y - start) % paverH;
                        bool seam = px < 1.2f || py < 1f;
                        Paint pv = new Paint(172, 168, 158).Scale(1 + 0.06f * tex + 0.05f * g);
                        Set(x, y, seam ? 142 : 154 + 8 * tex + 3 * g, seam ? pv.Scale(0.8f) : pv);
                    }
                    else if (y < curbEnd)
                    {
                        Set(x, y, 138, new Paint(206, 204, 198).Scale(1 + 0.04f * g));
                    }
                    else if (y < roadEnd)
                    {
                        float asphalt = 1 + 0.18f * tex + 0.16f * g;
                        Paint road = new Paint(78, 78, 82).Scale(asphalt);
                        float ir = 146 + 14 * tex + 5 * g;
                        // Lane markings: dashed between lanes, solid at the near edge.
                        float thick = Math.Max(1f, Fy(0.007f) * persp);
                        float dashOffset = x + 0.6f * (y - curbEnd);
                        foreach (float lane in LaneBoundaries)
                        {
                            if (MathF.Abs(y - Fy(lane)) < thick && dashOffset % Fx(0.14f) < Fx(0.08f))
                            {
                                road = new Paint(226, 224, 212).Scale(1 + 0.05f * g);
                                ir = 128 + 3 * g;
                            }
                        }
                        if (MathF.Abs(y - Fy(RoadEnd - 0.012f)) < thick)
                        {
                            road = new Paint(226, 224, 212).Scale(1 + 0.05f * g);
                            ir = 128 + 3 * g;
                        }
                        Set(x, y, ir, road);
                    }
                    else
                    {
                        float blade = Tex(14, x, y * 4, 40, 2);
                        Paint grass = new Paint(58, 100, 40).Lerp(new Paint(110, 150, 60), Math.Clamp(blade + 0.2f * g, 0, 1));
                        Set(x, y, 108 + 18 * (blade - 0.5f) + 4 * g, grass);
                    }
                }
            }
            // Soft tree shadow across the sidewalk: darker in visible light, slightly cooler in infrared.
            float sx = Fx((float)_rng.Range(0.3, 0.9)), sy = Fy(0.545f), rx = Fx(0.14f), ry = Fy(0.04f);
            for (int y = Math.Max(start, (int)(sy - ry)); y < Math.Min(_h, (int)(sy + ry)); y++)
            {
                for (int x = Math.Max(0, (int)(sx - rx)); x < Math.Min(_w, (int)(sx + rx)); x++)
                {
                    float dx = (x - sx) / rx, dy = (y - sy) / ry;
                    float d = dx * dx + dy * dy + 0.5f * (Tex(15, x, y, 20, 2) - 0.5f);
                    if (d < 1)
                    {
                        float k = Math.Clamp((1 - d) * 4, 0, 1);
                        Scale(x, y, 1 - 0.07f * k, 1 - 0.45f * k);
                    }
                }
            }
        }

        private static readonly float[] LaneBoundaries = [0.7f, 0.815f];

        private static readonly float[] LaneBottoms = [0.69f, 0.805f, 0.915f];

        public SceneObject[] CreateObjects()
        {
            var list = new List<SceneObject>();
            float h = _h, w = _w;

            // Someone standing in the dark doorway, and an animal moving slowly along the hedge.
            float doorFoot = _doorTop + Fy(0.15f) - 1;
            list.Add(new Pedestrian
            {
                Name = "doorway person",
                FootY = doorFoot,
                Size = Fy(0.12f),
                StartX = _doorX + _doorW * 0.5f,
                Speed = 0,
                Standing = true,
                SceneWidth = w,
                InfraredOnly = true,
                Skin = new Paint(16, 13, 12),
                Shirt = new Paint(13, 13, 15),
                Trousers = new Paint(12, 12, 14),
                Warmth = 0.9f,
                ShadowDepth = 1,
            });
            float hedgeSpan = _hedgeX1 - _hedgeX0;
            list.Add(new HedgeAnimal(_hedgeX0 + hedgeSpan * 0.15f, hedgeSpan * 0.7f)
            {
                Name = "animal in hedge",
                FootY = Fy(GroundLine + 0.008f),
                Size = Fy(0.045f),
                Speed = (float)_rng.Range(0.012, 0.02) * w * (_rng.Chance(0.5) ? 1 : -1),
                SceneWidth = w,
                InfraredOnly = true,
                Coat = new Paint(46, 66, 34),
            });

            int walkers = 4 + _rng.Next(3);
            for (int i = 0; i < walkers; i++)
            {
                float foot = Fy((float)_rng.Range(0.52, 0.575));
                float size = Fy(0.19f) * ((foot / h) - 0.42f) / (0.575f - 0.42f);
                list.Add(new Pedestrian
                {
                    Name = $"pedestrian {i + 1}",
                    FootY = foot,
                    Size = size,
                    StartX = (float)_rng.NextDouble() * w,
                    Speed = (float)_rng.Range(0.03, 0.06) * w * (_rng.Chance(0.5) ? 1 : -1),
                    SceneWidth = w,
                    Skin = Skins[_rng.Next(Skins.Length)],
                    Shirt = Shirts[_rng.Next(Shirts.Length)],
                    Trousers = Trousers[_rng.Next(Trousers.Length)],
                    Warmth = (float)_rng.Range(0.8, 1.0),
                });
            }

            for (int lane = 0; lane < LaneBottoms.Length; lane++)
            {
                float bottom = Fy(LaneBottoms[lane]);
                float length = 0.34f * w * (LaneBottoms[lane] - 0.42f) / (0.915f - 0.42f);
                float dir = lane == 2 ? -1 : 1;
                float speed = (float)_rng.Range(0.1, 0.2) * w * dir;
                int cars = 1 + (_rng.Chance(0.5) ? 1 : 0);
                float start = (float)_rng.NextDouble() * w;
                for (int k = 0; k < cars; k++)
                {
                    list.Add(new Vehicle
                    {
                        Name = $"vehicle lane {lane + 1}.{k + 1}",
                        FootY = bottom,
                        Size = length,
                        StartX = start + k * (w + length) * 0.55f,
                        Speed = speed,
                        SceneWidth = w,
                        Body = CarColours[_rng.Next(CarColours.Length)],
                    });
                }
            }

            // Painter's order: far (small foot row) first.
            list.Sort((a, b) => a.FootY.CompareTo(b.FootY));
            return list.ToArray();
        }
    }

    /// <summary>An animal pacing back and forth along the hedge (it does not wrap around the frame).</summary>
    private sealed class HedgeAnimal : SceneObject
    {
        private readonly float _from, _span;

        public HedgeAnimal(float from, float span)
        {
            _from = from;
            _span = Math.Max(1, span);
        }

        public Paint Coat { get; init; }

        protected override float HalfExtent => Size * 0.7f;

        private (float X, float Dir) Position(float t)
        {
            float p = MathF.Abs(Speed) * t % (2 * _span);
            bool back = p > _span;
            float x = _from + (back ? 2 * _span - p : p);
            return (x, (Speed >= 0) ^ back ? 1 : -1);
        }

        public override (float X0, float Y0, float X1, float Y1) Bounds(float t)
        {
            float x = Position(t).X;
            return (x - Size * 0.7f, FootY - Size, x + Size * 0.7f, FootY);
        }

        public override void Draw(SceneCanvas c, float t)
        {
            var (x, dir) = Position(t);
            float s = Size, fy = FootY;
            float step = MathF.Sin(MathF.Abs(Speed) * t / (0.4f * s) * MathF.PI * 2) * 0.08f * s;
            float bodyY = fy - 0.62f * s;
            if (c.IsInfrared)
            {
                var coat = Paint.Gray(200);
                c.FillCapsule(x - 0.35f * s, bodyY, x - 0.35f * s + step, fy, 0.06f * s, coat.Scale(0.95f), 2f);
                c.FillCapsule(x + 0.35f * s, bodyY, x + 0.35f * s - step, fy, 0.06f * s, coat.Scale(0.95f), 2f);
                c.FillEllipse(x, bodyY, 0.5f * s, 0.2f * s, coat, 2f);
                c.FillCapsule(x + dir * 0.4f * s, bodyY - 0.05f * s, x + dir * 0.55f * s, fy - 0.95f * s, 0.07f * s, coat, 2f);
                c.FillEllipse(x + dir * 0.6f * s, fy - 0.95f * s, 0.1f * s, 0.07f * s, Paint.Gray(215), 2f);
            }
            else
            {
                // The coat matches the hedge and is mostly hidden by leaves: camouflaged in visible light.
                c.FillEllipse(x, bodyY, 0.5f * s, 0.2f * s, Coat, 1f, 0.35f);
                c.FillEllipse(x + dir * 0.6f * s, fy - 0.95f * s, 0.1f * s, 0.07f * s, Coat, 1f, 0.35f);
            }
        }
    }
}
