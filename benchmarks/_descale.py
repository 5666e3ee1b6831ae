"""The descale features of ``bench_fake4k_features.py`` (issue 23's bake-off).

Descale and compare itself is :func:`skforensics.feature.descale_curve`;
this helper reads the ten numbers the bake-off's classifiers were trained
on from its curve. A benchmark helper, not part of the package.
"""

import numpy as np

from skforensics.feature import descale_curve
from skforensics.feature._descale import DEFAULT_FACTORS as FACTORS
from skforensics.feature._descale import DEFAULT_KERNELS, KERNELS

__all__ = ["KERNELS", "FACTORS", "DESCALE_FEATURES", "descale_features"]

DESCALE_FEATURES = (
    "descale_dip_max", "descale_dip_second", "descale_dip_kernel_spread",
    "descale_floor", "descale_median", "descale_dip_at_125", "descale_dip_at_15",
    "descale_dip_at_2", "descale_dip_at_24", "descale_dip_at_3",
)


def descale_features(image, *, kernels=DEFAULT_KERNELS):
    """Ten numbers from the descale curve, and the factor of the deepest dip.

    Returns
    -------
    features : ndarray of shape (10,)
        ``DESCALE_FEATURES``: the deepest dip over kernels and factors, the
        deepest dip at a factor at least 0.1 away from it (the background of
        false dips), the spread of the deepest dip's depth over the kernels,
        the curve's minimum and median, and the deepest dip (over kernels)
        at x1.25, x1.5, x2, x2.4 and x3.
    factor : float
        The factor of the deepest dip.
    curve : ndarray of shape (n_kernels, n_factors)
    """
    result = descale_curve(image, kernels=kernels)
    curve, depth = result.curve, result.depth
    best = depth.max(axis=0)
    i = int(np.argmax(best))
    far = np.abs(FACTORS - FACTORS[i]) >= 0.1
    at = [best[np.argmin(np.abs(FACTORS - f))] for f in (1.25, 1.5, 2.0, 2.4, 3.0)]
    features = np.array([
        best[i], best[far].max(), best[i] - depth[:, i].min(),
        curve.min(), np.median(curve), *at,
    ])
    return features, float(FACTORS[i]), curve
