"""Fake 4K as real files carry it: many resamplers, then the same codec for all.

Real upscaled ("fake 4K") videos are made by OpenCV, Pillow or FFmpeg's
swscale, at 720p/900p/1080p/1440p to 2160p, and then always encoded (H.264,
HEVC, JPEG for stills), often sharpened or denoised on the way. The real
videos they are compared with went through the same post-processing. A
detector trained on clean pairs learns what the codec erases; this module
makes training pairs in which real and fake share the post-processing, so
that only the resampling tells them apart.
"""

from fractions import Fraction
from numbers import Integral, Real

import cv2
import numpy as np
from PIL import Image
from sklearn.utils import check_random_state

from ..utils._param_validation import (
    Interval,
    StrOptions,
    invalid_parameter,
    is_int,
    validate_params,
)
from ._common import (
    check_source_images,
    crop,
    crop_corners,
    from_uint8,
    import_av,
    on_8bit_grid,
    stack_or_list,
    to_uint8,
)
from ._jpeg import jpeg_round_trip

__all__ = [
    "make_degraded_images",
    "rescale_image",
    "resize_image",
    "unsharp_mask",
    "video_round_trip",
]

RESAMPLERS = (
    "opencv-bilinear",
    "opencv-bicubic",
    "opencv-lanczos",
    "opencv-area",
    "pillow-bilinear",
    "pillow-bicubic",
    "pillow-lanczos",
    "swscale-bilinear",
    "swscale-bicubic",
    "swscale-lanczos",
    "swscale-spline",
)
FILTERS = ("none", "sharpen", "denoise")
CODECS = ("none", "jpeg", "h264", "hevc")
# 720p, 900p, 1080p, 1440p and 1728p to 2160p.
FACTORS = (3.0, 2.4, 2.0, 1.5, 1.25)

_OPENCV = {
    # INTER_NEAREST_EXACT samples at pixel centres, as Pillow and MATLAB do;
    # plain INTER_NEAREST is shifted by half a pixel when downscaling.
    "nearest": cv2.INTER_NEAREST_EXACT,
    "bilinear": cv2.INTER_LINEAR,
    "bicubic": cv2.INTER_CUBIC,
    "lanczos": cv2.INTER_LANCZOS4,
    "area": cv2.INTER_AREA,
}
_PILLOW = {
    "bilinear": Image.Resampling.BILINEAR,
    "bicubic": Image.Resampling.BICUBIC,
    "lanczos": Image.Resampling.LANCZOS,
}
# PyAV's names of swscale's kernels (av.video.reformatter.Interpolation).
_SWSCALE = {
    "bilinear": "BILINEAR",
    "bicubic": "BICUBIC",
    "lanczos": "LANCZOS",
    "spline": "SPLINE",
}
_VIDEO_CODECS = {"h264": ("libx264", "h264"), "hevc": ("libx265", "hevc")}
_PRESETS = {"ultrafast", "superfast", "veryfast", "faster", "fast", "medium"}

# Ranges drawn by make_degraded_images for the filters.
SHARPEN_RADIUS = (0.5, 2.0)
SHARPEN_AMOUNT = (0.5, 2.0)
DENOISE_SIGMA_COLOR = (0.02, 0.08)
DENOISE_SIGMA_SPACE = (0.5, 1.5)


def _import_av():
    return import_av("swscale resamplers and video codecs")


def _channels(image):
    """The ``(H, W)`` planes of an image and a function stacking them back."""
    if image.ndim == 2:
        return [image], lambda planes: planes[0]
    return [image[..., k] for k in range(image.shape[2])], lambda planes: np.stack(
        planes, axis=-1
    )


def _resize(image, height, width, resampler):
    """Resize a float32 ``(H, W[, C])`` image in [0, 1]; float32 out."""
    library, kernel = resampler.split("-")
    if library == "opencv":
        single = image.ndim == 3 and image.shape[2] == 1
        src = np.ascontiguousarray(image[..., 0] if single else image)
        out = cv2.resize(src, (width, height), interpolation=_OPENCV[kernel])
        return out[..., np.newaxis] if single else out
    planes, stack = _channels(image)
    if library == "pillow":
        out = [
            np.array(
                Image.fromarray(np.ascontiguousarray(p)).resize(
                    (width, height), _PILLOW[kernel]
                )
            )
            for p in planes
        ]
        return stack(out)
    av = _import_av()
    out = []
    for p in planes:
        frame = av.VideoFrame.from_ndarray(to_uint8(p), format="gray")
        frame = frame.reformat(
            width=width, height=height, interpolation=_SWSCALE[kernel]
        )
        out.append(from_uint8(frame.to_ndarray()))
    return stack(out)


