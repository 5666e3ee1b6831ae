"""Samples labelled by the JPEG quality they were compressed with."""

from numbers import Real

import cv2
import numpy as np
from sklearn.utils import check_random_state

from ..utils._param_validation import (
    Interval,
    StrOptions,
    invalid_parameter,
    is_int,
    validate_params,
)
from ._common import (
    CROP_CONSTRAINTS,
    check_source_images,
    crop,
    from_uint8,
    source_windows,
    stack_or_list,
    to_uint8,
)

__all__ = ["make_jpeg_images"]

_QUALITY_EXPECTED = (
    "an int in [1, 100], a tuple (low, high) of ints with 1 <= low <= high "
    "<= 100, or a non-empty list of ints in [1, 100]"
)


# Chroma subsampling names and OpenCV's flags for them.
SUBSAMPLING = {
    "4:2:0": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_420,
    "4:2:2": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_422,
    "4:4:4": cv2.IMWRITE_JPEG_SAMPLING_FACTOR_444,
}


def jpeg_uint8(pixels, quality, subsampling="4:2:0"):
    """JPEG round trip of 8-bit pixels, in memory with OpenCV.

    Parameters
    ----------
    pixels : ndarray of shape (H, W) or (H, W, 3) and dtype uint8
        Grayscale, or RGB encoded as colour.
    quality : int
        JPEG quality in [1, 100].
    subsampling : {"4:2:0", "4:2:2", "4:4:4"}, default="4:2:0"
        Chroma subsampling of colour images (4:2:0 is libjpeg's, OpenCV's
        and Pillow's default).

    Returns
    -------
    decoded : ndarray of dtype uint8, same shape as ``pixels``
        libjpeg-turbo inside OpenCV and Pillow give identical pixels for the
        same quality and subsampling.
    """
    colour = pixels.ndim == 3
    params = [cv2.IMWRITE_JPEG_QUALITY, int(quality)]
    if colour:
        params += [cv2.IMWRITE_JPEG_SAMPLING_FACTOR, SUBSAMPLING[subsampling]]
        # OpenCV's codecs take BGR: reorder so that the file holds RGB.
        pixels = pixels[..., ::-1]
    ok, buffer = cv2.imencode(".jpg", np.ascontiguousarray(pixels), params)
    flag = cv2.IMREAD_COLOR if colour else cv2.IMREAD_GRAYSCALE
    decoded = cv2.imdecode(buffer, flag) if ok else None
    if decoded is None:  # pragma: no cover - libjpeg failure
        raise RuntimeError(
            f"OpenCV could not JPEG-encode an image of shape {pixels.shape}."
        )
    return np.ascontiguousarray(decoded[..., ::-1] if colour else decoded)


def jpeg_round_trip(image, quality, subsampling="4:2:0"):
    """Encode an image as JPEG in memory with OpenCV and decode it back.

    Parameters
    ----------
    image : ndarray of shape (H, W), (H, W, 1) or (H, W, 3)
        Float image in [0, 1] (rounded to 8 bits first) or uint8. Three
        channels are RGB and are encoded as colour; one channel is encoded
        as grayscale.
    quality : int
        JPEG quality in [1, 100].
    subsampling : {"4:2:0", "4:2:2", "4:4:4"}, default="4:2:0"
        Chroma subsampling of colour images.

    Returns
    -------
    decoded : ndarray of dtype float32, same shape as ``image``
        The decoded pixels in [0, 1].
    """
    pixels = image if image.dtype == np.uint8 else to_uint8(image)
    single = pixels.ndim == 3 and pixels.shape[2] == 1
    decoded = jpeg_uint8(pixels[..., 0] if single else pixels, quality, subsampling)
    if single:
        decoded = decoded[..., np.newaxis]
    return from_uint8(decoded)


def _check_qualities(qualities, func_name):
    """Return ("range", low, high), or ("choice", values)."""

    def valid(q):
        return is_int(q) and 1 <= q <= 100

    if is_int(qualities):
        if not valid(qualities):
            invalid_parameter("qualities", func_name, _QUALITY_EXPECTED, qualities)
        return ("range", int(qualities), int(qualities))
    if isinstance(qualities, tuple):
        if len(qualities) != 2 or not all(valid(q) for q in qualities):
            invalid_parameter("qualities", func_name, _QUALITY_EXPECTED, qualities)
        low, high = int(qualities[0]), int(qualities[1])
        if low > high:
            invalid_parameter("qualities", func_name, _QUALITY_EXPECTED, qualities)
        return ("range", low, high)
    if isinstance(qualities, (list, range, np.ndarray)):
        values = np.asarray(qualities).ravel().tolist()
        if not values or not all(valid(q) for q in values):
            invalid_parameter("qualities", func_name, _QUALITY_EXPECTED, qualities)
        return ("choice", np.asarray(values, dtype=np.int64))
    invalid_parameter("qualities", func_name, _QUALITY_EXPECTED, qualities)


