"""Periodic traces of resampling: the spectrum of second-derivative profiles.

An image enlarged by a factor ``f`` is, between its original samples, a
fixed linear combination of its neighbours, so the size of its second
derivative repeats with period ``f`` along each axis, in every row and every
frame alike (Gallagher 2005; Popescu & Farid 2005 and Kirchner 2008 read the
same period from a prediction residual). Averaging ``|d2|`` down the columns
(and along the rows) of every frame keeps that period and averages content
away; the spectrum of the averaged profile then peaks at ``1/f`` cycles per
pixel (folded into [0, 0.5]). Blur, defocus and motion are shift-invariant
and leave no such peak. Video and JPEG codecs add peaks of their own at
multiples of 1/16 cycle per pixel (4x4 and 8x8 transforms, 16x16
macroblocks), in native and upscaled frames alike: those frequencies are
masked, which also hides a factor of 2 (1/2 cycle per pixel).
"""

import warnings

import numpy as np
from sklearn.utils import Bunch

__all__ = ["resampling_periodicity"]

# The factors scanned by default: 1.1 to 3.3 in steps of 0.01.
DEFAULT_FACTORS = np.round(np.arange(1.10, 3.3001, 0.01), 2)
# Codec grids: multiples of 1/16 cycle per pixel, masked within this width.
CODEC_PERIOD = 16
CODEC_WIDTH = 0.006
# Neighbourhood (in frequency bins) for the robust background of a peak.
_NEIGHBOURS = 25
_GUARD = 3


def _profiles(frame):
    """Mean |second derivative| down the columns and along the rows.

    A band of rows at a time, so that memory holds a band's differences,
    not the frame's: the column sums add the rows in order, as numpy's
    reduction over the whole frame does, so the values are the same.
    """
    y = np.asarray(frame, dtype=np.float32)
    n_rows = y.shape[0]
    sums = np.zeros((_BAND_ROWS + 1, max(y.shape[1] - 2, 0)), dtype=np.float32)
    d2y = np.empty(max(n_rows - 2, 0), dtype=np.float32)
    for top in range(0, n_rows, _BAND_ROWS):
        band = y[top : top + _BAND_ROWS]
        n = len(band)
        # Row 0 carries the sums so far: one reduction adds the rows in order.
        sums[1 : n + 1] = np.abs(band[:, :-2] - 2 * band[:, 1:-1] + band[:, 2:])
        sums[0] = sums[: n + 1].sum(axis=0)
        wide = y[max(top - 1, 0) : top + n + 1]
        d2 = np.abs(wide[:-2] - 2 * wide[1:-1] + wide[2:]).mean(axis=1)
        d2y[max(top - 1, 0) : max(top - 1, 0) + len(d2)] = d2
    return sums[0] / np.float32(n_rows), d2y


# Rows per band of _profiles.
_BAND_ROWS = 256


def _spectrum(profiles):
    """Mean power spectrum of detrended, windowed profiles (one per frame)."""
    from scipy.ndimage import uniform_filter1d

    p = np.asarray(profiles, dtype=np.float64)
    c = p / (uniform_filter1d(p, 9, axis=1, mode="nearest") + 1e-6) - 1
    c -= c.mean(axis=1, keepdims=True)
    power = np.abs(np.fft.rfft(c * np.hanning(c.shape[1]), axis=1)) ** 2
    return power.mean(axis=0), np.fft.rfftfreq(c.shape[1])


def folded_frequency(factor):
    """The frequency, in cycles per pixel within [0, 0.5], of period ``factor``."""
    nu = np.mod(1.0 / np.asarray(factor, dtype=float), 1.0)
    return np.minimum(nu, 1.0 - nu)


