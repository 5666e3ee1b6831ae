"""Classical evidence of a JPEG history, read from the pixels alone.

A decoded JPEG is the inverse DCT of 8x8 blocks of coefficients that are
integer multiples of the steps of a quantisation table, rounded to 8-bit
pixels. Computed again at the same 8x8 grid, the DCT of its luminance sits
on that lattice, blurred only by the rounding of the decoded pixels (about
0.3 in DCT units); at any other grid phase, and in any image never
compressed, it does not. This module finds the grid, the steps and what
they say about the encoder, and looks for a second compression, with numpy
only: the numbers a sceptical reader can check beside a net's verdict. A
JPEG resized after compression has lost its lattice but can keep its block
edges at a period of 8 times the factor: the module looks for those too.
"""

import io
import os
from numbers import Integral

import numpy as np
from sklearn.utils import Bunch

from ..utils._validation import check_image
from ._jpeg_blocks import (
    _DCT2_T,
    _LIBJPEG_LUMA,
    _blocks_at,
    _fitted_quality,
    _phase_blocks,
    _without_rounding_reads,
)
from ._jpeg_double import _double_jpeg_evidence, _trusted_double
from ._jpeg_descaled import _add_descaled
from ._jpeg_downscaled import _add_downscaled
from ._jpeg_resized_grid import _add_resized
from ._jpeg_replicated import from_native, native_pixels, replication
from ._jpeg_scaled import _add_scaled

__all__ = ["jpeg_evidence"]

VERDICTS = ("compressed", "never compressed", "unknown")

# Phase search: at most this many 15x15 windows, each holding one 8x8 block
# at every one of the 64 grid phases.
_MAX_WINDOWS = 640
# Coefficients closer to 0 than this are left out of the lattice tests: a
# flat or smooth block gives near-zero coefficients at every phase.
_MIN_ABS = 0.75
# Frequencies whose mean |coefficient| over all phases is below this are left
# out of the phase search.
_MIN_SPREAD = 2.0
# A phase stands out when its lattice score is this many robust standard
# deviations above the median of the other 63 phases ...
_Z_FOUND = 8.0
# ... and a grid is ruled out when the best phase stays below this one and a
# lattice as faint as quality 100's (a score near 0.2, see
# :func:`jpeg_evidence`) would have stood out by _Z_FOUND.
_Z_ABSENT = 5.0
_Q100_SCORE = 0.15
# Fewest nonzero coefficients for estimating the step of one frequency.
_MIN_COEFFICIENTS = 40
# Share of those within the rounding tolerance of a candidate's lattice for
# the candidate to be kept; the largest kept candidate is the step.
_MIN_SHARE = 0.8
_MAX_STEP = 255


def _read_pixels(image):
    """Pixels of an array, a path or the bytes of an image file.

    The file's own tables are never read: only its decoded pixels.
    """
    if isinstance(image, (bytes, bytearray, memoryview)):
        from PIL import Image

        try:
            with Image.open(io.BytesIO(bytes(image))) as img:
                img.load()
                return _file_pixels(img, "the bytes given")
        except Image.UnidentifiedImageError as exc:
            raise ValueError(
                "Cannot read the bytes given as an image: not an image format "
                "Pillow knows."
            ) from exc
    if isinstance(image, (str, os.PathLike)):
        from PIL import Image

        from ..utils import read_image

        path = os.fspath(image)
        try:
            with Image.open(path) as img:
                mode = img.mode
        except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            mode = None  # read_image says what is wrong with the file
        _refuse_cmyk(mode, f"'{path}'")
        return read_image(path)
    return np.asarray(image)


def _refuse_cmyk(mode, name):
    if mode == "CMYK":
        raise ValueError(
            f"{name} is a CMYK image: its JPEG lattice, if any, lies in its four "
            "ink channels, which a conversion to RGB mixes; jpeg_evidence works on "
            "the luminance of gray or RGB images. Convert the file to RGB yourself "
            "(the evidence will then most likely be 'unknown')."
        )


