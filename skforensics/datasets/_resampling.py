"""Resizing with the resamplers of real upscaled files: OpenCV, Pillow, swscale.

:func:`resize_image` resizes one image with any of them and
:func:`rescale_image` makes the "fake 4K" of an image (down, then back up);
:func:`~skforensics.datasets.make_degraded_images` draws them.
"""

from numbers import Real

import cv2
import numpy as np
from PIL import Image

from ..utils._param_validation import (
    Interval,
    StrOptions,
    invalid_parameter,
    is_int,
    validate_params,
)
from ..utils._color import from_uint8, to_uint8
from ..utils._validation import check_image
from ._common import import_av, on_8bit_grid

__all__ = ["rescale_image", "resize_image"]

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
    if image.dtype == np.uint8:
        return image
    # Other dtypes by the package's rules (check_image): uint16 on its range,
    # floats in [0, 1]; other integers, NaN and floats outside [0, 1] (8-bit
    # data in a float array, say) are refused, not clipped or read as they are.
    return check_image(image)


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
        small = from_uint8(to_uint8(small))
    fake = _resize(small, height, width, resampler)
    np.clip(fake, 0.0, 1.0, out=fake)
    if quantize:
        fake = from_uint8(to_uint8(fake))
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
