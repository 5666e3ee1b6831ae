"""Descale-and-compare: how well each candidate upscale explains an image.

An image enlarged from ``m`` to ``n`` samples along an axis by a separable
resampler is, along that axis, ``U @ s``: each row (or column) lies in the
``m``-dimensional span of the resampler's ``n x m`` upscale matrix ``U``
(Vazquez-Padin et al., "a block that lies in the kernel's subspace"). For
each candidate (factor ``f``, so ``m = round(n / f)``, and kernel) this
module projects the most textured rows and columns onto ``span(U)`` by
least squares and measures the residual energy against the lines'
second-derivative energy. At the true ``(m, kernel)`` the residual falls to
the 8-bit rounding noise (a sharp dip in the curve over ``f``); a native,
blurred or defocused image has no such dip (its detail above the candidate's
Nyquist frequency is never in the span); a codec's quantization noise
raises the floor.

``U`` is built analytically (sparse, banded) for the pixel-centre
convention shared by OpenCV, Pillow and swscale
(``x_src = (i + 0.5) m / n - 0.5``), with each library's kernel:
OpenCV's bilinear, Keys cubic with a = -0.75 and normalized Lanczos-4
(taps clamped at the border, as ``cv2.resize`` replicates), Pillow's
cubic a = -0.5 and Lanczos-3, swscale's bicubic (B = 0, C = 0.6, i.e. a =
-0.6). The lines are cut ``MARGIN`` pixels from both ends (where the
libraries' border rules differ) and to at most ``MAX_LENGTH`` samples.
The least squares use the banded normal equations (``U.T @ U`` has the
kernel's bandwidth), so a candidate costs O(n x lines x taps).

A benchmark helper (``bench_fake4k_features.py``), not part of the package.
"""

import numpy as np
from scipy import sparse
from scipy.linalg import cho_solve_banded, cholesky_banded

__all__ = ["KERNELS", "FACTORS", "upscale_matrix", "descale_curve", "descale_features"]


def _linear(t):
    t = np.abs(t)
    return np.clip(1 - t, 0, None)


def _keys(a):
    def kernel(t):
        t = np.abs(t)
        near = ((a + 2) * t - (a + 3)) * t * t + 1
        far = ((a * t - 5 * a) * t + 8 * a) * t - 4 * a
        return np.where(t <= 1, near, np.where(t < 2, far, 0.0))
    return kernel


def _lanczos(a):
    def kernel(t):
        return np.where(np.abs(t) < a, np.sinc(t) * np.sinc(t / a), 0.0)
    return kernel


# name: (kernel function, half support in source pixels, weights normalized)
KERNELS = {
    "bilinear": (_linear, 1, False),          # OpenCV, Pillow and swscale alike
    "bicubic": (_keys(-0.75), 2, False),      # OpenCV INTER_CUBIC
    "lanczos": (_lanczos(4), 4, True),        # OpenCV INTER_LANCZOS4
    "cubic-0.5": (_keys(-0.5), 2, False),     # Pillow BICUBIC
    "cubic-0.6": (_keys(-0.6), 2, False),     # swscale SWS_BICUBIC (B=0, C=0.6)
    "lanczos3": (_lanczos(3), 3, True),       # Pillow and swscale LANCZOS
}
# The factors scanned: 1.2 to 3.2 in steps of 0.01.
FACTORS = np.round(np.arange(1.20, 3.2001, 0.01), 2)
MARGIN = 8
MAX_LENGTH = 512
N_LINES = 64

_CACHE = {}


def upscale_matrix(n, m, kernel):
    """The sparse ``n x m`` matrix that upscales ``m`` samples to ``n``.

    Pixel-centre convention, taps clamped to the border (replicate).
    """
    func, support, normalize = KERNELS[kernel]
    x = (np.arange(n) + 0.5) * (m / n) - 0.5
    base = np.floor(x).astype(int)
    offsets = np.arange(-support + 1, support + 1)
    taps = base[:, None] + offsets[None, :]
    w = func(x[:, None] - taps)
    if normalize:
        w = w / w.sum(axis=1, keepdims=True)
    cols = np.clip(taps, 0, m - 1)
    rows = np.repeat(np.arange(n), len(offsets))
    return sparse.csr_matrix((w.ravel(), (rows, cols.ravel())), shape=(n, m))


def _solver(n, m, kernel, start, stop):
    """Banded Cholesky of the normal equations of ``U[start:stop]``, cached."""
    key = (n, m, kernel, start, stop)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    U = upscale_matrix(n, m, kernel)[start:stop]
    used = np.flatnonzero(np.asarray(abs(U).sum(axis=0)).ravel() > 0)
    U = U[:, used[0]:used[-1] + 1].tocsr()
    G = (U.T @ U).todia()
    p = KERNELS[kernel][1] * 2 + 1
    k = G.shape[0]
    ab = np.zeros((p + 1, k))
    for d in range(p + 1):
        diag = G.diagonal(d)
        ab[p - d, d:] = diag
    ab[p] += 1e-9 * ab[p].max()
    chol = cholesky_banded(ab, lower=False)
    out = (U, U.T.tocsr(), chol)
    if len(_CACHE) > 20000:
        _CACHE.clear()
    _CACHE[key] = out
    return out


