"""Pooling of the pixelwise JPEG maps and the calibration of the pooled quality.

:class:`~skforensics.models.PixelwiseJPEGRegressor` pools each map into one
number per image (``pooling``), and :meth:`calibrate_quality
<skforensics.models.PixelwiseJPEGRegressor.calibrate_quality>` fits, per
pooling, an increasing piecewise-linear map from the pooled quality to the
true one, which :meth:`predict <skforensics.models.PixelwiseJPEGRegressor.predict>`
applies. The maths of both lives here, apart from the estimator.
"""

import numpy as np

from ._pooling import pool

__all__ = []

# The ways ``pooling`` turns a map into one image-level number, from the
# package's one registry of poolings.
_POOLINGS = {
    name: (lambda m, name=name: float(pool(np.ravel(m), name)))
    for name in ("median", "mean")
}


def _band_corrections(pooled, truth, width=20.0):
    """Knots ``(pooled, corrected)`` of the correction of calibrate_quality.

    The pooled values are cut into bands ``width`` wide; the correction at
    the median pooled value of a band is the median of ``truth - pooled``
    over its images (medians, so that an image read far off does not move
    it), interpolated linearly in between and held beyond the outer bands.

    Parameters
    ----------
    pooled : ndarray of shape (n_samples,)
        Pooled quality maps, in [0, 100].
    truth : ndarray of shape (n_samples,)
        The true qualities (100 for never compressed).
    width : float, default=20.0
        Width of the bands.

    Returns
    -------
    knots : ndarray of shape (n_knots,)
        Increasing pooled values, from 0 to 100.
    corrected : ndarray of shape (n_knots,)
        Non-decreasing corrected qualities at the knots, in [0, 100].
    """
    centres, corrections = [], []
    for low in np.arange(0.0, 100.0, width):
        # The last band takes the pooled values of exactly 100 too.
        upper = pooled <= low + width if low + width >= 100.0 else pooled < low + width
        band = (pooled >= low) & upper
        if band.any():
            centres.append(np.median(pooled[band]))
            corrections.append(np.median(truth[band] - pooled[band]))
    centres, corrections = np.asarray(centres), np.asarray(corrections)
    # Knots at 0 and 100 too, so that np.interp covers the whole range;
    # kept increasing, so that a higher pooled value never reads lower.
    knots = np.concatenate([[0.0], centres, [100.0]])
    corrected = np.clip(knots + np.interp(knots, centres, corrections), 0.0, 100.0)
    keep = np.concatenate([[True], np.diff(knots) > 0])
    return knots[keep], np.maximum.accumulate(corrected[keep])


def _fit_calibration(pooled, truth):
    """The calibration of every pooling: ``{pooling: (knots, corrected)}``.

    Parameters
    ----------
    pooled : dict of str to sequence of float
        Per pooling of ``_POOLINGS``, the pooled quality map of each sample.
    truth : sequence of float
        The true quality of each sample.
    """
    truth = np.asarray(truth, dtype=np.float64)
    return {
        name: _band_corrections(np.asarray(values, dtype=np.float64), truth)
        for name, values in pooled.items()
    }


def _pool_maps(quality_map, flag_map, pooling, calibration=None):
    """Image quality factor and P(ever compressed) from one image's maps.

    Both maps pooled as ``pooling`` says, the quality then through the
    calibration of that pooling, if ``calibration`` has one.
    """
    pool = _POOLINGS[pooling]
    quality = pool(quality_map)
    if calibration and pooling in calibration:
        quality = float(np.interp(quality, *calibration[pooling]))
    return quality, pool(flag_map)
