"""A JPEG downscaled after compression: the lattice of its blocks' means,
read on the grid before the downscale.

Part of :func:`skforensics.inspection.jpeg_evidence`: looked for where the
pixels show no 8x8 lattice and no enlargement undone brings one back.

A JPEG codes the luminance in 8x8 blocks whose DC coefficient (8 times the
block's mean level less 128) is a multiple of the table's first step: 16 at
libjpeg's quality 50, 8 at 75, 3 at 90. A downscale low-passes the image and
blurs the block edges away, but a block's mean is a low frequency: brought
back to its size before the downscale (Lanczos 3, pixel centres as
Pillow's, OpenCV's and swscale's), the image gives each block's mean to a
grey level or two. At the exact native size the central blocks'
DC coefficients then fall on the multiples of one step; one pixel off along
either axis, and the blocks slide off their grid and the lattice is gone.
So every native size is tried (factors 0.45 to 0.95, the aspect ratio kept
to a pixel's rounding), each scored by the largest, over the steps 2 to 32,
of the mean of ``cos(2 pi DC / step)`` over the central blocks, and the best
candidate is found where it stands ``_Z_FOUND`` robust SD above a sample of
the others. The search assumes the grid starts at the image's corner: a
crop after the downscale moves it.

The central blocks are read first. Decoding clips a JPEG's pixels, which
moves their blocks' means off the lattice, so where the middle shows
nothing and clipped pixels crowd it, the search is tried again on the
window, among nine spread over the image, with the fewest (on two held-out
crops of a saturated photograph, the true size ranked 176th and 827th of
1,210 on the central window and first on the least clipped one).

Where the luminance shows no lattice, the chroma planes of 8-bit RGB
pixels (Cb and Cr together: one table quantises both) are searched the
same way, in the blocks of each chroma subsampling in turn: with 4:2:0
(most cameras', Pillow's) a chroma DC coefficient is the mean of 16x16
pixels, a lower frequency still, which a downscale keeps better (on
tuning crops at quality 75 halved, the luminance found 69%, either 100%);
with 4:2:2 (some cameras') of 8x16, with 4:4:4 (image editors' at high
qualities) of 8x8.
"""

import functools
import itertools

import numpy as np
from scipy import sparse
from sklearn.utils import Bunch

from ..feature._descale import KERNELS, kernel_taps