def _lines(y, n_lines):
    """The ``n_lines`` most textured columns of ``y`` (as an (n, n_lines) array),
    cut to the central ``MAX_LENGTH`` samples less ``MARGIN`` at both ends."""
    n = y.shape[0]
    length = min(n - 2 * MARGIN, MAX_LENGTH)
    start = (n - length) // 2
    seg = y[start:start + length]
    d2 = seg[:-2] - 2 * seg[1:-1] + seg[2:]
    energy = np.mean(d2 * d2, axis=0)
    pick = np.sort(np.argsort(energy)[::-1][:n_lines])
    return seg[:, pick].astype(np.float64), start, float(energy[pick].sum() * (length - 2))


def _axis_curve(y, factors, kernel, n_lines):
    """Residual energy of the chosen lines of ``y`` (down axis 0) per factor."""
    n = y.shape[0]
    X, start, hp = _lines(y, n_lines)
    stop = start + X.shape[0]
    res = np.empty(len(factors))
    done = {}
    for i, f in enumerate(factors):
        m = max(2, int(round(n / f)))
        if m not in done:
            U, Ut, chol = _solver(n, m, kernel, start, stop)
            c = cho_solve_banded((chol, False), Ut @ X)
            r = X - U @ c
            done[m] = float(np.sum(r * r))
        res[i] = done[m]
    return res, hp


def descale_curve(image, *, factors=None, kernels=("bilinear", "bicubic", "lanczos"),
                  n_lines=N_LINES):
    """The descale residual curve of one luminance image.

    Parameters
    ----------
    image : ndarray of shape (H, W)
        Luminance, float in [0, 1].
    factors : array-like of float, default=None
        Candidate factors (``FACTORS`` when None).
    kernels : sequence of str
        Keys of ``KERNELS``.
    n_lines : int
        Rows and columns used per axis (the most textured).

    Returns
    -------
    curve : ndarray of shape (n_kernels, n_factors)
        log10 of the residual energy of rows and columns together, over
        their second-derivative energy.
    """
    y = np.asarray(image, dtype=np.float32)
    factors = FACTORS if factors is None else np.asarray(factors, dtype=float)
    curve = np.empty((len(kernels), len(factors)))
    for k, kernel in enumerate(kernels):
        rc, hc = _axis_curve(y, factors, kernel, n_lines)       # down the columns
        rr, hr = _axis_curve(y.T, factors, kernel, n_lines)     # along the rows
        curve[k] = np.log10((rc + rr) / (hc + hr + 1e-12) + 1e-12)
    return curve


def dip_depth(curve, factors=None, *, window=0.12, guard=0.015):
    """How far each point of the curve lies below its neighbours (in log10).

    The background of factor ``f`` is the median of the curve over factors
    within ``window`` of ``f``, less ``guard`` around it.
    """
    factors = FACTORS if factors is None else np.asarray(factors, dtype=float)
    curve = np.atleast_2d(curve)
    depth = np.empty_like(curve)
    for i, f in enumerate(factors):
        near = (np.abs(factors - f) <= window) & (np.abs(factors - f) > guard)
        depth[:, i] = np.median(curve[:, near], axis=1) - curve[:, i]
    return depth


DESCALE_FEATURES = (
    "descale_dip_max", "descale_dip_second", "descale_dip_kernel_spread",
    "descale_floor", "descale_median", "descale_dip_at_125", "descale_dip_at_15",
    "descale_dip_at_2", "descale_dip_at_24", "descale_dip_at_3",
)


def descale_features(image, *, kernels=("bilinear", "bicubic", "lanczos"),
                     n_lines=N_LINES):
    """Ten numbers from the descale curve, and the factor of the deepest dip.

    Returns
    -------
    features : ndarray of shape (10,)
        ``DESCALE_FEATURES``: the deepest dip over kernels and factors, the
        deepest dip at a factor at least 0.1 away from it (the background of
        false dips), the spread of the deepest dip's depth over the kernels,
        the curve's minimum and median, and the deepest dip (over kernels)
        at x1.25, x1.5, x2, x2.4 and x3.
    factor : float
        The factor of the deepest dip.
    curve : ndarray of shape (n_kernels, n_factors)
    """
    curve = descale_curve(image, kernels=kernels, n_lines=n_lines)
    depth = dip_depth(curve)
    best = depth.max(axis=0)
    i = int(np.argmax(best))
    far = np.abs(FACTORS - FACTORS[i]) >= 0.1
    at = [best[np.argmin(np.abs(FACTORS - f))] for f in (1.25, 1.5, 2.0, 2.4, 3.0)]
    features = np.array([
        best[i], best[far].max(), best[i] - depth[:, i].min(),
        curve.min(), np.median(curve), *at,
    ])
    return features, float(FACTORS[i]), curve