def _file_pixels(img, name):
    """Pixels of an open Pillow image, refusing CMYK (see jpeg_evidence)."""
    from ..utils._io import _to_array

    _refuse_cmyk(img.mode, name)
    return _to_array(img)


# Rows per strip of the passes over an 8-bit image.
_STRIP_ROWS = 256


def _luminance(pixels):
    """8-bit luminance as JPEG computes it, and the mask of clipped pixels.

    Gray images are taken as they are; RGB(A) images give ITU-R BT.601
    full-range Y, rounded to integers as a JPEG encoder and decoder do (the
    decoder's Y is an integer, and the rounding of R, G and B moves the Y
    recomputed from them by less than 0.5). uint8 and uint16 images are
    taken on their range (uint16 divided by 257), booleans and floats in
    [0, 1] scaled by 255; what ``check_images`` refuses is refused.
    """
    pixels = np.asarray(pixels)
    if pixels.ndim == 3 and pixels.shape[2] in (2, 4):
        pixels = pixels[..., : pixels.shape[2] - 1]  # drop alpha
    if pixels.ndim == 3 and pixels.shape[2] == 1:
        pixels = pixels[..., 0]
    if pixels.ndim not in (2, 3) or (pixels.ndim == 3 and pixels.shape[2] != 3):
        raise ValueError(
            "jpeg_evidence takes one image of shape (height, width) or (height, "
            f"width, 3); got an array of shape {pixels.shape}. Pass images one "
            "at a time."
        )
    if pixels.dtype == np.uint8:
        # Exact and fast on the 8-bit values themselves, strip by strip, so
        # that memory holds the luminance and the mask, not a float copy of
        # the colour image.
        luma = np.empty(pixels.shape[:2], dtype=np.float32)
        clipped = np.empty(pixels.shape[:2], dtype=bool)
        for top in range(0, pixels.shape[0], _STRIP_ROWS):
            rows = slice(top, top + _STRIP_ROWS)
            strip = pixels[rows]
            clip = (strip == 0) | (strip == 255)
            if pixels.ndim == 2:
                luma[rows], clipped[rows] = strip, clip
                continue
            np.any(clip, axis=2, out=clipped[rows])
            values = strip.astype(np.float32)
            y = values[..., 0] * np.float32(0.299)
            y += values[..., 1] * np.float32(0.587)
            y += values[..., 2] * np.float32(0.114)
            np.round(y, out=luma[rows])
        return luma, clipped
    if pixels.dtype == np.uint16:
        values = pixels / 257.0
    else:  # booleans, floats in [0, 1]; the rest refused (check_image)
        values = check_image(pixels).astype(np.float64) * 255.0
    if values.ndim == 2:
        luma = np.round(values)
        clipped = (luma <= 0) | (luma >= 255)
    else:
        luma = np.round(values @ np.array([0.299, 0.587, 0.114]))
        clipped = (values.min(axis=2) <= 0) | (values.max(axis=2) >= 255)
    return luma.astype(np.float32), clipped


