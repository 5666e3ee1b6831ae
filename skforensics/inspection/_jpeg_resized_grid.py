"""A JPEG's block grid after a resize: period 8 f in the pixels.

Part of :func:`skforensics.inspection.jpeg_evidence`: searched for when the
image shows no 8x8 lattice.
"""

import io
from typing import NamedTuple, Optional

import numpy as np
from sklearn.utils import Bunch

# Resized JPEGs: a JPEG resized by a factor f after compression keeps its
# block grid as a periodic pattern of period 8 f in the pixels (the lattice
# of the DCT coefficients is gone). The pattern is read from the second
# differences of the luminance, each divided by their local mean (so that
# the edges of the content do not outweigh the faint block edges),
# averaged along rows and along columns: two 1-D profiles whose spectra peak
# at 1 / (8 f) and its harmonics.
_RESIZE_RANGE = (0.55, 2.2)
# Below it, only a period of 4 pixels is looked for (a resize by 0.5, the
# commonest downscale): there the grid's fundamental is its only harmonic
# below the Nyquist frequency (2u lies at 0.5, 3u folds back onto u), and
# the harmonic sum has that one term. Factors from 0.45 to 0.55 with more
# terms found periodic content and resampling traces of never-compressed
# crops (benchmarks/bench_jpeg_resized.py, seed 0: 3 more false alarms).
_HALF_FACTOR = 0.5
# Factors this close to 1 are the 8x8 path's.
_NEAR_ONE = 0.04
# Fewest pixels along each axis for the search.
_MIN_RESIZED_SIZE = 64
# A resized grid is found when the sum over its first _N_HARMONICS
# harmonics of the robust z (along both axes, the smaller; each capped at
# _Z_CAP) reaches this ...
_Z_RESIZED = 24.0
_N_HARMONICS = 6
# A candidate with a single harmonic below the Nyquist frequency (a period
# near 4 pixels: 2u lies at 0.5, 3u folds back onto u) needs this much on it
# ...
_Z_SINGLE = 12.0
# ... and the plain profile (resampling traces) under this share of it: a
# downscale by 0.8 leaves its resampling trace at 0.25 cycles per pixel
# too, stronger in the plain profile (never-compressed crops resized by 0.8
# that passed for a grid resized by 0.5: 11.5 against 13.9; JPEGs resized
# by 0.5: 0.35 to 0.78 of it, benchmarks/bench_jpeg_resized.py seeds 0-2).
_SINGLE_PLAIN_SHARE = 0.8
# ... and its fundamental alone this many.
_Z_FUNDAMENTAL = 5.0
_N_SUBMULTIPLES = 6
_Z_CAP = 30.0
# ... and a periodicity of the pixels this strong that the grid does not
# explain is a resampling trace: the interpolation of any resize leaves
# one at the distance of 1 / f to the nearest integer (cycles per pixel).
_Z_RESAMPLING = 12.0
# An upsampling leaves a resampling trace at least this strong; a peak this
# strong is not taken for the grid of a downscaled JPEG.
_Z_UPSAMPLING = 25.0
# A candidate below a factor of 1 whose k-th harmonic (k >= 2) lies on a
# periodicity that strong, and this many times stronger than its own
# fundamental, is that periodicity's subharmonic, not a grid: an enlargement
# by 1.6 leaves its trace at 0.375 cycles per pixel, and a weaker peak at
# half of it passed for a grid resized by 0.66 (never-compressed
# photographs: a tuning crop with each of the three kernels, two held-out
# crops with OpenCV's area, one with Pillow's bicubic; 8 to 22 times the
# fundamental's z); the grids of downscaled JPEGs whose harmonic is the
# strongest periodicity stood at most 2.4 times (benchmarks/
# bench_jpeg_resized.py's crops, both splits, factors 0.5-0.9, qualities
# 50, 75 and 90).
_SUBHARMONIC_RATIO = 4.0
# An upscaled JPEG shows its own resampling trace at least this strong.
_Z_OWN_RESAMPLING = 5.0
# A JPEG whose pixels were changed after compression, not resized (a tone
# curve, a gain: its DCT coefficients scaled off the integer lattice that
# the 8x8 test reads), keeps its block edges every 8 pixels: the profiles'
# peaks at 1/8 and 3/8 cycles per pixel (the odd harmonics, which a JPEG
# halved, with its grid of period 4 at 2/8, lacks), z summed as the grid's
# (the smaller axis, each capped at _Z_CAP). Never-compressed crops,
# unresized or resized by 0.5 to 2, reached 4.4 (tuning, 216) and 8.3
# (held-out, 150: a mosaic of textures with a period of 8 of its own);
# JPEGs halved 3-4; JPEGs at quality 50 / 75 / 90 whose values were
# scaled by 0.8 to 1.25 about 128, median 51-57 / 39-47 / 12-18 (tuning).
_Z_BLOCK_GRID = 16.0
# Where it stands, a grid "resized by 0.5" this close (period 4 pixels, at
# 2/8 cycles per pixel) is its second harmonic: the search read the tone-
# changed JPEGs of scikit-image's camera at quality 90 so.
_SAME_HALF = 0.02
# Lowest frequency (cycles per pixel) looked at: the profiles are detrended
# over 33 pixels.
_LOW_FREQUENCY = 0.03
# What the search can see in an image: its luminance, JPEG-compressed at
# this quality (Pillow, libjpeg's table) and resized by each of these
# factors (Pillow's bicubic), searched again. Downscales by 0.7-0.9 are the
# ones the search misses most (benchmarks/bench_jpeg_resized.py); where it
# finds both grids (factor within 5%), a resized JPEG of this content would
# have shown its grid.
_PROBE_QUALITY = 75
_PROBE_FACTORS = (0.7, 0.8)


