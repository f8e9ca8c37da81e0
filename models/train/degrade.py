"""Physically motivated synthetic degradations on batched tensors [B,3,H,W] in [0,1].
Each function takes a torch.Generator so pairs are reproducible."""
import torch
import torch.nn.functional as F

GAMMA = 2.2


def _u(g, lo, hi, n=1):
    return lo + (hi - lo) * torch.rand(n, generator=g)


def _quant(x):
    return torch.round(x.clamp(0, 1) * 255.0) / 255.0


def _lum(x):
    return 0.299 * x[:, 0:1] + 0.587 * x[:, 1:2] + 0.114 * x[:, 2:3]


def _gauss_blur(x, sigma):
    r = max(1, int(round(3 * sigma)))
    t = torch.arange(-r, r + 1, dtype=x.dtype)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    k = k / k.sum()
    c = x.shape[1]
    x = F.pad(x, (r, r, r, r), mode="reflect")
    x = F.conv2d(x, k.view(1, 1, 1, -1).repeat(c, 1, 1, 1), groups=c)
    return F.conv2d(x, k.view(1, 1, -1, 1).repeat(c, 1, 1, 1), groups=c)


def haze(y, g):
    """Atmospheric scattering I = J t + A (1 - t), t = exp(-beta d); depth proxy d from vertical
    position (top of frame = far) and smoothed luminance (bright sky / far regions)."""
    b, _, h, w = y.shape
    out = []
    for i in range(b):
        yi = y[i:i + 1]
        top = float(_u(g, 0.0, 0.5))
        vert = torch.linspace(1.0 - top, 0.0, h).view(1, 1, h, 1).expand(1, 1, h, w)
        lum = F.avg_pool2d(_lum(yi), 15, stride=1, padding=7, count_include_pad=False)
        d = (0.65 * vert + 0.35 * lum).clamp(0, 1)
        beta = float(_u(g, 0.8, 2.8))
        a = float(_u(g, 0.72, 1.0))
        tint = 1.0 + (torch.rand(1, 3, 1, 1, generator=g) - 0.5) * 0.06
        t = torch.exp(-beta * d)
        out.append(yi * t + (a * tint).clamp(0, 1) * (1 - t))
    return _quant(torch.cat(out))


def low_light(y, g):
    """Linearise (gamma 2.2), scale exposure down, add Poisson-like shot noise and Gaussian read noise,
    re-apply gamma, quantise to 8 bit."""
    b = y.shape[0]
    lin = y.clamp(0, 1) ** GAMMA
    s = _u(g, 0.02, 0.12, b).view(b, 1, 1, 1)
    k = _u(g, 0.0005, 0.006, b).view(b, 1, 1, 1)      # 1/photons per unit signal
    rd = _u(g, 0.0005, 0.004, b).view(b, 1, 1, 1)     # read noise std (linear)
    x = lin * s
    noise = torch.randn(x.shape, generator=g)
    x = x + torch.sqrt(x * k) * noise + rd * torch.randn(x.shape, generator=g)
    return _quant(x.clamp(0, 1) ** (1.0 / GAMMA))


def overexposure(y, g):
    """Linear exposure scaling by 2-5x with sensor clipping, slight highlight bloom."""
    b = y.shape[0]
    lin = y.clamp(0, 1) ** GAMMA
    s = _u(g, 2.0, 5.0, b).view(b, 1, 1, 1)
    x = (lin * s).clamp(0, 1)
    bloom = _gauss_blur(x, 2.0)
    x = (0.85 * x + 0.15 * bloom).clamp(0, 1)
    return _quant(x ** (1.0 / GAMMA))


def low_contrast(y, g):
    """IR histogram compression: map the full range into a narrow window [lo, lo + r]."""
    b = y.shape[0]
    r = _u(g, 0.12, 0.4, b).view(b, 1, 1, 1)
    lo = (_u(g, 0.05, 1.0, b).view(b, 1, 1, 1) * (0.95 - r)).clamp(min=0.02)
    gam = _u(g, 0.8, 1.25, b).view(b, 1, 1, 1)
    return _quant(lo + r * y.clamp(0, 1) ** gam)


def low_resolution(y, g, factor=None):
    """Gaussian blur + box downsample by 4 or 8 + bilinear upsample back."""
    if factor is None:
        factor = 4 if float(_u(g, 0, 1)) < 0.5 else 8
    x = _gauss_blur(y, 0.3 * factor)
    x = F.avg_pool2d(x, factor)
    x = F.interpolate(x, scale_factor=factor, mode="bilinear", align_corners=False)
    return _quant(x)


DEGRADE = {"low_light": low_light, "haze": haze, "overexposure": overexposure,
           "low_contrast": low_contrast, "low_resolution": low_resolution}
