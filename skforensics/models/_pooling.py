"""The one registry of poolings: how many per-patch or per-pixel values
become one per image.

Every estimator that pools reads its ``pooling`` parameter here: the patch
classifier (its probabilities, plus its own ``"vote"``), the patch regressor
(its scores; ``"vote"`` is the median, the vote of a regression) and the
pixelwise JPEG estimator (its maps, ``"median"`` and ``"mean"``).
"""

import numpy as np

__all__ = ["POOLINGS", "pool"]


def _minmax(values):
    return (values.max(axis=0) + values.min(axis=0)) / 2


# name -> function of an array of values along axis 0 (patches or pixels).
# The mean accumulates in float64, so that a 10-megapixel map pools as
# exactly as a 9-patch grid.
POOLINGS = {
    "mean": lambda values: np.mean(values, axis=0, dtype=np.float64),
    "median": lambda values: np.median(values, axis=0),
    "max": lambda values: values.max(axis=0),
    "minmax": _minmax,
}


def pool(values, pooling):
    """Pool ``values`` along axis 0 as ``pooling`` (a key of :data:`POOLINGS`).

    Parameters
    ----------
    values : ndarray of shape (n_values, ...)
        Per-patch or per-pixel values.
    pooling : {"mean", "median", "max", "minmax"}
        The pooling, checked by the estimator's parameter constraints.

    Returns
    -------
    pooled : ndarray of shape values.shape[1:] (a scalar for 1-D values)
    """
    return POOLINGS[pooling](np.asarray(values))