class _Pass(NamedTuple):
    """One search for the grid: how the axes combine and what must stand.

    ``summed``: the robust z of the two axes summed (divided by sqrt 2)
    where both reach 1, instead of the smaller of the two; ``z_resized``
    and ``z_single``: the sums a candidate of several harmonics and one of
    a single harmonic (period near 4 pixels) must reach (None: not looked
    for); ``plain_share``: see ``_SINGLE_PLAIN_SHARE``.
    """

    summed: bool
    z_resized: Optional[float]
    z_single: Optional[float]
    plain_share: float


# The searches, in order, until one finds a grid. The first weighs the
# smaller z of the two axes (a periodicity of the content along one axis
# does not count). A grid is in both axes, so after it a second search sums
# the two axes' z, a gain of up to sqrt 2 on a grid as strong in both, for a
# period of 4 pixels (a resize by 0.5), at a threshold set on the files the
# JPEG net did not hold out of its training (benchmarks/bench_jpeg_resized.py
# --split tuning, 24 photograph and 12 texture crops of 384 pixels, seeds 0
# and 1): photographs at quality 50 halved found 10% -> 42% and 12% -> 40%,
# at quality 75 1% -> 10% and 3% -> 17%; false alarms on never-compressed
# crops, resized or not, unchanged (5/672 and 6/672 photographs, 0/336
# textures). A third search, downscales by 0.62-0.95 with the axes summed
# and each harmonic capped at 8 (sum >= 28 or 30), found more downscaled
# JPEGs (tuning crops, qualities 50-75 at 0.6-0.9: 43% -> 48-50%, quality
# 90: 11% -> 18-21%) at no cost on the tuning crops, but on the held-out
# whole files it called 3 of 96 never-compressed ones resized JPEGs (a
# mosaic of textures with a period of 8 pixels of its own, unresized and
# resized by 0.8, and an aerial photograph resized by 0.7), against 0
# without it (docs/user_guide/jpeg_evidence.rst): it is not run.
_PASSES = (
    _Pass(False, _Z_RESIZED, _Z_SINGLE, _SINGLE_PLAIN_SHARE),
    _Pass(True, None, 10.0, 0.7),
)
# Where the summed z of the two axes is used, both must reach this.
_Z_AXIS = 1.0


