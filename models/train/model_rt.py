"""LURE-rt: LURE's ideas at a cost a 2-core CPU can pay per video frame.

The network never sees the full-resolution frames. It reads both sources area-averaged to 1/4 scale and predicts,
at 1/8 scale, four coefficient maps that a per-pixel kernel applies to the FULL-resolution sources:

    Y     = a_vis * Y_visible + a_ir * Y_infrared + offset        (clamped to [0, 1])
    CbCr  = CbCr_visible * chroma_gain

The maps are bilinearly upsampled (half-pixel centres, as F.interpolate(align_corners=False)); they are smooth, so
edges and fine detail come from the full-resolution sources through the local linear model (the guided-filter /
HDRNet idea of "predict local affine coefficients at low resolution, apply them at full resolution"). Colour follows
model v2: luminance is fused and restored, the visible chroma is kept (times a gain), so a grey input stays grey.

What stays from LURE: one shared image encoder with a modality embedding, text-guided attention per level from the
per-modality prompt embedding (the same text encoder as v2, so v2's can initialise it), task/degradation latent
split trained with the unified loss, prior + zero-conv latent fusion.

Training and export use exactly the arithmetic the C# engine implements (models/lure-rt contract, docs/models.md):
graph inputs are the 1/4-scale frames as float planes in [0, 1]; the graph output is the post-processed coefficient
tensor [1, 4, ceil(H/8), ceil(W/8)] (a_vis, a_ir, offset, chroma_gain); config rt-detail adds two maps, gains on
each source's detail (see apply_coefficients), [1, 6, ...]."""
import torch
import torch.nn as nn
import torch.nn.functional as F

import model_v2 as V2
from model import TextEncoder

CONFIGS = {
    # 1/8-scale trunk: three levels at 1/8, 1/16, 1/32 of the input frame
    "rt": dict(channels=[24, 32, 48], latents=[16, 24, 32], heads=[1, 2, 2],
               text_dim=96, text_layers=2, text_heads=4, text_ff=192, emb_dim=96),
}
# the same network with two more maps: gains on each source's detail (see apply_coefficients)
CONFIGS["rt-detail"] = dict(CONFIGS["rt"], detail=True)
# the same six maps, the two sources' gained details combined by a soft per-pixel selection instead of a sum
CONFIGS["rt-select"] = dict(CONFIGS["rt-detail"], select=True)
# the same six maps, the selection also on a coarser band (input scale to 4x coarser)
CONFIGS["rt-select2"] = dict(CONFIGS["rt-select"], bands=2)
# the same, plus a frame-wide context at the coarsest level (see EncoderLayer): the degradations are global per frame
# (one contrast window, one haze density), which a receptive field of a few dozen 1/4-scale pixels cannot measure
CONFIGS["rt-select2g"] = dict(CONFIGS["rt-select2"], global_context=True)
# the same network and maps, each band's selection by windowed energy instead of per pixel (see choose_windowed)
CONFIGS["rt-select2w"] = dict(CONFIGS["rt-select2g"], windowed=True)
# the same again, the windowed choice sharper (energies cubed instead of squared): untrained, on training pairs, it
# trades SSIM for SF at 0.7 per 0.01 against 0.5 along the loss weights (models/train/README.md, session 16).
# The bundle declares it as coefficients.select_power (C# ApplyCoefficientRows).
CONFIGS["rt-select2w3"] = dict(CONFIGS["rt-select2w"], select_power=3)
MAPS = ["a_vis", "a_ir", "offset", "chroma_gain"]
DETAIL_MAPS = ["detail_vis", "detail_ir"]
DETAIL_LIMIT = 2.0  # detail gains lie in (-2, 2): negative smooths (noise), positive sharpens
# Softness of the detail selection (rt-select), in squared [0, 1] intensity: a quarter of a grey level, so the choice is
# all but hard wherever either source has detail, and a smooth blend in flat, noise-level areas.
SELECT_EPS = 1e-6
INPUT_SCALE = 4   # the graph's inputs are the frames area-averaged by this factor
BAND_FACTOR = 4   # rt-select2: the coarser band ends this much below the input scale (1/16 of the frame)
COEFF_SCALE = 8   # the coefficient maps are this much smaller than the frame


