"""JPEGs resized on their block grid: the lattice of the resized blocks.

libjpeg can decode a JPEG straight to half its size, and much software asks
it to: Pillow's ``Image.draft``, OpenCV's ``IMREAD_REDUCED_*`` flags,
``djpeg -scale 1/2``, thumbnailers that shrink on load. Each 8x8 block of
coefficients then goes through a 4x4 inverse DCT of its lowest 4x4
frequencies, halved: the 4x4 DCT of the decoded blocks lies on the lattice
of half the steps of the file's table, blurred only by the rounding of the
pixels, as a full-size decode lies on the steps themselves. A resize by
``n / 8`` (0.25, 0.5, 0.625, 0.75, 0.875) makes each ``n x n`` block of
the result from one 8x8 block (give or take the kernel's reach), and a
kernel's response barely changes the lowest frequencies, so their DCT at
that size lies near the multiples of ``n / 8`` times the steps (the
orthonormal DCT's scale): much of the lattice survives (at 0.25, the
DC's alone). Other factors, and never-compressed pixels, leave none. This
test looks for it where the 8x8 test found no lattice.

These steps are not integers, so the grid phase cannot be found with the
integers' lattice as at full size: each of the ``n**2`` phases of the
``n``-pixel grid is scored with, for each of its six lowest frequencies,
the best mean cosine ``cos(2 pi c / s)`` over the candidate steps ``s``,
read from one histogram of the coefficients per phase and frequency. Only
coefficients beyond half a step count (those quantised to zero say nothing
of the step).
"""

import functools

import numpy as np
from sklearn.utils import Bunch

from ._jpeg_blocks import _blocks_at, _dct2_t, _phase_blocks, _table_quality

__all__ = ["block_grid_lattice"]

# The block sizes searched, most common first: 4 (a JPEG halved: decoded
# at half size, or resized by 0.5), 6 (by 0.75), 5 (by 0.625), 7 (by 0.875),
# 2 (quartered: decoded at a quarter of its size, or resized by 0.25).
_SIZES = (4, 6, 5, 7, 2)
# Candidate steps of the file's table, 3 to 80, each scaled by n / 8 (at
# n = 4, 1.5 to 40). A scaled step of 1 or less is out of reach: a 4x4
# block's DC is a quarter of its pixels' sum, so the DC of never-compressed
# pixels already lies on 0.25's lattice (on 1's where nearest neighbour
# doubled them).
_TABLE_STEPS = np.arange(3, 81)
# Histogram of the coefficients: 4,096 bins of n / 16 over [-128 n, 128 n)
# (an n x n block's DC spans n times the pixels' range, level-shifted): a
# sixth of the smallest step, which blurs its mean cosine by 5% at most.
_N_BINS = 4096
# Windows of 2 n - 1 pixels, each holding one n x n block at every phase:
# at most 4,096 for the 16 phases of n = 4, fewer for more phases (as many
# blocks in all, and a steadier median of the others to compare with).
_WINDOW_BLOCKS = 4096 * 16
# A mean cosine is read from at least this many informative coefficients.
_MIN_COUNT = 40
# The phase found stands this many robust SD above the others (and its
# steps can be a table's: _a_table). On 10,428 never-compressed images
# (see _a_table) 25 reached it at some size, all on steps of no table.
_Z_FOUND = 12.0
# The steps read: the 2x2 lowest frequencies, scaled alike by every kernel
# (libjpeg-turbo's reduced inverse DCT, Pillow's and OpenCV's, halves those
# exactly but not the higher ones: frequency 3 came out 0.35 to 0.8 times
# the step), from at most this many blocks at the phase found.
_MAX_BLOCKS = 1 << 15
# A step is read where the best mean cosine of its frequency passes this
# (over thousands of blocks: chance gives about 0.02).
_MIN_COHERENCE = 0.1
# The step of a frequency: the largest candidate whose mean cosine reaches
# this share of the best one. The step itself scores best: its divisors a
# little less (the rounding of the pixels blurs a finer lattice more), its
# multiples and its neighbours much less.
_STEP_SHARE = 0.97


def _low(n):
    """The frequencies the phases are compared on (row-major in the block):
    the DC and the five lowest AC, the least often quantised to zero (all
    four of a 2x2 block)."""
    return [0, 1, n, n + 1, 2, 2 * n] if n > 2 else [0, 1, 2, 3]


