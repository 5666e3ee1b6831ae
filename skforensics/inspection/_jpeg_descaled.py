"""A JPEG enlarged after compression: its 8x8 lattice read once the
enlargement is undone.

Part of :func:`skforensics.inspection.jpeg_evidence`: looked for when the
image shows no 8x8 lattice and its pixels carry a trace of resampling or a
resized grid, or look enlarged.

Enlarging an image with a separable resampler (Pillow's, OpenCV's,
swscale's) puts every column in the span of the resampler's ``n x m``
upscale matrix and every row in that of the ``w x v`` one (see
:mod:`skforensics.feature._descale`). Least squares onto those spans, at
the right native size ``(m, v)`` and kernel, gives back the pixels before
the enlargement, up to its 8-bit rounding: a JPEG's decoded luminance,
whose 8x8 DCT lattice the 8x8 test then reads as it reads any JPEG's,
quantisation steps and quality included. One pixel off in the native size
and the lattice is gone, so the size is searched exhaustively, along each
axis apart: the residual over every candidate native length (factors of
1.04 to 2.2) dips by one to three decades at the true one and nowhere
else. The lattice test then runs on at most two candidate sizes, each
with the kernels that fit it about as well as the best, and keeps the
strongest lattice: a handful of tests, each at the 8x8 test's threshold of
8 robust SD (on 144 never-compressed tuning crops enlarged by 1.1 to 2, the
strongest stood at most 5.2).
"""

import numpy as np
from scipy.linalg import cho_solve_banded
from sklearn.utils import Bunch

from ..feature._descale import KERNELS, _lines, factorise, residual_energies
from ._jpeg_resized_grid import block_grid

# Enlargements looked for (the native size along an axis is its length
# divided by one of these). Below 1.04 a resized grid is the 8x8 path's.
_FACTOR_RANGE = (1.04, 2.2)
# The kernels of the search for the native length: Pillow's bicubic and
# Lanczos. The dip of one of them at the true length stands out (by 0.4 to
# 2 decades over the median of its neighbours) for enlargements with the
# other kernels too, where never enlarged or downscaled images show at most
# 0.3 to 0.43 (Pillow's and OpenCV's bicubic, Lanczos, bilinear, OpenCV's
# area; photographs enlarged by 1.1 to 2). The bicubic alone missed half of
# Pillow's Lanczos enlargements by 1.3 and 1.5. OpenCV's area enlargement
# by 1.6 (each output pixel a blend of at most two source pixels) dips by
# 0.3 to 0.9 for Pillow's kernels, under the 0.6 that reports an
# enlargement on most crops, and enlargements by 1.1 to 2 by 0.4 to 16 for
# its own kernel (held-out crops: 1 to 16): it is searched too, from a
# factor of _AREA_FACTOR (below it, unresized JPEGs' blocks fit it: a dip of
# up to 1.4 at 24/23; from it, never-compressed crops, unresized or
# downscaled, dipped by at most 0.43).
_SEARCH_KERNELS = ("cubic-0.5", "lanczos3", "area")
_AREA_FACTOR = 1.1
# Lines read along each axis for the search (their central samples), and
# the candidate lengths solved at once (a few MB). The dip of a wrong length
# comes from the offset of its sampling grid at the centre of the axis, so
# short lines keep it one length wide: against 16 lines of 512 samples, the
# deepest dip was the true length on both axes for 399 instead of 405 of
# 432 tuning crops, at a quarter of the time.
_N_LINES = 32
_SEARCH_LENGTH = 128
_LENGTHS_AT_ONCE = 64
# Candidates on either side of a length whose median residual it is
# compared with.
_NEIGHBOURS = 8
# A dip at least this deep (log10) is tried; the lattice test decides.
_MIN_DIP = 0.25
# Share of the pixel pairs equal along each axis for a doubling by pixel
# replication (a JPEG's rounding keeps them all equal).
_REPLICATED = 0.99
_REPLICATED_ACROSS = 0.9
# Kernels whose residual is within this factor of the best one's are tried.
_KERNEL_SLACK = 1.5
# Searched only where the pixels carry a periodicity this strong (the
# robust z of jpeg_evidence's resampling_z; never-resized photographs: 2-4)
# or a resized grid: every enlargement tried left one.
_Z_RESAMPLED = 8.0
# A dip of the first search kernel this deep along the first axis opens
# the search where the periodicity does not (never-enlarged tuning crops
# reached 0.43 with both kernels).
_PROBE_DIP = 0.5
# An enlargement is reported (native_size, without a lattice) from this dip
# on both axes (log10): never-enlarged tuning crops, unresized or downscaled
# by 0.8, showed at most 0.43; enlargements 0.4 to 2.
_ENLARGED_DIP = 0.6
# A resized grid whose factor is this far from an enlargement's (relative)
# is the enlargement's trace.
_SAME_FACTOR = 0.05
# Fewer steps read than this on the descaled lattice (the rounding of the
# enlargement, amplified by the descale, blurs the finer steps) and the
# table's quality is not said.
_MIN_STEPS_READ = 10
# What the 8x8 test read on the descaled window and what the search found.
_LATTICE_KEYS = (
    "n_blocks", "phase_score", "phase_z", "steps", "lattice_share",
    "lattice_share_null", "table_quality", "table_qualities", "libjpeg_like",
)
_RESIZE_KEYS = (
    "native_size", "resize_kernel", "resize_factor", "grid_period", "grid_offset",
)
# Side, in enlarged pixels, of the central window that is descaled and
# tested (a few thousand 8x8 blocks: as many as the 8x8 test reads).
_WINDOW = 768
# The fewest pixels a side for the search (the shortest native length is
# then 64 / 2.2, a few blocks).
_MIN_SIZE = 64


