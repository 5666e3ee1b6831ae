"""JPEGs halved after compression: the lattice of their 4x4 blocks.

libjpeg can decode a JPEG straight to half its size, and much software asks
it to: Pillow's ``Image.draft``, OpenCV's ``IMREAD_REDUCED_*`` flags,
``djpeg -scale 1/2``, thumbnailers that shrink on load. Each 8x8 block of
coefficients then goes through a 4x4 inverse DCT of its lowest 4x4
frequencies, halved: the 4x4 DCT of the decoded blocks lies on the lattice
of half the steps of the file's table, blurred only by the rounding of the
pixels, as a full-size decode lies on the steps themselves. A resize by
exactly 0.5 on the block grid (each 4x4 output block made from one 8x8
block, give or take the kernel's reach) leaves much of the same lattice in
the lowest frequencies, which a kernel's response barely changes there;
other factors, and never-compressed pixels, leave none. This test looks for
it where the 8x8 test found no lattice.

The steps at half size are not integers (half of an odd step), so the grid
phase cannot be found with the integers' lattice as at full size: each of
the 16 phases of a 4-pixel grid is scored with, for each of its six lowest
frequencies, the best mean cosine ``cos(2 pi c / s)`` over the candidate
half steps ``s``, read from one histogram of the coefficients per phase and
frequency. Only coefficients beyond half a step count (those quantised to
zero say nothing of the step).
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from sklearn.utils import Bunch

from ._jpeg_blocks import _table_quality

__all__ = ["scaled_decode_lattice"]

# The blocks of a half-size decode: 4x4 pixels, on a grid of period 4.
_N = 4
_DCT = np.sqrt(2 / _N) * np.cos(
    np.pi * (2 * np.arange(_N)[None, :] + 1) * np.arange(_N)[:, None] / (2 * _N)
)
_DCT[0] /= np.sqrt(2)
_DCT2_T = np.kron(_DCT, _DCT).T.astype(np.float32)
# The frequencies the phases are compared on (row-major in the 4x4 block):
# the DC and the five lowest AC, the least often quantised to zero.
_LOW = (0, 1, 4, 5, 2, 8)
# Candidate steps of the file's table: 3 to 80 (half: 1.5 to 40). A half
# step of 1 or less is out of reach: a 4x4 block's DC is a quarter of its
# pixels' sum, so the DC of never-compressed pixels already lies on 0.25's
# lattice (and on 1's where the pixels were doubled by nearest neighbour).
_STEPS = np.arange(3, 81) / 2.0
# Histogram of the coefficients: bins of 0.1 over [-512, 512) (a 4x4 DC
# spans 4 times the pixels' range, level-shifted).
_BIN, _RANGE = 0.1, 512.0
_N_BINS = int(2 * _RANGE / _BIN)
# At most this many 7x7 windows, each holding one 4x4 block at every phase.
_MAX_WINDOWS = 4096
# A mean cosine is read from at least this many informative coefficients.
_MIN_COUNT = 40
# The phase found stands this many robust SD above the other 15. On 1,422
# never-compressed images (237 photographs, as they are and resized by 0.25
# to 2 with five kernels) the largest z was 13.3 (a 128x128 texture
# downscaled by nearest neighbour), the next 11.8.
_Z_FOUND = 12.0
# The steps are read at the 2x2 lowest frequencies alone: libjpeg-turbo's
# reduced inverse DCT (Pillow's and OpenCV's) halves those exactly, but not
# the higher ones (frequency 3 came out 0.35 to 0.8 times the step).
_EXACT = (0, 1, 4, 5)
# The steps are read from at most this many blocks at the phase found.
_MAX_BLOCKS = 1 << 15
# The step of a frequency: the largest candidate whose mean cosine reaches
# this share of the best one. The step itself scores best: its divisors a
# little less (the rounding of the pixels blurs a finer lattice more), its
# multiples and its neighbours much less.
_STEP_SHARE = 0.97

_TABLES = []


def _cosine_tables():
    """Per bin of the histogram and candidate step: the bin centre's cosine
    where it is informative (beyond half a step), and whether it is."""
    if not _TABLES:
        centres = (np.arange(_N_BINS) + 0.5) * _BIN - _RANGE
        informative = np.abs(centres)[:, None] >= _STEPS[None, :] / 2
        cosines = np.cos(2 * np.pi * centres[:, None] / _STEPS[None, :])
        _TABLES.extend(
            [(cosines * informative).astype(np.float32), informative.astype(np.float32)]
        )
    return _TABLES


def _coherence(coefs, usable):
    """Mean cosine of every candidate step, per column of ``coefs``.

    ``coefs`` is (blocks, columns), ``usable`` (blocks, columns) or
    (blocks, 1); returns (columns, steps), 0 where fewer than _MIN_COUNT
    coefficients are informative.
    """
    n_columns = coefs.shape[1]
    bins = np.floor((coefs + _RANGE) / _BIN).astype(np.int64)
    keep = usable & (bins >= 0) & (bins < _N_BINS)
    index = (np.arange(n_columns) * _N_BINS + bins)[keep]
    histogram = np.bincount(index, minlength=n_columns * _N_BINS)
    histogram = histogram.reshape(n_columns, _N_BINS).astype(np.float32)
    cosines, informative = _cosine_tables()
    sums, counts = histogram @ cosines, histogram @ informative
    return np.where(counts >= _MIN_COUNT, sums / np.maximum(counts, 1), 0.0)


def _phase_scores(luma, clipped, rng):
    """Score of each of the 16 phases of the 4-pixel grid, on sampled windows."""
    size = 2 * _N - 1
    n_y, n_x = (luma.shape[0] - size) // _N + 1, (luma.shape[1] - size) // _N + 1
    corners = np.stack(np.meshgrid(np.arange(n_y), np.arange(n_x), indexing="ij"), -1)
    corners = corners.reshape(-1, 2) * _N
    if len(corners) > _MAX_WINDOWS:
        pick = rng.choice(len(corners), _MAX_WINDOWS, replace=False)
        corners = corners[np.sort(pick)]
    rows = corners[:, 0, None] + np.arange(size)
    cols = corners[:, 1, None] + np.arange(size)
    windows = luma[rows[:, :, None], cols[:, None, :]].astype(np.float32)
    clip = clipped[rows[:, :, None], cols[:, None, :]]
    shape = (len(windows), _N * _N, _N * _N)  # window, phase, pixel
    blocks = sliding_window_view(windows, (_N, _N), axis=(1, 2)).reshape(shape)
    usable = ~sliding_window_view(clip, (_N, _N), axis=(1, 2)).reshape(shape).any(2)
    usable &= blocks.max(axis=2) > blocks.min(axis=2)
    coefs = (blocks - np.float32(128)) @ _DCT2_T[:, list(_LOW)]
    coherence = _coherence(
        coefs.reshape(len(windows), -1),
        np.repeat(usable, len(_LOW), axis=1),
    )
    return coherence.max(axis=1).reshape(_N * _N, len(_LOW)).sum(axis=1).reshape(_N, _N)


def _steps_at(luma, clipped, phase):
    """The file's steps of the 2x2 lowest frequencies (NaN where unread),
    from the blocks at ``phase`` (rows of them, on a large image)."""
    dy, dx = phase
    rows, cols = (luma.shape[0] - dy) // _N, (luma.shape[1] - dx) // _N
    every = max(1, rows * cols // _MAX_BLOCKS)  # rows of blocks, on a large image

    def blocks_of(plane):
        part = plane[dy : dy + rows * _N, dx : dx + cols * _N]
        part = part.reshape(rows, _N, cols * _N)[::every]
        return part.reshape(-1, _N, cols, _N).swapaxes(1, 2).reshape(-1, _N * _N)

    blocks, usable = blocks_of(luma), ~blocks_of(clipped).any(axis=1)
    usable &= blocks.max(axis=1) > blocks.min(axis=1)
    coefs = (blocks[usable].astype(np.float32) - np.float32(128)) @ _DCT2_T
    coherence = _coherence(coefs[:, list(_EXACT)], np.ones((len(coefs), 1), dtype=bool))
    steps = np.full(_N * _N, np.nan)
    for k, scores in zip(_EXACT, coherence):
        best = scores.max()
        if best > 0.2:
            steps[k] = 2 * _STEPS[np.flatnonzero(scores >= _STEP_SHARE * best).max()]
    return steps.reshape(_N, _N)[:2, :2]


def scaled_decode_lattice(luma, clipped, rng):
    """Look for the lattice of a JPEG halved after compression.

    Returns None where the image is too small (under 16 pixels a side), else
    a Bunch: ``found`` (the best phase stands ``_Z_FOUND`` robust SD above
    the others), ``z``, ``phase`` (dy, dx) of the 4x4 blocks, and ``steps``,
    the file's steps of the 2x2 lowest frequencies (twice the half steps
    read; NaN where unread), None unless found.
    """
    if min(luma.shape) < 16:
        return None
    scores = _phase_scores(luma, clipped, rng)
    best = np.unravel_index(int(np.argmax(scores)), scores.shape)
    others = np.delete(scores.ravel(), np.ravel_multi_index(best, scores.shape))
    center = np.median(others)
    spread = max(1.4826 * np.median(np.abs(others - center)), 1e-2)
    z = float((scores[best] - center) / spread)
    phase = (int(best[0]), int(best[1]))
    found = z >= _Z_FOUND
    steps = _steps_at(luma, clipped, phase) if found else None
    return Bunch(found=found, z=z, phase=phase, steps=steps)


def _add_scaled(evidence, luma, clipped, rng):
    """The evidence of an image without an 8x8 lattice, with the lattice of
    a JPEG halved after compression where one is found."""
    found = scaled_decode_lattice(luma, clipped, rng)
    if found is None or not found.found:
        return evidence
    steps = np.full((8, 8), np.nan)
    steps[:2, :2] = found.steps
    # The quality, where all four steps are read: four steps tell a range of
    # qualities (table_qualities), and whether they are libjpeg's.
    quality = qualities = like = None
    if np.isfinite(found.steps).all():
        quality, qualities, like, _ = _table_quality(steps)
    rows, cols = evidence.shape
    evidence.update(
        verdict="compressed", steps=steps, grid_phase=None, table_quality=quality,
        table_qualities=qualities, libjpeg_like=like, resized_grid="found",
        resized_visible=None, resize_kernel=None, resize_factor=0.5,
        grid_period=4.0, grid_offset=tuple(float(p) for p in found.phase),
        native_size=(2 * rows, 2 * cols),
    )
    evidence.reason = (
        "No 8x8 lattice in the pixels as they are, but the 4x4 DCT of their "
        f"4x4 blocks at phase {found.phase} lies on the lattice of half a JPEG "
        f"table's steps ({found.z:.0f} robust SD above the other phases): a JPEG "
        "halved after compression (decoded at half its size, or resized by 0.5 "
        f"on its block grid), {2 * rows}x{2 * cols} pixels at first (one less on "
        "a side that was odd)."
    )
    return evidence
