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


def _median(values):
    """``np.median(values, axis=0)``; for a large 1-D float32 array (a map's
    pixels), the same value found without the sorted copy np.median makes."""
    if values.ndim != 1 or values.dtype != np.float32 or values.size < _LARGE:
        return np.median(values, axis=0)
    return _select_median(values)


# Pixels from which a map's median is found by counting (below: np.median).
_LARGE = 1 << 22
_CHUNK = 1 << 20


def _keys(values):
    """float32 values as uint32 keys in the same order (sign-magnitude flipped)."""
    bits = values.view(np.uint32)
    return np.where(bits >> 31, ~bits, bits | np.uint32(1 << 31))


def _select_median(values):
    """The median of a 1-D float32 array by two passes of counting: the
    high 16 bits of each key, then the low 16 bits within the bucket of
    each middle element. Exact: the middle elements are found, and their
    mean taken as np.median takes it. NaN anywhere gives np.median's NaN."""
    chunks = range(0, values.size, _CHUNK)
    if any(np.isnan(values[i : i + _CHUNK]).any() for i in chunks):
        return np.median(values)
    high = np.zeros(1 << 16, dtype=np.int64)
    for i in chunks:
        high += np.bincount(_keys(values[i : i + _CHUNK]) >> 16, minlength=1 << 16)
    cumulative = np.cumsum(high)
    middle = []
    for k in sorted({(values.size - 1) // 2, values.size // 2}):
        bucket = int(np.searchsorted(cumulative, k, side="right"))
        rank = k - (int(cumulative[bucket - 1]) if bucket else 0)
        low = np.zeros(1 << 16, dtype=np.int64)
        for i in chunks:
            keys = _keys(values[i : i + _CHUNK])
            low += np.bincount(
                keys[keys >> 16 == bucket] & 0xFFFF, minlength=1 << 16
            )
        key = np.uint32((bucket << 16) | int(np.searchsorted(np.cumsum(low), rank,
                                                              side="right")))
        bits = key & np.uint32(0x7FFFFFFF) if key >> 31 else ~key
        middle.append(np.array([bits], dtype=np.uint32).view(np.float32)[0])
    if len(middle) == 1:
        middle *= 2
    return np.mean(np.array(middle, dtype=np.float32))


# name -> function of an array of values along axis 0 (patches or pixels).
# The mean accumulates in float64, so that a 10-megapixel map pools as
# exactly as a 9-patch grid.
POOLINGS = {
    "mean": lambda values: np.mean(values, axis=0, dtype=np.float64),
    "median": _median,
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
