"""Mean-subtracted contrast-normalised (MSCN) coefficients."""

# The arithmetic is written once here, as the numpy reference: any torch
# port must be tested against it to 1e-5 in float32.

from functools import lru_cache
from numbers import Integral, Real

import cv2
import numpy as np
from sklearn.base import BaseEstimator

from ..base import ImageTransformerMixin
from ..utils import LazyImages, apply_images, check_images, to_grayscale
from ..utils._docstrings import fill_doc
from ..utils._parallel import N_JOBS_CONSTRAINT, map_image_chunks
from ..utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)

__all__ = ["MSCNTransformer", "mscn"]

# Border modes by their scipy.ndimage names, as OpenCV border types. "wrap"
# is padded by hand: OpenCV's separable filter does not take BORDER_WRAP.
_BORDERS = {
    "constant": cv2.BORDER_CONSTANT,  # zeros, as MATLAB's filter2(., 'same')
    "reflect": cv2.BORDER_REFLECT,  # d c b a | a b c d | d c b a
    "mirror": cv2.BORDER_REFLECT_101,  # d c b | a b c d | c b a
    "nearest": cv2.BORDER_REPLICATE,  # a a a | a b c d | d d d
    "wrap": cv2.BORDER_WRAP,  # b c d | a b c d | a b c
}

_PARAMETER_CONSTRAINTS = {
    "sigma": [Interval(Real, 0, None, closed="neither")],
    "window": [Interval(Integral, 3, None, closed="left")],
    "C": [Interval(Real, 0, None, closed="neither")],
    "mode": [StrOptions(set(_BORDERS))],
    "n_jobs": list(N_JOBS_CONSTRAINT),
}


def _check_window(window, caller_name):
    """Refuse even windows with scikit-learn's message shape."""
    if window % 2 == 0:
        raise ValueError(
            f"The 'window' parameter of {caller_name} must be an odd int >= 3, "
            f"so that the window has a centre pixel. Got {window!r} instead."
        )


# Taps are rounded to multiples of 2**-_TAP_BITS (see _gaussian_taps).
_TAP_BITS = 24


