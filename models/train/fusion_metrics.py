"""NumPy implementation of the image-fusion metrics (issue 7; conventions fixed by issue 13 item 10).

Kept in step with the C# implementation in src/LureStream.Evaluation/Metrics/ (the C# tests compare against
values produced by this module, see tools/make_metric_reference.py); both follow the evaluation scripts
the fusion literature uses (Tang's MATLAB evaluation code, VIFB's metrics folder, CDDFuse's Evaluator).
docs/metrics.md states every metric's formula, conventions and the script it follows; the C# test
project also checks both against a separate straightforward implementation of those scripts' formulas.
Used by the training evaluation and the model card.

Entry point: ``all_metrics(ir_u8, vis_u8, fused_u8) -> dict`` with the keys
EN, SD, SF, AG, MI, SCD, VIF, Qabf, SSIM, MS_SSIM, PSNR, CC.

Conventions (shared with the C# implementation; keep them in sync):

* Grey image: a uint8 HxW image is used as is; a uint8 HxWx3 RGB image becomes the uint8 grey image
  of MATLAB rgb2gray, Y = round((0.298936021293775 R + 0.587043074451121 G) + 0.114020904255103 B)
  in float64, exactly this order, half away from zero (the scripts score imread + rgb2gray images).
  Values in [0, 255]. All metrics then run in float64.
* Histogram bins (EN, MI): round-half-to-even, clamped to [0, 255], 256 bins (a no-op for 8-bit
  input). Logarithms base 2 (bits).
* AG: MATLAB gradient() (central differences / 2 inside, one-sided on the border), summed over all
  pixels and divided by (H-1)(W-1).
* Window filters are 'valid' (no padding): SSIM/MS-SSIM and VIF maps cover only the positions
  where the window fits inside the image, as in Wang's ssim_index.m / msssim.m and Sheikh's
  vifp_mscale.m.
* MS-SSIM downsampling: 2x2 mean of pixels (2i, 2i+1) x (2j, 2j+1), the last row/column
  replicated when a dimension is odd (msssim.m: imfilter(ones(2)/4, 'symmetric') then 1:2:end),
  output size ceil(n/2).
* Qabf Sobel: MATLAB conv2(p, h, 'same') -- true convolution, zero padding -- with
  h3 = [-1 0 1; -2 0 2; -1 0 1] (x) and h1 = [1 2 1; 0 0 0; -1 -2 -1] (y), i.e. Sx = left - right,
  Sy = below - above; alpha = atan(Sy / Sx), pi/2 where Sx == 0; G = g_F where g_X == g_F.
* Size limits: SSIM needs min(H, W) >= 11, VIF >= 41 (all four scales non-empty), MS-SSIM >= 161
  (the fifth scale still holds an 11x11 window). The single-metric functions raise ValueError below
  that; all_metrics() reports NaN for them instead.
"""

from __future__ import annotations

import math

import numpy as np

PSNR_CAP_DB = 100.0
SSIM_K1, SSIM_K2, SSIM_L = 0.01, 0.03, 255.0
SSIM_WINDOW, SSIM_SIGMA = 11, 1.5
MSSSIM_WEIGHTS = (0.0448, 0.2856, 0.3001, 0.2363, 0.1333)
VIF_SIGMA_NSQ = 2.0
VIF_EPS = 1e-10
SSIM_MIN_SIZE = 11
VIF_MIN_SIZE = 41
MSSSIM_MIN_SIZE = 161

METRIC_KEYS = ("EN", "SD", "SF", "AG", "MI", "SCD", "VIF", "Qabf", "SSIM", "MS_SSIM", "PSNR", "CC")


# ----------------------------------------------------------------------------------------------
# input handling


RGB2GRAY_WEIGHTS = (0.298936021293775, 0.587043074451121, 0.114020904255103)


