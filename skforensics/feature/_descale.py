"""Descale and compare: how well each candidate upscale explains an image.

An image enlarged from ``m`` to ``n`` samples along an axis by a separable
resampler is, along that axis, ``U @ s``: each column lies in the
``m``-dimensional span of the resampler's ``n x m`` upscale matrix ``U``
(Vazquez-Padin and colleagues read the same subspace). For each candidate
factor ``f`` (so ``m = round(n / f)``) and kernel, the most textured rows
and columns are projected onto ``span(U)`` by least squares (with a tiny
ridge) and the residual energy is measured against the lines'
second-derivative energy. At the true ``(m, kernel)`` the residual falls to
the rounding noise: a sharp dip in the curve over ``f``. A native, blurred
or defocused image has no dip (its detail above the candidate's Nyquist
frequency is never in the span); a codec's quantisation noise raises the
floor, and noise that differs from frame to frame averages out when the
residuals of several frames are added.

``U`` follows the pixel-centre convention of OpenCV, Pillow and swscale
(``x_src = (i + 0.5) m / n - 0.5``, taps clamped at the border). The lines
are cut ``_MARGIN`` pixels from both ends, where the libraries' border rules
differ, and to their central ``_MAX_LENGTH`` samples, so the cost does not
grow with the image: about a second for any frame on one core.
"""

import numpy as np
from scipy import sparse
from scipy.linalg import cho_solve_banded, cholesky_banded
from sklearn.utils import Bunch

__all__ = ["descale_curve"]


def _linear(t):
    return np.clip(1 - np.abs(t), 0, None)


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


def _area(t, scale):
    """OpenCV's INTER_AREA enlargement: the share of an output pixel
    (``scale`` source pixels wide, centred ``t`` from the source pixel's
    centre) that the source pixel covers."""
    low, high = t + 0.5 - scale / 2, t + 0.5 + scale / 2
    return np.clip(np.minimum(high, 1.0) - np.maximum(low, 0.0), 0, None) / scale


# name: (kernel, half support in source pixels, taps normalised to sum 1);
# a kernel of None is the area's, which depends on the factor too.
KERNELS = {
    "bilinear": (_linear, 1, False),       # OpenCV, Pillow and swscale alike
    "bicubic": (_keys(-0.75), 2, False),   # OpenCV INTER_CUBIC
    "lanczos": (_lanczos(4), 4, True),     # OpenCV INTER_LANCZOS4
    "cubic-0.5": (_keys(-0.5), 2, False),  # Pillow BICUBIC
    "cubic-0.6": (_keys(-0.6), 2, False),  # swscale SWS_BICUBIC
    "lanczos3": (_lanczos(3), 3, True),    # Pillow and swscale LANCZOS
    "area": (None, 1, False),              # OpenCV INTER_AREA, enlarging
}
DEFAULT_KERNELS = ("bilinear", "bicubic", "lanczos")
# The factors scanned by default: 1.2 to 3.2 in steps of 0.01.
DEFAULT_FACTORS = np.round(np.arange(1.20, 3.2001, 0.01), 2)
_MARGIN = 8
_MAX_LENGTH = 512
_N_LINES = 64
# Below this second-derivative energy (summed over the lines) a frame has no
# detail to explain: an 8-bit texture gives 1e-1 or more.
_MIN_DETAIL = 1e-9
# Factorisations kept between calls (the frames of one video share them).
_SOLVERS = {}
_MAX_SOLVERS = 4096


def _solver(n, m, kernel, start, stop):
    """Rows ``start:stop`` of the upscale matrix and the banded Cholesky
    factor of their normal equations, cached."""
    key = (n, m, kernel, start, stop)
    hit = _SOLVERS.get(key)
    if hit is not None:
        return hit
    out = factorise(n, m, kernel, start, stop)[:3]
    if len(_SOLVERS) >= _MAX_SOLVERS:
        _SOLVERS.clear()
    _SOLVERS[key] = out
    return out