@validate_params(
    {
        **CROP_CONSTRAINTS,
        "qualities": "no_validation",
        "uncompressed_fraction": [Interval(Real, 0, 1, closed="both")],
        "subsampling": [StrOptions(set(SUBSAMPLING))],
    },
    prefer_skip_nested_validation=True,
)
def make_jpeg_images(
    images,
    *,
    qualities=(5, 100),
    uncompressed_fraction=0.1,
    crop_size=None,
    n_crops=1,
    subsampling="4:2:0",
    random_state=None,
):
    """Make JPEG-compressed samples labelled by their quality factor.

    Each source image, or each of ``n_crops`` random crops of it, is
    compressed once as a JPEG at a random quality and decoded back, in
    memory; a share of the samples is left uncompressed and labelled NaN.
    This is the training data of a JPEG quality estimator (a regression on
    ``y``) or of a compression detector (``np.isnan(y)`` as the class).

    Read more in the :ref:`User Guide <datasets>`.

    Parameters
    ----------
    images : ndarray, list of ndarray or LazyImages
        The never-compressed source images, an image collection of grayscale
        or RGB images (see :func:`~skforensics.utils.check_images`); ``uint8``
        and ``uint16`` are scaled to [0, 1], float images must lie in [0, 1].
        For example :func:`load_sample_images`. Not modified.

    qualities : int, tuple of (int, int) or list of int, default=(5, 100)
        The JPEG qualities, in [1, 100]. A **tuple** ``(low, high)`` is an
        inclusive range from which each sample draws an integer uniformly; a
        **list** (or array) is the explicit set of qualities to draw from,
        uniformly; an int is the one quality of every compressed sample.

    uncompressed_fraction : float in [0, 1], default=0.1
        The share of samples left uncompressed (``y`` is NaN). Exactly
        ``round(uncompressed_fraction * n_samples)`` samples, chosen at
        random.

    crop_size : int or tuple of (int, int), default=None
        If given, draw ``n_crops`` windows of this ``(height, width)`` per
        source, at uniformly random positions (they may overlap), and
        compress each window on its own, so that the 8x8 JPEG grid starts at
        the top-left corner of the sample, as in a file saved at that size.
        If None, each source image gives one sample.

    n_crops : int, default=1
        Number of windows per source image; only with ``crop_size``.

    subsampling : {"4:2:0", "4:2:2", "4:4:4"}, default="4:2:0"
        Chroma subsampling of the colour JPEGs: ``"4:2:0"`` is the default of
        libjpeg, Pillow and OpenCV, ``"4:4:4"`` keeps full-resolution chroma
        (as high-quality camera and editor settings often do). Ignored for
        grayscale samples.

    random_state : int, RandomState instance or None, default=None
        Seed of the crops, the qualities and the uncompressed subset. Pass
        an int for reproducible output across calls.

    Returns
    -------
    X : ndarray of shape (n_samples, height, width[, 3]) or list of ndarray
        The decoded samples, float32 in [0, 1]: an ndarray when they all
        share one size (always with ``crop_size``), else a list. Samples
        follow the order of the sources (and of their windows).

    y : ndarray of shape (n_samples,) of dtype float64
        The JPEG quality of each sample, NaN for an uncompressed one.

    groups : ndarray of shape (n_samples,)
        The index of the source image of each sample.

    See Also
    --------
    load_sample_images : Pristine photographs to start from.
    make_rescaled_images : Real against upscaled samples.

    Notes
    -----
    Compression is an in-memory round trip through OpenCV's
    ``cv2.imencode``/``cv2.imdecode`` (libjpeg-turbo, baseline, the chroma
    subsampling of ``subsampling`` for colour), whose pixels are identical
    to Pillow's at the same settings; no file is written. RGB samples are
    encoded as colour (with the channels in the order OpenCV expects),
    grayscale samples as single-channel JPEGs.

    Every sample, the uncompressed ones included, is rounded to 8 bits:
    decoded JPEGs are 8-bit, so otherwise the fractional part of the pixels
    alone would tell the uncompressed samples apart.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.datasets import load_sample_images, make_jpeg_images
    >>> X, y, groups = make_jpeg_images(
    ...     load_sample_images(), crop_size=64, n_crops=5, random_state=0
    ... )
    >>> X.shape, int(np.isnan(y).sum()), bool(np.nanmin(y) >= 5)
    ((40, 64, 64), 4, True)
    """
    func_name = "make_jpeg_images"
    draw = _check_qualities(qualities, func_name)
    images, crop_hw = check_source_images(images, crop_size, n_crops, func_name)
    rng = check_random_state(random_state)

    samples, groups = [], []
    for index, image, corners in source_windows(images, crop_hw, n_crops, rng):
        for corner in corners:
            samples.append(crop(image, corner, crop_hw))
            groups.append(index)

    n_samples = len(samples)
    if draw[0] == "range":
        y = rng.randint(draw[1], draw[2] + 1, size=n_samples).astype(np.float64)
    else:
        y = rng.choice(draw[1], size=n_samples).astype(np.float64)
    n_uncompressed = int(round(uncompressed_fraction * n_samples))
    y[rng.permutation(n_samples)[:n_uncompressed]] = np.nan

    X = []
    for sample, quality in zip(samples, y):
        if np.isnan(quality):
            X.append(from_uint8(to_uint8(sample)))
        else:
            X.append(jpeg_round_trip(sample, int(quality), subsampling))
    return stack_or_list(X), y, np.asarray(groups)