def _ratio_profile(luma, axis):
    """|second difference| / (local mean + 1), averaged over the other axis.

    The local mean is over 9 pixels along ``axis``. Returns the average
    weighted by 1 / (local mean + 1), where the block edges of smooth parts
    show best, the plain average, where the traces of resampling (which
    grow with the texture) show best, and the coordinate (pixel centre) of
    their first sample along ``axis``.
    """
    values = luma if axis == 1 else luma.T
    n_rows = values.shape[0]
    plain = profile = weights = 0.0
    # A strip of rows at a time (the sums are over rows), so that memory
    # holds a strip's temporaries, not the image's.
    for top in range(0, n_rows, _STRIP_ROWS):
        strip = np.asarray(values[top : top + _STRIP_ROWS], dtype=np.float32)
        second = np.abs(strip[:, 2:] - 2 * strip[:, 1:-1] + strip[:, :-2])
        n = second.shape[1]
        local = second[:, : n - 8].copy()
        for shift in range(1, 9):
            local += second[:, shift : n - 8 + shift]
        local *= np.float32(1 / 9)
        local += 1
        # Each ratio weighs 1 / (local mean + 1): the smooth parts, where
        # block edges show, count more than the textured ones, where they hide.
        weight = 1 / local
        ratio = second[:, 4 : n - 4] * weight
        plain = plain + ratio.sum(axis=0, dtype=np.float64)
        ratio *= weight
        # second[:, i] is centred on pixel i + 1; ratio[:, j] on pixel j + 5.
        profile = profile + ratio.sum(axis=0, dtype=np.float64)
        weights = weights + weight.sum(axis=0, dtype=np.float64)
    return profile / weights, plain / n_rows, 5


# Rows per strip of _ratio_profile.
_STRIP_ROWS = 256


def _robust_spectrum(profile, n_fft):
    """Robust z of the magnitude spectrum of a detrended profile.

    Returns (z, detrended profile, its first coordinate offset, magnitude):
    z per frequency bin of ``np.fft.rfftfreq(n_fft)``, against the median
    and scaled MAD of the magnitudes between 0.8 and 1.25 times the
    frequency.
    """
    trend = np.convolve(profile, np.ones(33) / 33, mode="valid")
    detrended = profile[16:-16] - trend
    detrended = detrended - detrended.mean()
    magnitude = np.abs(np.fft.rfft(detrended * np.hanning(len(detrended)), n_fft))
    freqs = np.fft.rfftfreq(n_fft)
    anchors = np.geomspace(_LOW_FREQUENCY * 0.9, 0.5, 40)
    centers, spreads = [], []
    for anchor in anchors:
        band = magnitude[(freqs >= 0.8 * anchor) & (freqs <= 1.25 * anchor)]
        center = np.median(band)
        centers.append(center)
        spreads.append(max(1.4826 * np.median(np.abs(band - center)), 1e-12))
    log_f = np.log(np.maximum(freqs, 1e-6))
    center = np.interp(log_f, np.log(anchors), centers)
    spread = np.interp(log_f, np.log(anchors), spreads)
    z = (magnitude - center) / spread
    z[freqs < _LOW_FREQUENCY] = 0.0
    return z, detrended, 16, magnitude


def _max_filter(values, half):
    from numpy.lib.stride_tricks import sliding_window_view

    padded = np.pad(values, half, mode="edge")
    return sliding_window_view(padded, 2 * half + 1).max(axis=1)


def _alias(frequency):
    """Distance of a frequency (cycles per pixel) to the nearest integer."""
    return np.abs(frequency - np.round(frequency))