def _length_dips(y, shortest=None, longest=None, kernels=_SEARCH_KERNELS):
    """The candidate native lengths of the columns of ``y`` (by default all
    of the factor range) and how far the residual of each dips below the
    median of its neighbours (log10; the deepest of the ``kernels``')."""
    n = y.shape[0]
    lines, start, detail = _lines(y, _N_LINES, _SEARCH_LENGTH)
    low, high = _FACTOR_RANGE
    shortest = int(np.ceil(n / high)) if shortest is None else shortest
    longest = int(n / low) if longest is None else longest
    # Each candidate with all its neighbours, those beyond the range too.
    lengths = np.arange(
        max(2, shortest - _NEIGHBOURS), min(n - 1, longest + _NEIGHBOURS) + 1
    )
    if not detail > 0 or len(lengths) < 2 * _NEIGHBOURS + 1:
        return lengths[:0], np.zeros(0)
    residuals = np.empty((len(kernels), len(lengths)))
    for k, kernel in enumerate(kernels):
        for first in range(0, len(lengths), _LENGTHS_AT_ONCE):
            part = slice(first, first + _LENGTHS_AT_ONCE)
            residuals[k, part] = residual_energies(
                lines, n, lengths[part], kernel, start
            )
    curves = np.log10(residuals / detail + 1e-30)
    around = np.lib.stride_tricks.sliding_window_view(
        curves, 2 * _NEIGHBOURS + 1, axis=1
    )
    dips = np.median(np.delete(around, _NEIGHBOURS, axis=2), axis=2)
    dips -= curves[:, _NEIGHBOURS:-_NEIGHBOURS]
    lengths = lengths[_NEIGHBOURS:-_NEIGHBOURS]
    if "area" in kernels:
        dips[kernels.index("area"), lengths * _AREA_FACTOR > n] = -np.inf
    return lengths, dips.max(axis=0)


def _replicated(luma):
    """Whether ``luma`` is doubled by pixel replication (OpenCV's area or
    nearest enlargement by 2): every 2x2 block flat, but not the pairs
    across blocks (as in a flat image)."""
    if luma.shape[0] % 2 or luma.shape[1] % 2:
        return False
    for y in (luma, luma.T):
        within = np.mean(y[::2] == y[1::2])
        across = np.mean(y[1:-1:2] == y[2::2])
        if within < _REPLICATED or across > _REPLICATED_ACROSS:
            return False
    return True