# Downscales looked for: the native size along an axis is its length divided
# by one of these (the enlargements are _jpeg_descaled's).
_FACTOR_RANGE = (0.45, 0.95)
# The kernel that brings the image back to a candidate native size. On
# tuning crops it found downscales by Pillow's bicubic and Lanczos and by
# OpenCV's area alike.
_KERNEL = "lanczos3"
# Central blocks read along each axis: every candidate size is scored on
# _SEARCH_BLOCKS (fewer for native sizes under 144), and the best few and a
# sample of the others again on up to _BLOCKS, whose scores decide (on
# held-out quality-75 crops downscaled by 0.7, the true size's score rose
# from 0.05-0.07 on 32 blocks to 0.07-0.15 on 48; the null stayed put).
_SEARCH_BLOCKS = 16
_BLOCKS = 48
_MIN_BLOCKS = 8
_N_BEST = 16
_CHUNK = 128
_N_NULL = 64
# The search's operators are kept for the next image of the same size
# (_search_operator) where its rows have at most _CACHED_CHUNKS chunks of
# candidate lengths (up to 1920x1080 landscape), five operators a chunk:
# the rows' and the columns' of 8x8 blocks (the luminance's, 4:4:4
# chroma's) and of 16x16 (4:2:0; 4:2:2's columns), 4:2:2's rows. At most
# about 35 MB; those of larger images are not kept.
_CACHED_CHUNKS = 10
_CACHED = 5 * _CACHED_CHUNKS
# The DC steps tried: libjpeg's qualities 25 to 100 (a table's first step
# is 32 at quality 25).
_STEPS = np.arange(2, 33, dtype=np.float32)
# The steps of _STEPS whose cosines are derived from their double's (see
# _lattice_scores): 2 to 16, the first _N_DERIVED.
_N_DERIVED = int(np.sum(2 * _STEPS <= _STEPS[-1]))
# The best candidate's robust z over the sample of candidates to call the
# lattice found: never-compressed tuning crops downscaled by 0.5 to 0.9
# (Pillow bicubic and Lanczos, OpenCV area) reached at most 8, JPEGs of
# quality 50 to 75 16 to 82 (a few at quality 75 and a factor of 0.5 or 0.7
# less).
_Z_FOUND = 12.0
# The same for the chroma planes, Cb and Cr together: never-compressed
# tuning crops reached 7.2, quality-75 JPEGs 28 to 42 (median), quality 90
# up to 34 (a margin kept as the planes are smoother than the luminance).
_Z_FOUND_CHROMA = 14.0
# ... and where the blocks' DC coefficients (8 times their means) move off
# a plane by at least this much (median absolute second difference; see
# _curvature): 0.34 on a colour ramp rounded to 8 bits; at least 10.3 where
# the lattice was found on the held-out crops of bench_jpeg_resized.py
# (quality 50, 75 and 90, three kernels, factors 0.5, 0.7 and 0.9).
_MIN_CURVATURE = 1.0
# 4:4:4's chroma blocks downscaled by f are 4:2:0's downscaled by f / 2 (8x8
# pixels against 16x16): the chroma alone cannot tell them apart, and the
# luminance's blocks, 8x8 in both, decide where their lattice at one of the
# two native sizes stands this many robust SD above sizes 5 to 40 pixels
# away, and twice as far as at the other. On 1024x1024 aerials (JPEG at
# qualities 85 and 92, Lanczos), where the chroma alone found them, 4:4:4
# at 0.6 and 0.78 reached 5.6 to 23 at its size in 8 of 22, at most 2.5 at
# the other; 4:2:0 at 0.3 and 0.39 13 to 20 in 3 of 27, at most 4.5 at the
# other. Elsewhere 4:2:0 is read: libjpeg's default, Pillow's, OpenCV's,
# browsers' and most cameras'.
_Z_LUMA_READING = 5.0


def _candidates(n):
    """The candidate native lengths of an axis of ``n`` samples."""
    low, high = _FACTOR_RANGE
    return np.arange(int(np.ceil(n / high)), int(n / low) + 1)


class _Plane:
    """The planes searched, read window by window (rows x columns x
    planes), centred on 0: the luminance less 128 in 8x8 blocks, or the
    chroma of 8-bit RGB pixels (Cb and Cr, as JPEG's colour transform makes
    them; one table quantises both) in the blocks of ``chroma``'s
    subsampling (_CHROMA_BLOCKS: 16x16 pixels for 4:2:0, whose 8x8 chroma
    samples are 2x2 means). ``where`` places the blocks read along each
    axis (see _first_block): (0.5, 0.5) in the middle. ``operators`` keeps
    the search's operators (_search_operator's signature): by default the
    module's cache, which holds the middle's from one image to the next."""

    def __init__(self, pixels, *, chroma=None, where=(0.5, 0.5), operators=None):
        self.pixels, self.chroma, self.where = pixels, chroma, where
        self.operators = operators or _search_operator
        self.name = "chroma" if chroma else "luminance"
        self.block = _CHROMA_BLOCKS[chroma] if chroma else (8, 8)
        self.z_found = _Z_FOUND_CHROMA if chroma else _Z_FOUND
        self.shape = pixels.shape[:2]

    def __getitem__(self, index):
        values = np.asarray(self.pixels[index], dtype=np.float64)
        if self.chroma:
            return values @ _CHROMA
        return (values - 128.0)[..., np.newaxis]


# A chroma block's rows and columns of pixels (8x8 chroma samples) in each
# chroma subsampling searched, the most common first.
_CHROMA_BLOCKS = {"4:2:0": (16, 16), "4:2:2": (8, 16), "4:4:4": (8, 8)}
# RGB to (Cb, Cr), less their offset of 128.
_CHROMA = np.array([[-0.168736, 0.5], [-0.331264, -0.418688], [0.5, -0.081312]])


