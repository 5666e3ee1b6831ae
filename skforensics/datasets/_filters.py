"""The filters real files go through after resampling: sharpening, denoising."""

from numbers import Real

import cv2
import numpy as np

from ..utils._param_validation import Interval, validate_params
from ._resampling import _as_float, _check_image

__all__ = ["unsharp_mask"]

FILTERS = ("none", "sharpen", "denoise")

# Ranges drawn by make_degraded_images for the filters.
SHARPEN_RADIUS = (0.5, 2.0)
SHARPEN_AMOUNT = (0.5, 2.0)
DENOISE_SIGMA_COLOR = (0.02, 0.08)
DENOISE_SIGMA_SPACE = (0.5, 1.5)


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
