"""LURE (Ma et al.) re-implemented at configurable width: text encoder, text-guided image encoder,
decoder, fusion module. All spatial ops are export-friendly (no static-shape dependence)."""
import math

import torch
import torch.nn as nn
import torch.nn.functional as F

CONFIGS = {
    # paper widths
    "paper": dict(channels=[48, 96, 192, 384], latents=[16, 32, 64, 128], k_tb=[1, 1, 2, 2], k_bn=[2, 2, 4, 8],
                  heads=[4, 4, 4, 4], dec_blocks=[1, 1, 1, 1], fus_blocks=[1, 1, 2, 2],
                  text_dim=256, text_layers=4, text_heads=4, text_ff=1024, emb_dim=256),
    # small variant trained on 2 CPU cores
    "lite": dict(channels=[16, 32, 64, 96], latents=[8, 16, 32, 48], k_tb=[1, 1, 1, 1], k_bn=[1, 1, 1, 2],
                 heads=[1, 2, 2, 4], dec_blocks=[1, 1, 1, 1], fus_blocks=[1, 1, 1, 1],
                 text_dim=96, text_layers=2, text_heads=4, text_ff=192, emb_dim=96),
}


# ----------------------------------------------------------------------------- text encoder
class TextLayer(nn.Module):
    def __init__(self, d, heads, ff):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.out = nn.Linear(d, d)
        self.ln1 = nn.LayerNorm(d)
        self.ff = nn.Sequential(nn.Linear(d, ff), nn.GELU(), nn.Linear(ff, d))
        self.ln2 = nn.LayerNorm(d)

    def forward(self, x, bias):
        b, l, d = x.shape
        h = self.ln1(x)
        q, k, v = self.qkv(h).chunk(3, dim=-1)
        dh = d // self.heads
        q = q.reshape(b, l, self.heads, dh).transpose(1, 2)
        k = k.reshape(b, l, self.heads, dh).transpose(1, 2)
        v = v.reshape(b, l, self.heads, dh).transpose(1, 2)
        att = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(dh)) + bias
        att = att.softmax(-1)
        y = torch.matmul(att, v).transpose(1, 2).reshape(b, l, d)
        x = x + self.out(y)
        return x + self.ff(self.ln2(x))


class TextEncoder(nn.Module):
    """Small transformer (stand-in for DistilBERT) + norm + linear projection; classification head."""

    def __init__(self, vocab_size, d=96, layers=2, heads=4, ff=192, emb_dim=96, n_tasks=6, max_pos=64):
        super().__init__()
        self.tok = nn.Embedding(vocab_size, d)
        self.pos = nn.Embedding(max_pos, d)
        self.ln_emb = nn.LayerNorm(d)
        self.layers = nn.ModuleList([TextLayer(d, heads, ff) for _ in range(layers)])
        self.norm = nn.LayerNorm(d)
        self.proj = nn.Linear(d, emb_dim)
        self.head = nn.Linear(emb_dim, n_tasks)

    def forward(self, input_ids, attention_mask):
        l = input_ids.shape[1]
        x = self.tok(input_ids) + self.pos.weight[:l].unsqueeze(0)
        x = self.ln_emb(x)
        bias = (1.0 - attention_mask.to(x.dtype))[:, None, None, :] * -10000.0
        for layer in self.layers:
            x = layer(x, bias)
        emb = self.proj(self.norm(x[:, 0]))  # [CLS] pooling
        return emb, self.head(emb)


# ----------------------------------------------------------------------------- image blocks
class LayerNorm2d(nn.Module):
    def __init__(self, c, eps=1e-6):
        super().__init__()
        self.weight = nn.Parameter(torch.ones(c))
        self.bias = nn.Parameter(torch.zeros(c))
        self.eps = eps

    def forward(self, x):
        mu = x.mean(1, keepdim=True)
        var = (x - mu).pow(2).mean(1, keepdim=True)
        return (x - mu) / torch.sqrt(var + self.eps) * self.weight[None, :, None, None] + self.bias[None, :, None, None]