def _refine_peak(magnitude, index, half):
    """Frequency of the spectral peak near a bin (parabolic interpolation)."""
    lo, hi = max(index - half, 1), min(index + half + 1, len(magnitude) - 1)
    peak = lo + int(np.argmax(magnitude[lo:hi]))
    if 0 < peak < len(magnitude) - 1:
        a, b, c = np.log(magnitude[peak - 1 : peak + 2] + 1e-12)
        denominator = a - 2 * b + c
        shift = 0.5 * (a - c) / denominator if denominator < 0 else 0.0
        return peak + float(np.clip(shift, -0.5, 0.5))
    return float(peak)


def _search(zs, zs_plain, n_min, freqs, config):
    """One search for a resized grid in the robust z spectra of the axes.

    ``zs`` and ``zs_plain``: the maximum-filtered robust z of the weighted
    and plain profiles of each axis; ``n_min``: the shorter profile's
    length; ``config``: a :class:`_Pass`. Returns (bin of the grid's
    fundamental or None, (explained by the resampling trace, harmonic sum),
    the strongest periodicity's z).
    """
    # Both axes must show the periodicity (a resize keeps the aspect ratio).
    smaller = np.minimum(zs[0], zs[1])
    combined = smaller
    if config.summed:
        combined = np.where(smaller >= _Z_AXIS, (zs[0] + zs[1]) / np.sqrt(2), smaller)
    # The traces of resampling are read from the plain profiles.
    resampling = np.minimum(zs_plain[0], zs_plain[1])
    share_plain = resampling
    if config.summed:
        share_plain = (zs_plain[0] + zs_plain[1]) / np.sqrt(2)
    # A peak spans about 2 bins of the shorter profile each side, widened by
    # the maximum filter: peaks closer than this are one.
    tolerance = 6 / n_min
    bin_width = freqs[1]
    width = int(np.ceil(tolerance / bin_width))

    def z_at(frequency, spectrum=combined):
        frequency = _alias(frequency)
        if frequency < _LOW_FREQUENCY:
            return float("nan")
        return float(spectrum[int(round(frequency / bin_width))])

    def near(a, b):
        return abs(_alias(a - b)) < tolerance or abs(_alias(a + b)) < tolerance

    # The strongest periodicity of all: resampling, the grid, or content.
    usable = freqs >= _LOW_FREQUENCY
    dominant = int(np.argmax(np.where(usable, resampling, -np.inf)))
    dominant_frequency, dominant_z = freqs[dominant], float(resampling[dominant])
    foreign = dominant_z >= _Z_RESAMPLING
    # Harmonic sum of each candidate fundamental u: the grid's profile (thin
    # peaks at the block edges) has its harmonics 2u, 3u, 4u too, often
    # stronger than u. Each term is capped, and terms on the dominant
    # periodicity (but the fundamental) are left out.
    lo, hi = 1 / (8 * _RESIZE_RANGE[1]), 1 / (8 * _RESIZE_RANGE[0])
    # Up to the period of 4 pixels and a little beyond; between hi and it,
    # only the candidates of a single harmonic are kept (below).
    top = 1 / (8 * _HALF_FACTOR) + tolerance
    indices = np.flatnonzero((freqs >= lo) & (freqs <= top))
    u_all = freqs[indices]
    sums = np.zeros(len(indices))
    terms = np.zeros(len(indices), dtype=int)
    seen = []
    for k in range(1, _N_HARMONICS + 1):
        harmonic = _alias(k * u_all)
        values = combined[np.rint(harmonic / bin_width).astype(int)]
        values = np.clip(values, 0.0, _Z_CAP)
        # Each frequency counts once (harmonics fold back below 0.5), and
        # not near 0 or the Nyquist frequency.
        counted = (harmonic >= _LOW_FREQUENCY) & (harmonic <= 0.5 - tolerance)
        for earlier in seen:
            counted &= np.abs(harmonic - earlier) >= tolerance
        seen.append(harmonic)
        terms += counted
        values[~counted] = 0.0
        if foreign and k > 1:
            values[np.abs(harmonic - dominant_frequency) < tolerance] = 0.0
        sums += values
    # A period near 4 pixels (a factor near 0.5) has its fundamental alone
    # below the Nyquist frequency: that one term must reach _Z_SINGLE.
    needed = np.where(
        terms >= 2,
        np.inf if config.z_resized is None else config.z_resized,
        np.inf if config.z_single is None else config.z_single,
    )
    needed[(u_all > hi) & (terms >= 2)] = np.inf
    best, best_key = None, None
    remaining = np.where(sums >= needed, sums, -np.inf)
    for _ in range(16):
        position = int(np.argmax(remaining))
        score = float(remaining[position])
        if not np.isfinite(score):
            break
        remaining[max(position - width, 0) : position + width + 1] = -np.inf
        index = int(indices[position])
        u = freqs[index]
        factor = 1 / (8 * u)
        if abs(factor - 1) < _NEAR_ONE or combined[index] < _Z_FUNDAMENTAL:
            continue
        if terms[position] == 1 and (
            share_plain[index] >= config.plain_share * combined[index]
        ):
            continue  # as strong a resampling trace: a downscale by 0.8?
        own = _alias(8 * u)  # this resize's own resampling trace
        if abs(u - own) < tolerance:
            continue  # factors near 7/8 and 9/8: grid and trace coincide
        explains = own >= _LOW_FREQUENCY and abs(dominant_frequency - own) < tolerance
        if foreign and any(near(u, m * dominant_frequency) for m in range(2, 9)):
            continue  # a harmonic of the dominant periodicity: one family
        if foreign and not explains:
            # The dominant periodicity must be the grid's own (one of its
            # first harmonics, too weak for an upsampling's trace), else
            # the candidate may be a resampling trace or its harmonic.
            harmonics = [
                k
                for k in range(1, _N_HARMONICS + 1)
                if near(dominant_frequency, k * u)
            ]
            if not harmonics:
                continue
            if factor < 1 and dominant_z >= _Z_UPSAMPLING:
                if harmonics[0] == 1:
                    continue  # the dominant peak may be an upsampling's trace
                if dominant_z >= _SUBHARMONIC_RATIO * combined[index]:
                    continue  # ... and the candidate its subharmonic
        if factor > 1 and 0.05 <= own <= 0.48:
            if not z_at(own, resampling) >= _Z_OWN_RESAMPLING:
                continue  # an upscaled JPEG shows its own resampling trace
        key = (explains, score)
        if best_key is None or key > best_key:
            best, best_key = index, key
    if best is not None:
        # A grid's harmonics can outweigh its fundamental: the frequency
        # found may be the k-th harmonic of the grid's, folded back below
        # 0.5 (k u = m +- found). The candidate fundamental whose own
        # harmonics (those not at the frequency found) stand out most, by
        # half the threshold or more, is taken; above a factor of 1 it must
        # show its own resampling trace too.
        found = freqs[best]
        chosen, chosen_extra = None, 0.5 * (config.z_resized or np.inf)
        for k in range(2, _N_SUBMULTIPLES + 1):
            folded = {(m + sign * found) / k for m in range(k + 1) for sign in (1, -1)}
            for v in sorted(folded):
                factor = 1 / (8 * v) if v > 0 else np.inf
                if not lo <= v < found - tolerance or abs(factor - 1) < _NEAR_ONE:
                    continue
                if near(v, _alias(8 * v)) or not z_at(v) >= _Z_FUNDAMENTAL:
                    continue
                own = _alias(8 * v)
                if factor > 1 and 0.05 <= own <= 0.48 and not (
                    z_at(own, resampling) >= _Z_OWN_RESAMPLING
                ):
                    continue
                extra, counted = 0.0, []
                for j in range(1, _N_HARMONICS + 1):
                    harmonic = _alias(j * v)
                    if (
                        not _LOW_FREQUENCY <= harmonic <= 0.5 - tolerance
                        or any(abs(harmonic - c) < tolerance for c in counted)
                        or near(harmonic, found)
                    ):
                        continue
                    counted.append(harmonic)
                    extra += min(max(z_at(harmonic), 0.0), _Z_CAP)
                if extra >= chosen_extra:
                    chosen, chosen_extra = v, extra
        if chosen is not None:
            best = int(np.rint(chosen / bin_width))
            best_key = (best_key[0], best_key[1] + chosen_extra)
    return best, best_key, dominant_z