def _period(n):
    """The grid compared: n pixels, 4 for 2x2 blocks (16 phases, 4 of them
    on the blocks' grid, against a steadier median of the others)."""
    return max(n, 4)


@functools.lru_cache(maxsize=None)
def _cosine_tables(n):
    """Per bin of the histogram, for every candidate step the bin centre's
    cosine where it is informative (beyond half a step), then for every
    step whether it is."""
    width = 256 * n / _N_BINS
    centres = (np.arange(_N_BINS) + 0.5) * width - 128 * n
    steps = _TABLE_STEPS * (n / 8)
    informative = np.abs(centres)[:, None] >= steps[None, :] / 2
    informative &= steps >= 1.5  # a 2x2 block's DC lies on 0.5's lattice anyway
    cosines = np.cos(2 * np.pi * centres[:, None] / steps[None, :])
    return np.hstack([cosines * informative, informative]).astype(np.float32)


def _coherence(coefs, usable, n):
    """Mean cosine of every candidate step, per column of ``coefs``.

    ``coefs`` is (blocks, columns), ``usable`` (blocks, columns) or
    (blocks, 1); returns (columns, steps), 0 where fewer than _MIN_COUNT
    coefficients are informative.
    """
    n_columns = coefs.shape[1]
    bins = np.floor((coefs + 128 * n) * (_N_BINS / (256 * n))).astype(np.int64)
    keep = usable & (bins >= 0) & (bins < _N_BINS)
    index = (np.arange(n_columns) * _N_BINS + bins)[keep]
    histogram = np.bincount(index, minlength=n_columns * _N_BINS)
    histogram = histogram.reshape(n_columns, _N_BINS).astype(np.float32)
    sums, counts = np.split(histogram @ _cosine_tables(n), 2, axis=1)
    return np.where(counts >= _MIN_COUNT, sums / np.maximum(counts, 1), 0.0)


def _phase_scores(luma, clipped, rng, n):
    """Score of each phase of the grid (:func:`_period`) of n x n blocks, on
    sampled windows."""
    period = _period(n)
    most = _WINDOW_BLOCKS // (period * period)
    blocks, usable = _phase_blocks(luma, clipped, rng, n, period, most)
    low = _low(n)
    coefs = (blocks - np.float32(128)) @ _dct2_t(n)[:, low]
    coherence = _coherence(
        coefs.reshape(len(blocks), -1), np.repeat(usable, len(low), axis=1), n
    )
    scores = coherence.max(axis=1).reshape(period * period, len(low)).sum(axis=1)
    return scores.reshape(period, period)