def _phase_scores(luma, clipped, rng):
    """Lattice score of each of the 64 grid phases, on sampled windows.

    The score of a phase is the mean of cos(2 pi c) over the DCT
    coefficients c (|c| >= _MIN_ABS) of its blocks: near 0 for coefficients
    that are not integers, and exp(-2 pi^2 sigma^2) for coefficients that are
    multiples of integer steps blurred by the rounding of the pixels (about
    0.2 for sigma = 0.3), whatever the steps.
    """
    blocks, usable = _phase_blocks(luma, clipped, rng, 8, 8, _MAX_WINDOWS)
    # (n_windows * 64 phases, 64 pixels), contiguous: one row per block.
    blocks, usable = blocks.reshape(-1, 64), usable.reshape(-1)
    coefs = (blocks - np.float32(128)) @ _DCT2_T
    magnitude = np.abs(coefs)
    # A narrow distribution of coefficients (a smooth image's high
    # frequencies) puts its mass near the integers -1, 0 and 1 at every
    # phase; only frequencies whose coefficients spread over several steps
    # of 1 are compared.
    n_usable = max(int(usable.sum()), 1)
    spread = magnitude[usable].sum(axis=0) / n_usable
    keep = (magnitude >= _MIN_ABS) & (spread >= _MIN_SPREAD)
    keep &= usable[:, None]
    lattice = np.cos(np.float32(2 * np.pi) * coefs)
    lattice *= keep
    lattice = lattice.reshape(-1, 64, 64).sum(axis=(0, 2), dtype=np.float64)
    counts = keep.reshape(-1, 64, 64).sum(axis=(0, 2))
    scores = (lattice / np.maximum(counts, 1)).reshape(8, 8)
    counts = counts.reshape(8, 8)
    return scores, counts


def _tolerance(step):
    """Rounding tolerance of a lattice of ``step`` (array or scalar)."""
    return np.minimum(0.75, np.asarray(step, dtype=np.float64) / 4)


def _on_lattice(coefs, steps):
    """Whether each coefficient lies within tolerance of a multiple of its step."""
    residual = coefs - steps * np.round(coefs / steps)
    return np.abs(residual) <= _tolerance(steps)


def _lattice_shares(flat, steps):
    """The share of the nonzero coefficients (|c| >= _MIN_ABS) of the known
    steps that lie on their lattice, and the share expected by chance.

    A band of blocks at a time: the float64 arithmetic of the lattice test
    would otherwise hold several arrays of 8 bytes per coefficient (40 bytes
    per pixel of the image).
    """
    known = np.isfinite(steps.ravel())
    steps_known = steps.ravel()[known]
    n_on = n_nonzero = 0
    null = 0.0
    for start in range(0, len(flat), _BAND_BLOCKS):
        values = flat[start : start + _BAND_BLOCKS][:, known]
        nonzero = np.abs(values) >= _MIN_ABS
        step_per = np.broadcast_to(steps_known, values.shape)
        n_on += np.count_nonzero(_on_lattice(values, step_per)[nonzero])
        n_nonzero += np.count_nonzero(nonzero)
        step_nonzero = step_per[nonzero]
        null += np.minimum(1.0, 2 * _tolerance(step_nonzero) / step_nonzero).sum()
    if not n_nonzero:
        return float("nan"), float("nan")
    return n_on / n_nonzero, float(null / n_nonzero)


# Blocks per band of _lattice_shares.
_BAND_BLOCKS = 1 << 14