def factorise(n, m, kernel, start, stop):
    """Rows ``start:stop`` of the ``n x m`` upscale matrix ``U``, ``U.T``,
    the banded Cholesky factor of ``U.T @ U`` and the first source sample.

    The columns of ``U`` are the source samples the rows touch, from
    ``first`` on (all ``m`` of them for ``start=0, stop=n``). Not cached
    (see :func:`_solver`).
    """
    U, chol, firsts = _upscale_systems(n, [m], kernel, start, stop)
    return U, U.T.tocsr(), chol, int(firsts[0])


def kernel_taps(x, kernel, scale):
    """The source samples (not clamped) and weights of ``kernel`` at source
    positions ``x``; ``scale`` (source samples per output sample,
    broadcastable to ``x``) matters to the area kernel only. Both arrays
    have the shape of ``x`` and one more axis, of the taps."""
    func, support, normalise = KERNELS[kernel]
    taps = np.floor(x).astype(int)[..., None] + np.arange(1 - support, support + 1)
    offsets = x[..., None] - taps
    if func is None:
        weights = _area(offsets, np.asarray(scale)[..., None])
    else:
        weights = func(offsets)
    if normalise:
        weights = weights / weights.sum(axis=-1, keepdims=True)
    return taps, weights


def _upscale_systems(n, lengths, kernel, start, stop):
    """Rows ``start:stop`` of the upscale matrices from each of ``lengths``
    to ``n``, side by side in one block-diagonal sparse matrix ``U`` (each
    block's columns are the source samples its rows touch, from the first
    on), the banded Cholesky factor of ``U.T @ U`` (block-diagonal too) and
    each block's first source sample."""
    lengths = np.asarray(lengths)
    n_rows = stop - start
    support = KERNELS[kernel][1]
    scale = lengths[:, None] / n
    x = (np.arange(start, stop)[None, :] + 0.5) * scale - 0.5
    taps, weights = kernel_taps(x, kernel, scale)
    taps = np.clip(taps, 0, lengths[:, None, None] - 1)
    # Each block's source samples from the first it touches, placed after
    # the previous block's.
    firsts = taps.min(axis=(1, 2))
    sizes = taps.max(axis=(1, 2)) - firsts + 1
    offsets = np.concatenate([[0], np.cumsum(sizes)[:-1]])
    taps = taps - (firsts - offsets)[:, None, None]
    total = int(sizes.sum())
    rows = np.arange(len(lengths) * n_rows).reshape(len(lengths), n_rows, 1)
    U = sparse.csr_matrix(
        (weights.ravel(), (np.broadcast_to(rows, taps.shape).ravel(), taps.ravel())),
        shape=(len(lengths) * n_rows, total),
    )
    # U.T @ U in upper banded storage: ab[p - d, j + d] = G[j, j + d].
    p = 2 * support
    d = taps[..., None, :] - taps[..., :, None]  # tap b's offset from tap a
    keep = d >= 0
    flat = (p - d[keep]) * total + np.broadcast_to(taps[..., None, :], d.shape)[keep]
    products = (weights[..., :, None] * weights[..., None, :])[keep]
    ab = np.bincount(flat, weights=products, minlength=(p + 1) * total)
    ab = ab.reshape(p + 1, total)
    # A ridge of 1e-9 of each block's largest diagonal entry keeps the
    # Cholesky factor of near-singular normal equations (a cut line's end
    # samples, Lanczos' small lobes) stable. It is not negligible there: on
    # one cut Lanczos line the residual is 8.7 against plain least squares'
    # 6.8 (tests/test_mutants_descale.py pins the ridge solution).
    ab[p] += 1e-9 * np.repeat(np.maximum.reduceat(ab[p], offsets), sizes)
    return U, cholesky_banded(ab, lower=False, check_finite=False), firsts