def luminance(img) -> np.ndarray:
    """uint8 HxW (gray) or HxWx3 (RGB) -> float64 HxW grey levels in [0, 255] (MATLAB rgb2gray on uint8)."""
    a = np.asarray(img)
    if a.dtype != np.uint8:
        raise TypeError(f"expected a uint8 image, got {a.dtype}")
    if a.ndim == 3 and a.shape[2] == 1:
        a = a[:, :, 0]
    if a.ndim == 2:
        y = a.astype(np.float64)
    elif a.ndim == 3 and a.shape[2] == 3:
        c = a.astype(np.float64)
        wr, wg, wb = RGB2GRAY_WEIGHTS
        s = (wr * c[:, :, 0] + wg * c[:, :, 1]) + wb * c[:, :, 2]
        y = np.floor(s + 0.5)  # s >= 0: half away from zero, as MATLAB's cast to uint8
    else:
        raise ValueError(f"expected HxW or HxWx3, got shape {a.shape}")
    if y.shape[0] == 0 or y.shape[1] == 0:
        raise ValueError(f"image has zero size {y.shape}")
    return y


def _bins(y: np.ndarray) -> np.ndarray:
    return np.clip(np.rint(y), 0, 255).astype(np.int64)


def _check_same(*imgs: np.ndarray) -> None:
    shapes = {im.shape for im in imgs}
    if len(shapes) != 1:
        raise ValueError(f"images differ in size: {[im.shape for im in imgs]}")


# ----------------------------------------------------------------------------------------------
# single-image metrics


def entropy(f: np.ndarray) -> float:
    """EN = -sum_i p_i log2 p_i over the 256-bin histogram (Roberts et al. 2008)."""
    hist = np.bincount(_bins(f).ravel(), minlength=256).astype(np.float64)
    p = hist / hist.sum()
    p = p[p > 0]
    return float(-(p * np.log2(p)).sum())


def standard_deviation(f: np.ndarray) -> float:
    """SD = sqrt(mean((F - mean F)^2)) (population)."""
    return float(np.sqrt(np.mean((f - f.mean()) ** 2)))


def spatial_frequency(f: np.ndarray) -> float:
    """SF = sqrt(RF^2 + CF^2), RF/CF = RMS of horizontal/vertical first differences (Eskicioglu 1995)."""
    rf2 = float(np.mean((f[:, 1:] - f[:, :-1]) ** 2)) if f.shape[1] > 1 else 0.0
    cf2 = float(np.mean((f[1:, :] - f[:-1, :]) ** 2)) if f.shape[0] > 1 else 0.0
    return math.sqrt(rf2 + cf2)


def _matlab_gradient(f: np.ndarray, axis: int) -> np.ndarray:
    """MATLAB gradient() along one axis, unit spacing: one-sided at both ends, (f[i+1] - f[i-1]) / 2 inside."""
    g = np.zeros_like(f)
    n = f.shape[axis]
    if n < 2:
        return g
    sl = lambda a, b: tuple(slice(a, b) if ax == axis else slice(None) for ax in range(f.ndim))  # noqa: E731
    g[sl(0, 1)] = f[sl(1, 2)] - f[sl(0, 1)]
    g[sl(n - 1, n)] = f[sl(n - 1, n)] - f[sl(n - 2, n - 1)]
    if n > 2:
        g[sl(1, n - 1)] = (f[sl(2, n)] - f[sl(0, n - 2)]) * 0.5
    return g


def average_gradient(f: np.ndarray) -> float:
    """AG = sum of sqrt((Gx^2 + Gy^2) / 2) over all pixels / ((H-1)(W-1)), [Gx, Gy] = MATLAB gradient(F).

    VIFB metricsAvg_gradient.m / Tang AG_evaluation.m (Cui et al. 2015). 0 for a single row or column.
    """
    h, w = f.shape
    if h < 2 or w < 2:
        return 0.0
    gx = _matlab_gradient(f, 1)
    gy = _matlab_gradient(f, 0)
    return float(np.sum(np.sqrt((gx * gx + gy * gy) * 0.5))) / ((h - 1) * (w - 1))


# ----------------------------------------------------------------------------------------------
# pair metrics


def mutual_information(a: np.ndarray, f: np.ndarray) -> float:
    """MI(A,F) = sum p(a,f) log2(p(a,f) / (p(a) p(f))) over a 256x256 joint histogram (Qu et al. 2002)."""
    _check_same(a, f)
    joint = np.bincount((_bins(a) * 256 + _bins(f)).ravel(), minlength=256 * 256).astype(np.float64)
    p = joint.reshape(256, 256) / a.size
    pa = p.sum(axis=1)
    pf = p.sum(axis=0)
    outer = pa[:, None] * pf[None, :]
    nz = p > 0
    return float((p[nz] * np.log2(p[nz] / outer[nz])).sum())