def _block_grid_z(zs, freqs):
    """The z of an unresized 8-pixel block grid: its odd harmonics, 1/8 and
    3/8 cycles per pixel, each the smaller of the two axes' and capped."""
    smaller = np.minimum(zs[0], zs[1])
    at = [smaller[int(round(f / freqs[1]))] for f in (1 / 8, 3 / 8)]
    return float(sum(np.clip(z, 0.0, _Z_CAP) for z in at))


def _resized_grid(luma):
    """Look for a JPEG block grid resized by a factor of 0.55 to 2.2.

    Returns a Bunch: ``resized_grid`` (``"found"``, ``"not found"`` or
    ``"unknown"``), ``resize_factor``, ``grid_period``, ``grid_offset``
    (dy, dx), ``resized_z`` and ``resampling_z``; see :func:`jpeg_evidence`.
    """
    result = Bunch(
        resized_grid="unknown",
        resize_factor=None,
        grid_period=None,
        grid_offset=None,
        resized_z=float("nan"),
        resampling_z=float("nan"),
        block_grid_z=float("nan"),
    )
    height, width = luma.shape
    if min(height, width) < _MIN_RESIZED_SIZE:
        return result
    n_max = max(height, width)
    n_fft = max(4096, 1 << int(np.ceil(np.log2(8 * n_max))))
    freqs = np.fft.rfftfreq(n_fft)
    zs, zs_plain, details = [], [], []
    for axis in (0, 1):
        profile, plain, origin = _ratio_profile(luma, axis)
        z, detrended, offset, magnitude = _robust_spectrum(profile, n_fft)
        half = max(2, int(round(1.5 * n_fft / len(detrended))))
        zs.append(_max_filter(z, half))
        zs_plain.append(_max_filter(_robust_spectrum(plain, n_fft)[0], half))
        details.append((detrended, origin + offset, magnitude, half))
    n_min = min(len(d[0]) for d in details)
    result.resized_grid = "not found"
    result.block_grid_z = _block_grid_z(zs, freqs)
    for config in _PASSES:
        best, best_key, result.resampling_z = _search(
            zs, zs_plain, n_min, freqs, config
        )
        if best is not None:
            break
    if best is not None and block_grid(result):
        if abs(1 / (8 * freqs[best]) - _HALF_FACTOR) < _SAME_HALF:
            best = None  # the unresized grid's harmonic 2/8, not a grid halved
    if best is None:
        return result
    periods, offsets = [], []
    for detrended, origin, magnitude, half in details:
        peak = _refine_peak(magnitude, int(best), half)
        frequency = peak / n_fft
        period = 1 / frequency
        coordinates = origin + np.arange(len(detrended))
        phase = np.angle(
            np.sum(detrended * np.exp(-2j * np.pi * frequency * coordinates))
        )
        # Profile peaks at block edges: pixel centre x0, edge at x0 + 0.5.
        offsets.append(float((-phase / (2 * np.pi * frequency) + 0.5) % period))
        periods.append(period)
    period = float(np.mean(periods))
    result.update(
        resized_grid="found",
        resize_factor=period / 8,
        grid_period=period,
        grid_offset=(offsets[0], offsets[1]),
        resized_z=float(best_key[1]),
    )
    return result


