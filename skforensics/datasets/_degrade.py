"""Fake 4K as real files carry it: many resamplers, then the same codec for all.

Real upscaled ("fake 4K") videos are made by OpenCV, Pillow or FFmpeg's
swscale, at 720p/900p/1080p/1440p to 2160p, and then always encoded (H.264,
HEVC, JPEG for stills), often sharpened or denoised on the way. The real
videos they are compared with went through the same post-processing. A
detector trained on clean pairs learns what the codec erases; this module
makes training pairs in which real and fake share the post-processing, so
that only the resampling tells them apart.
"""

from numbers import Real

import numpy as np
from sklearn.utils import check_random_state

from ..utils._color import from_uint8, to_uint8
from ..utils._param_validation import (
    StrOptions,
    invalid_parameter,
    is_int,
    validate_params,
)
from ._codecs import _PRESETS, _VIDEO_CODECS, CODECS, _video_uint8, video_round_trip
from ._common import (
    CROP_CONSTRAINTS,
    check_source_images,
    crop,
    on_8bit_grid,
    source_windows,
    stack_or_list,
)
from ._filters import (
    DENOISE_SIGMA_COLOR,
    DENOISE_SIGMA_SPACE,
    FILTERS,
    SHARPEN_AMOUNT,
    SHARPEN_RADIUS,
    _denoise,
    _unsharp,
    unsharp_mask,
)
from ._jpeg import jpeg_round_trip
from ._resampling import (
    FACTORS,
    RESAMPLERS,
    _import_av,
    _rescale,
    rescale_image,
    resize_image,
)

# The resamplers (_resampling.py), the video codecs (_codecs.py) and the
# filters (_filters.py) live in their own modules; their public functions
# are also importable from here, where they were first written.
__all__ = [
    "make_degraded_images",
    "rescale_image",
    "resize_image",
    "unsharp_mask",
    "video_round_trip",
]


def _check_names(value, name, allowed, func_name, allow_empty=False):
    listed = ", ".join(repr(k) for k in allowed)
    expected = f"a str or a non-empty sequence of distinct str among {{{listed}}}"
    names = (value,) if isinstance(value, str) else value
    if (
        not isinstance(names, (list, tuple))
        or (not names and not allow_empty)
        or any(k not in allowed for k in names)
        or len(set(names)) != len(names)
    ):
        invalid_parameter(name, func_name, expected, value)
    return tuple(names)


def _check_factors(factors, func_name):
    values = (factors,) if isinstance(factors, Real) else factors
    if (
        not isinstance(values, (list, tuple))
        or not values
        or not all(
            isinstance(f, Real) and not isinstance(f, bool) and f > 1 for f in values
        )
    ):
        invalid_parameter(
            "factors",
            func_name,
            "a float > 1 or a non-empty sequence of floats > 1",
            factors,
        )
    return tuple(float(f) for f in values)


def _check_range(value, name, low, high, func_name):
    expected = (
        f"an int in [{low}, {high}] or a tuple (low, high) of such ints "
        "with low <= high"
    )
    pair = (value, value) if is_int(value) else value
    if (
        not isinstance(pair, tuple)
        or len(pair) != 2
        or not all(is_int(v) and low <= v <= high for v in pair)
        or pair[0] > pair[1]
    ):
        invalid_parameter(name, func_name, expected, value)
    return int(pair[0]), int(pair[1])


def _draw_post(rng, filters, codecs, crf, jpeg_quality):
    """Draw one post-processing chain: (filter, params), (codec, params)."""
    flt = filters[rng.randint(len(filters))]
    if flt == "sharpen":
        flt_params = (rng.uniform(*SHARPEN_RADIUS), rng.uniform(*SHARPEN_AMOUNT))
    elif flt == "denoise":
        flt_params = (
            rng.uniform(*DENOISE_SIGMA_COLOR),
            rng.uniform(*DENOISE_SIGMA_SPACE),
        )
    else:
        flt_params = ()
    codec = codecs[rng.randint(len(codecs))]
    if codec == "jpeg":
        quality = int(rng.randint(jpeg_quality[0], jpeg_quality[1] + 1))
    elif codec in _VIDEO_CODECS:
        quality = int(rng.randint(crf[0], crf[1] + 1))
    else:
        quality = None
    return (flt, flt_params), (codec, quality)


def _post_process(image, chain, quantize, preset):
    (flt, flt_params), (codec, quality) = chain
    if flt == "sharpen":
        image = _unsharp(image, *flt_params)
    elif flt == "denoise":
        image = _denoise(image, *flt_params)
    if codec == "jpeg":
        return jpeg_round_trip(image, quality)
    if codec in _VIDEO_CODECS:
        single = image.ndim == 3 and image.shape[2] == 1
        pixels = to_uint8(image[..., 0] if single else image)
        out = from_uint8(_video_uint8(pixels, codec, quality, preset))
        return out[..., np.newaxis] if single else out
    if quantize and flt != "none":
        image = from_uint8(to_uint8(image))
    return image.astype(np.float32, copy=False)


