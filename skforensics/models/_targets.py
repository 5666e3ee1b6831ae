"""Per-image targets: the checks and encodings every image estimator shares."""

import numpy as np

from ..utils._validation import check_one_per_image

__all__ = [
    "MostProbableClassMixin",
    "check_masks",
    "check_targets",
    "encode_class_labels",
    "standardise_scores",
]


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
    y = check_one_per_image(y, name, "target")
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


class MostProbableClassMixin:
    """``predict`` of a classifier: the most probable class of each input.

    The decoding of :func:`encode_class_labels`, written once for every
    classifier of the package that has ``predict_proba`` and ``classes_``.
    """

    def predict(self, X):
        """Class label of each image.

        Parameters
        ----------
        X : ndarray, list of ndarray or LazyImages
            What :meth:`predict_proba` takes: images, or hyper-images of
            shape ``(n_images, U, V, D)`` for the second-stage nets.

        Returns
        -------
        y_pred : ndarray of shape (n_images,)
            The most probable class of each image, one of :attr:`classes_`.
        """
        proba = self.predict_proba(X)  # first: it checks that self is fitted
        return self.classes_[proba.argmax(axis=1)]


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


def check_masks(masks, shapes, owner, *, binary):
    """One map per image, of the image's height and width, as a list.

    Parameters
    ----------
    masks : ndarray of shape (n_images, H, W) or sequence of ndarray
        The per-image maps given to ``fit``.
    shapes : list of tuple of (int, int)
        ``(height, width)`` of each image.
    owner : str
        The estimator, for the messages.
    binary : bool
        True for classifiers: each map must be boolean, or hold only 0 and
        1, and is returned as bool. False for regressors: finite numbers,
        returned as float32.

    Returns
    -------
    masks : list of ndarray of shape (H_i, W_i)
        The maps; arrays already of the right dtype are not copied.
    """
    if isinstance(masks, np.ndarray) and masks.dtype != object:
        if masks.ndim != 3:
            raise ValueError(
                f"masks must be one 2-D map per image, of shape (n_images, height, "
                f"width) or a list of (height, width) arrays; got an array of "
                f"shape {masks.shape}."
            )
    elif not hasattr(masks, "__len__") or isinstance(masks, (str, bytes)):
        raise TypeError(
            f"masks must be an array of shape (n_images, height, width) or a list "
            f"of 2-D arrays, one per image; got {type(masks).__name__}."
        )
    if len(masks) != len(shapes):
        raise ValueError(
            f"masks has {len(masks)} maps but X has {len(shapes)} images; pass one "
            "map per image (all zeros for an image without a region)."
        )
    checked = []
    for i, (mask, shape) in enumerate(zip(masks, shapes)):
        mask = np.asarray(mask)
        if mask.ndim == 3 and mask.shape[2] == 1:
            mask = mask[:, :, 0]
        if mask.shape != tuple(shape):
            raise ValueError(
                f"Map {i} of masks has shape {mask.shape}, but image {i} is "
                f"{tuple(shape)}; each map must have its image's height and width."
            )
        if mask.dtype.kind not in "biuf":
            raise TypeError(
                f"masks must hold numbers or booleans; map {i} has dtype "
                f"{mask.dtype}."
            )
        if binary:
            if mask.dtype != bool:
                if not np.isin(mask, (0, 1)).all():
                    raise ValueError(
                        f"{owner} takes boolean masks (True where the region of "
                        f"the image's label is); map {i} holds values other than "
                        "0 and 1."
                    )
                mask = mask.astype(bool)
        else:
            if not np.isfinite(mask).all():
                raise ValueError(
                    f"Map {i} of masks contains NaN or infinity; {owner} learns "
                    "the mean of the map over each patch."
                )
            mask = mask.astype(np.float32, copy=False)
        checked.append(mask)
    return checked
