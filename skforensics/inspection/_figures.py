"""Figures of ``skforensics analyse``: block-mean shrinking and fast saving."""

import numpy as np


def _new_figure(figsize, shape=(1, 1), **adjust):
    """A figure and its ``shape`` (rows, columns) of axes, laid out by
    ``adjust`` (``Figure.subplots_adjust``'s keywords)."""
    # A fixed layout rather than the constrained one of the Displays' own
    # figures: the constrained layout took half of the drawing time of each
    # map (about 1.3 s of 2.6 s per 1024x768 image, measured on 2 cores).
    import matplotlib
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize)
    fig.subplots_adjust(**adjust)
    # The titles at their usual height, set rather than worked out at each
    # draw from the tick labels (no axes here has any above it): a fifth
    # of the drawing time of a JPEG figure.
    with matplotlib.rc_context({"axes.titley": 1.0}):
        axes = fig.subplots(*shape)
    return fig, axes


def _save_figure(fig, path):
    # zlib level 1: a third less time per figure than Pillow's default 6,
    # for files about a tenth larger.
    # Not cleared afterwards: the figure is dropped with its artists, and
    # clearing it first took a fifth of its drawing time.
    fig.savefig(path, dpi=72, pil_kwargs={"compress_level": 1})


def shrink_factor(shape, side, *, divisor=None):
    """The smallest factor that brings the longer side of ``shape`` to at
    most ``side`` pixels, among the divisors of ``divisor`` (any when None);
    the largest such divisor when none is enough."""
    longest = max(shape[:2])
    if divisor is None:
        return max(1, -(-longest // side))
    divisors = [k for k in range(1, int(divisor) + 1) if divisor % k == 0]
    return next((k for k in divisors if longest <= side * k), divisors[-1])


def shrink(image, side, *, factor=None):
    """Block mean of ``image`` (uint8, or float in [0, 1]) as float32.

    By ``factor`` (default :func:`shrink_factor` for ``side``): each pixel
    of the result is the mean of a ``factor x factor`` block; the last rows
    and columns that do not fill a block are dropped. Computed strip by
    strip, so that no float copy of the whole image is made; a factor of 1
    gives the image itself as float32.
    """
    import cv2

    k = shrink_factor(image.shape, side) if factor is None else int(factor)
    scale = np.float32(255) if image.dtype == np.uint8 else None
    if k == 1:
        out = np.asarray(image, dtype=np.float32)
        return out / scale if scale is not None else out
    height, width = image.shape[0] // k, image.shape[1] // k
    rest = image.shape[2:]
    out = np.empty((height, width) + rest, dtype=np.float32)
    rows = max(1, 2**20 // max(1, width * k * k * int(np.prod(rest, dtype=int))))
    for top in range(0, height, rows):
        n = min(rows, height - top)
        strip = image[top * k : (top + n) * k, : width * k].astype(np.float32)
        # OpenCV's area resampling by a whole factor is the block mean,
        # about ten times faster than numpy's reshaped mean.
        out[top : top + n] = cv2.resize(
            strip, (width, n), interpolation=cv2.INTER_AREA
        ).reshape(n, width, *rest)
    if scale is not None:
        out /= scale
    return out