def _as_float(image):
    image = np.asarray(image)
    if image.dtype == np.uint8:
        return from_uint8(image)
    return np.asarray(image, dtype=np.float32)


def _check_image(image, func_name):
    image = np.asarray(image)
    if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (1, 3)):
        invalid_parameter(
            "image",
            func_name,
            "an array of shape (H, W), (H, W, 1) or (H, W, 3)",
            f"an array of shape {image.shape}",
        )
    return image


@validate_params(
    {
        "image": ["array-like"],
        "size": [tuple, list],
        "resampler": [StrOptions(set(RESAMPLERS))],
    },
    prefer_skip_nested_validation=True,
)
def resize_image(image, size, *, resampler="opencv-bicubic"):
    """Resize one image with OpenCV, Pillow or FFmpeg's swscale.

    Read more in the :ref:`User Guide <degraded_images>`.

    Parameters
    ----------
    image : array-like of shape (H, W), (H, W, 1) or (H, W, 3)
        A float image in [0, 1] or a ``uint8`` image.

    size : tuple of (int, int)
        The ``(height, width)`` of the result.

    resampler : str, default="opencv-bicubic"
        ``"<library>-<kernel>"``:

        - OpenCV ``cv2.resize``: ``"opencv-bilinear"`` (``INTER_LINEAR``),
          ``"opencv-bicubic"`` (``INTER_CUBIC``, a = -0.75),
          ``"opencv-lanczos"`` (``INTER_LANCZOS4``), ``"opencv-area"``;
        - Pillow ``Image.resize`` on float32 planes, antialiased when it
          downscales: ``"pillow-bilinear"``, ``"pillow-bicubic"``
          (a = -0.5), ``"pillow-lanczos"``;
        - FFmpeg's swscale through PyAV's ``VideoFrame.reformat`` on 8-bit
          planes (the ``video`` extra): ``"swscale-bilinear"``,
          ``"swscale-bicubic"``, ``"swscale-lanczos"``, ``"swscale-spline"``.

    Returns
    -------
    resized : ndarray of shape (height, width[, C]) and dtype float32
        Not clipped: cubic and Lanczos kernels may overshoot [0, 1] (except
        swscale's, which works on 8 bits).

    See Also
    --------
    rescale_image : Downscale, then upscale back to the same size.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.datasets import resize_image
    >>> image = np.linspace(0, 1, 32 * 48, dtype=np.float32).reshape(32, 48)
    >>> resize_image(image, (64, 96), resampler="pillow-lanczos").shape
    (64, 96)
    """
    image = _check_image(image, "resize_image")
    if len(size) != 2 or not all(is_int(s) and s >= 1 for s in size):
        invalid_parameter(
            "size", "resize_image", "a tuple (height, width) of ints >= 1", size
        )
    return _resize(_as_float(image), int(size[0]), int(size[1]), resampler)


def _rescale(image, factor, resampler, downscale, quantize, *, quantize_source=True):
    """Downscale by ``factor`` and upscale back to the exact original size.

    With ``quantize``, the fake is rounded to the 8-bit grid, as a saved
    frame would be (otherwise the fractional part of the pixels would give
    the label away), and with ``quantize_source`` the low-resolution source
    too, as the 8-bit file it was.
    """
    height, width = image.shape[:2]
    small_h = max(1, round(height / factor))
    small_w = max(1, round(width / factor))
    down = resampler if downscale == "same" else downscale
    small = _resize(image, small_h, small_w, down)
    if quantize and quantize_source:
        small = np.round(np.clip(small, 0, 1) * np.float32(255)) / np.float32(255)
    fake = _resize(small, height, width, resampler)
    np.clip(fake, 0.0, 1.0, out=fake)
    if quantize:
        fake = np.round(fake * np.float32(255)) / np.float32(255)
    return fake.astype(np.float32, copy=False)