def area_down(x, f=INPUT_SCALE):
    """Area average by f (frames whose sides are multiples of f; the C# kernel also handles ragged edges)."""
    return F.avg_pool2d(x, f, f)


class Inverted(nn.Module):
    """MobileNetV2-style residual block: 1x1 expand, ReLU, depthwise 3x3, ReLU, 1x1 project. Five ONNX nodes, so
    the graph's per-node overhead stays small next to its arithmetic at 80x64."""

    def __init__(self, c, expand=2):
        super().__init__()
        self.body = nn.Sequential(nn.Conv2d(c, expand * c, 1), nn.ReLU(),
                                  nn.Conv2d(expand * c, expand * c, 3, padding=1, groups=expand * c), nn.ReLU(),
                                  nn.Conv2d(expand * c, c, 1))

    def forward(self, x):
        return x + self.body(x)


class EncoderLayer(nn.Module):
    """Prompt-conditioned level: text (per-modality prompt embedding) and modality embedding scale and shift the
    features (FiLM); at the coarsest level the paper's text-query attention (TGA) runs as well, where it is cheap.
    Latent z = task(f) - degradation(f), the split LURE's unified loss trains."""

    def __init__(self, c, c_lat, heads, text_dim, tga, global_context=False):
        super().__init__()
        self.pre = Inverted(c)
        # global context: the features' frame mean scales and shifts them (zero-initialised, so a snapshot without it
        # keeps its function); how strongly to restore depends on how degraded the whole frame is
        self.context = nn.Linear(c, 2 * c) if global_context else None
        if self.context is not None:
            nn.init.zeros_(self.context.weight)
            nn.init.zeros_(self.context.bias)
        self.film = nn.Linear(text_dim, 2 * c)
        nn.init.zeros_(self.film.weight)
        nn.init.zeros_(self.film.bias)
        self.mod = nn.Embedding(2, c)
        nn.init.zeros_(self.mod.weight)
        self.tga = V2.TGABlock(c, heads, text_dim, "query") if tga else None
        self.post = Inverted(c)
        self.deg = nn.Sequential(Inverted(c), nn.Conv2d(c, c_lat, 1))
        self.task = nn.Conv2d(c, c_lat, 1)

    def forward(self, x, t, m):
        scale, shift = self.film(t)[:, :, None, None].chunk(2, dim=1)
        f = self.pre(x) * (1.0 + scale) + shift + self.mod(m)[:, :, None, None]
        if self.tga is not None:
            f = self.tga(f, t)
        if self.context is not None:
            g_scale, g_shift = self.context(f.mean(dim=(2, 3)))[:, :, None, None].chunk(2, dim=1)
            f = f * (1.0 + g_scale) + g_shift
        f = self.post(f)
        return f, self.task(f) - self.deg(f)


class Encoder(nn.Module):
    def __init__(self, cfg):
        super().__init__()
        ch, lat = cfg["channels"], cfg["latents"]
        # 1/4 -> 1/8 with an overlapping 3x3 stride-2 conv (no periodic texture)
        self.stem = nn.Conv2d(3, ch[0], 3, stride=2, padding=1)
        self.layers = nn.ModuleList([EncoderLayer(ch[i], lat[i], cfg["heads"][i], cfg["emb_dim"], tga=(i == 2),
                                                  global_context=(i == 2 and cfg.get("global_context", False)))
                                     for i in range(3)])
        self.downs = nn.ModuleList([nn.Conv2d(ch[i], ch[i + 1], 3, stride=2, padding=1) for i in range(2)])

    def forward(self, x, t, m):
        """x: [N,3,h4,w4] in [0,1] (infrared replicated to 3 channels); t: [N,E]; m: [N] (1 infrared, 0 visible,
        as in train_v2)."""
        f = torch.relu(self.stem(x))
        zs = []
        for i, layer in enumerate(self.layers):
            f, z = layer(f, t, m)
            zs.append(z)
            if i < 2:
                f = self.downs[i](f)
        return zs