def correlation(a: np.ndarray, b: np.ndarray) -> float:
    """Pearson correlation; 0 when either image has zero variance."""
    _check_same(a, b)
    da = a - a.mean()
    db = b - b.mean()
    den = math.sqrt(float((da * da).sum()) * float((db * db).sum()))
    if den == 0.0:
        return 0.0
    return float((da * db).sum()) / den


def mse(a: np.ndarray, b: np.ndarray) -> float:
    _check_same(a, b)
    return float(np.mean((a - b) ** 2))


def gaussian_window(n: int, sigma: float) -> np.ndarray:
    """MATLAB fspecial('gaussian', n, sigma): 2-D, normalised to sum 1."""
    r = (n - 1) / 2.0
    y, x = np.mgrid[-r:r + 1, -r:r + 1]
    h = np.exp(-(x * x + y * y) / (2.0 * sigma * sigma))
    h[h < np.finfo(np.float64).eps * h.max()] = 0.0
    return h / h.sum()


def filter_valid(img: np.ndarray, win: np.ndarray) -> np.ndarray:
    """2-D correlation, 'valid' region only (MATLAB filter2(win, img, 'valid'))."""
    kh, kw = win.shape
    ho, wo = img.shape[0] - kh + 1, img.shape[1] - kw + 1
    if ho <= 0 or wo <= 0:
        return np.zeros((max(ho, 0), max(wo, 0)))
    out = np.zeros((ho, wo))
    for i in range(kh):
        for j in range(kw):
            if win[i, j] != 0.0:
                out += win[i, j] * img[i:i + ho, j:j + wo]
    return out