def _doubled(luma):
    """Whether the residual dips at half the size along both axes (the
    search kernels; the first alone misses Lanczos doublings, and the area
    kernel's doubling is a replication)."""
    if luma.shape[0] % 2 or luma.shape[1] % 2:
        return False
    for y in (luma, luma.T):
        _, dips = _length_dips(y, len(y) // 2, len(y) // 2)
        if not len(dips) or dips[0] < _MIN_DIP:
            return False
    return True


def _native_sizes(luma, probe=False):
    """Up to two candidate native sizes (rows, columns), each with the
    shallower of its two dips: the deepest dip of each axis, and the
    deepest pair of dips of one factor (within a pixel's rounding), as an
    enlargement that kept the aspect ratio gives.

    With ``probe``, none where nothing says the image may be enlarged:
    replicated pixels, a dip at half its size, or a clear dip of the first
    search kernel along the first axis (the first quarter of the search). A
    doubling's trace of resampling lies at 0.5 cycles per pixel, and small
    factors with Lanczos leave a faint one, where ``resampling_z`` stays
    low.
    """
    candidates = {}
    replicated = _replicated(luma)
    if replicated:
        # No dip for the search's kernels, but every 2x2 block flat.
        candidates[luma.shape[0] // 2, luma.shape[1] // 2] = np.inf
    rows, first_dips = _length_dips(luma, kernels=_SEARCH_KERNELS[:1])
    clear = len(rows) and first_dips.max() >= _PROBE_DIP
    if probe and not (clear or replicated or _doubled(luma)):
        return []
    # Both axes need a dip: the second is not searched without the first's.
    _, row_dips = _length_dips(luma, kernels=_SEARCH_KERNELS[1:])
    if not len(rows) or max(first_dips.max(), row_dips.max()) < _MIN_DIP:
        return list(candidates.items())
    row_dips = np.maximum(first_dips, row_dips)
    cols, col_dips = _length_dips(luma.T)
    if not len(cols):
        return list(candidates.items())
    pairs = [(int(np.argmax(row_dips)), int(np.argmax(col_dips)))]
    # The columns that the aspect ratio pairs with each row length.
    height, width = luma.shape
    paired = np.rint(rows * width / height).astype(int)[:, None] + np.arange(-1, 2)
    index = np.clip(paired - cols[0], 0, len(cols) - 1)
    sums = row_dips[:, None] + np.where(paired == cols[index], col_dips[index], -np.inf)
    i, k = np.unravel_index(int(np.argmax(sums)), sums.shape)
    pairs.append((int(i), int(index[i, k])))
    for i, j in pairs:
        dip = min(row_dips[i], col_dips[j])
        if dip >= _MIN_DIP:
            candidates.setdefault((int(rows[i]), int(cols[j])), float(dip))
    return list(candidates.items())


def _solve(lines, n, m, kernel, start):
    """The least-squares source samples of ``lines`` (rows ``start:`` of an
    axis of ``n`` enlarged from ``m``) and the index of the first."""
    _, Ut, chol, first = factorise(n, m, kernel, start, start + len(lines))
    return cho_solve_banded((chol, False), Ut @ lines), first


def _kernel_errors(luma, native):
    """The residual of each kernel's enlargement to ``luma.shape`` from
    ``native``, summed over the most textured lines of both axes (the same
    lines for any ``native``)."""
    errors = dict.fromkeys(KERNELS, 0.0)
    for y, m in ((luma, native[0]), (luma.T, native[1])):
        lines, start, _ = _lines(y, _N_LINES)
        for kernel in errors:
            errors[kernel] += residual_energies(lines, len(y), [m], kernel, start)[0]
    return errors


def _fitting_kernels(errors):
    """The kernels whose ``errors`` are within ``_KERNEL_SLACK`` of the best
    (at a factor of 2, Pillow's bicubic and the bilinear span the same lines
    and fit equally, but give different descaled pixels)."""
    best = min(errors.values())
    return [kernel for kernel, error in errors.items() if error <= _KERNEL_SLACK * best]


def _descaled_windows(luma, native):
    """Each kernel's residual at ``native`` (:func:`_kernel_errors`) and, for
    those that fit (:func:`_fitting_kernels`), :func:`_descale_window`."""
    errors = _kernel_errors(luma, native)
    windows = {
        kernel: _descale_window(luma, native, kernel)
        for kernel in _fitting_kernels(errors)
    }
    return errors, windows


# Undone pixels repeat in 2x2 blocks where at least this share of the pairs
# within the blocks are equal along each axis (the least squares' rounding
# leaves some unequal: 86-87% of a photograph's luminance enlarged by 8/3
# with OpenCV's area and undone at 4/3, 6-8% across the blocks), and at
# most _DOUBLED_ACROSS of those across them.
_DOUBLED_WITHIN = 0.75
_DOUBLED_ACROSS = 0.5


def _doubled_phases(pixels):
    """The phases (rows, columns) of the 2x2 blocks that least-squares-
    undone ``pixels`` repeat in, to their rounding; None if they do not."""
    phases = []
    for axis in (0, 1):
        y = np.moveaxis(np.asarray(pixels), axis, 0)
        n = (len(y) - 1) // 2 * 2
        shares = [np.mean(y[p : n : 2] == y[p + 1 : n + 1 : 2]) for p in (0, 1)]
        phase = int(np.argmax(shares))
        if shares[phase] < _DOUBLED_WITHIN or shares[1 - phase] > _DOUBLED_ACROSS:
            return None
        phases.append(phase)
    return tuple(phases)


def _descale_window(luma, native, kernel):
    """The central window of ``luma`` with its enlargement undone, rounded to
    8 bits, and the native coordinates of its first row and column."""
    starts = [(n - min(n, _WINDOW)) // 2 for n in luma.shape]
    window = luma[starts[0] :, starts[1] :][:_WINDOW, :_WINDOW].astype(np.float64)
    corners = []
    for axis, m in enumerate(native):
        lines = np.moveaxis(window, axis, 0)
        source, first = _solve(lines, luma.shape[axis], m, kernel, starts[axis])
        # The end samples are fitted from one side only: dropped.
        margin = KERNELS[kernel][1]
        window = np.moveaxis(source[margin : len(source) - margin], 0, axis)
        corners.append(first + margin)
    return np.clip(np.rint(window), 0, 255).astype(np.uint8), corners


def descaled_lattice(luma, lattice, probe=False):
    """Look for the 8x8 lattice of a JPEG enlarged after compression.

    ``lattice`` is the 8x8 test (one 8-bit gray image to its evidence);
    ``probe``: search only where the image looks enlarged (see
    :func:`_native_sizes`).
    Returns None where no native size stands out along both axes, else a
    Bunch: ``native_size`` (rows, columns), ``dip`` (the shallower of its
    axes' dips, log10; infinite for replicated pixels), ``resize_kernel``
    (a name of :data:`~skforensics.feature._descale.KERNELS`),
    ``resize_factor`` (the
    mean of the two axes' factors), ``grid_period``, ``grid_offset`` (where
    the enlarged block edges lie, in this image's pixels) and ``evidence``
    (the 8x8 test's answer on the descaled window): of the candidate sizes
    and kernels tried, the one whose lattice stands out most, or where none
    shows a lattice, the size whose enlargement fits the pixels best.
    """
    if min(luma.shape) < _MIN_SIZE:
        return None
    luma = np.asarray(luma)
    tried = []
    for native, dip in _native_sizes(luma, probe):
        errors, windows = _descaled_windows(luma, native)
        if any(_doubled_phases(window) is not None for window, _ in windows.values()):
            # OpenCV's area enlargement by 8/3 is its 4/3 of the pixels doubled
            # by replication, and the search (its range ends at 2.2) finds the
            # 4/3: the pixels undone there repeat in 2x2 blocks.
            native = tuple(n // 2 for n in native)
            errors, windows = _descaled_windows(luma, native)
        fit = min(errors.values())
        for kernel, (window, corners) in windows.items():
            tried.append((lattice(window), native, dip, kernel, corners, fit))
    if not tried:
        return None
    best = max(tried, key=lambda t: t[0].phase_z)
    if best[0].verdict != "compressed":
        # No lattice tells the sizes apart: the one whose enlargement fits
        # best is said. Each axis' deepest dip can be an alias of the
        # enlargement's period (OpenCV's area from 320 to 416 columns
        # repeats every 13 pixels, and so does Pillow's bicubic from 384,
        # which dipped deeper there).
        best = min(tried, key=lambda t: (t[5], -t[0].phase_z))
    evidence, native, dip, kernel, corners, _ = best
    factors = [n / m for n, m in zip(luma.shape, native)]
    factor = float(np.mean(factors))
    offset = None
    if evidence.grid_phase is not None:
        # Block edges at native coordinate (corner + phase) + 8 k: in this
        # image, times the axis' factor.
        offset = tuple(
            float((corner + phase) * f % (8 * f))
            for corner, phase, f in zip(corners, evidence.grid_phase, factors)
        )
    return Bunch(
        native_size=tuple(native),
        dip=dip,
        resize_kernel=kernel,
        resize_factor=factor,
        grid_period=8 * factor,
        grid_offset=offset,
        evidence=evidence,
    )


def _add_descaled(evidence, luma, lattice, lattice_verdict):
    """The evidence of an image without an 8x8 lattice, with the lattice of a
    JPEG enlarged after compression where undoing the enlargement shows one.

    Looked for where the pixels carry a trace of resampling or a resized
    grid (:func:`_add_resized` ran first), or look enlarged; ``lattice`` is
    the 8x8 test and ``lattice_verdict`` its verdict on the pixels as they
    are (before the resized grid's).
    """
    if min(luma.shape) < _MIN_SIZE:
        return evidence
    if (
        block_grid(evidence)
        and evidence.resized_grid == "not found"
        and lattice_verdict == "never compressed"
        and _enlarged_by_eighths(luma)
    ):
        evidence.verdict = lattice_verdict
        evidence.reason += (
            " An enlargement by 8/7, 8/5 or 8/3 fits the pixels, and repeats "
            "every 8 pixels too: the block edges may be its trace."
        )
    # Without a trace of resampling or a resized grid, only where the first
    # steps of the search say the image may be enlarged.
    probe = not (
        evidence.resized_grid == "found" or evidence.resampling_z >= _Z_RESAMPLED
    )
    found = descaled_lattice(luma, lattice, probe)
    if found is None:
        return evidence
    if found.evidence.verdict != "compressed":
        return _enlarged_without_lattice(evidence, found, lattice_verdict)
    read = found.evidence
    evidence.update(
        {key: read[key] for key in _LATTICE_KEYS},
        verdict="compressed",
        grid_phase=None,
        resized_grid="found",
        resized_visible=None,
        **{key: found[key] for key in _RESIZE_KEYS},
    )
    rows, cols = found.native_size
    evidence.reason = (
        "No 8x8 lattice in the pixels as they are, but undoing an enlargement "
        f"from {rows}x{cols} pixels (by {found.resize_factor:.3f}, kernel "
        f"{found.resize_kernel}) brings one back: its grid stands "
        f"{read.phase_z:.0f} robust SD above the other phases."
    )
    if np.count_nonzero(np.isfinite(read.steps)) < _MIN_STEPS_READ:
        evidence.update(table_quality=None, table_qualities=None, libjpeg_like=None)
        evidence.reason += (
            " Its quantisation steps cannot be read: the enlargement's rounding "
            "blurs them."
        )
    return evidence


def _enlarged_without_lattice(evidence, found, lattice_verdict):
    """The evidence of an image that is an enlargement (a dip of at least
    ``_ENLARGED_DIP`` on both axes) whose descaled pixels show no lattice:
    the size and kernel are reported, and a resized grid at another factor
    is a trace of the enlargement, not a JPEG's grid (the 8x8 test's
    ``lattice_verdict`` stands again).

    Not where the 8x8 test could not tell (``lattice_verdict`` unknown):
    the blocks of a JPEG too small for it can fit an enlargement by about
    8/7 (96x96 at quality 60 read as enlarged from 84x84: 11 of 460 JPEGs
    of 96 to 384 pixels a side at quality 60 or 90, none of 230 never
    compressed).
    """
    if not found.dip >= _ENLARGED_DIP or lattice_verdict == "unknown":
        return evidence
    evidence.update(native_size=found.native_size, resize_kernel=found.resize_kernel)
    rows, cols = found.native_size
    evidence.reason += (
        f" The pixels are an enlargement from {rows}x{cols} (by "
        f"{found.resize_factor:.3f}, kernel {found.resize_kernel}); undone, they "
        "show no 8x8 lattice (a JPEG at a fine quality can still hide there)."
    )
    factor = evidence.resize_factor
    if evidence.resized_grid != "found":
        return evidence
    if abs(factor / found.resize_factor - 1) <= _SAME_FACTOR:
        return evidence
    evidence.update(
        verdict=lattice_verdict, resized_grid="not found", resize_factor=None,
        grid_period=None, grid_offset=None,
    )
    evidence.reason += (
        f" The periodic pattern of a resize by {factor:.2f} is the enlargement's "
        "own trace, not a JPEG's grid."
    )
    return evidence


def _enlarged_by_eighths(luma):
    """Whether ``luma`` is an enlargement by 8/7, 8/5 or 8/3 (a dip of
    ``_ENLARGED_DIP`` on both axes at that native length, within a pixel):
    each repeats every 8 pixels, as an unresized JPEG's block edges."""
    for k in (7, 5, 3):
        for y in (luma, luma.T):
            m = round(len(y) * k / 8)
            _, dips = _length_dips(y, m - 1, m + 1)
            if not len(dips) or dips.max() < _ENLARGED_DIP:
                break
        else:
            return True
    return False


# Columns (times channels) descaled at once by descaled_image: a few tens
# of MB of float64 on any image.
_CHUNK = 1024


def descaled_image(image, native, kernel):
    """``image`` (height, width[, channels]) with an enlargement from
    ``native`` (rows, columns) by ``kernel`` undone along both axes, by the
    least squares :func:`descaled_lattice` reads its window with; of shape
    ``native[, channels]``, in ``image``'s range: integer pixels rounded to
    their dtype, float ones as float32.

    What the JPEG net reads of a JPEG enlarged after compression: its
    decoded pixels, up to the enlargement's rounding. The columns, then the
    rows, are solved a strip at a time: besides the result, memory holds
    the image undone along its first axis (float32) and one strip.
    """
    image = np.asarray(image)
    (n, width), channels = image.shape[:2], image.shape[2:]
    rows, cols = native
    _, Ut, chol, _ = factorise(n, rows, kernel, 0, n)
    columns = image.reshape(n, -1)
    half = np.empty((rows, columns.shape[1]), dtype=np.float32)
    for start in range(0, columns.shape[1], _CHUNK):
        strip = slice(start, start + _CHUNK)
        lines = columns[:, strip].astype(np.float64)
        half[:, strip] = cho_solve_banded((chol, False), Ut @ lines)
    half = half.reshape((rows, width) + channels)
    integer = np.issubdtype(image.dtype, np.integer)
    if integer:
        low, high = np.iinfo(image.dtype).min, np.iinfo(image.dtype).max
    else:  # the overshoot of the least squares at edges, clipped
        low, high = image.min(), image.max()
    dtype = image.dtype if integer else np.float32
    out = np.empty((rows, cols) + channels, dtype=dtype)
    _, Ut, chol, _ = factorise(width, cols, kernel, 0, width)
    band = max(1, _CHUNK // max(1, int(np.prod(channels))))
    for top in range(0, rows, band):
        strip = half[top : top + band]
        lines = np.moveaxis(strip, 1, 0).reshape(width, -1).astype(np.float64)
        solved = cho_solve_banded((chol, False), Ut @ lines)
        solved = np.moveaxis(solved.reshape((cols, len(strip)) + channels), 0, 1)
        solved = np.rint(solved) if integer else solved
        out[top : top + band] = np.clip(solved, low, high)
    return out
