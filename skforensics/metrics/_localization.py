"""How well a per-pixel map finds a manipulated region (IoU, AUROC)."""

import numpy as np
from sklearn.metrics import roc_auc_score

__all__ = ["mask_auroc", "mask_iou"]


def _check_pairs(masks, maps, func_name):
    """Pair up masks and maps: lists of (bool (H, W), float64 (H, W)) arrays."""

    def as_list(collection, name):
        if isinstance(collection, np.ndarray):
            if collection.ndim == 2:
                return [collection]
            if collection.ndim == 3:
                return list(collection)
            raise ValueError(
                f"{name} must be one (H, W) map or a collection of them; got an "
                f"array of shape {collection.shape}."
            )
        return [np.asarray(item) for item in collection]

    masks, maps = as_list(masks, "masks"), as_list(maps, "maps")
    if len(masks) != len(maps):
        raise ValueError(
            f"{func_name} got {len(masks)} masks but {len(maps)} maps."
        )
    if not masks:
        raise ValueError(f"{func_name} needs at least one mask and map.")
    pairs = []
    for i, (mask, score) in enumerate(zip(masks, maps)):
        mask, score = np.asarray(mask), np.asarray(score)
        if mask.ndim != 2 or mask.shape != score.shape:
            raise ValueError(
                f"Mask {i} has shape {mask.shape} and map {i} has shape "
                f"{score.shape}; both must be the same (H, W)."
            )
        if mask.dtype != bool:
            if not np.isin(mask, (0, 1)).all():
                raise ValueError(
                    f"Mask {i} must be boolean or hold only 0 and 1."
                )
            mask = mask.astype(bool)
        if score.dtype == object or not np.issubdtype(score.dtype, np.number):
            raise TypeError(f"Map {i} must hold numbers; got dtype {score.dtype}.")
        score = score.astype(np.float64)
        if not np.isfinite(score).all():
            raise ValueError(f"Map {i} contains NaN or infinity.")
        pairs.append((mask, score))
    return pairs


def mask_iou(masks, maps, *, threshold=0.5):
    """Mean intersection over union of thresholded maps with the true masks.

    Each map is binarised as ``map > threshold`` and compared with its mask;
    an image whose mask and binarised map are both empty scores 1.

    Parameters
    ----------
    masks : array-like of shape (H, W), (n_images, H, W) or list of (H, W)
        True regions (boolean or 0/1), e.g. from
        :func:`~skforensics.datasets.make_collages`.
    maps : same form as ``masks``
        Per-pixel scores, e.g. the flag maps of
        :meth:`~skforensics.models.PixelwiseJPEGRegressor.predict_maps`.
    threshold : float, default=0.5
        Pixels scoring above it are called manipulated.

    Returns
    -------
    iou : float
        IoU averaged over the images, in [0, 1].

    See Also
    --------
    mask_auroc : The threshold-free counterpart.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.metrics import mask_iou
    >>> mask = np.zeros((4, 4), bool); mask[:2] = True
    >>> score = np.zeros((4, 4)); score[:3] = 0.9
    >>> mask_iou(mask, score)
    0.6666666666666666
    """
    ious = []
    for mask, score in _check_pairs(masks, maps, "mask_iou"):
        found = score > threshold
        union = np.logical_or(found, mask).sum()
        ious.append(np.logical_and(found, mask).sum() / union if union else 1.0)
    return float(np.mean(ious))


def mask_auroc(masks, maps, *, max_pixels=50_000, random_state=0):
    """Mean per-image area under the ROC curve of maps against true masks.

    For each image, the pixels are the samples, the mask their class and the
    map their score: 1 means every manipulated pixel scores above every
    untouched one, 0.5 is chance. Threshold-free, unlike :func:`mask_iou`.

    Parameters
    ----------
    masks : array-like of shape (H, W), (n_images, H, W) or list of (H, W)
        True regions (boolean or 0/1). Each must hold both classes.
    maps : same form as ``masks``
        Per-pixel scores.
    max_pixels : int or None, default=50_000
        Pixels per image drawn at random (without replacement) to bound the
        cost on large images; None uses them all.
    random_state : int, RandomState instance or None, default=0
        Seeds the draw of the pixels.

    Returns
    -------
    auroc : float
        AUROC averaged over the images, in [0, 1].

    Raises
    ------
    ValueError
        If a mask is all one class, where the AUROC is undefined.

    See Also
    --------
    mask_iou : Overlap of the thresholded map with the mask.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.metrics import mask_auroc
    >>> mask = np.zeros((4, 4), bool); mask[:2] = True
    >>> score = np.linspace(1, 0, 16).reshape(4, 4)
    >>> mask_auroc(mask, score)
    1.0
    """
    from sklearn.utils import check_random_state

    rng = check_random_state(random_state)
    aurocs = []
    for i, (mask, score) in enumerate(_check_pairs(masks, maps, "mask_auroc")):
        if mask.all() or not mask.any():
            raise ValueError(
                f"Mask {i} is all one class; the AUROC needs manipulated and "
                "untouched pixels."
            )
        mask, score = mask.ravel(), score.ravel()
        if max_pixels is not None and mask.size > max_pixels:
            index = rng.choice(mask.size, size=max_pixels, replace=False)
            mask, score = mask[index], score[index]
        aurocs.append(roc_auc_score(mask, score))
    return float(np.mean(aurocs))
