"""LURE v2: luminance fusion that keeps the visible colour.

Differences from v1 (model.py), each answering a measured fault of LURE-lite:
  - the network fuses and restores luminance only; colour is the visible frame's Cb/Cr times a small
    low-resolution chroma gain the model predicts (haze desaturates, low light shifts white balance), so a
    grey input stays grey and hues cannot drift;
  - no PixelShuffle and no non-overlapping stride-2 kernels: downsampling is a 3x3 stride-2 conv (overlapping),
    upsampling is bilinear followed by a 3x3 conv, which removes the 2/4-pixel periodic texture;
  - global residual: fused Y = a model-free fusion of the input Ys + learned correction (zero-initialised), so
    training starts from a fusion instead of from noise. Config v2 starts from plain averaging; v2-select from a
    two-band selection (select_base: each source's detail chosen by its local energy, as lure-rt's windowed kernel
    and the classical fuser's choose-max do), because averaging halves every edge present in one source only and
    the correction never recovered that (step 2934: Qabf 8.5 % short of the classical fuser);
  - text-guided attention (TGA) as the paper describes it: the Query comes from the text, the Keys and Values
    from the image (transposed channel attention), then a GDFN; the v1 scale-and-shift modulation stays
    selectable ("modulate") for the ablation.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

import model as M1
from model import GDFN, LayerNorm2d, NAFBlock, TextEncoder, channel_attention

CONFIGS = {
    "v2": dict(channels=[12, 24, 48, 64], latents=[8, 16, 24, 32], k_tb=[0, 1, 1, 1], k_bn=[1, 1, 1, 1],
               heads=[1, 2, 2, 4], dec_blocks=[1, 1, 1, 1], fus_blocks=[1, 1, 1, 1],
               text_dim=96, text_layers=2, text_heads=4, text_ff=192, emb_dim=96),
}
# Same tensors, the selection residual instead of the average (a v2 snapshot initialises it).
CONFIGS["v2-select"] = dict(CONFIGS["v2"], base="select")
# The selection's energy ratio raised to 3 (a sharper choice, as lure-rt's rt-select2w3): each source's edges pass
# more whole, the blur of a half-half mix where both have detail shrinks. Same tensors again.
CONFIGS["v2-select3"] = dict(CONFIGS["v2-select"], select_power=3)

# select_base's radii in pixels: fixed, so a 128-pixel training crop and a full frame see the same bands.
FINE_RADIUS, COARSE_RADIUS, SELECT_EPS = 3, 15, 1e-6

KR, KG, KB = 0.299, 0.587, 0.114


def rgb_to_ycbcr(x):
    """BT.601 full range, x in [0,1] [N,3,H,W] -> y [N,1,H,W], cbcr [N,2,H,W] centred on 0."""
    r, g, b = x[:, 0:1], x[:, 1:2], x[:, 2:3]
    y = KR * r + KG * g + KB * b
    return y, torch.cat([(b - y) * 0.564, (r - y) * 0.713], 1)


def ycbcr_to_rgb(y, cbcr):
    cb, cr = cbcr[:, 0:1], cbcr[:, 1:2]
    r = y + 1.402 * cr
    b = y + 1.772 * cb
    g = (y - KR * r - KB * b) / KG
    return torch.cat([r, g, b], 1)


def box_mean(x, r):
    """Mean over a (2r+1)² window clipped at the borders (the mean of the pixels it has); separable, so the ONNX
    graph stays O(r) per pixel."""
    x = F.avg_pool2d(x, (1, 2 * r + 1), 1, (0, r), count_include_pad=False)
    return F.avg_pool2d(x, (2 * r + 1, 1), 1, (r, 0), count_include_pad=False)


def choose_by_energy(e, f, s, t, power, eps):
    """Soft choice between two details e, f by their energies s, t raised to a power: e where s dominates, f where t
    does, their mean where both are below eps (the W rule of src/LureStream.Engines/LureRt/README.md; lure-rt's
    model_rt.choose_windowed uses it too)."""
    sp, tp, ep = s ** power, t ** power, eps ** power
    w = (sp + 0.5 * ep) / (sp + tp + ep)
    return f + w * (e - f)


def windowed_select(p, q, power=1):
    """p where p's energy over the fine window dominates, q where q's does, their mean where both are flat."""
    return choose_by_energy(p, q, box_mean(p * p, FINE_RADIUS), box_mean(q * q, FINE_RADIUS), power, SELECT_EPS)


def select_base(iy, vy, power=1):
    """Two-band selection fusion of two lumas in [0,1]: the coarse means averaged, the band between the fine and the
    coarse window and the detail finer than the fine window each chosen by windowed energy. Untrained, on training
    pairs (tools/train_quality.py's set): Qabf 0.653, SF 16.98, SSIM 0.694, against averaging's Qabf 0.40."""
    i1, v1 = box_mean(iy, FINE_RADIUS), box_mean(vy, FINE_RADIUS)
    i2, v2 = box_mean(iy, COARSE_RADIUS), box_mean(vy, COARSE_RADIUS)
    return 0.5 * (i2 + v2) + windowed_select(vy - v1, iy - i1, power) + windowed_select(v1 - v2, i1 - i2, power)


class TextQueryAttention(nn.Module):
    """Paper TGA: Q from the text embedding (one C-vector per head-channel, broadcast over pixels and
    sharpened by a depthwise conv of the image so the query can vary spatially), K and V from the image;
    transposed attention builds a C x C map per head, so cost stays linear in pixels."""

    def __init__(self, c, heads, text_dim):
        super().__init__()
        self.heads = heads
        self.q_text = nn.Linear(text_dim, c)
        self.q_img = nn.Conv2d(c, c, 3, padding=1, groups=c)
        self.kv = nn.Conv2d(c, 2 * c, 1)
        self.kv_dw = nn.Conv2d(2 * c, 2 * c, 3, padding=1, groups=2 * c)
        self.temperature = nn.Parameter(torch.ones(heads, 1, 1))

    def forward(self, y, t):
        q = self.q_text(t)[:, :, None, None] * (1.0 + self.q_img(y))
        k, v = self.kv_dw(self.kv(y)).chunk(2, dim=1)
        return channel_attention(q, k, v, self.heads, self.temperature).reshape(y.shape)


class ModulatedAttention(nn.Module):
    """v1 TGA (ablation): text as per-channel scale and shift of the image features before the Q projection."""

    def __init__(self, c, heads, text_dim):
        super().__init__()
        self.heads = heads
        self.text = nn.Linear(text_dim, 2 * c)
        self.q = nn.Conv2d(c, c, 1)
        self.q_dw = nn.Conv2d(c, c, 3, padding=1, groups=c)
        self.kv = nn.Conv2d(c, 2 * c, 1)
        self.kv_dw = nn.Conv2d(2 * c, 2 * c, 3, padding=1, groups=2 * c)
        self.temperature = nn.Parameter(torch.ones(heads, 1, 1))

    def forward(self, y, t):
        w, s = self.text(t)[:, :, None, None].chunk(2, dim=1)
        q = self.q_dw(self.q(y * (1.0 + w) + s))
        k, v = self.kv_dw(self.kv(y)).chunk(2, dim=1)
        return channel_attention(q, k, v, self.heads, self.temperature).reshape(y.shape)


ATTENTION = {"query": TextQueryAttention, "modulate": ModulatedAttention}


class TGABlock(nn.Module):
    def __init__(self, c, heads, text_dim, mode):
        super().__init__()
        self.norm1 = LayerNorm2d(c)
        self.att = ATTENTION[mode](c, heads, text_dim)
        self.proj = nn.Conv2d(c, c, 1)
        self.norm2 = LayerNorm2d(c)
        self.ffn = GDFN(c)

    def forward(self, x, t):
        x = x + self.proj(self.att(self.norm1(x), t))
        return x + self.ffn(self.norm2(x))


class EncoderLayer(nn.Module):
    """TGA -> modality-embedded NAF block -> f; z = Phi_t(f) - Phi_d(TGA(f)) (task base minus degradation)."""

    def __init__(self, c, c_lat, k_tb, k_bn, heads, text_dim, mode):
        super().__init__()
        self.tga = TGABlock(c, heads, text_dim, mode)
        self.mod = nn.Embedding(2, c)
        nn.init.zeros_(self.mod.weight)
        self.base = NAFBlock(c)
        self.deg_tga = nn.ModuleList([TGABlock(c, heads, text_dim, mode) for _ in range(k_tb)])
        self.deg_bn = nn.Sequential(*[NAFBlock(c) for _ in range(k_bn)], nn.Conv2d(c, c_lat, 1))
        self.task = nn.Conv2d(c, c_lat, 1)

    def forward(self, x, t, m):
        f = self.base(self.tga(x, t) + self.mod(m)[:, :, None, None])
        d = f
        for blk in self.deg_tga:
            d = blk(d, t)
        return f, self.task(f) - self.deg_bn(d)


class ImageEncoder(M1.ImageEncoder):
    """v1's encoder pass (intro, four levels, z per level) with v2 layers and overlapping 3x3 stride-2 downsampling."""

    def __init__(self, cfg, mode):
        nn.Module.__init__(self)
        ch, lat = cfg["channels"], cfg["latents"]
        self.intro = nn.Conv2d(3, ch[0], 3, padding=1)
        self.layers = nn.ModuleList([EncoderLayer(ch[i], lat[i], cfg["k_tb"][i], cfg["k_bn"][i], cfg["heads"][i],
                                                  cfg["emb_dim"], mode) for i in range(4)])
        self.downs = nn.ModuleList([nn.Conv2d(ch[i], ch[i + 1], 3, stride=2, padding=1) for i in range(3)])


class Up(nn.Module):
    """Bilinear x2 then 3x3 conv: no periodic (checkerboard) texture, unlike PixelShuffle or transposed conv."""

    def __init__(self, c_in, c_out):
        super().__init__()
        self.conv = nn.Conv2d(c_in, c_out, 3, padding=1)

    def forward(self, x, size):
        return self.conv(F.interpolate(x, size=size, mode="bilinear", align_corners=False))


class Decoder(nn.Module):
    """Fused latents -> luminance correction at full resolution + chroma gain at 1/8 resolution."""

    def __init__(self, cfg):
        super().__init__()
        ch, lat = cfg["channels"], cfg["latents"]
        self.inz = nn.ModuleList([nn.Conv2d(lat[i], ch[i], 1) for i in range(4)])
        self.blocks = nn.ModuleList([nn.Sequential(*[NAFBlock(ch[i]) for _ in range(cfg["dec_blocks"][i])])
                                     for i in range(4)])
        self.ups = nn.ModuleList([Up(ch[i + 1], ch[i]) for i in range(3)])
        self.out_y = nn.Conv2d(ch[0], 1, 3, padding=1)
        self.out_gain = nn.Conv2d(ch[3], 2, 1)
        for conv in (self.out_y, self.out_gain):
            nn.init.zeros_(conv.weight)
            nn.init.zeros_(conv.bias)

    def forward(self, zs):
        x = self.blocks[3](self.inz[3](zs[3]))
        gain = 1.0 + torch.tanh(self.out_gain(x))  # (0, 2), 1 at initialisation
        for i in (2, 1, 0):
            x = self.blocks[i](self.ups[i](x, zs[i].shape[-2:]) + self.inz[i](zs[i]))
        return self.out_y(x), gain


class LUREv2(nn.Module):
    def __init__(self, cfg, vocab_size, n_tasks, mode="query"):
        super().__init__()
        self.cfg = dict(cfg)
        self.mode = mode
        lat_heads = [max(1, min(h, l // 8)) for h, l in zip(cfg["heads"], cfg["latents"])]
        self.text = TextEncoder(vocab_size, cfg["text_dim"], cfg["text_layers"], cfg["text_heads"], cfg["text_ff"],
                                cfg["emb_dim"], n_tasks)
        self.encoder = ImageEncoder(cfg, mode)
        self.fusion = nn.ModuleList([M1.FuseScale(cfg["latents"][i], lat_heads[i], cfg["fus_blocks"][i],
                                                  count_include_pad=False) for i in range(4)])
        self.decoder = Decoder(cfg)

    def fuse(self, zi, zv, ir, vis):
        """Latents + the (input) source images in [0,1] -> fused RGB in [0,1], fused Y, chroma gain."""
        z = [self.fusion[i](zi[i], zv[i]) for i in range(4)]
        dy, gain = self.decoder(z)
        iy = rgb_to_ycbcr(ir)[0]
        vy, vc = rgb_to_ycbcr(vis)
        y0 = select_base(iy, vy, self.cfg.get("select_power", 1)) if self.cfg.get("base") == "select" else 0.5 * (iy + vy)
        y = (y0 + dy).clamp(0.0, 1.0)
        g = F.interpolate(gain, size=y.shape[-2:], mode="bilinear", align_corners=False)
        rgb = ycbcr_to_rgb(y, vc * g).clamp(0.0, 1.0)
        return rgb, y, vc * g


# ----------------------------------------------------------------------------- export wrappers
def u8_nhwc_to_float(image):
    return image.permute(0, 3, 1, 2).to(torch.float32) * (1.0 / 255.0)


class EncoderGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, image, text_embedding, modality):
        z = self.m.encoder(u8_nhwc_to_float(image), text_embedding, modality)
        return z[0], z[1], z[2], z[3]


class FusionGraph(nn.Module):
    """Latents of both modalities + both source frames -> fused uint8 RGB (visible chroma kept)."""

    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, ir_z1, ir_z2, ir_z3, ir_z4, vis_z1, vis_z2, vis_z3, vis_z4, infrared, visible):
        rgb, _, _ = self.m.fuse([ir_z1, ir_z2, ir_z3, ir_z4], [vis_z1, vis_z2, vis_z3, vis_z4],
                                u8_nhwc_to_float(infrared), u8_nhwc_to_float(visible))
        return (rgb * 255.0).round().clamp(0.0, 255.0).to(torch.uint8).permute(0, 2, 3, 1)
