"""The block DCT of JPEG evidence: the transform and libjpeg's tables.

Shared by the grid and lattice tests (:mod:`._jpeg_evidence`), the test of
an earlier compression (:mod:`._jpeg_double`) and the lattice of a JPEG
resized on its block grid (:mod:`._jpeg_scaled`, blocks of 2 to 7 pixels);
the libjpeg quality of the quantisation steps read from the blocks
(:func:`_table_quality`).
"""

import functools

import numpy as np

from ..datasets._jpeg_tables import libjpeg_tables


@functools.lru_cache(maxsize=None)
def _dct2_t(n):
    """The orthonormal n x n 2-D DCT-II, as a matrix on flattened blocks
    (row-major, (vertical, horizontal) frequency), in float32. At n = 8 it is
    the transform libjpeg's forward DCT computes (up to its fixed-point
    arithmetic)."""
    k = np.arange(n)
    dct = np.sqrt(2 / n) * np.cos(np.pi * (2 * k[None, :] + 1) * k[:, None] / (2 * n))
    dct[0] /= np.sqrt(2)
    return np.kron(dct, dct).T.astype(np.float32)


_DCT2_T = _dct2_t(8)

# libjpeg's luminance tables at qualities 1..100, for the table quality.
_LIBJPEG_LUMA = np.stack([libjpeg_tables(q)[0] for q in range(1, 101)])
# Share of the known steps a libjpeg table (quality 95 or less) must divide
# to be taken for the last compression's when the steps are not libjpeg's.
_MIN_DIVIDED = 0.95
# ... and the steps read must be at most this many times its own (median):
# an earlier compression a few qualities coarser, not a foreign table that
# any fine table divides.
_MAX_RATIO = 6.0


