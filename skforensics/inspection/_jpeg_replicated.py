"""Pixels enlarged by replication: the JPEG evidence read at their native size.

A nearest-neighbour enlargement by an integer factor ``m`` (Pillow's and
OpenCV's nearest, OpenCV's area when it enlarges, pixel art scaled up, a
1080p frame doubled to "4K") repeats every source pixel in an ``m x m``
block, exactly. Searched as they are, such pixels mislead every JPEG test:
an 8x8 block holds only ``(8 / m)**2`` distinct values, so its DCT takes a
few structured values (at ``m = 4``, 94% of the coefficients lay on a
"lattice"), and a block's mean, read at a candidate native size, lies on
the lattice of the integers' sums (at ``m = 2`` and a downscale by 0.5
undone, on the multiples of 2, as a JPEG's DC at quality 95). Of
never-compressed photograph crops enlarged by 2, 3 and 4, 3, 11 and 16 of
16 were called compressed. The enlargement is undone exactly by keeping
one pixel of each block, so the evidence is read there: what a JPEG left
before the enlargement shows as it would have, and nothing else does.
"""

import numpy as np

__all__ = ["enlarged_map", "from_native", "native_pixels", "replication", "undone"]

# Factors tried along each axis, largest first (a block of 4 is two of 2).
_FACTORS = tuple(range(16, 1, -1))
# Adjacent rows (columns) inside one block: at least this share equal (an
# overlay drawn after the enlargement leaves a few unequal) ...
_WITHIN = 0.99
# ... and across blocks at most this share (flat content repeats rows by
# itself), with at least _MIN_NEW unequal.
_ACROSS = 0.5
_MIN_NEW = 16


def _equal_pairs(along):
    """Whether each row of ``along`` equals the next, in every column and
    channel."""
    return (along[1:] == along[:-1]).reshape(len(along) - 1, -1).all(axis=1)


def _axis_replication(pixels, axis):
    """(factor, phase) of the blocks along ``axis``, or (1, 0)."""
    along = np.moveaxis(pixels, axis, 0)
    if len(along) < 2 * _MIN_NEW:
        return 1, 0
    # Half the pairs or more lie inside blocks: screened on a few columns
    # first (rows equal in full are equal there), as most images fail here.
    sample = along[:, :: max(1, along.shape[1] // 64)]
    if np.mean(_equal_pairs(sample)) < 0.5 * _WITHIN:
        return 1, 0
    # Pair j: rows j and j + 1 equal.
    equal = _equal_pairs(along)
    pairs = np.arange(len(equal))
    for factor in _FACTORS:
        if len(equal) < factor * _MIN_NEW:
            continue
        for phase in range(factor):
            # Pair j crosses from one block to the next where row j + 1 is
            # a block's first.
            across = (pairs + 1 - phase) % factor == 0
            if (
                equal[~across].mean() >= _WITHIN
                and equal[across].mean() <= _ACROSS
                and np.count_nonzero(~equal[across]) >= _MIN_NEW
            ):
                return factor, phase
    return 1, 0


def replication(pixels):
    """The integer factors and phases of a pixel-replicated image, or None.

    ``pixels`` is (height, width) or (height, width, channels).

    Returns ``((row factor, column factor), (row phase, column phase))``
    where rows or columns come in blocks of 2 to 16 equal ones (1 along an
    axis where they do not; the phase is the first whole block's first
    row), else None. Non-integer factors repeat sources in blocks of two
    sizes, which no decimation undoes, and are left alone.
    """
    found = [_axis_replication(pixels, axis) for axis in (0, 1)]
    if all(factor == 1 for factor, _ in found):
        return None
    return tuple(factor for factor, _ in found), tuple(phase for _, phase in found)


def native_pixels(pixels, found):
    """One pixel of each replicated block (a view of ``pixels``)."""
    (rows, cols), (top, left) = found
    return pixels[top::rows, left::cols]


def undone(pixels, min_size):
    """``(replication, pixels)``: :func:`replication` and :func:`native_pixels`
    where the pixels are replicated and their native size is ``min_size``
    or more a side, else ``(None, pixels)``.

    For the JPEG net: it was never trained on replicated pixels, and called
    never-compressed photographs doubled compressed (P 0.98-1.00); read
    where the replication is undone, it gives the answers it gives there.
    A native image too small for its receptive field is read enlarged.
    """
    found = replication(pixels)
    if found is not None:
        native = native_pixels(pixels, found)
        if min(native.shape[:2]) >= min_size:
            return found, native
    return None, pixels


def enlarged_map(native, found, shape):
    """A map of :func:`native_pixels` brought back to the enlarged ``shape``
    (height, width) by the same replication (the part block before the
    first whole one repeats its first row or column)."""
    (rows, cols), (top, left) = found
    index = [
        np.clip((np.arange(n) - first) // factor, 0, size - 1)
        for n, first, factor, size in zip(
            shape, (top, left), (rows, cols), native.shape
        )
    ]
    return native[np.ix_(*index)]


def from_native(evidence, found, shape):
    """The evidence read on :func:`native_pixels`, said of the enlarged
    pixels (of ``shape``): the enlargement is reported (``native_size``,
    ``resize_kernel`` ``"nearest"``), and a lattice found there makes the
    verdict a JPEG's enlarged after compression."""
    (rows, cols), (top, left) = found
    native = evidence.shape
    words = (
        f"The pixels repeat in {rows}x{cols} blocks: a nearest-neighbour "
        f"enlargement from {native[0]}x{native[1]} pixels, undone exactly by "
        "keeping one pixel of each block. There:"
    )
    # A resize read there came before the enlargement: its size stays the
    # first one, its factor and grid are the two resizes'.
    evidence.update(
        shape=shape,
        native_size=evidence.native_size or tuple(native),
        resize_kernel=evidence.resize_kernel or "nearest",
    )
    # A grid read there (a lattice, or a resized grid's candidate) is said
    # in the enlarged pixels.
    if evidence.verdict == "compressed" or evidence.resized_grid == "found":
        offset = evidence.grid_offset
        if evidence.grid_phase is not None:
            offset = evidence.grid_phase
        if offset is not None:
            offset = (float(top + rows * offset[0]), float(left + cols * offset[1]))
        evidence.update(
            resized_grid="found",
            resized_visible=None,
            # The mean of the two axes' factors, as for other resizes.
            resize_factor=(rows + cols) / 2 * (evidence.resize_factor or 1.0),
            grid_period=(evidence.grid_period or 8.0) * (rows + cols) / 2,
            grid_offset=offset,
            grid_phase=None,
        )
    evidence.reason = f"{words} {evidence.reason}"
    return evidence