class FuseLatents(nn.Module):
    """v2's prior (activity-weighted average of the two latents) plus a learned correction through a
    zero-initialised 1x1 conv, without v2's cross-attention."""

    def __init__(self, c):
        super().__init__()
        self.mix = nn.Sequential(nn.Conv2d(2 * c, c, 1), nn.ReLU(), nn.Conv2d(c, c, 1))
        nn.init.zeros_(self.mix[2].weight)
        nn.init.zeros_(self.mix[2].bias)

    def forward(self, zi, zv):
        ai, av = zi.abs().mean(1, keepdim=True), zv.abs().mean(1, keepdim=True)
        wi = ai / (ai + av + 1e-6)
        return wi * zi + (1.0 - wi) * zv + self.mix(torch.cat([zi, zv], 1))


class Decoder(nn.Module):
    """Fused latents -> the four coefficient maps at 1/8 scale, zero-initialised to plain averaging."""

    def __init__(self, cfg):
        super().__init__()
        ch, lat = cfg["channels"], cfg["latents"]
        self.maps = MAPS + (DETAIL_MAPS if cfg.get("detail") else [])
        self.inz = nn.ModuleList([nn.Conv2d(lat[i], ch[i], 1) for i in range(3)])
        self.blocks = nn.ModuleList([Inverted(ch[i]) for i in range(3)])
        self.ups = nn.ModuleList([V2.Up(ch[i + 1], ch[i]) for i in range(2)])
        self.head = nn.Conv2d(ch[0], len(self.maps), 3, padding=1)
        nn.init.zeros_(self.head.weight)
        nn.init.zeros_(self.head.bias)

    def forward(self, zs):
        x = self.blocks[2](self.inz[2](zs[2]))
        for i in (1, 0):
            x = self.blocks[i](self.ups[i](x, zs[i].shape[-2:]) + self.inz[i](zs[i]))
        o = self.head(x)
        # a_vis, a_ir start at 0.5 (averaging), offset at 0, chroma gain in (0, 2) starting at 1, detail gains at 0
        maps = [0.5 + o[:, 0:2], o[:, 2:3], 1.0 + torch.tanh(o[:, 3:4])]
        if o.shape[1] > 4:
            maps.append(DETAIL_LIMIT * torch.tanh(o[:, 4:6] / DETAIL_LIMIT))
        return torch.cat(maps, 1)


def detail(y, scale=INPUT_SCALE):
    """A source's detail: the plane minus its area average (the network's input) upsampled back bilinearly."""
    return y - F.interpolate(area_down(y, scale), size=y.shape[-2:], mode="bilinear", align_corners=False)


def choose(ev, ei):
    """Soft per-pixel choice by magnitude between two gained details."""
    ev2, ei2 = ev * ev, ei * ei
    return (ev2 * ev + ei2 * ei) / (ev2 + ei2 + SELECT_EPS)


def box3(x):
    """Mean over the 3x3 window, clipped at the borders (the mean of the pixels the window has)."""
    return F.avg_pool2d(x, 3, 1, padding=1, count_include_pad=False)


def choose_windowed(ev, ei, sv, si, power=2):
    """Soft choice between two gained details by their local energies sv, si (windowed means of the squared gained
    detail), sharpened by a power: w = (sv^p + eps^p/2) / (sv^p + si^p + eps^p), out = w*ev + (1-w)*ei; p = 2 for
    rt-select2w, 3 for rt-select2w3 (the C# kernel runs both: coefficients.select_power)."""
    return V2.choose_by_energy(ev, ei, sv, si, power, SELECT_EPS)


def band_small(y_small, factor=BAND_FACTOR):
    """rt-select2's coarser band at the input scale: the input plane minus its coarse average upsampled back."""
    coarse = F.avg_pool2d(y_small, factor, factor, ceil_mode=True)
    return y_small - F.interpolate(coarse, size=y_small.shape[-2:], mode="bilinear", align_corners=False)