class NAFBlock(nn.Module):
    """NAFNet block: LN, 1x1, dw3x3, SimpleGate, simplified channel attention, 1x1; FFN with SimpleGate."""

    def __init__(self, c):
        super().__init__()
        self.norm1 = LayerNorm2d(c)
        self.conv1 = nn.Conv2d(c, 2 * c, 1)
        self.conv2 = nn.Conv2d(2 * c, 2 * c, 3, padding=1, groups=2 * c)
        self.sca = nn.Conv2d(c, c, 1)
        self.conv3 = nn.Conv2d(c, c, 1)
        self.norm2 = LayerNorm2d(c)
        self.conv4 = nn.Conv2d(c, 2 * c, 1)
        self.conv5 = nn.Conv2d(c, c, 1)
        self.beta = nn.Parameter(torch.zeros(1, c, 1, 1))
        self.gamma = nn.Parameter(torch.zeros(1, c, 1, 1))

    def forward(self, x):
        y = self.conv2(self.conv1(self.norm1(x)))
        a, b = y.chunk(2, dim=1)
        y = a * b
        y = y * self.sca(y.mean((2, 3), keepdim=True))
        x = x + self.conv3(y) * self.beta
        a, b = self.conv4(self.norm2(x)).chunk(2, dim=1)
        return x + self.conv5(a * b) * self.gamma


class GDFN(nn.Module):
    """Restormer gated-dconv feed-forward network."""

    def __init__(self, c, factor=2.0):
        super().__init__()
        h = int(c * factor)
        self.inp = nn.Conv2d(c, 2 * h, 1)
        self.dw = nn.Conv2d(2 * h, 2 * h, 3, padding=1, groups=2 * h)
        self.out = nn.Conv2d(h, c, 1)

    def forward(self, x):
        a, b = self.dw(self.inp(x)).chunk(2, dim=1)
        return self.out(F.gelu(a) * b)