# Where the blocks read along an axis may lie (see _first_block): the
# middle first, which wins ties.
_WHERE = (0.5, 0.25, 0.75)
# The share of clipped pixels in the middle window above which the search
# is tried again where they are fewest (_least_clipped).
_CLIPPED_MIDDLE = 0.01


def _first_block(natives, n_blocks, size, where):
    """The first of the ``n_blocks`` blocks read along an axis upscaled to
    each of ``natives`` samples: ``where`` of the way between the first
    block and the last one's that leaves room (0.5: the central blocks)."""
    return np.floor((np.asarray(natives) // size - n_blocks) * where).astype(int)


def _window(n, n_blocks, size, where=0.5, also=()):
    """The samples of an axis of ``n`` that the taps of the ``n_blocks``
    blocks of ``size`` placed by ``where`` touch, whatever the native
    size (a candidate, or one of ``also``)."""
    natives = _candidates(n)
    if len(also):
        natives = np.union1d(natives, also)
    first = _first_block(natives, n_blocks, size, where) * size
    scale = n / natives
    start = (first + 0.5) * scale - 0.5
    stop = (first + n_blocks * size - 0.5) * scale - 0.5
    support = KERNELS[_KERNEL][1]
    return slice(
        max(0, int(np.floor(start.min())) - support - 1),
        min(n, int(np.ceil(stop.max())) + support + 2),
    )


def _block_sums(n, natives, n_blocks, window, size, where=0.5):
    """The operators, stacked (len(natives) * n_blocks x window length,
    sparse), that take an axis of ``n`` samples (its ``window``) to the
    sums of the ``size``-sample blocks placed by ``where`` of its upscale
    to each of ``natives`` samples."""
    natives = np.asarray(natives)[:, None]
    first = _first_block(natives, n_blocks, size, where) * size
    scale = n / natives
    x = (first + np.arange(size * n_blocks) + 0.5) * scale - 0.5
    taps, weights = kernel_taps(x, _KERNEL, scale)
    taps = np.clip(taps, 0, n - 1) - window.start
    blocks = np.arange(len(natives) * n_blocks).reshape(-1, n_blocks)
    blocks = blocks.repeat(size, axis=1)
    return sparse.csr_matrix(
        (
            weights.ravel(),
            (np.broadcast_to(blocks[..., None], taps.shape).ravel(), taps.ravel()),
        ),
        shape=(blocks.size // size, window.stop - window.start),
    )


def _lattice_scores(dc):
    """The largest, over ``_STEPS``, of the mean of cos(2 pi DC / step) over
    the blocks (last axis of ``dc``), and the step where it lies.

    The cosines of the steps above 16 are computed; those of a step ``s``
    whose double is a step, from its double's: cos(2 pi DC / s) = 2
    cos**2(2 pi DC / 2s) - 1 (the same to float32's rounding, in a quarter
    of the time with the steps along the first axis).
    """
    n_steps = len(_STEPS)
    cosines = np.empty((n_steps, *dc.shape), dtype=np.float32)
    direct = slice(_N_DERIVED, n_steps)
    frequencies = np.float32(2 * np.pi) / _STEPS[direct]
    np.multiply(dc, frequencies.reshape(-1, *[1] * dc.ndim), out=cosines[direct])
    np.cos(cosines[direct], out=cosines[direct])
    for j in range(_N_DERIVED - 1, -1, -1):
        twice = cosines[int(2 * _STEPS[j] - _STEPS[0])]
        np.multiply(twice, twice, out=cosines[j])
        cosines[j] *= 2
        cosines[j] -= 1
    scores = cosines.mean(axis=-1)
    return scores.max(axis=0), _STEPS[scores.argmax(axis=0)]


def _operator(n, natives, n_blocks, window, size, dense, where=0.5):
    """_block_sums, as a dense float32 (len(natives) x n_blocks x window
    length) array where ``dense``."""
    sums = _block_sums(n, natives, n_blocks, window, size, where)
    if not dense:
        return sums
    return sums.toarray().astype(np.float32).reshape(len(natives), n_blocks, -1)


@functools.lru_cache(maxsize=_CACHED)
def _search_operator(n, first, count, n_blocks, window, size, dense, where):
    """_operator of the native lengths ``first`` to ``first + count - 1``
    (``window`` a (start, stop) pair), kept for the next image of the same
    size: on a folder of 1024x768 photographs, building them took half of
    the search's time. The module's kernel and factor range are taken as
    fixed: they are not part of the key."""
    natives = np.arange(first, first + count)
    found = _operator(n, natives, n_blocks, slice(*window), size, dense, where)
    (found if dense else found.data).setflags(write=False)
    return found


def _dc_operators(plane, rows, cols, n_blocks, *, cached=False):
    """The window of ``plane`` (placed by its ``where``) taken, per
    candidate, to its blocks' DC coefficients along the rows (candidates x
    blocks and planes x window columns; the blocks' order does not matter)
    and the operators to them along the columns (candidates x blocks x
    window columns), dense. The orthonormal 8x8 DCT's DC is the block's
    sum over 8, and a chroma block's, over 16x16 pixels in 4:2:0, its sum
    over 32. ``cached``: the operators of ``rows`` and ``cols``, runs of
    consecutive lengths, from ``plane.operators``."""
    axes = list(zip(plane.shape, plane.block, plane.where))
    windows = [
        _window(n, n_blocks, size, where, also=() if cached else natives)
        for (n, size, where), natives in zip(axes, (rows, cols))
    ]
    operators = []
    for (n, size, where), natives, window, dense in zip(
        axes, (rows, cols), windows, (False, True)
    ):
        if cached:
            window = (window.start, window.stop)
            operator = plane.operators(
                n, int(natives[0]), len(natives), n_blocks, window, size, dense, where
            )
        else:
            operator = _operator(n, natives, n_blocks, window, size, dense, where)
        operators.append(operator)
    pixels = plane[windows[0], windows[1]] * (8 / np.prod(plane.block))
    height, width, n_planes = pixels.shape
    down = operators[0] @ pixels.reshape(height, width * n_planes)
    down = down.astype(np.float32).reshape(len(rows), n_blocks, width, n_planes)
    return down.transpose(0, 1, 3, 2).reshape(len(rows), -1, width), operators[1]


def _pair_scores(down, across, row_index, col_index):
    """_lattice_scores of the candidates pairing ``down[row_index]`` with
    ``across[col_index]`` (see _dc_operators)."""
    dc = across[col_index] @ down[row_index].transpose(0, 2, 1)
    return _lattice_scores(dc.reshape(len(row_index), -1))


def _n_blocks(plane, blocks, *natives):
    """Blocks read along each axis: ``blocks`` of 8 pixels' worth (along
    the axis where the blocks are longer), fewer where a native size is
    small."""
    sizes = plane.block
    return min(
        *(blocks * 8 // size for size in sizes),
        *(int(m) // size - 2 for m, size in zip(natives, sizes)),
    )


def _search(plane, rows, cols):
    """Every candidate (rows x columns, the aspect ratio kept to a pixel)
    scored on ``_SEARCH_BLOCKS`` blocks a side, ``_CHUNK`` row lengths at a
    time (so that memory does not grow with the image: a 48-megapixel
    photograph has 6,000 of them)."""
    height, width = plane.shape
    n_blocks = _n_blocks(plane, _SEARCH_BLOCKS, rows[0], cols[0])
    # A larger image's operators would only cycle through the cache.
    cached = -(-len(rows) // _CHUNK) <= _CACHED_CHUNKS
    pairs, scores = [], []
    for first in range(0, len(rows), _CHUNK):
        chunk = rows[first : first + _CHUNK]
        # Each row length with the column lengths within a pixel of its
        # aspect ratio's, where they are candidates.
        row_index = np.repeat(np.arange(len(chunk)), 3)
        paired = np.rint(chunk * width / height).astype(int)[:, None] + [-1, 0, 1]
        paired = paired.ravel()
        keep = (paired >= cols[0]) & (paired <= cols[-1])
        if not keep.any():
            continue
        row_index, paired = row_index[keep], paired[keep]
        near = np.arange(paired.min(), paired.max() + 1)
        down, across = _dc_operators(plane, chunk, near, n_blocks, cached=cached)
        scores.append(_pair_scores(down, across, row_index, paired - near[0])[0])
        pairs += zip(chunk[row_index].tolist(), paired.tolist())
    return pairs, np.concatenate(scores) if scores else np.zeros(0)


def _rescore(plane, pairs):
    """The scores and steps of ``pairs`` (rows, columns), each on up to
    ``_BLOCKS`` blocks a side (fewer for native sizes under 400)."""
    pairs = np.asarray(pairs)
    sizes = np.array([_n_blocks(plane, _BLOCKS, *pair) for pair in pairs])
    scores, steps = np.empty(len(pairs)), np.empty(len(pairs), dtype=int)
    for n_blocks in np.unique(sizes):
        group = np.flatnonzero(sizes == n_blocks)
        rows, row_index = np.unique(pairs[group, 0], return_inverse=True)
        cols, col_index = np.unique(pairs[group, 1], return_inverse=True)
        down, across = _dc_operators(plane, rows, cols, n_blocks)
        scores[group], steps[group] = _pair_scores(down, across, row_index, col_index)
    return scores, steps


def _plane_lattice(plane):
    """downscaled_lattice's search on one plane (None where too small)."""
    rows, cols = _candidates(plane.shape[0]), _candidates(plane.shape[1])
    too_few = _MIN_BLOCKS * 8 // max(plane.block)
    if _n_blocks(plane, _BLOCKS, rows[0], cols[0]) < too_few:
        return None
    pairs, scores = _search(plane, rows, cols)
    if len(pairs) < _N_BEST + _N_NULL:
        return None
    order = np.argsort(scores)[::-1]
    best, rest = order[:_N_BEST], order[_N_BEST:]
    null = rest[np.linspace(0, len(rest) - 1, _N_NULL).astype(int)]
    values, steps = _rescore(plane, [pairs[k] for k in np.concatenate([best, null])])
    centre = np.median(values[_N_BEST:])
    spread = 1.4826 * np.median(np.abs(values[_N_BEST:] - centre))
    i = int(np.argmax(values[:_N_BEST]))
    z = float((values[i] - centre) / spread) if spread > 0 else 0.0
    native = pairs[best[i]]
    curvature = _curvature(plane, native)
    return Bunch(
        found=z >= plane.z_found and curvature >= _MIN_CURVATURE,
        z=z,
        curvature=curvature,
        native_size=native,
        resize_factor=float(np.mean(np.divide(plane.shape, native))),
        dc_step=int(steps[i]),
        score=float(values[i]),
        plane=plane.name,
        subsampling=plane.chroma,
    )


def _curvature(plane, native):
    """The median absolute second difference, along both axes, of the DC of
    the blocks that ``_rescore`` reads at ``native`` (rows, columns).

    A lattice says something only where the blocks' means move off a plane
    by more than its step: the means of a ramp (a synthetic gradient) run
    on a plane, and at some size and step among the many searched they
    line up with a lattice by chance.
    """
    n_blocks = _n_blocks(plane, _BLOCKS, *native)
    down, across = _dc_operators(plane, native[:1], native[1:], n_blocks)
    dc = (across[0] @ down[0].T).reshape(n_blocks, n_blocks, -1)
    second = [np.abs(np.diff(dc, 2, axis=axis)).ravel() for axis in (0, 1)]
    return float(np.median(np.concatenate(second)))


def _least_clipped(luma, rgb=None):
    """Where else (rows, columns; see _first_block) to read the search's
    blocks: among _WHERE, the window with the fewest clipped pixels (0 or
    255 in a channel of ``rgb``, else in ``luma``), where the middle one
    has more than _CLIPPED_MIDDLE of them and it under half as many; else
    None."""
    shares = {}
    for where in itertools.product(_WHERE, repeat=2):
        rows, cols = (
            _window(n, _SEARCH_BLOCKS, 8, w) for n, w in zip(luma.shape, where)
        )
        values = luma[rows, cols] if rgb is None else rgb[rows, cols]
        clipped = (values <= 0) | (values >= 255)
        shares[where] = np.mean(clipped if rgb is None else clipped.any(axis=2))
    least = min(shares, key=shares.get)
    middle = shares[(0.5, 0.5)]
    if middle <= _CLIPPED_MIDDLE or shares[least] >= middle / 2:
        return None
    return least


def downscaled_lattice(luma, pixels=None):
    """Look for the DC lattice of a JPEG downscaled after compression.

    The luminance's 8x8 blocks are searched first; where they show no
    lattice and ``pixels`` are 8-bit RGB (or RGBA), the chroma planes Cb
    and Cr together (one table quantises both), in the blocks of 4:2:0
    subsampling (16x16 pixels, as most cameras and Pillow write it), then
    4:2:2 (8x16) and 4:4:4 (8x8). Each plane is searched in the middle of
    the image, then, where that shows nothing and clipped pixels crowd the
    middle, where they are fewest (_least_clipped). Returns None where the
    image is too small to search (under 76 pixels a side), else a Bunch:
    ``found`` (whether the best candidate stands ``_Z_FOUND`` robust SD
    above a sample of the others, ``_Z_FOUND_CHROMA`` in the chroma, and
    its blocks' means move off a plane: ``_MIN_CURVATURE``), ``z``,
    ``curvature`` (see _curvature), ``native_size`` (rows, columns),
    ``resize_factor`` (the mean of the two axes' factors), ``dc_step`` (the
    step whose lattice scores best), ``score`` (its mean cosine), ``plane``
    (``"luminance"`` or ``"chroma"``) and ``subsampling`` (the chroma's,
    else None): of the first where the lattice is found, else of the
    luminance in the middle.
    """
    colour = (
        pixels is not None
        and pixels.ndim == 3
        and pixels.shape[2] in (3, 4)  # RGB, or RGBA: its alpha left out
        and pixels.dtype == np.uint8
    )
    rgb = pixels[..., :3] if colour else None
    found = _plane_lattice(_Plane(luma))
    if found is None or found.found:
        return found
    # (where, operators) of each place the planes are read in: the middle,
    # with the module's cache, then where clipping is least, if it crowds
    # the middle. That place's operators are kept for this image's planes
    # alone (the luminance's and 4:4:4's are the same): in the module's
    # cache they would push out the middle's, which the next image needs.
    places = [((0.5, 0.5), None)]
    elsewhere = _least_clipped(luma, rgb)
    if elsewhere is not None:
        kept = functools.lru_cache(maxsize=None)(_search_operator.__wrapped__)
        places.append((elsewhere, kept))
    searches = [(luma, None, *place) for place in places[1:]]
    if colour:
        searches += [
            (rgb, subsampling, *place)
            for subsampling in _CHROMA_BLOCKS
            for place in places
        ]
    for values, chroma, where, operators in searches:
        plane = _Plane(values, chroma=chroma, where=where, operators=operators)
        result = _plane_lattice(plane)
        if result is not None and result.found:
            return _chroma_reading(result, luma)
    return found


def _luma_z(luma, native):
    """The robust z of the luminance's DC lattice at ``native`` (rows,
    columns; the best within a pixel of it) against sizes 5 to 40 pixels
    larger or smaller, with the same aspect ratio."""
    rows, cols = native
    near = [(rows + i, cols + j) for i in (-1, 0, 1) for j in (-1, 0, 1)]
    others = [
        (rows + k, round((rows + k) * cols / rows))
        for k in (*range(-40, -4, 2), *range(5, 41, 2))
        if rows + k > luma.shape[0]
    ]
    scores, _ = _rescore(_Plane(luma), near + others)
    null = scores[len(near):]
    centre = np.median(null)
    spread = 1.4826 * np.median(np.abs(null - centre))
    return float((scores[: len(near)].max() - centre) / spread) if spread > 0 else 0.0


def _chroma_reading(found, luma):
    """``found``, with the other reading of its chroma blocks (see
    _Z_LUMA_READING) as ``alternative`` (subsampling, factor, native size)
    where it is a downscale, and a 4:4:4 find read as 4:2:0's at half the
    factor unless the luminance says 4:4:4 (``reading``: which decided)."""
    if found.subsampling not in ("4:4:4", "4:2:0"):
        return found
    native, factor = found.native_size, found.resize_factor
    if found.subsampling == "4:2:0":
        if 2 * factor < 1:
            halved = tuple(side // 2 for side in native)
            found.update(alternative=("4:4:4", 2 * factor, halved), reading=None)
        return found
    doubled = tuple(2 * side for side in native)
    z_444, z_420 = _luma_z(luma, native), _luma_z(luma, doubled)
    if z_444 >= _Z_LUMA_READING and z_444 >= 2 * z_420:
        return Bunch(**found, alternative=None, reading="luminance")
    reading = "luminance" if z_420 >= _Z_LUMA_READING and z_420 >= 2 * z_444 else None
    return Bunch(
        **{
            **found,
            "native_size": doubled,
            "resize_factor": factor / 2,
            "subsampling": "4:2:0",
            "alternative": None if reading else ("4:4:4", factor, native),
            "reading": reading,
        }
    )


def _coarse_levels(pixels):
    """Whether 8-bit ``pixels`` use only every k-th level (k >= 2) in each
    channel, as a posterised image or one of fewer bits does: the means of
    such values lie on lattices of their own (a never-compressed photograph
    posterised to 5 bits read a chroma DC lattice of step 2)."""
    if pixels is None or pixels.dtype != np.uint8:
        return False
    channels = pixels.reshape(-1, pixels.shape[2] if pixels.ndim == 3 else 1)
    for channel in channels.T:
        used = np.flatnonzero(np.bincount(channel, minlength=256))
        if len(used) < 2 or np.gcd.reduce(np.diff(used)) < 2:
            return False
    return True


def _add_downscaled(evidence, luma, pixels):
    """The evidence of an image without an 8x8 lattice, with the DC lattice
    of a JPEG downscaled after compression where one is found."""
    if evidence.verdict == "compressed":
        return evidence
    # An enlargement without a lattice is searched too: on JPEGs downscaled
    # by 0.8, the block grid itself made the residual dip at 0.75 of the
    # original size, which _jpeg_descaled took for an enlargement by 1.07.
    found = downscaled_lattice(luma, pixels)
    if found is None or not found.found or _coarse_levels(pixels):
        return evidence
    steps = np.full((8, 8), np.nan)
    if found.plane == "luminance":
        steps[0, 0] = found.dc_step
    factor = found.resize_factor
    # The quality is not read from one step; the grid starts at the corner.
    evidence.update(table_quality=None, table_qualities=None, libjpeg_like=None)
    evidence.update(verdict="compressed", steps=steps, grid_phase=None)
    evidence.update(resized_grid="found", resized_visible=None, resize_kernel=None)
    evidence.update(
        resize_factor=factor, grid_period=8 * factor, grid_offset=(0.0, 0.0),
        native_size=found.native_size,
    )
    rows, cols = found.native_size
    blocks = "8x8 blocks"
    if found.plane == "chroma":
        blocks = f"{found.subsampling} chroma blocks"
    evidence.reason = (
        "No 8x8 lattice in the pixels as they are, but brought back to "
        f"{rows}x{cols} pixels (a downscale by {factor:.3f} undone), the means "
        f"of their {blocks} lie on the multiples of {found.dc_step}, as a "
        f"JPEG's DC quantisation leaves them: {found.z:.0f} robust SD above "
        "the other sizes sampled."
    )
    if found.get("reading") == "luminance":
        evidence.reason += (
            f" The luminance's blocks tell {found.subsampling} from the other "
            "subsampling with the same chroma blocks."
        )
    elif found.get("alternative"):
        other, other_factor, (other_rows, other_cols) = found.alternative
        evidence.reason += (
            f" The same blocks are those of a JPEG with {other} chroma downscaled "
            f"by {other_factor:.3f} ({other_rows}x{other_cols} pixels at first): "
            f"the pixels do not tell which ({found.subsampling} is the more common)."
        )
    return evidence