def _ssim_means(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Mean SSIM and mean contrast-structure term over the 'valid' Gaussian-window map."""
    win = gaussian_window(SSIM_WINDOW, SSIM_SIGMA)
    c1 = (SSIM_K1 * SSIM_L) ** 2
    c2 = (SSIM_K2 * SSIM_L) ** 2
    mx = filter_valid(x, win)
    my = filter_valid(y, win)
    sxx = filter_valid(x * x, win) - mx * mx
    syy = filter_valid(y * y, win) - my * my
    sxy = filter_valid(x * y, win) - mx * my
    cs = (2.0 * sxy + c2) / (sxx + syy + c2)
    lum = (2.0 * mx * my + c1) / (mx * mx + my * my + c1)
    return float(np.mean(lum * cs)), float(np.mean(cs))


def ssim(a: np.ndarray, b: np.ndarray) -> float:
    """SSIM (Wang et al. 2004), Gaussian 11x11 window sigma 1.5, K1=0.01, K2=0.03, L=255, mean of the map."""
    _check_same(a, b)
    if min(a.shape) < SSIM_MIN_SIZE:
        raise ValueError(f"SSIM needs at least {SSIM_MIN_SIZE}x{SSIM_MIN_SIZE} pixels, got {a.shape}")
    return _ssim_means(a, b)[0]


def _downsample2(x: np.ndarray) -> np.ndarray:
    if x.shape[0] % 2:
        x = np.concatenate([x, x[-1:, :]], axis=0)
    if x.shape[1] % 2:
        x = np.concatenate([x, x[:, -1:]], axis=1)
    return 0.25 * (x[0::2, 0::2] + x[1::2, 0::2] + x[0::2, 1::2] + x[1::2, 1::2])


def ms_ssim(a: np.ndarray, b: np.ndarray) -> float:
    """MS-SSIM (Wang, Simoncelli, Bovik 2003), 5 scales, weights 0.0448 0.2856 0.3001 0.2363 0.1333.

    prod_{j<5} max(cs_j, 0)^w_j * max(ssim_5, 0)^w_5 with cs_j / ssim_5 the map means per scale.
    """
    _check_same(a, b)
    if min(a.shape) < MSSSIM_MIN_SIZE:
        raise ValueError(f"MS-SSIM needs at least {MSSSIM_MIN_SIZE}x{MSSSIM_MIN_SIZE} pixels, got {a.shape}")
    x, y = a, b
    result = 1.0
    levels = len(MSSSIM_WEIGHTS)
    for level in range(levels):
        s, cs = _ssim_means(x, y)
        if level < levels - 1:
            result *= max(cs, 0.0) ** MSSSIM_WEIGHTS[level]
            x, y = _downsample2(x), _downsample2(y)
        else:
            result *= max(s, 0.0) ** MSSSIM_WEIGHTS[level]
    return result


def vifp(ref: np.ndarray, dist: np.ndarray) -> float:
    """Pixel-domain multi-scale VIF (Sheikh & Bovik 2006, vifp_mscale.m), sigma_n^2 = 2.

    Returns 1 when the reference carries no information (denominator 0).
    """
    _check_same(ref, dist)
    if min(ref.shape) < VIF_MIN_SIZE:
        raise ValueError(f"VIF needs at least {VIF_MIN_SIZE}x{VIF_MIN_SIZE} pixels, got {ref.shape}")
    num = 0.0
    den = 0.0
    r, d = ref, dist
    for scale in range(1, 5):
        n = 2 ** (4 - scale + 1) + 1
        win = gaussian_window(n, n / 5.0)
        if scale > 1:
            r = filter_valid(r, win)[::2, ::2]
            d = filter_valid(d, win)[::2, ::2]
        mu1 = filter_valid(r, win)
        mu2 = filter_valid(d, win)
        s1 = filter_valid(r * r, win) - mu1 * mu1
        s2 = filter_valid(d * d, win) - mu2 * mu2
        s12 = filter_valid(r * d, win) - mu1 * mu2
        s1[s1 < 0] = 0.0
        s2[s2 < 0] = 0.0
        g = s12 / (s1 + VIF_EPS)
        sv = s2 - g * s12
        m = s1 < VIF_EPS
        g[m] = 0.0
        sv[m] = s2[m]
        s1[m] = 0.0
        m = s2 < VIF_EPS
        g[m] = 0.0
        sv[m] = 0.0
        m = g < 0
        sv[m] = s2[m]
        g[m] = 0.0
        sv[sv <= VIF_EPS] = VIF_EPS
        num += float(np.sum(np.log10(1.0 + g * g * s1 / (sv + VIF_SIGMA_NSQ))))
        den += float(np.sum(np.log10(1.0 + s1 / VIF_SIGMA_NSQ)))
    if den == 0.0:
        return 1.0
    return num / den


# ----------------------------------------------------------------------------------------------
# Qabf


def _sobel(img: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Gradient strength and orientation as conv2(p, h3/h1, 'same') (zero padding, kernel flipped)."""
    h, w = img.shape
    p = np.pad(img, 1, mode="constant", constant_values=0.0)

    def at(di: int, dj: int) -> np.ndarray:
        return p[1 + di:1 + di + h, 1 + dj:1 + dj + w]

    gx = (at(-1, -1) + 2.0 * at(0, -1) + at(1, -1)) - (at(-1, 1) + 2.0 * at(0, 1) + at(1, 1))
    gy = (at(1, -1) + 2.0 * at(1, 0) + at(1, 1)) - (at(-1, -1) + 2.0 * at(-1, 0) + at(-1, 1))
    g = np.sqrt(gx * gx + gy * gy)
    alpha = np.full(img.shape, math.pi / 2.0)
    nz = gx != 0
    alpha[nz] = np.arctan(gy[nz] / gx[nz])
    return g, alpha


def _edge_preservation(g_a, a_a, g_f, a_f) -> np.ndarray:
    """Q^{AF} = Q_g^{AF} * Q_alpha^{AF} (Xydeas & Petrovic 2000); G = g_F where g_A == g_F, as the scripts."""
    gam_g, k_g, s_g = 0.9994, -15.0, 0.5
    gam_a, k_a, s_a = 0.9879, -22.0, 0.8
    rel_g = g_f.copy()
    m = g_a > g_f
    rel_g[m] = g_f[m] / g_a[m]
    m = g_a < g_f
    rel_g[m] = g_a[m] / g_f[m]
    rel_a = 1.0 - np.abs(a_a - a_f) / (math.pi / 2.0)
    q_g = gam_g / (1.0 + np.exp(k_g * (rel_g - s_g)))
    q_a = gam_a / (1.0 + np.exp(k_a * (rel_a - s_a)))
    return q_g * q_a


def qabf(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    """Q^{AB/F} = sum(Q^{AF} g_A + Q^{BF} g_B) / sum(g_A + g_B) (weights w = g^L, L = 1); 0 if no edges."""
    _check_same(a, b, f)
    g_a, a_a = _sobel(a)
    g_b, a_b = _sobel(b)
    g_f, a_f = _sobel(f)
    den = float((g_a + g_b).sum())
    if den == 0.0:
        return 0.0
    num = float((_edge_preservation(g_a, a_a, g_f, a_f) * g_a + _edge_preservation(g_b, a_b, g_f, a_f) * g_b).sum())
    return num / den


# ----------------------------------------------------------------------------------------------
# fusion metrics


def scd(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    """SCD = r(F - B, A) + r(F - A, B) (Aslantas & Bendes 2015)."""
    return correlation(f - b, a) + correlation(f - a, b)


def psnr(a: np.ndarray, b: np.ndarray, f: np.ndarray) -> float:
    """PSNR = 10 log10(255^2 / ((MSE(A,F) + MSE(B,F)) / 2)), capped at 100 dB (MSE 0 -> 100)."""
    m = (mse(a, f) + mse(b, f)) / 2.0
    if m == 0.0:
        return PSNR_CAP_DB
    return min(PSNR_CAP_DB, 10.0 * math.log10(255.0 * 255.0 / m))


def all_metrics(ir_u8, vis_u8, fused_u8, keys=None) -> dict:
    """All metrics of the fused image against the two sources (uint8 gray or RGB inputs); with ``keys``, only those
    (VIF and MS-SSIM cost most of the time, and a caller that reports neither need not compute them)."""
    a = luminance(ir_u8)
    b = luminance(vis_u8)
    f = luminance(fused_u8)
    _check_same(a, b, f)
    small = min(f.shape)
    nan = float("nan")
    metrics = {
        "EN": lambda: entropy(f),
        "SD": lambda: standard_deviation(f),
        "SF": lambda: spatial_frequency(f),
        "AG": lambda: average_gradient(f),
        "MI": lambda: mutual_information(a, f) + mutual_information(b, f),
        "SCD": lambda: scd(a, b, f),
        "VIF": lambda: vifp(a, f) + vifp(b, f) if small >= VIF_MIN_SIZE else nan,
        "Qabf": lambda: qabf(a, b, f),
        "SSIM": lambda: (ssim(a, f) + ssim(b, f)) / 2.0 if small >= SSIM_MIN_SIZE else nan,
        "MS_SSIM": lambda: (ms_ssim(a, f) + ms_ssim(b, f)) / 2.0 if small >= MSSSIM_MIN_SIZE else nan,
        "PSNR": lambda: psnr(a, b, f),
        "CC": lambda: (correlation(a, f) + correlation(b, f)) / 2.0,
    }
    unknown = set(keys or ()) - metrics.keys()
    if unknown:
        raise ValueError(f"unknown metrics: {', '.join(sorted(unknown))}")
    return {k: fn() for k, fn in metrics.items() if keys is None or k in keys}


def _load_u8(path: str) -> np.ndarray:
    from PIL import Image  # only for the command line

    with Image.open(path) as im:
        if im.mode not in ("L", "RGB"):
            im = im.convert("RGB")
        return np.asarray(im, dtype=np.uint8)


def main(argv=None) -> int:
    """Command line: print the metrics of one fused image as JSON."""
    import argparse
    import json

    parser = argparse.ArgumentParser(description="Image-fusion metrics of a fused image against IR and visible sources.")
    parser.add_argument("ir")
    parser.add_argument("vis")
    parser.add_argument("fused")
    args = parser.parse_args(argv)
    metrics = all_metrics(_load_u8(args.ir), _load_u8(args.vis), _load_u8(args.fused))
    print(json.dumps({k: (None if math.isnan(v) else v) for k, v in metrics.items()}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
