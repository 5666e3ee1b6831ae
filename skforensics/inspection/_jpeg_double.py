"""Signs of an earlier JPEG compression under the last one.

Part of :func:`skforensics.inspection.jpeg_evidence`.
"""

import numpy as np
from sklearn.utils import Bunch

from ._jpeg_blocks import _LIBJPEG_LUMA, _blocks_at

# Double compression: the AC frequencies (natural-order indices) of the first
# zigzag positions, where most nonzero coefficients are.
_ZIGZAG_LOW = (1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4)
_PRIMARY_QUALITIES = np.arange(20, 101)
_HIST_BINS = 16
_MAX_VALUES = 4000
# The last quality up to which an earlier, finer compression found is not
# trusted (see _trusted_double).
_BLOCKY = 20


def _histogram(k):
    """Normalised histogram of |k| in 1.._HIST_BINS."""
    k = np.minimum(np.abs(k), _HIST_BINS + 1).astype(np.intp)
    counts = np.bincount(k, minlength=_HIST_BINS + 2)[1:-1].astype(np.float64)
    return counts / max(counts.sum(), 1.0)


def _double_jpeg_evidence(coefs, steps, *, luma, clipped, phase, threshold=1.5):
    """Signs that a compressed image was compressed once before.

    A coefficient quantised with a step q1, then dequantised and quantised
    again with q2, has a histogram (in units of q2) with periodic gaps
    (q1 > q2) or peaks (q1 < q2) that a single quantisation does not give.
    Following Lukas and Fridrich (2003), the image shifted by 4 pixels off
    its grid gives an estimate of the coefficients before any compression;
    they are quantised once with the steps read, and twice with libjpeg's
    steps at each candidate primary quality (20-100) then the steps read,
    and each simulated histogram is compared with the observed one on the
    low-frequency AC coefficients.

    Parameters
    ----------
    coefs : ndarray of shape (n_blocks, 8, 8)
        DCT coefficients of the usable blocks at the grid phase.
    steps : ndarray of shape (8, 8)
        The last compression's luminance steps read from them (NaN where
        unknown).
    luma : ndarray of shape (height, width)
        The rounded luminance.
    clipped : ndarray of shape (height, width)
        Pixels clipped in any channel.
    phase : tuple of (int, int)
        The grid phase (dy, dx).
    threshold : float, default=1.5
        How many times better the best double compression must fit than a
        single one to be reported.

    Returns
    -------
    evidence : :class:`~sklearn.utils.Bunch`
        ``double_compression``: ``"detected"``, ``"not detected"`` (no
        sign of an earlier compression, which does not rule one out: an
        earlier compression at a higher quality than the last, or at the
        same table, leaves almost none) or ``"unknown"`` (too few nonzero
        low-frequency coefficients); ``primary_quality``: the libjpeg
        quality of the earlier compression when detected, else None;
        ``double_score``: the single-compression misfit divided by the best
        double-compression misfit (1 when no candidate fits better).

    References
    ----------
    J. Lukas and J. Fridrich, "Estimation of primary quantization matrix in
    double compressed JPEG images", Digital Forensic Research Workshop, 2003.

    See :func:`~skforensics.inspection.jpeg_evidence`'s Examples for a
    detected double compression.
    """
    result = Bunch(
        double_compression="unknown", primary_quality=None, double_score=float("nan")
    )
    dy, dx = (phase[0] + 4) % 8, (phase[1] + 4) % 8
    # Only the coefficients compared below: not a second array of all 64.
    calibrated = _blocks_at(luma, clipped, (dy, dx), coefficients=_ZIGZAG_LOW)
    column = {index: i for i, index in enumerate(_ZIGZAG_LOW)}
    observed = coefs.reshape(len(coefs), 64)
    flat_steps = steps.ravel()
    rng = np.random.default_rng(0)
    used, obs_hists, cal_values, q2s, weights = [], [], [], [], []
    for index in _ZIGZAG_LOW:
        q2 = flat_steps[index]
        if not np.isfinite(q2):
            continue
        k_obs = np.round(observed[:, index] / q2)
        n_nonzero = np.count_nonzero(k_obs)
        # A histogram of 0s and 1s (the coarsest steps) shows no period.
        if n_nonzero < 50 or np.sum(np.abs(k_obs) >= 2) < 30:
            continue
        values = calibrated[:, column[index]]
        if len(values) > _MAX_VALUES:
            values = values[rng.choice(len(values), _MAX_VALUES, replace=False)]
        used.append(index)
        obs_hists.append(_histogram(k_obs))
        # The rounding of the pixels between the two compressions.
        cal_values.append(values + rng.normal(0.0, 0.3, size=len(values)))
        q2s.append(q2)
        weights.append(np.sqrt(n_nonzero))
    if len(used) < 3:
        return result
    weights = np.asarray(weights) / np.sum(weights)

    def misfit(q1s):
        total = 0.0
        for obs, values, q2, q1, w in zip(obs_hists, cal_values, q2s, q1s, weights):
            first = values if q1 is None else q1 * np.round(values / q1)
            total += w * np.abs(_histogram(np.round(first / q2)) - obs).sum()
        return total

    single = misfit([None] * len(used))
    best_quality, best = None, np.inf
    for quality in _PRIMARY_QUALITIES:
        q1s = _LIBJPEG_LUMA[quality - 1].ravel()[used].astype(np.float64)
        if np.array_equal(q1s, np.asarray(q2s)):
            continue  # the same steps: a single compression
        value = misfit(list(q1s))
        if value < best:
            best_quality, best = int(quality), value
    score = float(single / max(best, 1e-9))
    result.double_score = score
    if score >= threshold:
        result.double_compression = "detected"
        result.primary_quality = best_quality
    else:
        result.double_compression = "not detected"
    return result


def _trusted_double(found, quality, like, primary):
    """The double compression said: :func:`_double_jpeg_evidence`'s answer
    ``found`` as far as it can be trusted beside the last compression's
    table quality, whether its steps are libjpeg's (``like``), and the
    earlier table's quality that the steps read show (``primary``, from
    ``_table_quality``, or None)."""
    if found.double_compression == "detected" and (
        not like or (quality <= _BLOCKY and found.primary_quality > quality)
    ):
        # The simulation assumes libjpeg's tables: with a foreign last table
        # its fit is not to be trusted (false alarms on flat ones). Nor is an
        # earlier compression finer than a last one so coarse: single JPEGs
        # at quality 8 to 20 (McMaster and USC-SIPI aerials, scikit-image's
        # page and hubble_deep_field) "read" one at 37 to 73, the calibration
        # failing on so blocky an image (quality 70, then 60, is read).
        found.update(double_compression="unknown", primary_quality=None)
    if primary is not None and found.double_compression != "detected":
        # The steps read are two libjpeg tables' at once: the earlier,
        # coarser one survives where the later one divides it.
        found.update(double_compression="detected", primary_quality=primary)
    return found
