"""Real images against their downscaled-then-upscaled copies ("fake 4K")."""

from numbers import Real

import numpy as np
from sklearn.utils import check_random_state

from ..utils._param_validation import Interval, StrOptions, validate_params
from ._common import (
    CROP_CONSTRAINTS,
    check_source_images,
    crop,
    on_8bit_grid,
    source_windows,
    stack_or_list,
)
from ._degrade import _check_names
from ._resampling import _rescale

__all__ = ["make_rescaled_images"]

KERNELS = ("nearest", "bilinear", "bicubic", "lanczos", "pillow")

# The kernels of make_rescaled_images, as resamplers of make_degraded_images
# ("pillow" is Pillow's antialiased bicubic).
_RESAMPLER = {
    "nearest": "opencv-nearest",
    "bilinear": "opencv-bilinear",
    "bicubic": "opencv-bicubic",
    "lanczos": "opencv-lanczos",
    "area": "opencv-area",
    "pillow": "pillow-bicubic",
}


def _rescale_kernel(image, factor, kernel, downscale, quantize):
    """Downscale by ``factor`` with ``downscale`` (or ``kernel`` when
    "same"), then upscale back with ``kernel``; the source stays float."""
    down = "same" if downscale == "same" else _RESAMPLER[downscale]
    return _rescale(
        image, factor, _RESAMPLER[kernel], down, quantize, quantize_source=False
    )