def _steps_at(luma, clipped, phase, n):
    """The file's steps of the 2x2 lowest frequencies (NaN where unread),
    from the usable blocks at ``phase`` (a sample of them, on a large image)."""
    # At a quarter, only the DC: libjpeg's 2x2 reduced inverse DCT keeps
    # little of the AC lattice.
    exact = [0, 1, n, n + 1] if n > 2 else [0]
    coefs = _blocks_at(luma, clipped, phase, coefficients=exact, size=n)
    coefs = coefs[:: max(1, len(coefs) // _MAX_BLOCKS)]
    coherence = _coherence(coefs, np.ones((len(coefs), 1), dtype=bool), n)
    steps = np.full(4, np.nan)
    for k, scores in zip((0, 1, 2, 3), coherence):
        best = scores.max()
        if best > _MIN_COHERENCE:
            steps[k] = _TABLE_STEPS[np.flatnonzero(scores >= _STEP_SHARE * best).max()]
    return steps.reshape(2, 2)


def _search(luma, clipped, rng, n):
    """The best phase of the n-pixel grid and its robust z."""
    scores = _phase_scores(luma, clipped, rng, n)
    best = np.unravel_index(int(np.argmax(scores)), scores.shape)
    others = np.delete(scores.ravel(), np.ravel_multi_index(best, scores.shape))
    center = np.median(others)
    spread = max(1.4826 * np.median(np.abs(others - center)), 1e-2)
    phase = (int(best[0]) % n, int(best[1]) % n)
    return phase, float((scores[best] - center) / spread)


def block_grid_lattice(luma, clipped, rng):
    """Look for the lattice of a JPEG resized on its block grid.

    The block sizes of ``_SIZES`` are searched in turn, until one is found.
    Returns None where the image is too small (under 16 pixels a side), else
    a Bunch: ``found`` (the best phase stands ``_Z_FOUND`` robust SD above
    the others, and the steps read there can be a JPEG table's), ``size``
    (n, the resized blocks' side: the resize factor is n / 8), ``z``,
    ``phase`` (dy, dx) of the blocks, and ``steps``, the file's steps of the
    2x2 lowest frequencies (the steps read, scaled back by 8 / n; NaN where
    unread; None where z is under ``_Z_FOUND``): of the size found, else of
    the one whose z came closest.
    """
    if min(luma.shape) < 16:
        return None
    best = None
    for n in _SIZES:
        result = _lattice_at(luma, clipped, rng, n)
        if best is None or result.z > best.z or result.found:
            best = result
        if result.found:
            break
    if best.found and best.size == 4:
        # A quartered JPEG's 4x4 blocks each add up 2x2 of its 2x2 blocks, so
        # their DC lies on a lattice too (read as a halving: the wrong factor),
        # while a halved JPEG's 2x2 blocks cut its blocks in four and lie on
        # none.
        finer = _lattice_at(luma, clipped, rng, 2)
        if finer.found:
            best = finer
    return best


def _lattice_at(luma, clipped, rng, n):
    """block_grid_lattice's Bunch for the block size ``n`` alone."""
    phase, z = _search(luma, clipped, rng, n)
    steps = _steps_at(luma, clipped, phase, n) if z >= _Z_FOUND else None
    found = steps is not None and _a_table(steps)
    return Bunch(found=found, size=n, z=z, phase=phase, steps=steps)


def _a_table(steps):
    """Whether the 2x2 steps read can be a JPEG table's: the DC step read and
    under 64 (libjpeg's is 64 or more below quality 13), the others read
    within a factor of 2 of it (libjpeg's are within 1.5 at every quality).

    A periodic texture of few grey levels, resized, can put one phase's
    coefficients on few values: a lattice that stands out, of no table. On
    10,428 never-compressed images (237 photographs, as they are and resized
    by 0.25 to 2 with five kernels), 25 stood out; each read a table that
    fails this (a texture, steps 21, 45, 40 and 44; the DC alone, at 79 or
    80, the largest candidate).
    """
    dc, known = steps[0, 0], steps[np.isfinite(steps)]
    if not np.isfinite(dc) or dc >= 64:
        return False
    return bool(np.all((known <= 2 * dc) & (known >= dc / 2)))


def _add_scaled(evidence, luma, clipped, rng):
    """The evidence of an image without an 8x8 lattice, with the lattice of
    a JPEG resized on its block grid where one is found."""
    found = block_grid_lattice(luma, clipped, rng)
    if found is None or not found.found:
        return evidence
    steps = np.full((8, 8), np.nan)
    steps[:2, :2] = found.steps
    # The quality, where all four steps are read: four steps tell a range of
    # qualities (table_qualities), and whether they are libjpeg's.
    quality = qualities = like = None
    if np.isfinite(found.steps).all():
        quality, qualities, like, _ = _table_quality(steps)
    n = found.size
    rows, cols = (round(side * 8 / n) for side in evidence.shape)
    evidence.update(
        verdict="compressed", steps=steps, grid_phase=None, table_quality=quality,
        table_qualities=qualities, libjpeg_like=like, resized_grid="found",
        resized_visible=None, resize_kernel=None, resize_factor=n / 8,
        grid_period=float(n), grid_offset=tuple(float(p) for p in found.phase),
        native_size=(rows, cols),
    )
    how = {
        4: "halved (decoded at half its size, or resized by",
        2: "quartered (decoded at a quarter of its size, or resized by",
    }.get(n, "resized by")
    evidence.reason = (
        f"No 8x8 lattice in the pixels as they are, but the {n}x{n} DCT of their "
        f"{n}x{n} blocks at phase {found.phase} lies on the lattice of a JPEG "
        f"table's steps times {n}/8 ({found.z:.0f} robust SD above the other "
        f"phases): a JPEG {how} {n / 8:g}{')' if n in (2, 4) else ''} on its block "
        f"grid after compression, about {rows}x{cols} pixels at first."
    )
    return evidence
