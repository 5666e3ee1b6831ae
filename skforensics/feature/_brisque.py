"""BRISQUE natural-scene-statistics features (Mittal, Moorthy & Bovik, 2012)."""

import cv2
import numpy as np
from joblib import Parallel, delayed
from scipy.special import gammaln
from sklearn.base import BaseEstimator

from ..base import ImageTransformerMixin
from ..utils import LazyImages, check_images, to_grayscale
from ..utils._docstrings import fill_doc
from ..utils._parallel import N_JOBS_CONSTRAINT, check_n_jobs
from ._mscn import _STRIP_PIXELS, _mscn_map

__all__ = ["BRISQUEExtractor", "brisque_features"]

# Shape grid of the release, 0.2:0.001:10, and the two moment ratios it is
# searched with. Both ratios are strictly monotone on the grid.
_SHAPES = np.arange(200, 10001) / 1000.0
_LOG_GAMMA_1 = gammaln(1.0 / _SHAPES)
_LOG_GAMMA_2 = gammaln(2.0 / _SHAPES)
_LOG_GAMMA_3 = gammaln(3.0 / _SHAPES)
# GGD: E[x^2] / E[|x|]^2 = G(1/a) G(3/a) / G(2/a)^2, decreasing in a.
_GGD_RATIO = np.exp(_LOG_GAMMA_1 + _LOG_GAMMA_3 - 2.0 * _LOG_GAMMA_2)
# AGGD: G(2/a)^2 / (G(1/a) G(3/a)), increasing in a.
_AGGD_RATIO = 1.0 / _GGD_RATIO
# searchsorted needs increasing tables: the GGD one is searched reversed.
_GGD_RATIO_REVERSED = _GGD_RATIO[::-1].copy()

# The pairs of Mittal et al.'s Fig. 4, taken circularly: horizontal (0, 1),
# vertical (1, 0), main diagonal (1, 1) and secondary diagonal (1, -1).
_ORIENTATIONS = ("h", "v", "d1", "d2")

_FEATURE_NAMES = tuple(
    f"s{scale}_{name}"
    for scale in (1, 2)
    for name in (
        "mscn_shape",
        "mscn_var",
        *(
            f"{o}_{stat}"
            for o in _ORIENTATIONS
            for stat in ("shape", "mean", "left_var", "right_var")
        ),
    )
)
_N_FEATURES = len(_FEATURE_NAMES)  # 36

# The window the release uses: fspecial('gaussian', 7, 7/6), C = 1 on the
# 0-255 scale, i.e. 1/255 on [0, 1] (MSCN is scale-free given C).
_MSCN_PARAMS = dict(sigma=7 / 6, window=7, C=1 / 255, mode="constant")
# The half-scale image must hold the 7x7 window: ceil(n / 2) >= 7.
_MIN_SIZE = 13

# Elements per strip of the moment pass: float32 BLAS dots accumulate in
# float32, so long sums are split and added in float64 (relative error ~1e-6
# instead of ~1e-4), and each strip stays in cache for its 20 dots.
_CHUNK = 1 << 18


def _keys_cubic(x, a=-0.5):
    """Keys' cubic convolution kernel, MATLAB's 'cubic' (a = -0.5)."""
    x = np.abs(x)
    return np.where(
        x <= 1,
        (a + 2) * x**3 - (a + 3) * x**2 + 1,
        np.where(x < 2, a * x**3 - 5 * a * x**2 + 8 * a * x - 4 * a, 0.0),
    )


def _half_scale_taps():
    """The 8 taps of MATLAB's ``imresize(I, 0.5)`` (bicubic, antialiased).

    For a scale s < 1 MATLAB antialiases by widening the kernel: h(t) =
    s * cubic(s * t), 4 / s = 8 taps wide. Output pixel v (0-based) sits at
    input coordinate (v + 0.5) / s - 0.5 = 2 v + 0.5, between input pixels
    2 v and 2 v + 1, so its taps are the input pixels 2 v - 3 ... 2 v + 4 at
    distances 3.5, 2.5, ..., -3.5. The weights are normalised to sum 1 (they
    already do) and are dyadic: [-3, -9, 29, 111, 111, 29, -9, -3] / 256.
    """
    distances = np.arange(3.5, -4.0, -1.0)
    taps = 0.5 * _keys_cubic(0.5 * distances)
    return taps / taps.sum()


_HALF_TAPS = _half_scale_taps()