def _resized_visible(luma):
    """Whether the search would find a resized JPEG's grid in these pixels.

    The luminance is compressed at quality 75 and resized by 0.7 and by 0.8
    (see ``_PROBE_FACTORS``); True when the search finds the grid of both
    (factor within 5%): the content lets a resized grid show.
    """
    from PIL import Image

    buffer = io.BytesIO()
    # 8-bit a strip at a time: no float copy of the image (8 bytes a pixel).
    gray = np.empty(luma.shape, dtype=np.uint8)
    for top in range(0, len(gray), _STRIP_ROWS):
        part = luma[top : top + _STRIP_ROWS]
        gray[top : top + _STRIP_ROWS] = np.clip(part, 0, 255).astype(np.uint8)
    gray = Image.fromarray(gray, mode="L")
    gray.save(buffer, format="JPEG", quality=_PROBE_QUALITY)
    del gray
    with Image.open(buffer) as jpeg:
        jpeg.load()
        width, height = jpeg.size
        for factor in _PROBE_FACTORS:
            size = (round(width * factor), round(height * factor))
            resized = jpeg.resize(size, Image.BICUBIC)
            # 8-bit: the search reads float strips of it.
            found = _resized_grid(np.asarray(resized))
            if found.resized_grid != "found" or (
                abs(found.resize_factor / factor - 1) > 0.05
            ):
                return False
    return True