def channel_attention(q, k, v, heads, temperature):
    """Restormer transposed attention: (C/h x C/h) attention map per head, cost linear in pixels."""
    b, c = q.shape[0], q.shape[1]
    q = q.reshape(b, heads, c // heads, -1)
    k = k.reshape(b, heads, c // heads, -1)
    v = v.reshape(b, heads, c // heads, -1)
    q = F.normalize(q, dim=-1)
    k = F.normalize(k, dim=-1)
    att = torch.matmul(q, k.transpose(-2, -1)) * temperature
    return torch.matmul(att.softmax(-1), v)


class TGABlock(nn.Module):
    """Text-guided attention: the Query is built from channel-weighted text features (text embedding
    projected to C channels, used as per-channel scale and shift of the normalised image features
    before the Q projection); K, V from the image; transposed (channel) attention; GDFN."""

    def __init__(self, c, heads, text_dim):
        super().__init__()
        self.heads = heads
        self.norm1 = LayerNorm2d(c)
        self.text = nn.Linear(text_dim, 2 * c)
        self.q = nn.Conv2d(c, c, 1)
        self.q_dw = nn.Conv2d(c, c, 3, padding=1, groups=c)
        self.kv = nn.Conv2d(c, 2 * c, 1)
        self.kv_dw = nn.Conv2d(2 * c, 2 * c, 3, padding=1, groups=2 * c)
        self.temperature = nn.Parameter(torch.ones(heads, 1, 1))
        self.proj = nn.Conv2d(c, c, 1)
        self.norm2 = LayerNorm2d(c)
        self.ffn = GDFN(c)

    def forward(self, x, t):
        y = self.norm1(x)
        w, s = self.text(t)[:, :, None, None].chunk(2, dim=1)
        q = self.q_dw(self.q(y * (1.0 + w) + s))
        k, v = self.kv_dw(self.kv(y)).chunk(2, dim=1)
        o = channel_attention(q, k, v, self.heads, self.temperature)
        x = x + self.proj(o.reshape(x.shape))
        return x + self.ffn(self.norm2(x))


class BaseBlock(nn.Module):
    """NAFBlock + learned modality embedding (0 visible, 1 infrared) added per channel."""

    def __init__(self, c):
        super().__init__()
        self.mod = nn.Embedding(2, c)
        nn.init.zeros_(self.mod.weight)
        self.naf = NAFBlock(c)

    def forward(self, x, m):
        return self.naf(x + self.mod(m)[:, :, None, None])


class BottleNeck(nn.Module):
    def __init__(self, c, c_out, n):
        super().__init__()
        self.blocks = nn.Sequential(*[NAFBlock(c) for _ in range(n)])
        self.reduce = nn.Conv2d(c, c_out, 1)

    def forward(self, x):
        return self.reduce(self.blocks(x))


class EncoderLayer(nn.Module):
    def __init__(self, c, c_lat, k_tb, k_bn, heads, text_dim):
        super().__init__()
        self.tga = TGABlock(c, heads, text_dim)
        self.base = BaseBlock(c)
        self.deg_tga = nn.ModuleList([TGABlock(c, heads, text_dim) for _ in range(k_tb)])
        self.deg_bn = BottleNeck(c, c_lat, k_bn)   # Phi_d (degradation-specific)
        self.task = nn.Conv2d(c, c_lat, 1)         # Phi_t (task-relevant base, linear)

    def forward(self, x, t, m):
        f = self.base(self.tga(x, t), m)
        d = f
        for blk in self.deg_tga:
            d = blk(d, t)
        z = self.task(f) - self.deg_bn(d)
        return f, z


class ImageEncoder(nn.Module):
    def __init__(self, channels, latents, k_tb, k_bn, heads, text_dim):
        super().__init__()
        self.intro = nn.Conv2d(3, channels[0], 3, padding=1)
        self.layers = nn.ModuleList([EncoderLayer(channels[i], latents[i], k_tb[i], k_bn[i], heads[i], text_dim)
                                     for i in range(4)])
        self.downs = nn.ModuleList([nn.Conv2d(channels[i], channels[i + 1], 2, stride=2) for i in range(3)])

    def forward(self, x, t, m):
        """x float [N,3,H,W] in [0,1]; t [N,D]; m int64 [N] -> [z1..z4]."""
        x = self.intro(x)
        zs = []
        for i in range(4):
            f, z = self.layers[i](x, t, m)
            zs.append(z)
            if i < 3:
                x = self.downs[i](f)
        return zs


class Decoder(nn.Module):
    def __init__(self, channels, latents, blocks):
        super().__init__()
        self.inz = nn.ModuleList([nn.Conv2d(latents[i], channels[i], 1) for i in range(4)])
        self.blocks = nn.ModuleList([nn.Sequential(*[NAFBlock(channels[i]) for _ in range(blocks[i])])
                                     for i in range(4)])
        self.ups = nn.ModuleList([nn.Sequential(nn.Conv2d(channels[i + 1], channels[i] * 4, 1), nn.PixelShuffle(2))
                                  for i in range(3)])
        self.out = nn.Conv2d(channels[0], 3, 3, padding=1)

    def forward(self, zs):
        x = self.blocks[3](self.inz[3](zs[3]))
        for i in (2, 1, 0):
            x = self.ups[i](x) + self.inz[i](zs[i])
            x = self.blocks[i](x)
        return self.out(x)


# ----------------------------------------------------------------------------- fusion
class CrossAttnBlock(nn.Module):
    """Bidirectional transposed cross-attention between the IR and VIS latents + GDFN."""

    def __init__(self, c, heads):
        super().__init__()
        self.heads = heads
        self.na, self.nb = LayerNorm2d(c), LayerNorm2d(c)
        self.qa = nn.Conv2d(c, c, 1)
        self.qb = nn.Conv2d(c, c, 1)
        self.kva = nn.Conv2d(c, 2 * c, 1)
        self.kvb = nn.Conv2d(c, 2 * c, 1)
        self.ta = nn.Parameter(torch.ones(heads, 1, 1))
        self.tb = nn.Parameter(torch.ones(heads, 1, 1))
        self.pa, self.pb = nn.Conv2d(c, c, 1), nn.Conv2d(c, c, 1)
        self.n2a, self.n2b = LayerNorm2d(c), LayerNorm2d(c)
        self.fa, self.fb = GDFN(c), GDFN(c)

    def forward(self, a, b):
        ya, yb = self.na(a), self.nb(b)
        ka, va = self.kva(ya).chunk(2, dim=1)
        kb, vb = self.kvb(yb).chunk(2, dim=1)
        oa = channel_attention(self.qa(ya), kb, vb, self.heads, self.ta)
        ob = channel_attention(self.qb(yb), ka, va, self.heads, self.tb)
        a = a + self.pa(oa.reshape(a.shape))
        b = b + self.pb(ob.reshape(b.shape))
        return a + self.fa(self.n2a(a)), b + self.fb(self.n2b(b))


class FuseScale(nn.Module):
    """Prior rule (DenseFuse l1-norm activity weighting) + learned cross-attention refinement added
    through a zero-initialised 1x1 conv (ControlNet-style): at init the output equals the prior."""

    def __init__(self, c, heads, n, count_include_pad=True):
        super().__init__()
        self.count_include_pad = count_include_pad  # v2: False, so the activity of border pixels is not diluted
        self.blocks = nn.ModuleList([CrossAttnBlock(c, heads) for _ in range(n)])
        self.merge = nn.Conv2d(2 * c, c, 1)
        self.zero = nn.Conv2d(c, c, 1)
        nn.init.zeros_(self.zero.weight)
        nn.init.zeros_(self.zero.bias)

    def forward(self, zi, zv):
        pad = self.count_include_pad
        ai = F.avg_pool2d(zi.abs().mean(1, keepdim=True), 3, stride=1, padding=1, count_include_pad=pad)
        av = F.avg_pool2d(zv.abs().mean(1, keepdim=True), 3, stride=1, padding=1, count_include_pad=pad)
        wi = ai / (ai + av + 1e-6)
        prior = wi * zi + (1.0 - wi) * zv
        a, b = zi, zv
        for blk in self.blocks:
            a, b = blk(a, b)
        return prior + self.zero(self.merge(torch.cat([a, b], dim=1)))


class Fusion(nn.Module):
    def __init__(self, latents, heads, blocks):
        super().__init__()
        self.scales = nn.ModuleList([FuseScale(latents[i], heads[i], blocks[i]) for i in range(4)])

    def forward(self, zi, zv):
        return [self.scales[i](zi[i], zv[i]) for i in range(4)]


class LURE(nn.Module):
    def __init__(self, cfg, vocab_size, n_tasks=6):
        super().__init__()
        self.cfg = dict(cfg)
        lat_heads = [max(1, min(h, l // 8)) for h, l in zip(cfg["heads"], cfg["latents"])]
        self.text = TextEncoder(vocab_size, cfg["text_dim"], cfg["text_layers"], cfg["text_heads"], cfg["text_ff"],
                                cfg["emb_dim"], n_tasks)
        self.encoder = ImageEncoder(cfg["channels"], cfg["latents"], cfg["k_tb"], cfg["k_bn"], cfg["heads"],
                                    cfg["emb_dim"])
        self.decoder = Decoder(cfg["channels"], cfg["latents"], cfg["dec_blocks"])
        self.fusion = Fusion(cfg["latents"], lat_heads, cfg["fus_blocks"])


# ----------------------------------------------------------------------------- export wrappers
class TextGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m.text(input_ids, attention_mask)


class EncoderGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, image, text_embedding, modality):
        x = image.permute(0, 3, 1, 2).to(torch.float32) * (1.0 / 255.0)
        z = self.m.encoder(x, text_embedding, modality)
        return z[0], z[1], z[2], z[3]


def to_u8_nhwc(y):
    return (y.clamp(0.0, 1.0) * 255.0).round().to(torch.uint8).permute(0, 2, 3, 1)


class FusionGraph(nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, ir_z1, ir_z2, ir_z3, ir_z4, vis_z1, vis_z2, vis_z3, vis_z4):
        z = self.m.fusion([ir_z1, ir_z2, ir_z3, ir_z4], [vis_z1, vis_z2, vis_z3, vis_z4])
        return to_u8_nhwc(self.m.decoder(z))