def band(y, scale=INPUT_SCALE, factor=BAND_FACTOR):
    """The band between the input scale and factor times coarser: up(avg(Y)) - up(avg(avg(Y)))."""
    small = area_down(y, scale)
    coarse = F.avg_pool2d(small, factor, factor, ceil_mode=True)
    size = y.shape[-2:]
    return (F.interpolate(small, size=size, mode="bilinear", align_corners=False)
            - F.interpolate(coarse, size=size, mode="bilinear", align_corners=False))


def apply_coefficients(coef, ir_y, vis, scale=INPUT_SCALE, select=False, bands=1, windowed=False, power=2):
    """The full-resolution kernel (the C# engine implements the same arithmetic).
    coef [N,4 or 6,h8,w8]; ir_y [N,1,H,W]; vis [N,3,H,W] in [0,1] -> rgb, y, cbcr. With six maps the detail of each
    source gets its own gain on top of the affine blend, so edges can be kept at full strength (or noise damped)
    independently of how the base intensities mix:
        Y = a_vis*Y_vis + a_ir*IR + offset + d_vis*(Y_vis - up(avg(Y_vis))) + d_ir*(IR - up(avg(IR)))
    With select (config rt-select) the two sources' detail, each at its full gain E = (a + d) * detail, is not summed
    but chosen per pixel, softly, by magnitude (the choose-max rule of classical multi-scale fusion), on top of the
    blended low-pass:
        Y = a_vis*L_vis + a_ir*L_ir + offset + (E_vis^3 + E_ir^3) / (E_vis^2 + E_ir^2 + SELECT_EPS)
    A sum halves each edge where the other source is flat once the gains share the intensity, or bends it where
    both have edges; the selection keeps the stronger one whole, and a gain still decides what counts as strong.
    With bands=2 (config rt-select2) the same choice, at the same gains, is also made on the next band down, between
    the input scale and BAND_FACTOR times coarser (M = up(avg4(Y)) - up(avg(avg4(Y)))), and only what is coarser
    still is blended:
        Y = a_vis*C_vis + a_ir*C_ir + offset + S(E_vis, E_ir) + S((a_vis + d_vis)*M_vis, (a_ir + d_ir)*M_ir)
    Why: where the infrared is restored through its weight, a blended band scales the visible frame's object-scale
    edges by a_vis; with unit gains on fixed held-out pairs the second selected band alone lifts Qabf 0.574 -> 0.604."""
    up = F.interpolate(coef, size=ir_y.shape[-2:], mode="bilinear", align_corners=False)
    vy, vc = V2.rgb_to_ycbcr(vis)
    if windowed:
        # rt-select2w: each band's choice by windowed energy, not per pixel. A per-pixel choice flips between the
        # sources inside a textured area and across an edge's two flanks (each side's detail has the other sign),
        # which bends edges and adds gradients neither source has; classical multi-scale fusion chooses by a local
        # activity measure for that reason. Energies are the gain squared times the windowed mean of the ungained
        # squared detail: band 1 over 3x3 frame pixels, band 2 over 3x3 input-scale pixels (its energy is smooth, so
        # it is measured at the input scale and upsampled like the planes).
        size = ir_y.shape[-2:]
        gv, gi = up[:, 0:1] + up[:, 4:5], up[:, 1:2] + up[:, 5:6]
        gv2, gi2 = gv * gv, gi * gi
        dv, di = detail(vy, scale), detail(ir_y, scale)
        y = up[:, 2:3] + choose_windowed(gv * dv, gi * di, gv2 * box3(dv * dv), gi2 * box3(di * di), power)
        mv, mi = band(vy, scale), band(ir_y, scale)
        sv, si = (F.interpolate(box3(band_small(area_down(p, scale)) ** 2), size=size, mode="bilinear",
                                align_corners=False) for p in (vy, ir_y))
        y = y + choose_windowed(gv * mv, gi * mi, gv2 * sv, gi2 * si, power)
        y = y + up[:, 0:1] * (vy - dv - mv) + up[:, 1:2] * (ir_y - di - mi)
    elif select:
        dv, di = detail(vy, scale), detail(ir_y, scale)
        gv, gi = up[:, 0:1] + up[:, 4:5], up[:, 1:2] + up[:, 5:6]
        y = up[:, 2:3] + choose(gv * dv, gi * di)
        lv, li = vy - dv, ir_y - di
        if bands > 1:
            mv, mi = band(vy, scale), band(ir_y, scale)
            y = y + choose(gv * mv, gi * mi)
            lv, li = lv - mv, li - mi
        y = y + up[:, 0:1] * lv + up[:, 1:2] * li
    else:
        y = up[:, 0:1] * vy + up[:, 1:2] * ir_y + up[:, 2:3]
        if coef.shape[1] > 4:
            y = y + up[:, 4:5] * detail(vy, scale) + up[:, 5:6] * detail(ir_y, scale)
    y = y.clamp(0.0, 1.0)
    cbcr = vc * up[:, 3:4]
    return V2.ycbcr_to_rgb(y, cbcr).clamp(0.0, 1.0), y, cbcr