@lru_cache(maxsize=16)
def _gaussian_taps(sigma, window):
    """1-D Gaussian taps whose outer product is MATLAB's fspecial('gaussian').

    ``fspecial('gaussian', window, sigma)`` samples exp(-(x^2 + y^2) / 2
    sigma^2) on the integer grid and divides by the sum; that kernel is the
    outer product of the 1-D taps below, each normalised to sum 1.

    The taps are then rounded to multiples of 2**-24 (a change of at most
    3e-8 each), the centre tap taking up the rounding so that they sum to
    exactly 1. A float32 pixel times such a tap, and every partial sum of a
    constant window, is then exact in float64: the filtered value of a
    constant window is the constant itself, bit for bit, whatever order the
    filter sums in.
    """
    x = np.arange(window, dtype=np.float64) - (window - 1) / 2
    taps = np.exp(-(x**2) / (2.0 * sigma**2))
    scale = 2.0**_TAP_BITS
    taps = np.round(taps / taps.sum() * scale)
    taps[window // 2] += scale - taps.sum()
    taps /= scale
    taps.setflags(write=False)
    return taps


# Rows per strip: the float64 temporaries of one strip (about 32 bytes per
# pixel) then stay in cache instead of streaming full-size arrays.
_STRIP_PIXELS = 1 << 17


def _mscn_map(
    image, *, sigma=7 / 6, window=7, C=1 / 255, mode="constant", dtype=None, out=None
):
    """MSCN coefficients of one 2-D float image (parameters already valid).

    The local moments are filtered in float64: in float32 the variance
    ``G * I**2 - mu**2`` cancels about 7 digits and errs by up to 4e-3 in
    MSCN units on smooth gradients. The image is processed in strips of rows
    (with a halo of ``window // 2`` rows) so that the float64 temporaries
    stay in cache.

    ``dtype`` is the output dtype (default: the image's float dtype); ``out``
    an optional ``(height, width)`` array of that dtype to write into (it may
    be a strided view).
    """
    image = np.asarray(image)
    if image.dtype != np.float32:
        image = image.astype(np.float64, copy=False)
    image = np.ascontiguousarray(image)
    dtype = np.dtype(image.dtype if dtype is None else dtype)
    height, width = image.shape
    if out is None:
        out = np.empty((height, width), dtype=dtype)
    taps = _gaussian_taps(float(sigma), int(window))
    r = len(taps) // 2
    if mode == "wrap":
        # Pad once; the strips' own borders then never reach kept pixels.
        src = cv2.copyMakeBorder(image, r, r, r, r, cv2.BORDER_WRAP)
        pad, border = r, cv2.BORDER_CONSTANT
    else:
        src, pad, border = image, 0, _BORDERS[mode]
    out_depth = cv2.CV_32F if dtype == np.float32 else cv2.CV_64F

    rows = min(height, max(8, _STRIP_PIXELS // width))
    strip_shape = (min(rows + 2 * r, src.shape[0]), src.shape[1])
    strip_buf, mu_buf, var_buf = (np.empty(strip_shape) for _ in range(3))
    num_buf = np.empty((rows, width))
    for y0 in range(0, height, rows):
        y1 = min(height, y0 + rows)
        n = y1 - y0
        # Source rows a:b hold the strip and its halo. A strip that ends at
        # the image's top or bottom gets cv2's border there, as the whole
        # image would; any other border it gets falls in the discarded halo.
        a, b = max(0, y0 + pad - r), min(src.shape[0], y1 + pad + r)
        strip = strip_buf[: b - a]
        np.copyto(strip, src[a:b])  # float64, so that strip * strip is exact
        mu = cv2.sepFilter2D(
            strip, cv2.CV_64F, taps, taps, dst=mu_buf[: b - a], borderType=border
        )
        var = cv2.multiply(strip, strip, dst=var_buf[: b - a])
        # -E[I^2] (negated taps), then + mu^2: -var in two passes.
        cv2.sepFilter2D(var, cv2.CV_64F, -taps, taps, dst=var, borderType=border)
        kept = (slice(y0 + pad - a, y0 + pad - a + n), slice(pad, pad + width))
        mu, var = mu[kept], var[kept]
        cv2.accumulateProduct(mu, mu, var)
        # sigma = sqrt(|E[I^2] - mu^2|), the release's formula; abs() takes
        # care of tiny negative differences left by rounding.
        den = np.abs(var, out=var)
        cv2.sqrt(den, dst=den)
        den += C
        num = cv2.subtract(strip[kept], mu, dst=num_buf[:n])
        cv2.divide(num, den, dst=out[y0:y1], dtype=out_depth)
    return out


def _mscn_one(image, **params):
    """Per-image function for :func:`apply_images` (module level, picklable)."""
    return _mscn_map(image, **params)


def _mscn_serial(X, **params):
    """MSCN of a checked luminance ndarray or list, in this process."""
    if isinstance(X, np.ndarray):
        # Written in place: no per-image arrays to stack afterwards.
        out = np.empty(X.shape, dtype=X.dtype)
        for i in range(len(X)):
            _mscn_map(X[i], out=out[i], **params)
        return out
    return apply_images(_mscn_one, X, **params)


def _mscn_collection(X, n_jobs=None, **params):
    """MSCN of a checked luminance collection, in the collection's form."""
    if isinstance(X, LazyImages):
        return apply_images(_mscn_one, X, **params)  # computed when read
    chunks = map_image_chunks(_mscn_serial, X, n_jobs, **params)
    if isinstance(X, np.ndarray):
        return chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
    return [image for chunk in chunks for image in chunk]


@fill_doc
def mscn(X, *, sigma=7 / 6, window=7, C=1 / 255, mode="constant", n_jobs=None):
    """Compute mean-subtracted contrast-normalised (MSCN) coefficients.

    Each pixel is centred by the Gaussian-weighted local mean and divided by
    the Gaussian-weighted local standard deviation plus ``C``:
    ``(I - mu) / (sigma + C)`` (Mittal et al., 2012, eq. 1). These are the
    "locally normalised luminances" whose statistics BRISQUE models.

    Read more in the :ref:`User Guide <mscn>`.

    Parameters
    ----------
    X : ndarray, list of ndarray, LazyImages or ndarray of shape (height, width)
        An image collection (see :func:`~skforensics.utils.check_images`):
        ``(n_images, height, width[, n_channels])``, a list of 2-D/3-D arrays
        or a :class:`~skforensics.utils.LazyImages`; or a single 2-D image.
        Colour images are first converted to BT.601 luminance
        (:func:`~skforensics.utils.to_grayscale`). Integer images are scaled
        to [0, 1].

    {mscn_sigma_window_C_mode}

    n_jobs : int, default=None
        Number of joblib workers the images are shared among, in contiguous
        chunks. ``None`` means 1 unless in a :func:`joblib.parallel_backend`
        context (for example ``"dask"``); ``-1`` uses all processors. A
        :class:`~skforensics.utils.LazyImages` stays lazy: its coefficients
        are computed when an image is read, and ``n_jobs`` does not apply.

    Returns
    -------
    coefficients : same form as X
        ``(n_images, height, width)`` for an ndarray, a list of 2-D arrays for
        a list, a lazily computed :class:`~skforensics.utils.LazyImages` for
        a lazy collection, or one 2-D array for a single image. float32 input
        (and integer input, which becomes float32) gives float32; float64
        gives float64.

    See Also
    --------
    MSCNTransformer : The same as a scikit-learn transformer.
    brisque_features : BRISQUE features, built on these coefficients.

    Notes
    -----
    The window is MATLAB's ``fspecial('gaussian', window, sigma)``, the
    Gaussian sampled on the integer grid and normalised to sum 1, applied as
    two 1-D passes (``cv2.sepFilter2D``). The 1-D taps are rounded to
    multiples of 2**-24 (at most 3e-8 each) so that they sum to exactly 1.
    The local standard deviation is ``sqrt(|G * I**2 - mu**2|)`` as in the
    BRISQUE release.

    Precision: the two local moments are filtered in float64 whatever the
    input dtype, because ``G * I**2 - mu**2`` cancels about 7 significant
    digits; in float32 that cancellation alone puts errors of up to 4e-3 in
    the coefficients of smooth gradients. The result agrees with a float64
    :func:`scipy.ndimage.correlate` reference to about 1e-7.

    Flat regions: for float32 (and integer) input, every product and partial
    sum of the filter over a constant window is exact in float64, so such a
    window's mean is the constant itself and its coefficient exactly 0 on
    every platform, instead of rounding noise of arbitrary sign. float64
    input is filtered at full float64 precision, where that guarantee does
    not hold: flat regions then hold noise of order 1e-13.

    The image is processed in strips of rows, so the float64 temporaries
    take a few MB whatever the image size.

    {references_mittal}
    .. [2] D. L. Ruderman, "The statistics of natural images", Network:
       Computation in Neural Systems, 5(4), pp. 517-548, 1994.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.feature import mscn
    >>> X = np.zeros((2, 16, 16), dtype=np.uint8)
    >>> X[:, :, 8:] = 255  # a vertical step edge
    >>> coefs = mscn(X)
    >>> coefs.shape, coefs.dtype
    ((2, 16, 16), dtype('float32'))
    >>> print(coefs[0, 8, 4:12].round(2))
    [ 0.   -0.11 -0.31 -0.69  0.69  0.31  0.11  0.  ]
    """
    validate_parameter_constraints(
        _PARAMETER_CONSTRAINTS,
        {"sigma": sigma, "window": window, "C": C, "mode": mode, "n_jobs": n_jobs},
        caller_name="mscn",
    )
    _check_window(window, "mscn")
    params = dict(sigma=sigma, window=window, C=C, mode=mode)
    if isinstance(X, np.ndarray) and X.ndim == 2:
        # One gray image; the channel axis keeps a narrow one unambiguous.
        return mscn(X[np.newaxis, ..., np.newaxis], **params)[0]
    return _mscn_collection(to_grayscale(check_images(X)), n_jobs, **params)


@fill_doc
class MSCNTransformer(ImageTransformerMixin, BaseEstimator):
    """Transform images into their MSCN coefficients.

    A stateless transformer around :func:`mscn`: ``fit`` only validates the
    parameters and the images.

    Read more in the :ref:`User Guide <mscn>`.

    Parameters
    ----------
    {mscn_sigma_window_C_mode}

    n_jobs : int, default=None
        Number of joblib workers the images are shared among. ``None`` means
        1 unless in a :func:`joblib.parallel_backend` context; ``-1`` uses
        all processors. A lazy collection stays lazy and ignores it.

    Attributes
    ----------
    n_channels_in_ : int
        Number of channels of the images seen in :meth:`fit`. Colour images
        are converted to luminance before the transform.

    See Also
    --------
    mscn : The function this transformer applies.
    BRISQUEExtractor : BRISQUE features, built on MSCN coefficients.

    Notes
    -----
    See :func:`mscn` for the window, the precision and the handling of flat
    regions. The output has one channel, the input's float dtype (integer
    images give float32) and the input's form: an ndarray, a list, or a
    lazily computed :class:`~skforensics.utils.LazyImages`.

    {references_mittal}

    Examples
    --------
    >>> from skforensics.feature import MSCNTransformer
    >>> from skforensics.utils import make_test_images
    >>> X = make_test_images(3, 16, n_channels=3)
    >>> Xt = MSCNTransformer(mode="reflect").fit_transform(X)
    >>> Xt.shape, Xt.dtype
    ((3, 16, 16), dtype('float32'))
    """

    _parameter_constraints = dict(_PARAMETER_CONSTRAINTS)

    def __init__(
        self, *, sigma=7 / 6, window=7, C=1 / 255, mode="constant", n_jobs=None
    ):
        self.sigma = sigma
        self.window = window
        self.C = C
        self.mode = mode
        self.n_jobs = n_jobs

    def _check_fit_images(self, X):
        _check_window(self.window, type(self).__name__)
        self._check_images(X, reset=True)

    def transform(self, X):
        """Compute the MSCN coefficients of each image.

        Parameters
        ----------
        X : ndarray, list of ndarray or LazyImages
            Image collection with the number of channels seen in :meth:`fit`.

        Returns
        -------
        X_mscn : ndarray of shape (n_images, height, width), list or LazyImages
            The coefficients, in the form and float dtype of ``X``.
        """
        X = to_grayscale(self._check_images(X, reset=False))
        return _mscn_collection(
            X, self.n_jobs, sigma=self.sigma, window=self.window, C=self.C,
            mode=self.mode,
        )

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