@validate_params(
    {
        "image": ["array-like"],
        "factor": [Interval(Real, 1, None, closed="neither")],
        "resampler": [StrOptions(set(RESAMPLERS))],
        "downscale": [StrOptions({"same"} | set(RESAMPLERS))],
    },
    prefer_skip_nested_validation=True,
)
def rescale_image(
    image, factor, *, resampler="opencv-bicubic", downscale="opencv-area"
):
    """Downscale an image by ``factor`` and upscale it back to its size.

    The "fake 4K" operation: a ``H x W`` image is resized to
    ``round(H / factor) x round(W / factor)``, rounded to 8 bits if the
    image is 8-bit (the low-resolution source was a file too), and upscaled
    back to ``H x W`` with ``resampler``.

    Read more in the :ref:`User Guide <degraded_images>`.

    Parameters
    ----------
    image : array-like of shape (H, W), (H, W, 1) or (H, W, 3)
        A float image in [0, 1] or a ``uint8`` image.

    factor : float > 1
        The scale factor, e.g. 2 for 1080p to 2160p, 1.5 for 1440p.

    resampler : str, default="opencv-bicubic"
        The upscaling kernel; see :func:`resize_image`.

    downscale : str, default="opencv-area"
        The downscaling kernel: a resampler name, or ``"same"`` for
        ``resampler``.

    Returns
    -------
    fake : ndarray of the shape of ``image`` and dtype float32
        In [0, 1]; on the 8-bit grid when ``image`` is.

    See Also
    --------
    make_degraded_images : Real and rescaled training pairs.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.datasets import rescale_image
    >>> image = np.random.RandomState(0).randint(0, 256, (48, 48), dtype=np.uint8)
    >>> fake = rescale_image(image, 1.5, resampler="pillow-bicubic")
    >>> fake.shape, fake.dtype
    ((48, 48), dtype('float32'))
    """
    image = _as_float(_check_image(image, "rescale_image"))
    return _rescale(image, factor, resampler, downscale, on_8bit_grid(image))


def _video_uint8(pixels, codec, crf, preset):
    """Encode one 8-bit frame as an I-frame and decode it, in memory."""
    av = _import_av()
    encoder_name, decoder_name = _VIDEO_CODECS[codec]
    height, width = pixels.shape[:2]
    # yuv420p needs even sizes: replicate the last row / column.
    pad = ((0, height % 2), (0, width % 2)) + ((0, 0),) * (pixels.ndim - 2)
    padded = np.pad(pixels, pad, mode="edge") if any(sum(p) for p in pad) else pixels
    fmt = "rgb24" if pixels.ndim == 3 else "gray"
    frame = av.VideoFrame.from_ndarray(np.ascontiguousarray(padded), format=fmt)
    frame = frame.reformat(format="yuv420p")
    frame.pts = 0
    encoder = av.CodecContext.create(encoder_name, "w")
    encoder.width, encoder.height = padded.shape[1], padded.shape[0]
    encoder.pix_fmt = "yuv420p"
    encoder.time_base = Fraction(1, 25)
    options = {"crf": str(crf), "preset": preset}
    if codec == "hevc":
        options["x265-params"] = "log-level=none"
    encoder.options = options
    packets = list(encoder.encode(frame)) + list(encoder.encode(None))
    decoder = av.CodecContext.create(decoder_name, "r")
    frames = []
    for packet in packets:
        frames += decoder.decode(packet)
    frames += decoder.decode(None)
    out = frames[0].to_ndarray(format=fmt)
    return np.ascontiguousarray(out[:height, :width])


@validate_params(
    {
        "image": ["array-like"],
        "codec": [StrOptions({"h264", "hevc"})],
        "crf": [Interval(Integral, 0, 51, closed="both")],
        "preset": [StrOptions(_PRESETS)],
    },
    prefer_skip_nested_validation=True,
)
def video_round_trip(image, *, codec="h264", crf=23, preset="ultrafast"):
    """Encode an image as one video frame and decode it back, in memory.

    The frame goes through the steps of a video file: RGB (or gray) to
    YUV 4:2:0 in the limited range of BT.601 (FFmpeg's swscale), one
    I-frame encoded by libx264 or libx265 with PyAV, decoded by FFmpeg and
    converted back.

    Read more in the :ref:`User Guide <degraded_images>`.

    Parameters
    ----------
    image : array-like of shape (H, W), (H, W, 1) or (H, W, 3)
        A float image in [0, 1] (rounded to 8 bits first) or ``uint8``.
        Odd sizes are padded by one replicated row or column for 4:2:0 and
        cropped back.

    codec : {"h264", "hevc"}, default="h264"
        H.264 (libx264) or HEVC (libx265).

    crf : int in [0, 51], default=23
        Constant rate factor: 18 is "visually lossless", 23 libx264's
        default, 28 libx265's default. ``crf=0`` is lossless for libx264
        (up to the YUV range step) but not for libx265.

    preset : str, default="ultrafast"
        The encoder's speed preset, among "ultrafast", "superfast",
        "veryfast", "faster", "fast" and "medium".

    Returns
    -------
    decoded : ndarray of the shape of ``image`` and dtype float32
        The decoded pixels in [0, 1].

    Raises
    ------
    ImportError
        If PyAV is not installed (``pip install skforensics[video]``).

    See Also
    --------
    make_degraded_images : Training pairs that share the codec.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.datasets import video_round_trip
    >>> image = np.random.RandomState(0).rand(32, 48).astype(np.float32)
    >>> decoded = video_round_trip(image, codec="h264", crf=28)
    >>> decoded.shape, decoded.dtype
    ((32, 48), dtype('float32'))
    """
    image = _check_image(image, "video_round_trip")
    pixels = image if image.dtype == np.uint8 else to_uint8(_as_float(image))
    single = pixels.ndim == 3 and pixels.shape[2] == 1
    out = _video_uint8(pixels[..., 0] if single else pixels, codec, crf, preset)
    return from_uint8(out[..., np.newaxis] if single else out)