def _mirror_indices(start, stop, n):
    """MATLAB imresize's out-of-range rule: ``aux = [1:n, n:-1:1]``."""
    idx = np.mod(np.arange(start, stop), 2 * n)
    return np.where(idx < n, idx, 2 * n - 1 - idx)


def _half_scale(image, rows=None):
    """MATLAB ``imresize(image, 0.5)`` of a 2-D image, as float32.

    MATLAB mirrors out-of-range indices (symmetric padding with the edge
    pixel repeated; OpenCV's BORDER_REFLECT). Output pixel v reads input
    pixels 2v - 3 ... 2v + 4, so the output has ``ceil(n / 2)`` pixels and,
    for odd n, the last one reaches index n + 3. The filter runs in float64
    on strips of rows gathered with their mirrored halo; for float32 input it
    is exact there (24-bit pixels times 8-bit dyadic weights), so the only
    rounding is the final one to float32 and flat regions stay exactly flat.
    """
    height, width = image.shape
    out_h, out_w = (height + 1) // 2, (width + 1) // 2
    out = np.empty((out_h, out_w), dtype=np.float32)
    if rows is None:
        rows = max(4, _STRIP_PIXELS // (2 * width))
    rows = min(rows, out_h)
    gathered = np.empty((2 * rows + 6, width), dtype=image.dtype)
    padded = np.empty((2 * rows + 6, width + 8), dtype=image.dtype)
    filtered = np.empty((2 * rows + 6, width + 8))
    for v0 in range(0, out_h, rows):
        v1 = min(out_h, v0 + rows)
        k = 2 * (v1 - v0) + 6
        # Input rows 2 v0 - 3 ... 2 v1 + 2, mirrored where out of range.
        rows_in = _mirror_indices(2 * v0 - 3, 2 * v1 + 3, height)
        np.take(image, rows_in, axis=0, out=gathered[:k])
        cv2.copyMakeBorder(gathered[:k], 0, 0, 4, 4, cv2.BORDER_REFLECT, dst=padded[:k])
        # The 8 taps are anchored at tap 4: filtered row n reads strip rows
        # n - 4 ... n + 3, so output row v is strip row 2 (v - v0) + 4, and
        # output column u is padded column 2u + 5.
        cv2.sepFilter2D(
            padded[:k], cv2.CV_64F, _HALF_TAPS, _HALF_TAPS, dst=filtered[:k]
        )
        out[v0:v1] = filtered[4 : k - 2 : 2, 5 : 5 + 2 * out_w : 2]
    return out


def _nearest_shape(table, value, reversed_grid=False):
    """Grid shape whose ratio is nearest ``value`` (MATLAB's min, first index).

    ``table`` is increasing; ``reversed_grid`` says it runs over the grid
    from 10 down to 0.2. Out-of-range values give the end of the grid.
    """
    i = int(np.searchsorted(table, value))
    lo, hi = max(i - 1, 0), min(i, len(table) - 1)
    d_lo, d_hi = abs(value - table[lo]), abs(table[hi] - value)
    # On a tie MATLAB's min keeps the first grid point, the smaller shape.
    if reversed_grid:
        j = hi if d_hi <= d_lo else lo
        return len(table) - 1 - j
    return lo if d_lo <= d_hi else hi


def _ggd_fit(sum_sq, sum_abs, n):
    """GGD shape and variance from the moments (release's estimateggdparam)."""
    if sum_abs <= 0.0:
        # All-zero coefficients: the release gets NaN ratios and MATLAB's min
        # returns the first grid point; the variance is 0.
        return _SHAPES[0], 0.0
    rho = n * sum_sq / (sum_abs * sum_abs)  # E[x^2] / E[|x|]^2
    k = _nearest_shape(_GGD_RATIO_REVERSED, rho, reversed_grid=True)
    return _SHAPES[k], sum_sq / n


def _aggd_fit(sum_sq, sum_p_abs_p, sum_abs, n_nonzero, n_signed, n):
    """AGGD shape, mean, left and right variances (release's estimateaggdparam).

    The moments are sums over the pairwise products p: ``sum_sq`` = sum p^2,
    ``sum_p_abs_p`` = sum p |p| (positive minus negative squares),
    ``sum_abs`` = sum |p|, ``n_nonzero`` = #(p != 0) and ``n_signed`` =
    #(p > 0) - #(p < 0).
    """
    n_left = round((n_nonzero - n_signed) / 2)
    n_right = round((n_nonzero + n_signed) / 2)
    left_sq = max((sum_sq - sum_p_abs_p) / 2, 0.0)
    right_sq = max((sum_sq + sum_p_abs_p) / 2, 0.0)
    # An empty side has variance 0 (the release's mean of nothing is NaN).
    left_var = left_sq / n_left if n_left else 0.0
    right_var = right_sq / n_right if n_right else 0.0
    if sum_sq <= 0.0:
        return _SHAPES[0], 0.0, left_var, right_var
    left, right = np.sqrt(left_var), np.sqrt(right_var)
    r_hat = sum_abs * sum_abs / (n * sum_sq)  # E[|p|]^2 / E[p^2]
    # The release's gamma_hat = left / right correction, multiplied through
    # by right^4 so that right = 0 stays finite.
    r_hat_norm = (
        r_hat * (left**3 + right**3) * (left + right) / (left_var + right_var) ** 2
    )
    k = _nearest_shape(_AGGD_RATIO, r_hat_norm)
    # (beta_r - beta_l) G(2/a) / G(1/a) with beta = std sqrt(G(1/a) / G(3/a))
    # is (right - left) sqrt(G(2/a)^2 / (G(1/a) G(3/a))).
    mean = (right - left) * np.sqrt(_AGGD_RATIO[k])
    return _SHAPES[k], mean, left_var, right_var


def _add_pair_sums(buf, length, step, total):
    """Add sum u(p) u(partner) over a strip for the 4 orientations to ``total``.

    ``buf`` holds u in the layout of :func:`_nss_features` (rows of ``step =
    width + 1``, the strip's ``length = rows * step`` elements then the row
    below). The partners of (i, j) are at flat offsets 1 (H), step (V) and
    step + 1 (D1); D2 pairs (i, j + 1) with (i + 1, j), offset step - 1. One
    dot over the strip also takes the copy column as a first factor (column
    0 instead of it for D2), and one strided dot removes those products.
    """
    width = step - 1
    for i, (off, col) in enumerate(
        ((1, width), (step, width), (step + 1, width), (step - 1, 0))
    ):
        total[i] += float(np.dot(buf[:length], buf[off : off + length]))
        total[i] -= float(
            np.dot(buf[col:length:step], buf[col + off : length + off : step])
        )


def _nss_features(coefs, out, rows=None):
    """The 18 features of one scale from its float32 MSCN map, into ``out``.

    Every moment of the pair products p = x(i, j) x(i + di, j + dj) is a sum
    of u(i, j) u(i + di, j + dj) for one of five quantities u of x: |x|
    (giving sum |p|), x |x| (sum p |p|, the right minus the left squares),
    x^2 (sum p^2), sign(x) (#(p > 0) - #(p < 0)) and |sign(x)| (#(p != 0)).
    Each is a BLAS dot of a buffer with itself at a flat offset: no product
    image, no boolean mask, no copy per shift.

    The buffer holds a strip of rows of u, each followed by a copy of its
    first element, and below the strip the next row of the map (the first
    row after the last strip), so that every circular partner sits at a
    fixed offset (see :func:`_add_pair_sums`). A strip is about 1 MB: its
    dots read it from cache. Sums are taken per strip and added in float64.
    """
    height, width = coefs.shape
    n = height * width
    step = width + 1
    if rows is None:
        rows = max(1, _CHUNK // step)
    rows = min(rows, height)
    buf = np.zeros((rows + 1) * step + 1, dtype=np.float32)
    # sums[k, i]: quantity k (|x|, x|x|, x^2, sign, |sign|), orientation i.
    sums = np.zeros((5, 4))
    sum_sq = sum_abs = 0.0
    for y0 in range(0, height, rows):
        y1 = min(height, y0 + rows)
        m = y1 - y0
        length = m * step
        used = buf[: length + step]  # the strip and the row below it
        buf[length + step] = 0.0  # read by D1, times a copy-column value
        grid = used.reshape(m + 1, step)
        inner, last = grid[:m, :width], grid[m, :width]
        x, below = coefs[y0:y1], coefs[y1 % height]
        sum_sq += float(np.dot(x.reshape(-1), x.reshape(-1)))

        np.abs(x, out=inner)
        np.abs(below, out=last)
        grid[:, width] = grid[:, 0]
        sum_abs += float(inner.sum())
        _add_pair_sums(buf, length, step, sums[0])  # |x|
        np.multiply(inner, x, out=inner)
        np.multiply(last, below, out=last)
        grid[:, width] = grid[:, 0]
        _add_pair_sums(buf, length, step, sums[1])  # x |x|
        np.abs(used, out=used)
        _add_pair_sums(buf, length, step, sums[2])  # |x |x|| = x^2
        np.sign(x, out=inner)
        np.sign(below, out=last)
        grid[:, width] = grid[:, 0]
        _add_pair_sums(buf, length, step, sums[3])  # sign(x)
        np.abs(used, out=used)
        _add_pair_sums(buf, length, step, sums[4])  # |sign(x)|

    out[0], out[1] = _ggd_fit(sum_sq, sum_abs, n)
    for i in range(4):
        p_abs, p_abs_p, p_sq, signed, nonzero = sums[:, i]
        out[2 + 4 * i : 6 + 4 * i] = _aggd_fit(p_sq, p_abs_p, p_abs, nonzero, signed, n)
    return out


def _brisque_one(image):
    """The 36 features of one checked 2-D luminance image in [0, 1]."""
    _check_size(image.shape)
    # float32 luminance: on it the MSCN filters are exact on flat windows.
    image = np.asarray(image, dtype=np.float32)
    features = np.empty(_N_FEATURES)
    coefs = _mscn_map(image, dtype=np.float32, **_MSCN_PARAMS)
    _nss_features(coefs, features[:18])
    coefs = _mscn_map(_half_scale(image), dtype=np.float32, **_MSCN_PARAMS)
    _nss_features(coefs, features[18:])
    return features


def _lazy_brisque_one(images):
    """Read the only image of a one-file LazyImages and extract it."""
    image = images[0]
    try:
        return _brisque_one(image)
    except ValueError as exc:
        raise ValueError(f"Image file '{images.paths[0]}': {exc}") from None


def _check_size(shape):
    if shape[0] < _MIN_SIZE or shape[1] < _MIN_SIZE:
        raise ValueError(
            f"BRISQUE needs images of at least {_MIN_SIZE}x{_MIN_SIZE} pixels "
            "(height x width), so that the half-scale image holds the 7x7 "
            f"Gaussian window; got a {shape[0]}x{shape[1]} image. Pass larger "
            "images, for example by upsampling small ones with "
            "cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)."
        )


def _check_sizes(X):
    """Refuse too small images of a checked collection (lazy ones when read)."""
    if isinstance(X, np.ndarray):
        _check_size(X.shape[1:3])
    elif not isinstance(X, LazyImages):
        for i, image in enumerate(X):
            try:
                _check_size(image.shape)
            except ValueError as exc:
                raise ValueError(f"{exc} (image {i})") from None


def _extract(X, n_jobs):
    """Features of a checked luminance collection, one row per image."""
    if isinstance(X, LazyImages):
        # One-file slices pickle cheaply; the file is read in the worker.
        # Under joblib's dask backend only these paths reach the workers.
        tasks = (delayed(_lazy_brisque_one)(X[i : i + 1]) for i in range(len(X)))
    else:
        tasks = (delayed(_brisque_one)(X[i]) for i in range(len(X)))
    rows = Parallel(n_jobs=n_jobs)(tasks)
    return np.asarray(rows, dtype=np.float64).reshape(len(rows), _N_FEATURES)


@fill_doc
def brisque_features(X, *, n_jobs=None):
    """Compute the 36 BRISQUE features of each image.

    BRISQUE (Blind/Referenceless Image Spatial Quality Evaluator) describes
    an image by the statistics of its MSCN coefficients at two scales: a
    generalised Gaussian fit of the coefficients and asymmetric generalised
    Gaussian fits of the products of neighbouring coefficients in four
    orientations. Distortions move these away from natural-image values, so
    a regressor or classifier on them predicts quality or detects
    processing.

    Read more in the :ref:`User Guide <brisque>`.

    Parameters
    ----------
    X : ndarray, list of ndarray, LazyImages or ndarray of shape (height, width)
        An image collection (see :func:`~skforensics.utils.check_images`) or
        a single 2-D image. Integer images are scaled to [0, 1]; float images
        must lie in [0, 1]. Colour images are converted to BT.601 luminance.
        Images must be at least 13x13 pixels.

    n_jobs : int, default=None
        Number of images processed in parallel by joblib. ``None`` means 1
        unless in a :func:`joblib.parallel_backend` context (for example
        ``"dask"``); ``-1`` uses all processors.

    Returns
    -------
    features : ndarray of shape (n_images, 36) or (36,)
        The float64 features, in the order of
        :meth:`BRISQUEExtractor.get_feature_names_out`; a single 2-D image
        gives one row of shape ``(36,)``.

    Raises
    ------
    ValueError
        For images smaller than 13x13, float images outside [0, 1], and the
        invalid collections :func:`~skforensics.utils.check_images` refuses.

    See Also
    --------
    BRISQUEExtractor : The same as a scikit-learn transformer.
    mscn : The MSCN coefficients the features are computed from.

    Notes
    -----
    The computation follows ``brisque_feature.m`` of the LIVE release [2]_;
    every choice is written down here.

    - **Luminance**: ITU-R BT.601 (MATLAB ``rgb2gray``) in float32, not
      rounded to 8 bits as the release's ``brisquescore.m`` does for colour
      input.
    - **MSCN** (:func:`mscn`): 7x7 window ``fspecial('gaussian', 7, 7/6)``
      (taps rounded to multiples of 2**-24), zero padding (``filter2(.,
      'same')``), ``sigma = sqrt(|G * I^2 - mu^2|)``, C = 1 on the 0-255
      scale. It is computed on [0, 1] with C = 1/255, which gives the same
      coefficients; the moments are filtered in float64.
    - **Per scale, 18 features**: the shape and variance (``E[x^2]``) of a
      generalised Gaussian fitted to the coefficients by moment matching;
      then for the products of each coefficient with its neighbour at
      (0, 1) (H), (1, 0) (V), (1, 1) (D1) and (1, -1) (D2), taken with
      circular wrap-around as the release's ``circshift``, the shape, mean
      ``(beta_r - beta_l) G(2/a) / G(1/a)``, left variance and right
      variance of an asymmetric generalised Gaussian. (The release writes
      D2 as circshift by (-1, 1): the same pairs.)
    - **Shape search**: as the release, the grid 0.2:0.001:10 and the grid
      point whose moment ratio is nearest the measured one (first point on
      a tie, the grid's ends outside its range). The ratio tables are
      monotone, so a binary search replaces the release's scan.
    - **Second scale**: MATLAB ``imresize(I, 0.5)``, bicubic with
      antialiasing: the 8-tap kernel ``[-3, -9, 29, 111, 111, 29, -9, -3] /
      256`` (Keys' cubic with a = -0.5, widened by 2) centred between input
      pixels 2v and 2v+1, applied separably, with out-of-range indices
      mirrored as MATLAB does (symmetric padding, edge pixel repeated);
      output size ``ceil(n / 2)``. It is computed in float64, where it is
      exact for float32 input, and rounded to float32.
    - **Zeros**: exact zeros count in the sample size but on neither side of
      the asymmetric fit, as in the release (``vec < 0``, ``vec > 0``).
      On float32 luminance the MSCN filter is exact over constant windows
      (see :func:`mscn`) and the half-scale image keeps flat regions exactly
      flat, so the coefficients of flat and saturated regions are exactly 0
      at both scales: they give the same features on every platform instead
      of a left/right split decided by the filter's rounding noise (which
      the release, in float64, has). Where the release divides by zero we
      return finite
      values: an empty side has variance 0, an all-zero sample has shape
      0.2 (the grid point MATLAB's ``min`` returns for all-NaN ratios),
      variance 0 and mean 0; the ``gamma_hat = left / right`` correction is
      multiplied through by ``right^4`` so that ``right = 0`` stays finite.
    - **Precision**: moments are float32 BLAS dots accumulated in float64
      per 2^18 elements; the features agree with a float64 reference to
      about 1e-5 relative, and a shape may move by one grid step (0.001)
      where the measured ratio falls near the middle of two grid points.
      Images are processed in strips of rows: beyond the image and its
      float32 MSCN map, memory use is a few MB.

    Other implementations make other choices, so their features differ from
    these and from each other, by a few percent at the first scale but by up
    to a factor of 2.6 at the second, whose images they do not antialias (on
    scikit-learn's ``flower.jpg``, ``s2_h_left_var`` is 0.016 here, 0.043 in
    both):

    - OpenCV-contrib ``cv2.quality.QualityBRISQUE`` works in float32
      throughout, with BGR-to-gray weights, replicated borders
      (``BORDER_REPLICATE``) in the Gaussian filter, no ``abs`` before the
      square root, the first two features from an *asymmetric* fit of the
      coefficients (shape, and the mean of the two side variances) instead
      of the generalised Gaussian fit, pair products with zero instead of
      circular wrap-around, a shape scan that stops at the first local
      minimum, and a second scale from ``cv2.resize`` ``INTER_CUBIC`` to
      ``floor(n / 2)`` without antialiasing.
    - The PyPI package ``brisque`` uses scikit-image's ``rgb2gray``
      (BT.709 weights), ``scipy.signal.convolve2d`` with zero padding,
      pair products over the valid region only (no wrap-around), the
      asymmetric fit for the first two features, zeros counted on the right
      side, a continuous shape from ``scipy.optimize.root`` instead of the
      grid, and ``cv2.resize`` ``INTER_CUBIC`` (no antialiasing) for the
      second scale.

    {references_mittal}
    .. [2] A. Mittal, A. K. Moorthy and A. C. Bovik, "BRISQUE Software
       Release", LIVE, The University of Texas at Austin, 2011.

    Examples
    --------
    >>> from skforensics.feature import brisque_features
    >>> from skforensics.utils import make_test_images
    >>> X = make_test_images(2, 32)
    >>> brisque_features(X).shape
    (2, 36)
    >>> brisque_features(X[0]).shape
    (36,)
    """
    check_n_jobs(n_jobs, "brisque_features")
    if isinstance(X, np.ndarray) and X.ndim == 2:
        return brisque_features(X[np.newaxis], n_jobs=n_jobs)[0]
    X = check_images(X, check_range=True)
    _check_sizes(X)
    return _extract(to_grayscale(X), n_jobs)


@fill_doc
class BRISQUEExtractor(ImageTransformerMixin, BaseEstimator):
    """Extract the 36 BRISQUE features of each image.

    A stateless transformer around :func:`brisque_features`: it turns an
    image collection into a ``(n_images, 36)`` table for a scikit-learn
    regressor or classifier, for example ``make_pipeline(BRISQUEExtractor(),
    StandardScaler(), SVR())`` as in the BRISQUE paper.

    Read more in the :ref:`User Guide <brisque>`.

    Parameters
    ----------
    n_jobs : int, default=None
        Number of images processed in parallel by joblib. ``None`` means 1
        unless in a :func:`joblib.parallel_backend` context; ``-1`` uses all
        processors.

    Attributes
    ----------
    n_channels_in_ : int
        Number of channels of the images seen in :meth:`fit`. Colour images
        are converted to luminance.

    See Also
    --------
    brisque_features : The function this transformer applies.
    MSCNTransformer : The MSCN coefficients the features are computed from.

    Notes
    -----
    See :func:`brisque_features` for the definition, every implementation
    choice and how the features differ from OpenCV-contrib's and the PyPI
    ``brisque`` package's. Images must be at least 13x13 pixels; float images
    must lie in [0, 1].

    {references_mittal}

    Examples
    --------
    >>> from skforensics.feature import BRISQUEExtractor
    >>> from skforensics.utils import make_test_images
    >>> X = make_test_images(4, 32, n_channels=3)
    >>> extractor = BRISQUEExtractor().fit(X)
    >>> extractor.transform(X).shape
    (4, 36)
    >>> extractor.get_feature_names_out()[:3]
    array(['s1_mscn_shape', 's1_mscn_var', 's1_h_shape'], dtype=object)
    """

    _parameter_constraints = {"n_jobs": list(N_JOBS_CONSTRAINT)}

    def __init__(self, *, n_jobs=None):
        self.n_jobs = n_jobs

    def _check_fit_images(self, X):
        _check_sizes(self._check_images(X, reset=True, check_range=True))

    def transform(self, X):
        """Compute the BRISQUE features of each image.

        Parameters
        ----------
        X : ndarray, list of ndarray or LazyImages
            Image collection with the number of channels seen in :meth:`fit`,
            at least 13x13 pixels, floats in [0, 1].

        Returns
        -------
        features : ndarray of shape (n_images, 36)
            The float64 features, named by :meth:`get_feature_names_out`.
        """
        X = self._check_images(X, reset=False, check_range=True)
        _check_sizes(X)
        return _extract(to_grayscale(X), self.n_jobs)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        # The features are float64 whatever the images' dtype.
        tags.transformer_tags.preserves_dtype = ["float64"]
        return tags

    def get_feature_names_out(self, input_features=None):
        """Get the names of the 36 features.

        ``s1_`` / ``s2_`` is the scale; ``mscn`` the coefficients' own fit;
        ``h``, ``v``, ``d1``, ``d2`` the orientation of the pair products.

        Parameters
        ----------
        input_features : None
            Ignored; images have no input feature names.

        Returns
        -------
        feature_names_out : ndarray of str objects of shape (36,)
            The feature names.
        """
        return np.asarray(_FEATURE_NAMES, dtype=object)