def _blocks_at(luma, clipped, phase, *, coefficients=None, size=8):
    """DCT coefficients (n_blocks, size, size) of the usable blocks at a phase.

    Usable: no clipped pixel, more than one value. With ``coefficients``
    (flat indices into the block), only those are kept: an array of shape
    (n_blocks, len(coefficients)). ``size`` is the blocks' side (the DCT's
    length; coefficients within 1024 keep 1e-4 of precision in float32).
    """
    dy, dx = phase
    height, width = luma.shape
    n_y, n_x = (height - dy) // size, (width - dx) // size
    # A band of block rows at a time, into one array of the largest size:
    # its pages past the usable blocks are never touched, so memory holds
    # the coefficients and one band, not copies of the whole luminance.
    kept = (size, size) if coefficients is None else (len(coefficients),)
    coefs = np.empty((n_y * n_x,) + kept, dtype=np.float32)
    band = max(1, _BAND_PIXELS // max(1, size * size * n_x))
    n_usable = 0
    for y0 in range(0, n_y, band):
        rows = min(band, n_y - y0)
        crop = (
            slice(dy + size * y0, dy + size * (y0 + rows)),
            slice(dx, dx + size * n_x),
        )
        shape = (rows, size, n_x, size)
        blocks = luma[crop].reshape(shape).swapaxes(1, 2).reshape(-1, size * size)
        clip = clipped[crop].reshape(shape).swapaxes(1, 2).reshape(-1, size * size)
        usable = ~clip.any(axis=1) & (np.ptp(blocks, axis=1) > 0)
        flat = np.asarray(blocks[usable] - 128.0, dtype=np.float32)
        found = flat @ _dct2_t(size)
        if coefficients is not None:
            found = found[:, coefficients]
        found = found.reshape((-1,) + kept)
        coefs[n_usable : n_usable + len(found)] = found
        n_usable += len(found)
    return coefs[:n_usable]


def _phase_blocks(luma, clipped, rng, size, period, max_windows):
    """The blocks of ``size`` pixels at every phase of a grid of ``period``,
    in sampled windows: ``(blocks, usable)``.

    Windows of ``period + size - 1`` pixels, their corners on the grid (at
    most ``max_windows``, drawn by ``rng``), each hold one block at each of
    the ``period**2`` phases: ``blocks`` is (windows, phases, pixels),
    float32, and ``usable`` (windows, phases) says which have no clipped
    pixel and more than one value (separable shifted-slice reductions).
    """
    from numpy.lib.stride_tricks import sliding_window_view

    side = period + size - 1
    n_y = (luma.shape[0] - side) // period + 1
    n_x = (luma.shape[1] - side) // period + 1
    corners = np.stack(np.meshgrid(np.arange(n_y), np.arange(n_x), indexing="ij"), -1)
    corners = corners.reshape(-1, 2) * period
    if len(corners) > max_windows:
        pick = rng.choice(len(corners), max_windows, replace=False)
        corners = corners[np.sort(pick)]
    rows = corners[:, 0, None] + np.arange(side)
    cols = corners[:, 1, None] + np.arange(side)
    windows = luma[rows[:, :, None], cols[:, None, :]].astype(np.float32)
    clip = clipped[rows[:, :, None], cols[:, None, :]]
    shape = (len(windows), period * period, size * size)
    blocks = sliding_window_view(windows, (size, size), axis=(1, 2)).reshape(shape)
    usable = ~_window_reduce(clip, size, np.logical_or)
    top, bottom = (_window_reduce(windows, size, op) for op in (np.maximum, np.minimum))
    return blocks, usable & (top > bottom)


def _window_reduce(windows, size, op):
    """``op`` over the block of ``size`` at each phase of each window: along
    the columns, then the rows, with shifted slices (whole rows at a time)."""
    for axis in (2, 1):
        length = windows.shape[axis] - size + 1
        out = windows.take(np.arange(length), axis=axis)
        for shift in range(1, size):
            op(out, windows.take(np.arange(shift, shift + length), axis=axis), out=out)
        windows = out
    return windows.reshape(len(windows), -1)


# Pixels per band of _blocks_at.
_BAND_PIXELS = 1 << 20


# The share of coefficients on the lattice of the steps read must pass the
# share by chance by this much for a quality to be read from them. JPEGs of
# qualities 5 to 100 passed by 0.18 (quality 100) to 0.9; JPEGs whose tones
# changed after compression (an auto-contrast, a gamma) stood out at their
# grid but most read steps of 1 that fit the coefficients by -0.5 to 0.1,
# and quality 98-99 (a few fit by 0.17 and read 100: not told apart here).
_MIN_FIT = 0.12


def _fitted_quality(steps, share, share_null):
    """_table_quality of the steps read, or Nones where their lattice holds
    no more of the coefficients than chance would (_MIN_FIT)."""
    if share - share_null < _MIN_FIT:
        return None, None, None, None
    return _table_quality(steps)


# A step this coarse read anywhere marks a coarse table (libjpeg's tables
# of quality 86 or lower have one, and then no step under 3) ...
_COARSE_STEP = 32
# ... beside which the steps of 1 to 3 read, where none of 4 to 15 is, are
# not the table's but the decoder's rounding: at a frequency quantised to
# zero in nearly every block, a few values (under this share of the
# blocks), or values of 1 to 3 alone ...
_ROUNDING_STEP = 3
_FINER_STEP = 16
_SPARSE = 0.15
# ... or, in blocks almost flat, 8 times the rounding of their pixels (up
# to 4) around the multiples of a coarse step.
_FLAT_ROUNDING = 4.0


def _without_rounding_reads(steps, flat):
    """``steps`` (8, 8) with the steps of 1 to 3 that the decoder's rounding
    gave beside a coarse table made unknown (NaN); ``flat`` holds the
    blocks' coefficients (n_blocks, 64).

    At quality 3 to 8 most frequencies of most blocks are quantised to
    zero, and what the decoder rounds leaves a few values of 1 or 2 there
    (step 2 read where libjpeg's is 255), and the DC and first coefficients
    of almost flat blocks within 4 of their multiples (step 1 read for 255
    and 183): read as they were, 9 of 18 McMaster photographs at quality 3
    got table qualities 93 to 100, one at 5 and two at 8 got 98. Only where
    no step from 4 to 15 is read: a JPEG compressed coarsely, then again
    finely, reads both tables' steps, and its small ones are the last one's.
    """
    known = steps[np.isfinite(steps)]
    small = np.flatnonzero(np.isfinite(steps) & (steps <= _ROUNDING_STEP))
    # A step of 4 to 15 read is a finer table's (libjpeg's at quality 33 to
    # 98 have one): a coarse table compressed again finer keeps its
    # multiples within the finer steps' rounding, and its small steps are
    # the later table's.
    if not len(small) or np.any((known > _ROUNDING_STEP) & (known < _FINER_STEP)):
        return steps
    beyond = {i: flat[:, i][np.abs(flat[:, i]) >= 1.5] for i in small}
    sparse = {
        i
        for i in small
        if len(beyond[i]) < _SPARSE * len(flat)
        or np.mean(np.abs(beyond[i]) < _ROUNDING_STEP + 0.5) >= 0.8
    }
    # Nor where a small step read on dense values divides every coarse step
    # read (three or more): a coarse table's multiples rounded to a finer
    # one's (quality 10, then 90: 60, 66, 69 and 81 read beside 2 and 3).
    coarse = known[known >= _COARSE_STEP]
    dense = {steps.flat[i] for i in small if i not in sparse and steps.flat[i] >= 2}
    if len(coarse) >= 3 and any(np.all(coarse % step == 0) for step in dense):
        return steps
    steps = steps.copy()
    rounded = [i for i in small if _loosely_coarse(beyond[i])]
    steps.flat[rounded] = np.nan
    # Sparse values, or values of 1 to 3 alone, are the decoder's only
    # beside a coarse step (read, or rounded as above): at qualities 97 to
    # 100 a smooth image's finest frequencies look so too.
    if rounded or len(coarse):
        steps.flat[sorted(sparse)] = np.nan
    return steps


def _loosely_coarse(values):
    """Whether 80% of the ``values`` beyond 8 (40 or more of them) lie
    within 4 of a nonzero multiple of one step of 32 or more (at a fine
    step, spread over the multiples, at most 9 in 32 do)."""
    far = values[np.abs(values) >= 2 * _FLAT_ROUNDING]
    if len(far) < 40:
        return False
    far = far[:: len(far) // 1500 + 1].astype(np.float64)
    candidates = np.arange(_COARSE_STEP, 256, dtype=np.float64)[:, None]
    residual = np.abs(far - candidates * np.round(far / candidates))
    return bool(((residual <= _FLAT_ROUNDING).mean(axis=1) >= 0.8).any())


def _table_quality(steps):
    """The libjpeg quality of the last compression, from the steps read.

    Returns ``(quality, qualities, libjpeg_like, primary)``: the quality,
    the range of qualities that fit as well, whether the steps are
    libjpeg's, and the quality of an earlier, coarser compression whose
    lattice the steps still show (None if none), or Nones when no step is
    known. The steps read are the largest lattices the coefficients lie on;
    a table whose steps divide them puts the coefficients there too.

    1. The closest libjpeg quality (mean absolute log2 difference, ties to
       the highest quality), if its table equals the steps read on 90% of
       the known entries and divides the others (a step misread as a
       divisor of the true one: too few distinct multiples).
    2. Else the coarsest libjpeg table of quality 95 or less that divides
       95% of the steps read, with steps read at most 6 times its own
       (median): the last compression's. (A foreign table is seldom made
       of small multiples of libjpeg's; fine tables, steps 1-4, divide
       almost any table, hence the two limits.) The entries
       read coarser are an earlier, coarser compression's lattice, rounded
       to multiples of the later steps (a coarse lattice survives a finer
       second compression); the libjpeg quality closest to them is that
       compression's.
    3. Else the table is not libjpeg's: the closest quality, not libjpeg-like.
    """
    steps = np.asarray(steps, dtype=np.float64).reshape(8, 8)
    known = np.isfinite(steps)
    if not known.any():
        return None, None, None, None
    read = steps[known]
    tables = _LIBJPEG_LUMA[:, known]
    gaps = np.abs(np.log2(tables) - np.log2(read)).mean(axis=1)
    best = np.flatnonzero(gaps <= gaps.min() + 1e-9)
    quality = int(best.max()) + 1
    qualities = (int(best.min()) + 1, quality)
    closest = tables[quality - 1]
    equal = closest == read
    if equal.mean() >= 0.9 and np.all(np.mod(closest, read)[~equal] == 0):
        return quality, qualities, True, None
    divides = np.flatnonzero(
        (np.mod(read, tables[:95]) == 0).mean(axis=1) >= _MIN_DIVIDED
    )
    if len(divides):
        last = int(divides.min())  # the coarsest table dividing the steps
        coarser = read > tables[last]
        ratio = np.median(read / tables[last])
        if coarser.sum() >= 2 and ratio <= _MAX_RATIO:
            # The entries read coarser keep the earlier table's lattice,
            # rounded to multiples of the later steps.
            first = np.abs(np.log2(tables[:, coarser]) - np.log2(read[coarser]))
            first = first.mean(axis=1)
            primary = len(first) - 1 - int(np.argmin(first[::-1]))
            return last + 1, (last + 1, last + 1), True, primary + 1
    return quality, qualities, False, None