def _estimate_step(values):
    """Quantisation step of one frequency, or NaN if the data cannot tell.

    The largest step s in 2..255 for which at least _MIN_SHARE of the
    coefficients beyond 1.5 lie within tolerance of a multiple of s (divisors
    of the true step pass too, multiples and neighbours do not); 1 if none
    does, none of 3 or more comes near (60%), and the coefficients sit near
    the integers; NaN otherwise.
    """
    # Beyond 1.5 the rounding of the pixels (about 0.3) never reaches: every
    # value there is a multiple of the step, not a zero moved by noise.
    values = values[np.abs(values) >= 1.5]
    if len(values) < _MIN_COEFFICIENTS:
        return np.nan
    if len(values) > 1500:
        values = values[:: len(values) // 1500 + 1]
    top = int(min(_MAX_STEP, np.abs(values).max() + 1))
    candidates = np.arange(2, top + 1, dtype=np.float64)
    if not len(candidates):
        return 1.0
    shares = np.empty(len(candidates))
    for start in range(0, len(candidates), 32):
        steps = candidates[start : start + 32, None]
        shares[start : start + 32] = _on_lattice(values[None, :], steps).mean(axis=1)
    kept = candidates[shares >= _MIN_SHARE]
    if len(kept):
        return float(kept.max())
    if np.any(shares[candidates >= 3] > 0.6):
        return np.nan  # a coarser lattice, blurred: no step to trust
    # Step 1: the values must still sit near the integers, beyond chance.
    lattice = np.cos(2 * np.pi * values)
    if lattice.mean() > 4 * max(lattice.std(), 0.1) / np.sqrt(len(values)):
        return 1.0
    return np.nan


def _empty(reason, shape, n_blocks=0):
    nan = float("nan")
    return Bunch(
        verdict="unknown", reason=reason, shape=shape, n_blocks=n_blocks,
        grid_phase=None, phase_score=nan, phase_z=nan, steps=np.full((8, 8), nan),
        lattice_share=nan, lattice_share_null=nan, table_quality=None,
        table_qualities=None, libjpeg_like=None, double_compression="unknown",
        primary_quality=None, double_score=nan, resized_grid=None,
        resize_factor=None, grid_period=None, grid_offset=None, resized_z=nan,
        resampling_z=nan, resized_visible=None, native_size=None,
        resize_kernel=None, block_grid_z=nan,
    )


def jpeg_evidence(image, *, double=True, resized=True, random_state=0):
    """Evidence of a JPEG history in the pixels of one image.

    Looks for what JPEG compression leaves in decoded pixels: an 8x8 block
    grid at which the DCT of the luminance lies on the lattice of a
    quantisation table. Reports the grid phase and how clearly it stands out
    of the 64 possible, the quantisation steps it reads from the DCT
    coefficients at that phase, the share of coefficients on their lattice,
    the libjpeg quality closest to those steps, whether they look like
    libjpeg's, and, optionally, signs of an earlier compression at another
    quality. The answer is read from the pixels only; the tables a JPEG
    file carries are never used.

    Read more in the :ref:`User Guide <jpeg_evidence>`.

    Parameters
    ----------
    image : ndarray, str, path-like or bytes
        One image: an array of shape (height, width) or (height, width, 3)
        (an alpha channel is dropped; uint8 and uint16 on their range, float
        in [0, 1]), or an image file (path or bytes) whose decoded pixels
        are read, whatever its format: a lossy WebP's or AVIF's own blocks
        can read as a resized JPEG's grid (:func:`jpeg_audit` weighs the
        file's format). CMYK files are refused (see Notes).

    double : bool, default=True
        Also look for an earlier compression (:func:`double_jpeg_evidence`)
        when the image is found compressed.

    resized : bool, default=True
        Where no 8x8 lattice is found, look for the block grid of a JPEG
        resized by 0.5 or by 0.55 to 2.2 after compression (see Notes).

    random_state : int, default=0
        Seed of the choice of windows for the phase search on large images.

    Returns
    -------
    evidence : :class:`~sklearn.utils.Bunch`
        With the keys:

        - ``verdict``: ``"compressed"``, ``"never compressed"`` or
          ``"unknown"``;
        - ``reason``: one sentence saying why;
        - ``shape``: the image's (height, width);
        - ``n_blocks``: the usable 8x8 blocks at the grid phase (blocks with
          a clipped pixel, 0 or 255 in a channel, or a single value are left
          out);
        - ``grid_phase``: (dy, dx) in 0..7, the offset of the 8x8 grid from
          the top-left corner (None if no grid was looked for);
        - ``phase_score``: the lattice score of that phase (mean of
          cos(2 pi c) over its nonzero DCT coefficients c, near 0 without a
          lattice);
        - ``phase_z``: how far that score stands above the other 63 phases,
          in robust standard deviations (median and scaled MAD);
        - ``steps``: ndarray of shape (8, 8), the luminance quantisation
          steps in natural order, NaN where too few nonzero coefficients
          tell (all NaN unless the verdict is ``"compressed"``);
        - ``lattice_share``: the share of the nonzero coefficients of the
          frequencies with a known step that lie within rounding tolerance
          of a multiple of it (min(0.75, step / 4));
        - ``lattice_share_null``: the share the same test gives by chance,
          as in an image never compressed (2 tolerance / step, averaged);
        - ``table_quality``, ``table_qualities``, ``libjpeg_like``: the
          closest libjpeg quality to the known steps, the range of
          qualities equally close, and whether 90% of the known steps are
          libjpeg's at that quality (None unless compressed);
        - ``double_compression``, ``primary_quality``, ``double_score``: see
          :func:`double_jpeg_evidence` (``"unknown"``, None and NaN when
          not looked for);
        - ``resized_grid``: ``"found"``, ``"not found"``, ``"unknown"``
          (an image under 64 pixels a side) or None (not looked for: an
          8x8 lattice was found, or ``resized=False``);
        - ``resize_factor``: the factor the JPEG was resized by: of the grid
          found, or of the resize undone (see Notes); None if none;
        - ``grid_period``: that period, ``8 * resize_factor`` pixels;
        - ``grid_offset``: (dy, dx), where the edges of the resized blocks
          lie: ``dy + k * grid_period`` pixels from the top edge of the
          image (and dx from the left);
        - ``resized_z``: the harmonic sum of the grid found (robust z of its
          first 6 harmonics, each capped at 30; 24 or more to be found);
        - ``resampling_z``: the robust z of the strongest periodicity of the
          pixels (12 or more: a trace of resampling, or of periodic content);
        - ``block_grid_z``: where the resized grid was looked for, the z of
          block edges every 8 pixels at the image's size (the odd
          harmonics 1/8 and 3/8 cycles per pixel; 16 or more, where no
          lattice and no resized grid is found: the blocks of a JPEG whose
          pixels were changed after compression, e.g. by a tone curve,
          which moves the DCT coefficients off the lattice; the verdict is
          then ``"unknown"``, not ``"never compressed"``); else NaN;
        - ``resized_visible``: whether a resized JPEG's grid would have shown
          here (see Notes): True or False where the verdict is ``"never
          compressed"`` and no resized grid was found, else None;
        - ``native_size``, ``resize_kernel``: the size (rows, columns) and
          resampling kernel of an enlargement undone (see Notes): of a JPEG
          enlarged after compression whose 8x8 lattice then shows (the
          lattice keys above describe that lattice), or of a clear
          enlargement without one; the native size of a downscaled JPEG
          whose DC lattice shows (see Notes); else None.

    Raises
    ------
    ValueError
        If the array is not one gray or RGB image, holds NaN or infinite
        values or floats outside [0, 1], or is a CMYK file.
    TypeError
        If the array's dtype has no known range (integers other than uint8
        and uint16) or is complex, as in :func:`~skforensics.utils.check_images`.

    See Also
    --------
    double_jpeg_evidence : The search for an earlier compression.
    jpeg_audit : The evidence beside the net's answers, over a folder.

    Notes
    -----
    The luminance is ITU-R BT.601 full-range Y, rounded to integers (as the
    decoder's Y is), level-shifted by 128, and transformed with the
    orthonormal 8x8 DCT-II that libjpeg approximates. The 64 phases are
    compared on at most 640 windows of 15x15 pixels; the steps are read
    from every block at the phase found.

    The verdict is ``"compressed"`` when one phase stands 8 robust standard
    deviations or more above the others; ``"never compressed"`` when none
    stands 5 above and the image holds enough texture that even quality
    100's lattice (a score near 0.2) would have stood out; ``"unknown"``
    otherwise: images smaller than 16x16 pixels, single-colour or nearly
    flat images, and images whose lattice was blurred without vanishing (a
    mixture of sources, a light filter). ``"never compressed"`` means no
    8x8 lattice in the pixels (and no resized grid): a JPEG resized or
    rotated after compression has lost its lattice.

    A JPEG resized after compression keeps its block edges, at the period
    8 f of a resize by f. Where no 8x8 lattice is found (``resized=True``),
    the second differences of the luminance, divided by their local mean
    over 9 pixels, are averaged along the rows and along the columns
    (weighted towards the smooth parts, where block edges show); the robust
    z of the spectra of these two profiles (against the median and scaled
    MAD of the magnitudes from 0.8 to 1.25 times each frequency; the
    smaller of the two axes) is summed over the first 6 harmonics of each
    candidate period (8 x 0.55 to 8 x 2.2 pixels). A period whose sum
    reaches 24, whose fundamental reaches 5, and that the traces of
    resampling do not explain, is the grid: the strongest periodicity of
    the image, when it stands 12 or more, must be the grid's own resampling
    trace (at the distance of 1 / f to the nearest integer, in cycles per
    pixel) or one of its harmonics, and not, standing 25 or more, the
    fundamental of a candidate below a factor of 1 (an upsampling's
    trace); candidates at a harmonic of a foreign periodicity are left
    out; and an upscaled JPEG must show its own resampling trace (5 or
    more). Factors near 7/8 and 9/8, where the grid and the trace of the
    resize coincide, and near 1 (the 8x8 path) are not looked for. As the
    harmonics of a grid can outweigh its fundamental, the frequency found
    may be a harmonic folded back below 0.5: the lower candidate
    fundamental (a 2nd to 6th sub-harmonic, folded or not) whose other
    harmonics stand out most, by 12 or more, is taken instead. A resize by
    0.5 (a period of 4 pixels) leaves a single harmonic below the Nyquist
    frequency: its z alone must reach 12, and the plain profile's stay
    under 0.8 times it there (a downscale by 0.8 leaves its resampling
    trace at the same 0.25 cycles per pixel). Factors from 0.45 to 0.55
    with more harmonics are not looked for: on never-compressed crops
    their sums reached 24 by chance.

    Where no resized grid is found in an image without a lattice, the search
    is tried on the image as a resized JPEG would be: its luminance
    compressed at quality 75 and resized by 0.7 and by 0.8 (Pillow's
    bicubic filter). ``resized_visible`` is True when the search finds both
    grids (the factor within 5%): the content lets a resized grid show, so
    its absence says something. On textured or noisy content it is False,
    and :func:`jpeg_audit` then says ``"never compressed"`` only where no
    periodicity at all hints at a resize.

    A grid found is a candidate, not proof: periodic content (fabrics,
    tiles) and some resampling traces can stand where a resized grid
    would. It turns a ``"never compressed"`` verdict into ``"unknown"``
    and never into ``"compressed"``; :func:`jpeg_audit` calls the image
    compressed, then resized, only where the net agrees. An enlargement
    (by 1.04 to 2.2) can be undone, though: where the pixels carry a
    periodicity of 8 or more, a resized grid or a clear dip of the
    residual along the first axis, the native size is searched along each
    axis (the least-squares residual of every
    candidate length dips at the true one, by a decade or more), the
    central 768x768 pixels are descaled at that size with the kernel that
    fits best (Pillow's, OpenCV's or swscale's bicubic, Lanczos, bilinear
    or OpenCV's area), and the 8x8 test runs on them. Its lattice found,
    the verdict is ``"compressed"``, with ``native_size`` and
    ``resize_kernel``; the table's quality is said only where 10 or more
    steps could be read. A clear enlargement (a dip of 0.6 decades on both
    axes) without a lattice keeps its verdict but reports its size, and a
    resized grid at another factor is then its own trace, not a JPEG's
    grid. A downscale (by 0.45 to 0.95) blurs the block edges away, but
    not the blocks' means: where no lattice was found otherwise, the
    luminance's central 8x8 blocks (then 8-bit RGB's chroma blocks of
    4:2:0, 4:2:2 and 4:4:4 subsampling) are brought back (Lanczos 3) to
    every candidate native size; where their DC coefficients lie on the
    multiples of one step at one size, 12 (chroma: 14) robust SD above the
    others, the verdict is ``"compressed"``, with ``native_size``,
    ``resize_factor`` and the DC step as ``steps[0, 0]`` (luminance). The
    user guide has the rates.

    A JPEG resized on its block grid is looked for first: decoded at half
    its size by libjpeg (Pillow's ``draft``, OpenCV's
    ``IMREAD_REDUCED_COLOR_2``), or resized by n / 8 (0.25, 0.5, 0.625,
    0.75, 0.875), its n x n blocks' DCT lies near n / 8 times the steps of the
    file's table. Where one phase of an n-pixel grid stands 12 robust SD
    above the others, the verdict is ``"compressed"`` with
    ``resize_factor`` n / 8, ``native_size`` the image's times 8 / n
    (rounded) and the steps of the 2x2 lowest frequencies.

    Quality 100 (all steps 1) is found by the same test: the lattice is
    then that of the integers, seen only through the rounding of the
    decoded pixels. Its score is about 0.2 on photographs, against 0 at the
    other phases, so it stands out clearly on images of some texture, and
    its steps read 1. The steps near 1 of qualities 95-100 tell qualities
    apart less well than larger steps do: ``table_qualities`` says how
    well.

    Pixels enlarged by replication (nearest neighbour by 2 to 16) are read
    where one pixel of each block is kept, which undoes the enlargement
    exactly: ``native_size`` and ``resize_kernel`` (``"nearest"``) say so.

    CMYK JPEG files are refused: their lattice lies in the four ink
    channels, which a conversion to RGB mixes.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.datasets import jpeg_with_tables, libjpeg_tables
    >>> from skforensics.inspection import jpeg_evidence
    >>> from skforensics.utils import make_test_images
    >>> image = make_test_images(1, size=128, n_channels=3, dtype=np.uint8)[0]
    >>> jpeg = jpeg_with_tables(image, *libjpeg_tables(75))
    >>> evidence = jpeg_evidence(jpeg[3:, 5:])  # cropped off the grid
    >>> evidence.verdict, evidence.grid_phase, evidence.table_quality
    ('compressed', (5, 3), 75)
    >>> jpeg_evidence(image).verdict
    'never compressed'
    >>> twice = jpeg_with_tables(jpeg, *libjpeg_tables(90))  # Q75, then Q90
    >>> evidence = jpeg_evidence(twice)
    >>> evidence.double_compression, evidence.table_quality
    ('detected', 90)
    >>> from PIL import Image  # a JPEG enlarged by 1.3 after compression
    >>> from skimage import data
    >>> photo = jpeg_with_tables(data.camera(), *libjpeg_tables(75))
    >>> enlarged = np.asarray(Image.fromarray(photo).resize((666, 666), Image.BICUBIC))
    >>> evidence = jpeg_evidence(enlarged)
    >>> evidence.verdict, evidence.native_size, evidence.resize_kernel
    ('compressed', (512, 512), 'cubic-0.5')
    """
    if isinstance(random_state, bool) or not isinstance(random_state, Integral):
        raise TypeError(f"random_state must be an int; got {random_state!r} instead.")
    pixels = _read_pixels(image)
    luma, clipped = _luminance(pixels)
    replicated = replication(luma)
    if replicated is not None:  # read where the replication is undone
        native = native_pixels(pixels, replicated)
        found = jpeg_evidence(
            native, double=double, resized=resized, random_state=random_state
        )
        return from_native(found, replicated, luma.shape)
    shape = luma.shape
    if min(shape) < 16:
        return _empty(
            f"The image is {shape[0]}x{shape[1]}: too small to compare the 64 "
            "phases of an 8x8 grid (16x16 pixels or more are needed).",
            shape,
        )
    rng = np.random.default_rng(random_state)
    scores, counts = _phase_scores(luma, clipped, rng)
    if counts.min() < _MIN_COEFFICIENTS:
        return _empty(
            "Too little texture: the image is flat or clipped almost everywhere.",
            shape,
        )
    best = np.unravel_index(int(np.argmax(scores)), scores.shape)
    others = np.delete(scores.ravel(), np.ravel_multi_index(best, scores.shape))
    center = np.median(others)
    spread = max(1.4826 * np.median(np.abs(others - center)), 1e-3)
    phase_z = float((scores[best] - center) / spread)
    evidence = _empty("", shape)
    evidence.update(
        grid_phase=(int(best[0]), int(best[1])),
        phase_score=float(scores[best]),
        phase_z=phase_z,
    )
    coefs = _blocks_at(luma, clipped, evidence.grid_phase)
    evidence.n_blocks = len(coefs)
    if phase_z < _Z_FOUND:
        evidence.grid_phase = None if phase_z < _Z_ABSENT else evidence.grid_phase
        if phase_z < _Z_ABSENT and _Q100_SCORE / spread >= _Z_FOUND:
            evidence.verdict = "never compressed"
            evidence.reason = (
                f"No 8x8 grid phase stands out (best {phase_z:.1f} robust SD above "
                "the others), where even quality 100's lattice would have; a JPEG "
                "resized or rotated after compression loses its lattice too."
            )
        elif phase_z < _Z_ABSENT:
            evidence.reason = (
                "No 8x8 grid phase stands out, but the image has too little "
                "texture to rule out a faint lattice (quality near 100)."
            )
        else:
            evidence.reason = (
                f"One 8x8 grid phase stands {phase_z:.1f} robust SD above the "
                "others: a lattice blurred (resized, rotated or filtered after "
                "compression?) or too faint to call."
            )
        if not resized:
            return evidence
        verdict = evidence.verdict
        evidence = _add_scaled(evidence, luma, clipped, rng)
        if evidence.verdict == "compressed":  # resized on its block grid
            return evidence
        evidence = _add_resized(evidence, luma)
        evidence = _add_descaled(evidence, luma, _lattice_only, verdict)
        return _add_downscaled(evidence, luma, pixels)

    flat = coefs.reshape(len(coefs), 64)
    steps = np.array([_estimate_step(flat[:, i]) for i in range(64)]).reshape(8, 8)
    evidence.steps = steps = _without_rounding_reads(steps, flat)
    evidence.lattice_share, evidence.lattice_share_null = _lattice_shares(flat, steps)
    quality, qualities, like, primary = _fitted_quality(
        steps, evidence.lattice_share, evidence.lattice_share_null
    )
    evidence.update(table_quality=quality, table_qualities=qualities, libjpeg_like=like)
    evidence.verdict = "compressed"
    evidence.reason = (
        f"An 8x8 grid at phase {evidence.grid_phase} stands {phase_z:.0f} robust SD "
        f"above the other phases; {100 * evidence.lattice_share:.0f}% of its "
        f"coefficients lie on the lattice of the steps read (by chance: "
        f"{100 * evidence.lattice_share_null:.0f}%)."
    )
    if quality is None and np.isfinite(steps).any():
        evidence.reason += " No quality is read from so poor a fit (tones changed?)."
    if double:
        # The last compression's steps: libjpeg's table where the steps read
        # are libjpeg's or multiples of it, else the steps read.
        last = steps
        if like:
            last = np.where(np.isfinite(steps), _LIBJPEG_LUMA[quality - 1], np.nan)
        found = _double_jpeg_evidence(
            coefs, last, luma=luma, clipped=clipped, phase=evidence.grid_phase
        )
        found = _trusted_double(found, quality, like, primary)
        evidence.update(
            double_compression=found.double_compression,
            primary_quality=found.primary_quality,
            double_score=found.double_score,
        )
    return evidence


def _lattice_only(gray):
    """The 8x8 test alone, on a descaled 8-bit image (see _jpeg_descaled)."""
    return jpeg_evidence(gray, double=False, resized=False)