@validate_params(
    {
        **CROP_CONSTRAINTS,
        "factor": [Interval(Real, 1, None, closed="neither")],
        "kernels": "no_validation",
        "downscale": [StrOptions({"area", "same"})],
        "labels": [StrOptions({"binary", "kernel"})],
        "each_kernel": ["boolean"],
    },
    prefer_skip_nested_validation=True,
)
def make_rescaled_images(
    images,
    *,
    factor=2.0,
    kernels=("bicubic", "lanczos"),
    downscale="area",
    crop_size=None,
    n_crops=1,
    labels="binary",
    each_kernel=False,
    random_state=None,
):
    """Make real samples and their downscaled-then-upscaled ("fake") twins.

    For each source image, or each of ``n_crops`` random crops of it, the
    result holds the untouched pixels (a real sample) followed by the same
    pixels downscaled by ``factor`` and upscaled back to exactly the same
    size (a fake sample), the task of detecting "fake 4K" video frames or
    upscaled photographs. Every sample carries the index of its source image
    in ``groups``, so that :class:`~sklearn.model_selection.GroupKFold`
    keeps the crops of one photograph on one side of a split.

    Read more in the :ref:`User Guide <datasets>`.

    Parameters
    ----------
    images : ndarray, list of ndarray or LazyImages
        The pristine source images, an image collection of grayscale or RGB
        images (see :func:`~skforensics.utils.check_images`); ``uint8`` and
        ``uint16`` are scaled to [0, 1], float images must lie in [0, 1].
        For example :func:`load_sample_images`. Not modified.

    factor : float > 1, default=2.0
        The scale factor: a ``H x W`` image is resized to
        ``round(H / factor) x round(W / factor)`` and then back to ``H x W``.

    kernels : str or sequence of str, default=("bicubic", "lanczos")
        The upscaling kernels each fake sample draws from, uniformly:

        - ``"nearest"``: pixel replication (OpenCV ``INTER_NEAREST_EXACT``);
        - ``"bilinear"``: OpenCV ``INTER_LINEAR``;
        - ``"bicubic"``: OpenCV ``INTER_CUBIC`` (Keys cubic, a = -0.75);
        - ``"lanczos"``: OpenCV ``INTER_LANCZOS4`` (8x8 Lanczos);
        - ``"pillow"``: Pillow's ``BICUBIC`` (a = -0.5), which widens its
          kernel when it downscales (antialiasing). Away from the image
          borders it equals MATLAB's ``imresize(..., "bicubic")`` (checked
          to 1e-7 against a port of its algorithm); at the borders Pillow
          renormalises the kernel where MATLAB mirrors the image.

        Several kernels make a detector that does not overfit one resampler.

    downscale : {"area", "same"}, default="area"
        The downscaling kernel. ``"area"`` is OpenCV's ``INTER_AREA``, an
        antialiased pixel-area average; ``"same"`` uses the upscaling kernel
        (only ``"pillow"`` then antialiases).

    crop_size : int or tuple of (int, int), default=None
        If given, draw ``n_crops`` windows of this ``(height, width)`` per
        source, at uniformly random positions (they may overlap), and make
        a real and a fake sample from each window. Each source is rescaled
        whole and the window is cut from both versions, so the fake has no
        border effects and a random phase of the resampling grid. If None,
        each source image gives one real and one fake sample.

    n_crops : int, default=1
        Number of windows per source image; only with ``crop_size``.

    labels : {"binary", "kernel"}, default="binary"
        ``"binary"``: ``y`` is 0 for a real sample and 1 for an upscaled one.
        ``"kernel"``: ``y`` is ``"original"`` or the name of the upscaling
        kernel.

    each_kernel : bool, default=False
        If True, every window gets one fake per kernel instead of one fake
        with a random kernel; the classes are then unbalanced
        (1 real for ``len(kernels)`` fakes).

    random_state : int, RandomState instance or None, default=None
        Seed of the crop positions and of the kernel draws. Pass an int for
        reproducible output across calls.

    Returns
    -------
    X : ndarray of shape (n_samples, height, width[, 3]) or list of ndarray
        The samples, float32 in [0, 1]: an ndarray when they all share one
        size (always with ``crop_size``), else a list. For every window the
        real sample comes first, then its fake(s) in the order of
        ``kernels``.

    y : ndarray of shape (n_samples,)
        Integers 0/1 for ``labels="binary"``, strings for ``labels="kernel"``.

    groups : ndarray of shape (n_samples,)
        The index of the source image of each sample.

    See Also
    --------
    load_sample_images : Pristine photographs to start from.
    make_jpeg_images : Samples labelled by JPEG quality.

    Notes
    -----
    The fake is clipped to [0, 1] (cubic and Lanczos kernels overshoot). If a
    source image is 8-bit (``uint8``, or floats that are all multiples of
    1/255), its fakes are rounded to 8 bits too, as an upscaled frame saved
    to a file would be: otherwise the fractional part of the pixels alone
    would separate the classes.

    Resizing uses OpenCV (and Pillow for ``"pillow"``), which is hundreds of
    times faster than ``skimage.transform.resize`` on large frames.

    Examples
    --------
    >>> from skforensics.datasets import load_sample_images, make_rescaled_images
    >>> X, y, groups = make_rescaled_images(
    ...     load_sample_images(), factor=2, crop_size=64, n_crops=3, random_state=0
    ... )
    >>> X.shape, X.dtype, y[:4], groups[:7]
    ((48, 64, 64), dtype('float32'), array([0, 1, 0, 1]), array([0, 0, 0, 0, 0, 0, 1]))
    """
    func_name = "make_rescaled_images"
    kernels = _check_names(kernels, "kernels", KERNELS, func_name)
    images, crop_hw = check_source_images(images, crop_size, n_crops, func_name)
    rng = check_random_state(random_state)
    binary = labels == "binary"

    X, y, groups = [], [], []
    for index, image, corners in source_windows(images, crop_hw, n_crops, rng):
        quantize = on_8bit_grid(image)
        fakes = {}
        for corner in corners:
            chosen = kernels if each_kernel else (kernels[rng.randint(len(kernels))],)
            X.append(crop(image, corner, crop_hw))
            y.append(0 if binary else "original")
            groups.append(index)
            for kernel in chosen:
                if kernel not in fakes:
                    fakes[kernel] = _rescale_kernel(
                        image, factor, kernel, downscale, quantize
                    )
                X.append(crop(fakes[kernel], corner, crop_hw))
                y.append(1 if binary else kernel)
                groups.append(index)
    return stack_or_list(X), np.asarray(y), np.asarray(groups)