class LUREsRT(nn.Module):
    """Same training interface as LUREv2 (text / encoder / fuse), so train_v2.py trains either family."""

    family = "lure-rt"

    def __init__(self, cfg, vocab_size, n_tasks, mode="query"):
        super().__init__()
        if mode != "query":
            raise ValueError("lure-rt uses the paper's text-query attention only")
        self.cfg = dict(cfg)
        self.mode = mode
        self.text = TextEncoder(vocab_size, cfg["text_dim"], cfg["text_layers"], cfg["text_heads"], cfg["text_ff"],
                                cfg["emb_dim"], n_tasks)
        self.encoder_lowres = Encoder(cfg)
        self.fusion = nn.ModuleList([FuseLatents(cfg["latents"][i]) for i in range(3)])
        self.decoder = Decoder(cfg)

    def encoder(self, x, t, m):
        """Full-resolution [N,3,H,W] training crops -> latents (the graph receives the 1/4-scale frames instead)."""
        return self.encoder_lowres(area_down(x), t, m)

    def coefficients(self, zi, zv):
        return self.decoder([self.fusion[i](zi[i], zv[i]) for i in range(3)])

    def fuse(self, zi, zv, ir, vis):
        return self.apply(self.coefficients(zi, zv), ir[:, 0:1], vis)

    def apply(self, coef, ir_y, vis):
        """The full-resolution kernel this config's bundle declares (apply_coefficients with its combine rule)."""
        return apply_coefficients(coef, ir_y, vis, select=self.cfg.get("select", False), bands=self.cfg.get("bands", 1),
                                  windowed=self.cfg.get("windowed", False), power=self.cfg.get("select_power", 2))


class CoefficientGraph(nn.Module):
    """Exported graph: 1/4-scale frames + the two prompt embeddings -> coefficient maps [1,4,h8,w8]."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, infrared, visible, ir_embedding, vis_embedding):
        x = torch.cat([infrared.expand(-1, 3, -1, -1), visible], 0)
        t = torch.cat([ir_embedding, vis_embedding], 0)
        mods = torch.tensor([1, 0], dtype=torch.long)  # infrared 1, visible 0 (train_v2)
        zs = self.m.encoder_lowres(x, t, mods)
        return self.m.coefficients([z[0:1] for z in zs], [z[1:2] for z in zs])


def init_from(net, state):
    """Loads a snapshot of a smaller sibling config (rt into rt-detail): every tensor of the same shape is copied; the
    decoder head keeps its zero-initialised extra output channels, so the grown network starts as the snapshot's
    function and learns the detail gains from there."""
    own = net.state_dict()
    grown = []
    for k, v in state.items():
        if k not in own:
            raise ValueError(f"snapshot tensor {k} has no counterpart")
        if own[k].shape == v.shape:
            own[k] = v
        elif k.startswith("decoder.head.") and own[k].shape[1:] == v.shape[1:] and own[k].shape[0] > v.shape[0]:
            own[k] = torch.cat([v, own[k][v.shape[0]:]], 0)
            grown.append(k)
        else:
            raise ValueError(f"snapshot tensor {k} is {tuple(v.shape)}, the network's {tuple(own[k].shape)}")
    net.load_state_dict(own)
    return grown