def codec_masked(factor):
    """Whether the period of ``factor`` falls on a codec grid frequency."""
    nu = folded_frequency(factor)
    grid = np.arange(1, CODEC_PERIOD // 2 + 1) / CODEC_PERIOD
    return np.min(np.abs(np.asarray(nu)[..., None] - grid), axis=-1) < CODEC_WIDTH


def _peak_z(power, freqs, factors):
    """Robust z of the spectrum at each factor's frequency against its neighbours.

    The peak is the largest power within one bin of the factor's frequency;
    the background the median and MAD of the ``_NEIGHBOURS`` bins on either
    side, less ``_GUARD`` bins around it (NaN where a codec grid masks the
    frequency or fewer than 8 background bins exist).
    """
    factors = np.asarray(factors, dtype=float)
    z = np.full(len(factors), np.nan)
    keep = np.flatnonzero(~codec_masked(factors))
    if not keep.size:
        return z
    nu = folded_frequency(factors[keep])
    centre = np.abs(freqs[np.newaxis, :] - nu[:, np.newaxis]).argmin(axis=1)
    n = _NEIGHBOURS
    padded = np.concatenate([np.full(n, np.nan), power, np.full(n, np.nan)])
    windows = np.lib.stride_tricks.sliding_window_view(padded, 2 * n + 1)[centre].copy()
    peak = np.nanmax(windows[:, n - 1:n + 2], axis=1)
    windows[:, n - _GUARD:n + _GUARD + 1] = np.nan
    enough = np.count_nonzero(np.isfinite(windows), axis=1) >= 8
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN rows
        med = np.nanmedian(windows, axis=1)
        mad = 1.4826 * np.nanmedian(np.abs(windows - med[:, np.newaxis]), axis=1) + 1e-12
    z[keep] = np.where(enough, (peak - med) / mad, np.nan)
    return z


def _as_frames(frames, caller, min_size):
    """A list of 2-D frames of one size, each at least ``min_size`` a side."""
    if isinstance(frames, np.ndarray):
        if frames.ndim == 3 and frames.shape[-1] in (3, 4) and frames.shape[1] > 4:
            raise ValueError(
                f"{caller} takes 2-D luminance frames; got an array of "
                f"shape {frames.shape}, which looks like one RGB image. Convert it "
                "with skforensics.utils.to_grayscale."
            )
        if frames.ndim == 2:
            frames = [frames]
    frames = list(frames)
    if not frames:
        raise ValueError(f"{caller} needs at least one frame.")
    shape = np.shape(frames[0])
    for frame in frames:
        if np.ndim(frame) != 2:
            raise ValueError(
                f"{caller} takes 2-D luminance frames; got an array of "
                f"shape {np.shape(frame)}. Convert RGB with "
                "skforensics.utils.to_grayscale."
            )
        if np.shape(frame) != shape:
            raise ValueError(
                f"All frames must have one size; got {shape} and {np.shape(frame)}."
            )
        if min(shape) < min_size:
            raise ValueError(
                f"{caller} needs frames of at least {min_size}x{min_size}; got {shape}."
            )
        if not np.isfinite(frame).all():
            raise ValueError(f"{caller}: a frame contains NaN or infinity.")
    return frames


def resampling_periodicity(frames, *, factors=None):
    """Scan an image (or the frames of a video) for the period of an upscale.

    Parameters
    ----------
    frames : ndarray of shape (H, W) or (n_frames, H, W), or sequence of arrays
        Luminance of one image, or of several frames of one video (all the
        same size), float or integer. Their evidence is pooled: the spectra
        of the frames' profiles are averaged before the peak is scored.
    factors : array-like of float, default=None
        Upscaling factors to scan (each greater than 1); None scans 1.1 to
        3.3 in steps of 0.01.

    Returns
    -------
    result : Bunch
        With keys ``factors`` (ndarray), ``z_x`` and ``z_y`` (the robust z of
        the spectral peak at each factor's frequency along the rows and the
        columns, NaN where a codec grid frequency masks it), ``z`` (their
        mean), ``z_max`` (the largest finite ``z``, 0.0 when none) and
        ``factor`` (the factor where it lies, NaN when none; see Notes for
        the factors it cannot tell apart).

    Notes
    -----
    Factors whose periods share a frequency cannot be told apart by this
    scan: ``f`` and ``f / (f - 1)`` fold onto one frequency (x1.5 and x3
    both repeat every 3 pixels, x2.4 and x1.71 every 12 pixels), and a
    factor of 2 is masked with the codec grids. A native camera frame can carry a period of its
    own (demosaicing repeats every 2 pixels).

    Examples
    --------
    >>> import cv2
    >>> from skimage import data
    >>> from skforensics.feature import resampling_periodicity
    >>> native = data.camera().astype("float32") / 255
    >>> enlarged = cv2.resize(native, (768, 768), interpolation=cv2.INTER_CUBIC)
    >>> round(resampling_periodicity(native).z_max) < 10
    True
    >>> result = resampling_periodicity(enlarged)  # x1.5: a period of 3 pixels
    >>> bool(result.z_max > 100), round(result.factor, 1) in (1.5, 3.0)
    (True, True)
    """
    frames = _as_frames(frames, "resampling_periodicity", min_size=32)
    factors = DEFAULT_FACTORS if factors is None else np.asarray(factors, dtype=float)
    if factors.ndim != 1 or len(factors) == 0 or np.any(~(factors > 1)):
        raise ValueError("factors must be a non-empty 1-D sequence of numbers above 1.")
    profiles = [_profiles(frame) for frame in frames]
    z_x = _peak_z(*_spectrum([p[0] for p in profiles]), factors)
    z_y = _peak_z(*_spectrum([p[1] for p in profiles]), factors)
    z = (z_x + z_y) / 2
    finite = np.isfinite(z)
    best = int(np.nanargmax(np.where(finite, z, -np.inf))) if finite.any() else None
    return Bunch(
        factors=factors,
        z_x=z_x,
        z_y=z_y,
        z=z,
        z_max=float(z[best]) if best is not None else 0.0,
        factor=float(factors[best]) if best is not None else float("nan"),
    )


# Pixel replication (nearest-neighbour enlargement): at least this many
# adjacent pairs of non-constant columns (rows) in one stretch, this share of
# them repeated, and this many new columns to place on a line.
_MIN_PAIRS = 32
_MIN_REPEATED = 0.05
_MIN_NEW = 16


def _longest_run(mask):
    """``(start, stop)`` of the longest run of True in a 1-D bool array."""
    edges = np.flatnonzero(np.diff(np.r_[0, mask.astype(np.int8), 0]))
    if edges.size == 0:
        return 0, 0
    starts, stops = edges[::2], edges[1::2]
    longest = np.argmax(stops - starts)
    return int(starts[longest]), int(stops[longest])


def _replicated_axis(frame):
    """The factor by which the columns of ``frame`` repeat, or None.

    A nearest-neighbour enlargement by ``f`` repeats each source column in
    ``floor(f)`` or ``ceil(f)`` adjacent columns, exactly, so the ``k``-th
    column that differs from its left neighbour lies within one pixel of
    ``k * f`` (plus a phase). The factor is the slope of that line, read
    over the longest stretch of non-constant columns (borders and saturated
    bars are constant: equal whatever happened); a stretch whose repeated
    columns do not fall on such a line (flat content repeats columns here
    and there) gives None, as does any frame without repeated columns: an
    interpolating kernel makes none, and a lossy codec after the
    enlargement breaks the equality.
    """
    # A screen on a few rows first: columns equal in full are equal there.
    sample = frame[:: max(1, frame.shape[0] // 64)]
    if np.mean(np.all(sample[:, 1:] == sample[:, :-1], axis=0)) < _MIN_REPEATED:
        return None
    varying = np.ptp(frame, axis=0) > 0
    start, stop = _longest_run(varying[:-1] & varying[1:])
    if stop - start < _MIN_PAIRS:
        return None
    equal = np.all(frame[:, start + 1 : stop + 1] == frame[:, start:stop], axis=0)
    new = np.flatnonzero(~equal)  # pair i: column start + i + 1 starts anew
    if equal.mean() < _MIN_REPEATED or new.size < _MIN_NEW:
        return None
    k = np.arange(new.size)
    factor, phase = np.polyfit(k, new, 1)
    if np.max(np.abs(new - (phase + k * factor))) > 1.0 + 1e-6:
        return None
    if factor < 1.0 + _MIN_REPEATED / 2:
        # Scattered repeats along a line of slope 1 (a column repeated here
        # and there): no enlargement repeats so few.
        return None
    return float(factor)


def replicated_factors(frame):
    """``(row factor, column factor)`` of a nearest-neighbour enlargement.

    Each is the factor by which the rows (columns) of the 2-D ``frame``
    repeat exactly and regularly (see :func:`_replicated_axis`), or None
    where they do not: a frame enlarged by pixel replication along one axis
    only gives one factor. Exact equality is the evidence, so a frame
    compressed by a lossy codec after its enlargement gives None.
    """
    frame = np.asarray(frame)
    return _replicated_axis(frame.T), _replicated_axis(frame)