def _chain_name(chain):
    (flt, flt_params), (codec, quality) = chain
    parts = []
    if flt == "sharpen":
        parts.append(f"sharpen r={flt_params[0]:.2f} a={flt_params[1]:.2f}")
    elif flt == "denoise":
        parts.append(f"denoise sc={flt_params[0]:.3f} ss={flt_params[1]:.2f}")
    if codec == "jpeg":
        parts.append(f"jpeg q={quality}")
    elif codec in _VIDEO_CODECS:
        parts.append(f"{codec} crf={quality}")
    return ", ".join(parts) or "none"


@validate_params(
    {
        **CROP_CONSTRAINTS,
        "factors": "no_validation",
        "resamplers": "no_validation",
        "downscale": [StrOptions({"same"} | set(RESAMPLERS))],
        "filters": "no_validation",
        "codecs": "no_validation",
        "crf": "no_validation",
        "jpeg_quality": "no_validation",
        "preset": [StrOptions(_PRESETS)],
        "labels": [StrOptions({"binary", "factor"})],
        "return_details": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)


def make_degraded_images(
    images,
    *,
    factors=FACTORS,
    resamplers=(
        "opencv-bilinear",
        "opencv-bicubic",
        "opencv-lanczos",
        "pillow-bicubic",
        "pillow-lanczos",
    ),
    downscale="opencv-area",
    filters=FILTERS,
    codecs=("none", "jpeg"),
    crf=(16, 32),
    jpeg_quality=(70, 98),
    preset="ultrafast",
    crop_size=None,
    n_crops=1,
    labels="binary",
    return_details=False,
    random_state=None,
):
    """Make real and upscaled samples that went through the same post-processing.

    For each source image, or each of ``n_crops`` random crops of it, the
    result holds a real sample and a fake one, as
    :func:`make_rescaled_images` does: the fake is the source downscaled by
    a factor drawn from ``factors`` and upscaled back with a resampler
    drawn from ``resamplers``. Then **one** post-processing chain is drawn
    for the window, a filter from ``filters`` followed by a codec from
    ``codecs``, with random strengths, and it is applied to the real **and**
    to the fake sample alike: the codec, the sharpening or the denoising
    never tell the classes apart, only the resampling does. This is how
    fake-4K files are made (an upscaler, then an encoder) and how the real
    files they are compared with were made (the same encoder).

    Read more in the :ref:`User Guide <degraded_images>`.

    Parameters
    ----------
    images : ndarray, list of ndarray or LazyImages
        The pristine source images, grayscale or RGB (see
        :func:`~skforensics.utils.check_images`); ``uint8`` and ``uint16``
        are scaled to [0, 1], float images must lie in [0, 1]. Not modified.

    factors : float > 1 or sequence of float > 1, default=(3.0, 2.4, 2.0, 1.5, 1.25)
        The scale factors each fake draws from, uniformly. The default are
        720p, 900p, 1080p, 1440p and 1728p to 2160p.

    resamplers : str or sequence of str, default=("opencv-bilinear", \
"opencv-bicubic", "opencv-lanczos", "pillow-bicubic", "pillow-lanczos")
        The upscaling kernels each fake draws from, uniformly; see
        :func:`resize_image` for the names. The ``"swscale-*"`` kernels
        (FFmpeg's, through PyAV) need the ``video`` extra.

    downscale : str, default="opencv-area"
        The downscaling kernel, a resampler name, or ``"same"`` for the
        upscaling one.

    filters : str or sequence of str, default=("none", "sharpen", "denoise")
        The filters each window draws from, uniformly:

        - ``"none"``;
        - ``"sharpen"``: :func:`unsharp_mask` with a radius drawn in
          [0.5, 2] px and an amount in [50%, 200%];
        - ``"denoise"``: a mild 5x5 bilateral filter
          (``cv2.bilateralFilter``, colour sigma in [0.02, 0.08], space
          sigma in [0.5, 1.5] px).

    codecs : str or sequence of str, default=("none", "jpeg")
        The codecs each window draws from, uniformly, applied after the
        filter:

        - ``"none"``;
        - ``"jpeg"``: OpenCV's JPEG round trip (4:2:0) at a quality drawn
          from ``jpeg_quality``;
        - ``"h264"``, ``"hevc"``: :func:`video_round_trip` (libx264,
          libx265, one I-frame in yuv420p) at a CRF drawn from ``crf``;
          they need the ``video`` extra.

        Leave out ``"none"`` to encode every sample.

    crf : int or tuple of (int, int), default=(16, 32)
        The CRF of the video codecs, drawn uniformly in ``[low, high]``.

    jpeg_quality : int or tuple of (int, int), default=(70, 98)
        The JPEG quality, drawn uniformly in ``[low, high]``.

    preset : str, default="ultrafast"
        The video encoder's speed preset; see :func:`video_round_trip`.

    crop_size : int or tuple of (int, int), default=None
        If given, draw ``n_crops`` windows of this ``(height, width)`` per
        source at uniformly random positions. Each source is rescaled whole
        and the window is cut from both versions, then post-processed, as a
        codec sees a frame. If None, each source image gives one real and
        one fake sample.

    n_crops : int, default=1
        Number of windows per source image; only with ``crop_size``.

    labels : {"binary", "factor"}, default="binary"
        ``"binary"``: ``y`` is 0 for a real sample and 1 for an upscaled one.
        ``"factor"``: ``y`` is the scale factor, 1.0 for a real sample.

    return_details : bool, default=False
        If True, also return the resampler and post-processing of every
        sample.

    random_state : int, RandomState instance or None, default=None
        Seed of the crop positions and of every draw. Pass an int for
        reproducible output across calls.

    Returns
    -------
    X : ndarray of shape (n_samples, height, width[, 3]) or list of ndarray
        The samples, float32 in [0, 1]: an ndarray when they all share one
        size (always with ``crop_size``), else a list. For every window the
        real sample comes first, then its fake.

    y : ndarray of shape (n_samples,)
        Integers 0/1 for ``labels="binary"``, floats for ``"factor"``.

    groups : ndarray of shape (n_samples,)
        The index of the source image of each sample.

    details : ndarray of shape (n_samples,) and dtype object
        Only with ``return_details=True``: for every sample a str such as
        ``"opencv-lanczos x2.4; sharpen r=1.20 a=0.85, h264 crf=23"``
        (``"original; ..."`` for a real sample).

    Raises
    ------
    ImportError
        If a swscale resampler or a video codec is asked for and PyAV is
        not installed (``pip install skforensics[video]``).

    See Also
    --------
    make_rescaled_images : Clean real and upscaled pairs.
    video_round_trip : The video codec on one image.

    Notes
    -----
    Real and fake of one window share the drawn filter, codec and their
    strengths (the same numbers), so every degradation has the same
    distribution in both classes and no degradation is informative. An
    8-bit source gives 8-bit samples: the low-resolution image and every
    filtered image are rounded to 8 bits, as files would be.

    A video round trip costs about 10 ms (libx264) or 20 ms (libx265) for
    a 128x128 crop at the ``"ultrafast"`` preset on one core, mostly the
    encoder's set-up.

    Examples
    --------
    >>> from skforensics.datasets import load_sample_images, make_degraded_images
    >>> X, y, groups = make_degraded_images(
    ...     load_sample_images(), factors=(2, 1.5), crop_size=64, random_state=0
    ... )
    >>> X.shape, X.dtype, y[:4], groups[:4]
    ((16, 64, 64), dtype('float32'), array([0, 1, 0, 1]), array([0, 0, 1, 1]))
    """
    func_name = "make_degraded_images"
    factors = _check_factors(factors, func_name)
    resamplers = _check_names(resamplers, "resamplers", RESAMPLERS, func_name)
    filters = _check_names(filters, "filters", FILTERS, func_name)
    codecs = _check_names(codecs, "codecs", CODECS, func_name)
    crf = _check_range(crf, "crf", 0, 51, func_name)
    jpeg_quality = _check_range(jpeg_quality, "jpeg_quality", 1, 100, func_name)
    if (
        any(r.startswith("swscale") for r in resamplers)
        or downscale.startswith("swscale")
        or any(c in _VIDEO_CODECS for c in codecs)
    ):
        _import_av()
    images, crop_hw = check_source_images(images, crop_size, n_crops, func_name)
    rng = check_random_state(random_state)
    binary = labels == "binary"

    X, y, groups, details = [], [], [], []
    for index, image, corners in source_windows(images, crop_hw, n_crops, rng):
        quantize = on_8bit_grid(image)
        fakes = {}
        for corner in corners:
            factor = factors[rng.randint(len(factors))]
            resampler = resamplers[rng.randint(len(resamplers))]
            chain = _draw_post(rng, filters, codecs, crf, jpeg_quality)
            key = (factor, resampler)
            if key not in fakes:
                fakes[key] = _rescale(image, factor, resampler, downscale, quantize)
            post = _chain_name(chain)
            for sample, label, name in (
                (image, 0 if binary else 1.0, "original"),
                (fakes[key], 1 if binary else factor, f"{resampler} x{factor:g}"),
            ):
                X.append(
                    _post_process(
                        crop(sample, corner, crop_hw), chain, quantize, preset
                    )
                )
                y.append(label)
                groups.append(index)
                details.append(f"{name}; {post}")
    out = (stack_or_list(X), np.asarray(y), np.asarray(groups))
    if return_details:
        return (*out, np.asarray(details, dtype=object))
    return out
