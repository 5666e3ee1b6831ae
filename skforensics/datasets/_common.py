"""Helpers shared by the dataset generators: parameter checks, crops, stacking."""

from numbers import Integral

import numpy as np

from ..utils import check_images
from ..utils._color import from_uint8, to_uint8  # noqa: F401 (the one home)
from ..utils._param_validation import Interval, check_pair, invalid_parameter

__all__ = []

# The constraints of the generators that crop their source images: the
# parameters of check_source_images, and the random state of the crops.
CROP_CONSTRAINTS = {
    "images": "no_validation",
    "crop_size": "no_validation",
    "n_crops": [Interval(Integral, 1, None, closed="left")],
    "random_state": ["random_state"],
}


def check_source_images(images, crop_size, n_crops, func_name):
    """Validate a generator's source images and its crop settings.

    Returns the checked images (floats in [0, 1], at least ``crop_size``)
    and the crop size as a ``(height, width)`` pair, or None for whole
    images.
    """
    crop_hw = check_pair(crop_size, "crop_size", func_name, allow_none=True)
    if crop_hw is None and n_crops != 1:
        invalid_parameter(
            "n_crops", func_name, "1 when crop_size is None (set crop_size)", n_crops
        )
    images = check_images(
        images,
        check_range=True,
        min_size=crop_hw,
        min_size_hint=f" for crop_size={crop_size!r}",
        input_name="images",
    )
    return images, crop_hw


def crop_corners(shape, crop, n_crops, rng):
    """Draw ``n_crops`` top-left corners of a ``crop`` window, uniformly.

    ``crop=None`` (no cropping) gives ``[None]``, the whole image once (see
    :func:`crop`), and draws nothing from ``rng``.
    """
    if crop is None:
        return [None]
    height, width = shape[:2]
    rows = rng.randint(0, height - crop[0] + 1, size=n_crops)
    cols = rng.randint(0, width - crop[1] + 1, size=n_crops)
    return list(zip(rows.tolist(), cols.tolist()))


def crop(image, corner, size):
    """Return a copy of the window at ``corner`` (or of the whole image)."""
    if corner is None:
        return np.array(image, dtype=np.float32)
    r, c = corner
    return np.array(image[r : r + size[0], c : c + size[1]], dtype=np.float32)


def source_windows(images, crop_hw, n_crops, rng):
    """Yield ``(index, image, corners)`` for each source image, in order:
    the image as float32 and the top-left corners of its windows
    (:func:`crop_corners`, drawn from ``rng`` when the image is reached)."""
    for index in range(len(images)):
        image = np.asarray(images[index], dtype=np.float32)
        yield index, image, crop_corners(image.shape, crop_hw, n_crops, rng)


def stack_or_list(samples):
    """An ndarray when every sample has one shape, else the list itself."""
    if len({s.shape for s in samples}) == 1:
        return np.stack(samples)
    return samples


def on_8bit_grid(image, tol=1e-4):
    """Whether every pixel is k / 255 for an integer k (an 8-bit image)."""
    scaled = np.asarray(image, dtype=np.float64) * 255.0
    return bool(np.all(np.abs(scaled - np.round(scaled)) <= tol))


def import_av(what):
    """PyAV, or an ImportError saying that ``what`` needs it and how to get it."""
    try:
        import av
    except ImportError as exc:
        raise ImportError(
            f"{what} needs PyAV, which is not installed: "
            "pip install skforensics[video]"
        ) from exc
    return av