def residual_energies(lines, n, lengths, kernel, start):
    """Squared residual of the least-squares fit of ``lines`` by the upscale
    from each of ``lengths``, as :func:`factorise`'s solve leaves it.

    ``lines`` are rows ``start:`` of an axis of ``n`` samples, one line a
    column. All candidates are solved at once, as one block-diagonal banded
    system (each block a candidate's normal equations, with its own ridge):
    a search over hundreds of native lengths then costs a few calls, not a
    few calls a length.
    """
    n_rows, n_lines = lines.shape
    U, chol, _ = _upscale_systems(n, lengths, kernel, start, start + n_rows)
    stacked = np.tile(lines, (len(lengths), 1))
    source = cho_solve_banded((chol, False), U.T @ stacked, check_finite=False)
    residual = (stacked - U @ source).reshape(len(lengths), n_rows * n_lines)
    return np.einsum("ij,ij->i", residual, residual)


def _lines(y, n_lines, max_length=_MAX_LENGTH):
    """The most textured columns of ``y`` cut to their central samples (at
    most ``max_length``), the index of the first row kept, and their
    second-derivative energy."""
    n = y.shape[0]
    length = min(n - 2 * _MARGIN, max_length)
    start = (n - length) // 2
    seg = y[start:start + length]
    d2 = seg[:-2] - 2 * seg[1:-1] + seg[2:]
    energy = np.mean(d2 * d2, axis=0)
    pick = np.sort(np.argsort(energy, kind="stable")[::-1][:n_lines])
    detail = float(energy[pick].sum() * (length - 2))
    return seg[:, pick].astype(np.float64), start, detail


def _axis_residuals(y, factors, kernels, n_lines):
    """Residual energy per kernel and factor down the columns of ``y``."""
    n = y.shape[0]
    X, start, high = _lines(y, n_lines)
    stop = start + X.shape[0]
    res = np.empty((len(kernels), len(factors)))
    for i, kernel in enumerate(kernels):
        done = {}
        for j, f in enumerate(factors):
            m = max(2, int(round(n / f)))
            if m not in done:
                U, Ut, chol = _solver(n, m, kernel, start, stop)
                r = X - U @ cho_solve_banded((chol, False), Ut @ X)
                done[m] = float(np.sum(r * r))
            res[i, j] = done[m]
    return res, high


def _residuals(frame, factors, kernels, n_lines=_N_LINES):
    """Residual energy (kernels x factors) of one frame's rows and columns
    together, and their second-derivative energy (frames add both)."""
    y = np.asarray(frame, dtype=np.float32)
    down, high_down = _axis_residuals(y, factors, kernels, n_lines)
    across, high_across = _axis_residuals(y.T, factors, kernels, n_lines)
    return down + across, high_down + high_across


def _curve(residual, high):
    """log10 of the residual over the second-derivative energy (flat, all
    zeros, for lines without detail: nothing to explain, no dip)."""
    residual = np.asarray(residual, dtype=float)
    if not high > _MIN_DETAIL:
        return np.zeros_like(residual)
    return np.log10(residual / high + 1e-12)


def _dip_depth(curve, factors, *, window=0.12, guard=0.015):
    """How far each point lies below the median of its neighbours (log10):
    the factors within ``window`` of it, less ``guard`` around it (every
    other factor where none is that near)."""
    if len(factors) < 2:
        return np.zeros_like(curve)
    gap = np.abs(factors[:, None] - factors[None, :])
    near = (gap <= window) & (gap > guard)
    lonely = ~near.any(axis=1)
    near[lonely] = gap[lonely] > guard
    depth = np.empty_like(curve)
    for j in range(len(factors)):
        depth[:, j] = np.median(curve[:, near[j]], axis=1) - curve[:, j]
    return depth


