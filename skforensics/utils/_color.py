"""The package's pixel conversions, each written once.

- :func:`bt601_luma`: ITU-R BT.601 luminance (MATLAB ``rgb2gray``), the grey
  of every paper that works in luminance (``to_grayscale``,
  ``check_images(convert_to="gray")``, the JPEG estimator's texture test);
- :func:`to_uint8` and :func:`from_uint8`: float images in [0, 1] to the
  8-bit grid (clipped and rounded half to even) and back to float32.

JPEG's own RGB to YCbCr (JFIF's 0.299, 0.587, 0.114) is part of the codec
and stays with the JPEG code.
"""

import numpy as np

from ._io import LazyImages

__all__ = ["bt601_luma", "from_uint8", "to_grayscale", "to_uint8"]

# ITU-R BT.601 luma weights, exactly as MATLAB's rgb2gray uses them (the
# inverse of its NTSC YIQ matrix, so they sum to 1 up to 1e-15).
BT601_WEIGHTS = np.array(
    [0.298936021293775, 0.587043074451121, 0.114020904255103]
)


def bt601_luma(image, dtype=None):
    """BT.601 luminance of RGB pixels: the last axis, of length 3, weighted.

    Parameters
    ----------
    image : ndarray of shape (..., 3)
        Float RGB pixels.
    dtype : float dtype, default=None
        The dtype of the weights (and so of the result); None: the image's.

    Returns
    -------
    luma : ndarray of shape image.shape[:-1]
        ``0.298936 R + 0.587043 G + 0.114021 B``.
    """
    weights = BT601_WEIGHTS.astype(image.dtype if dtype is None else dtype)
    return np.tensordot(image, weights, axes=([-1], [0]))


def to_uint8(image):
    """A float image in [0, 1] on the 8-bit grid: clipped, rounded, uint8."""
    return np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)


def from_uint8(image):
    """8-bit pixels as float32 in [0, 1] (``k / 255``, correctly rounded)."""
    return np.asarray(image).astype(np.float32) / np.float32(255)


def _to_unit_float(image):
    """Integers to float32 in [0, 1], as check_images scales them; floats kept."""
    if image.dtype.kind not in "biuf":
        # Complex and object arrays went through tensordot into complex or
        # object "luminance" (found by tests/test_hypothesis.py).
        raise TypeError(
            f"Images must hold real numbers; got dtype {image.dtype}. Pass uint8, "
            "uint16 or float images (check_images says what each means)."
        )
    if np.issubdtype(image.dtype, np.integer):
        return image.astype(np.float32) / np.float32(np.iinfo(image.dtype).max)
    return image


def _gray_one(image):
    image = _to_unit_float(np.asarray(image))
    if image.ndim == 2:
        return image
    if image.shape[-1] == 1:
        return image[..., 0]
    if image.shape[-1] == 4:
        image = image[..., :3]
    if image.shape[-1] != 3:
        raise ValueError(
            f"Cannot convert an image with {image.shape[-1]} channels to grayscale; "
            "expected RGB (H, W, 3)."
        )
    dtype = image.dtype if image.dtype in (np.float32, np.float64) else np.float32
    return bt601_luma(image, dtype)


def to_grayscale(X):
    """Convert images to luminance with ITU-R BT.601 weights (MATLAB ``rgb2gray``).

    Parameters
    ----------
    X : ndarray, list of ndarray or LazyImages
        An image collection (see :func:`check_images`). A 3-D ndarray is a
        collection of grayscale images and is returned unchanged; convert one
        colour image ``image`` as ``to_grayscale(image[np.newaxis])[0]``.
        Integer images are first scaled to [0, 1].

    Returns
    -------
    gray : same form as X
        ``(n_images, H, W)`` for an ndarray collection, a list of ``(H, W)``
        arrays for a list, or a lazily converted :class:`LazyImages`. Float
        dtypes are kept; integers give float32 in [0, 1], gray or colour.
        Float grayscale images are returned unchanged (``(H, W, 1)`` loses
        its last axis).

    Notes
    -----
    The weights are 0.298936, 0.587043 and 0.114021. Unlike MATLAB, the result
    is not rounded back to 8 bits.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.utils import to_grayscale
    >>> X = np.ones((2, 4, 4, 3), dtype=np.float32)
    >>> gray = to_grayscale(X)
    >>> gray.shape, gray.dtype, round(float(gray[0, 0, 0]), 6)
    ((2, 4, 4), dtype('float32'), 1.0)
    """
    if isinstance(X, LazyImages):
        return X.map(_gray_one)
    if isinstance(X, (list, tuple)):
        return [_gray_one(img) for img in X]
    X = np.asarray(X)
    if X.ndim == 4:
        return _gray_one(X)
    if X.ndim == 3:
        # A gray collection: only integers change (scaled to [0, 1]).
        return _to_unit_float(X)
    raise ValueError(
        "X must be an image collection of shape (n_images, height, width[, "
        f"n_channels]); got an array of shape {X.shape}."
    )