def _unsharp(image, radius, amount):
    blurred = cv2.GaussianBlur(image, (0, 0), sigmaX=radius, sigmaY=radius)
    out = image + np.float32(amount) * (image - blurred)
    return np.clip(out, 0.0, 1.0, out=out)


@validate_params(
    {
        "image": ["array-like"],
        "radius": [Interval(Real, 0, None, closed="neither")],
        "amount": [Interval(Real, 0, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def unsharp_mask(image, *, radius=1.0, amount=1.0):
    """Sharpen an image with an unsharp mask.

    ``image + amount * (image - G_radius * image)``, clipped to [0, 1],
    where ``G_radius`` is a Gaussian of standard deviation ``radius``
    pixels (OpenCV's ``GaussianBlur``, reflected borders), as the unsharp
    masks of image editors and FFmpeg's ``unsharp`` filter do.

    Read more in the :ref:`User Guide <degraded_images>`.

    Parameters
    ----------
    image : array-like of shape (H, W), (H, W, 1) or (H, W, 3)
        A float image in [0, 1] or a ``uint8`` image.

    radius : float > 0, default=1.0
        Standard deviation of the Gaussian, in pixels.

    amount : float >= 0, default=1.0
        Strength: 1.0 is 100%.

    Returns
    -------
    sharpened : ndarray of the shape of ``image`` and dtype float32
        Not rounded to 8 bits.

    See Also
    --------
    make_degraded_images : Training pairs that share the sharpening.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.datasets import unsharp_mask
    >>> image = np.zeros((8, 8), dtype=np.float32)
    >>> image[:, 4:] = 0.5
    >>> print(unsharp_mask(image, radius=1.0, amount=1.5)[0].round(2))
    [0.   0.   0.   0.   0.73 0.54 0.5  0.5 ]
    """
    image = _as_float(_check_image(image, "unsharp_mask"))
    return _unsharp(image, float(radius), float(amount))


def _denoise(image, sigma_color, sigma_space):
    """A mild bilateral filter (5x5), float32."""
    single = image.ndim == 3 and image.shape[2] == 1
    src = np.ascontiguousarray(image[..., 0] if single else image)
    out = cv2.bilateralFilter(src, 5, sigma_color, sigma_space)
    return out[..., np.newaxis] if single else out


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
        image = np.round(image * np.float32(255)) / np.float32(255)
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
        "images": "no_validation",
        "factors": "no_validation",
        "resamplers": "no_validation",
        "downscale": [StrOptions({"same"} | set(RESAMPLERS))],
        "filters": "no_validation",
        "codecs": "no_validation",
        "crf": "no_validation",
        "jpeg_quality": "no_validation",
        "preset": [StrOptions(_PRESETS)],
        "crop_size": "no_validation",
        "n_crops": [Interval(Integral, 1, None, closed="left")],
        "labels": [StrOptions({"binary", "factor"})],
        "return_details": ["boolean"],
        "random_state": ["random_state"],
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
    for index in range(len(images)):
        image = np.asarray(images[index], dtype=np.float32)
        quantize = on_8bit_grid(image)
        corners = (
            [None]
            if crop_hw is None
            else crop_corners(image.shape, crop_hw, n_crops, rng)
        )
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