def descale_curve(frames, *, factors=None, kernels=DEFAULT_KERNELS):
    """Descale and compare: how well each candidate upscale explains an image.

    For each candidate factor and kernel, the 64 most textured rows and
    columns (their central 512 samples) are projected by least squares onto
    the span of that upscale; the residual, against the lines' detail, dips
    sharply at the true native size and kernel. Blur and defocus give no
    dip; a codec raises the floor. Frames of one video are pooled by adding
    their residuals before the curve is formed.

    Parameters
    ----------
    frames : ndarray of shape (H, W) or (n_frames, H, W), or sequence of arrays
        Luminance of one image, or of several frames of one video (all the
        same size), float in [0, 1] (or integer, scaled alike).
    factors : array-like of float, default=None
        Upscaling factors to try (each greater than 1); None tries 1.2 to
        3.2 in steps of 0.01. The native size tried is ``round(n / f)``
        along each axis, so a native size between two factors of the grid
        is not tried.
    kernels : sequence of str, default=("bilinear", "bicubic", "lanczos")
        Resampling kernels to try: ``"bilinear"``, ``"bicubic"`` (Keys,
        a = -0.75, OpenCV), ``"lanczos"`` (Lanczos-4, OpenCV),
        ``"cubic-0.5"`` (Pillow), ``"cubic-0.6"`` (swscale),
        ``"lanczos3"`` (Pillow and swscale) or ``"area"`` (OpenCV's
        INTER_AREA, which enlarges by box overlaps).

    Returns
    -------
    result : Bunch
        With keys ``factors`` and ``kernels``, ``curve`` (ndarray of shape
        (n_kernels, n_factors): log10 of the residual over the detail),
        ``depth`` (how far each point lies below the median of the factors
        within 0.12 of it, in log10; 0 when only one factor is tried),
        ``dip`` (the deepest ``depth``), ``factor`` and ``kernel`` (where it
        lies) and ``native_shape`` (the frame size divided by ``factor``).
        A frame without detail (a constant one) gives a flat curve, all
        zeros.

    Raises
    ------
    ValueError
        If the frames are not 2-D, not all one size, smaller than 48x48 or
        not finite, or ``factors`` or ``kernels`` are invalid.

    Examples
    --------
    >>> import cv2
    >>> from skimage import data
    >>> from skforensics.feature import descale_curve
    >>> native = data.camera().astype("float32") / 255
    >>> enlarged = cv2.resize(native, (1024, 1024), interpolation=cv2.INTER_CUBIC)
    >>> result = descale_curve(enlarged)
    >>> result.factor, result.native_shape, result.kernel
    (2.0, (512, 512), 'bicubic')
    >>> bool(result.dip > 1 > descale_curve(native).dip)
    True
    """
    from ._resampling import _as_frames

    frames = _as_frames(frames, "descale_curve", min_size=2 * _MARGIN + 32)
    factors = DEFAULT_FACTORS if factors is None else np.asarray(factors, dtype=float)
    if factors.ndim != 1 or len(factors) == 0 or np.any(~(factors > 1)):
        raise ValueError("factors must be a non-empty 1-D sequence of numbers above 1.")
    kernels = tuple(kernels)
    unknown = [k for k in kernels if k not in KERNELS]
    if unknown or not kernels:
        raise ValueError(
            f"kernels must be among {sorted(KERNELS)}; got {list(kernels)}."
        )
    residual, high = 0.0, 0.0
    for frame in frames:
        r, h = _residuals(frame, factors, kernels)
        residual, high = residual + r, high + h
    curve = _curve(residual, high)
    depth = _dip_depth(curve, factors)
    i, j = np.unravel_index(int(np.argmax(depth)), depth.shape)
    shape = np.shape(frames[0])
    return Bunch(
        factors=factors,
        kernels=kernels,
        curve=curve,
        depth=depth,
        dip=float(depth[i, j]),
        factor=float(factors[j]),
        kernel=kernels[i],
        native_shape=tuple(int(round(s / factors[j])) for s in shape),
    )