def block_grid(evidence):
    """Whether an unresized 8-pixel block grid stands without a lattice."""
    return bool(evidence.get("block_grid_z", float("nan")) >= _Z_BLOCK_GRID)


def _add_resized(evidence, luma):
    """The evidence without an 8x8 lattice, with the search for a resized grid.

    A resized grid found is a candidate, not a proof: periodic content and
    the traces of resampling can stand where a resized grid would (see
    :func:`jpeg_evidence`'s Notes). A "never compressed" evidence becomes
    "unknown" then; the verdict never becomes "compressed" on it alone.
    """
    found = _resized_grid(luma)
    # Only a failed search after a lattice ruled out needs to know what it
    # could have seen (elsewhere no answer of it changes the verdicts).
    found.resized_visible = None
    if found.resized_grid == "not found" and block_grid(found):
        evidence.update(found)
        if evidence.verdict == "never compressed":
            evidence.verdict = "unknown"
        evidence.reason += (
            " Yet block edges repeat every 8 pixels, at the image's size "
            f"(harmonic z {found.block_grid_z:.0f} at 1/8 and 3/8 cycles per "
            "pixel, both axes): a JPEG whose pixels were changed after "
            "compression (a tone curve or gain, a colour change, a filter), "
            "or content periodic at 8 pixels."
        )
        return evidence
    if found.resized_grid == "not found" and evidence.verdict == "never compressed":
        found.resized_visible = _resized_visible(luma)
    evidence.update(found)
    if found.resized_grid == "found":
        if evidence.verdict == "never compressed":
            evidence.verdict = "unknown"
        evidence.reason += (
            f" A periodic pattern of period {found.grid_period:.2f} pixels "
            f"(harmonic z {found.resized_z:.0f}, both axes) fits a JPEG block "
            f"grid resized by about {found.resize_factor:.2f} after "
            "compression, or a periodic content or resampling trace: it cannot "
            "tell which."
        )
    elif found.resized_grid == "not found":
        if found.resampling_z >= _Z_RESAMPLING:
            evidence.reason += (
                " The pixels carry a periodic trace of resampling (robust z "
                f"{found.resampling_z:.0f}) but no resized block grid: resized "
                "after compression, a JPEG can leave none."
            )
        else:
            low, high = _RESIZE_RANGE
            evidence.reason += (
                f" No resized block grid either (factors {_HALF_FACTOR:g} and "
                f"{low:g}-{high:g})."
            )
        if found.resized_visible is not None:
            evidence.reason += (
                " A JPEG of this content resized by 0.7 and by 0.8 would show "
                "its grid here."
                if found.resized_visible
                else " The content could hide the grid of a JPEG resized by 0.7 "
                "or 0.8."
            )
    return evidence
