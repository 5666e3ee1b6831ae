"""Per-image targets: the checks and encodings every image estimator shares."""

import numpy as np

__all__ = ["check_targets", "encode_class_labels", "standardise_scores"]


def check_targets(y, n_images, owner, *, name="y", none_hint=""):
    """One finite target per image, as a 1-D array.

    Parameters
    ----------
    y : array-like of shape (n_images,) or (n_images, 1), or None
        The targets.
    n_images : int
        The number of images of X.
    owner : str
        The estimator, for the messages.
    name : str, default="y"
        The argument's name, for the messages.
    none_hint : str, default=""
        Appended to the message when y is None.

    Returns
    -------
    y : ndarray of shape (n_images,)
    """
    if y is None:
        raise ValueError(
            f"{owner} requires {name} to be passed, but the target {name} is "
            f"None.{none_hint}"
        )
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(
            f"{name} must have shape (n_images,), one target per image; got shape "
            f"{y.shape}."
        )
    if len(y) != n_images:
        raise ValueError(
            f"{name} has {len(y)} entries but X has {n_images} images; pass one "
            "target per image (patches are sampled internally)."
        )
    if y.dtype.kind in "fc" and not np.isfinite(y).all():
        raise ValueError(
            f"{name} contains NaN or infinity; drop those images or fill in their "
            "targets."
        )
    if y.dtype.kind == "O" and any(
        v is None or (isinstance(v, float) and not np.isfinite(v)) for v in y
    ):
        raise ValueError(f"{name} contains NaN or None; drop those images first.")
    return y


def encode_class_labels(y, owner):
    """``(classes, y_encoded)`` of checked labels, refusing scores and one class."""
    if y.dtype.kind == "f" and np.any(y != np.round(y)):
        raise ValueError(
            f"Unknown label type: y holds continuous values; {owner} needs class "
            f"labels (use {owner.replace('Classifier', 'Regressor')} for scores)."
        )
    classes, y_encoded = np.unique(y, return_inverse=True)
    if len(classes) < 2:
        raise ValueError(
            f"{owner} needs images of at least 2 classes in y; got only class "
            f"{classes[0].tolist()!r}."
        )
    return classes, y_encoded.astype(np.int64)


def standardise_scores(y, owner):
    """``(y_standardised, mean, scale)`` of checked numeric targets, float32.

    A net learns standardised scores, so that its output starts on the right
    scale whatever the range of y (MOS 1-5, DMOS 0-100, ...); predictions
    are mapped back with ``mean`` and ``scale`` (1 for constant targets).
    """
    try:
        y = y.astype(np.float32)
    except (TypeError, ValueError):
        raise ValueError(
            f"{owner} needs numeric targets; got y of dtype {y.dtype}."
        ) from None
    if not np.isfinite(y).all():
        raise ValueError(
            "y contains NaN or infinity; drop those images or fill in their targets."
        )
    mean = float(y.mean())
    scale = float(y.std()) or 1.0
    return ((y - mean) / scale).astype(np.float32), mean, scale
