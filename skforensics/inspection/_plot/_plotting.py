"""What the Displays share: the matplotlib check, the data checks and the
verdict words (titles of the figures, and the words of the HTML report).

As :mod:`sklearn.utils._plotting` for scikit-learn's Displays: each check is
written once here, and each Display validates its data once, in its
``from_*`` constructor (``plot`` converts only data that are not floats yet).
"""

import numpy as np

from ...feature import patch_corners
from ...utils import check_images
from ...utils._param_validation import as_pair

__all__ = []  # private


def check_matplotlib_support(caller):
    """Import and return pyplot, or say which extra brings it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} draws with matplotlib, which is not installed: "
            'pip install "skforensics[torch]" (or pip install matplotlib).'
        ) from exc
    return plt


def as_array(image):
    """``image`` as an ndarray where it is a PIL image (or anything else that
    exposes ``__array_interface__`` only), as the estimators take it; else
    ``image`` itself, for the Displays' checks to judge."""
    if not isinstance(image, np.ndarray) and hasattr(image, "__array_interface__"):
        return np.asarray(image)
    return image


def check_image(image, name="image"):
    """One image, (H, W) or (H, W, C), as float in [0, 1] by the package rules."""
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(
            f"{name} must be one image of shape (height, width) or "
            f"(height, width, n_channels); got an array of shape {image.shape}."
        )
    return np.asarray(check_images([image], input_name=name)[0])


def as_float_image(image):
    """The image as ``plot`` draws it: floats as stored, other dtypes validated."""
    image = np.asarray(image)
    return image if image.dtype.kind == "f" else check_image(image)


def check_map(values, shape, name):
    """A per-pixel map of the image's height and width, as float64."""
    values = np.asarray(values, dtype=np.float64)
    if values.shape != tuple(shape):
        raise ValueError(
            f"{name} must have the height and width of the image, {tuple(shape)}; "
            f"got an array of shape {values.shape}."
        )
    return values


def check_tile_scores(image_shape, tile_scores, patch_size, stride):
    """Tile scores as float64, one per tile of the image's grid; the grid's corners."""
    rows, cols = patch_corners(image_shape, patch_size, stride=stride)
    tile_scores = np.asarray(tile_scores, dtype=np.float64)
    if tile_scores.shape != (len(rows), len(cols)):
        raise ValueError(
            f"tile_scores must have one score per tile: an image of "
            f"{image_shape[0]}x{image_shape[1]} with patch_size={patch_size!r} and "
            f"stride={stride!r} has a grid of {len(rows)}x{len(cols)} tiles; got "
            f"an array of shape {tile_scores.shape}. Pass the map that "
            "predict_patch_map returned for this image, with the estimator's "
            "patch_size and stride."
        )
    return tile_scores, rows, cols


def tile_overlay(image_shape, tile_scores, patch_size, stride):
    """Tile scores spread on the pixels they cover (overlaps averaged).

    Pixels that no tile covers are NaN, so they stay transparent.
    """
    tile_scores, rows, cols = check_tile_scores(
        image_shape, tile_scores, patch_size, stride
    )
    ph, pw = as_pair(patch_size)
    total = np.zeros(image_shape[:2])
    count = np.zeros(image_shape[:2])
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            total[r : r + ph, c : c + pw] += tile_scores[i, j]
            count[r : r + ph, c : c + pw] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


def new_axes(plt, ax, n_axes, caller, figsize):
    """The given axes (one or a sequence of ``n_axes``) or a new figure's."""
    if ax is None:
        fig, axes = plt.subplots(
            1, n_axes, figsize=figsize, squeeze=False, layout="constrained"
        )
        return fig, axes.ravel()
    axes = np.ravel(np.asarray(ax, dtype=object))
    if axes.size != n_axes:
        raise ValueError(
            f"{caller} draws on {n_axes} axes; got {axes.size}. Pass "
            f"{n_axes} axes (for example plt.subplots(1, {n_axes})[1]) or ax=None."
        )
    return axes[0].figure, axes


def show_image(ax, image):
    """Draw an image in [0, 1]: grey with a fixed range, colour clipped."""
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        return ax.imshow(image, cmap="gray", vmin=0, vmax=1)
    return ax.imshow(np.clip(image, 0, 1))


# -- Verdict words: the Displays' titles and the HTML report's cells -------


def score_title(score, labels=("native", "upscaled"), *, threshold=0.5):
    """A pooled score in words, e.g. ``"upscaled, P = 0.98"``; NaN (no
    verdict) is ``"not judged"``."""
    score = float(score)
    if score != score:
        return "not judged"
    if score >= threshold:
        return f"{labels[1]}, P = {score:.2f}"
    return f"{labels[0]}, P({labels[1]}) = {score:.2f}"


def upscale_words(p_upscaled, *, threshold=0.5):
    """The upscaling verdict in words, as PatchScoreDisplay titles it.

    Parameters
    ----------
    p_upscaled : float
        The pooled probability that the image was upscaled.
    threshold : float, default=0.5
        The probability from which the verdict is "upscaled".

    Returns
    -------
    text : str
        For example ``"upscaled, P = 0.98"`` or
        ``"native, P(upscaled) = 0.03"``.
    """
    return score_title(p_upscaled, ("native", "upscaled"), threshold=threshold)


def factor_words(p_upscaled, upscaled, factor, native_width, native_height):
    """An upscale verdict with its factor.

    For example ``"upscaled x2 from ~1920x1080, P = 0.97"``.
    """
    if not upscaled or factor is None:
        return upscale_words(p_upscaled)
    native = f"{native_width}x{native_height}"
    return f"upscaled x{factor:g} from ~{native}, P = {p_upscaled:.2f}"


def quality_shown(quality, verdict, p_compressed, *, threshold=0.5):
    """The quality a report shows: None where it would mislead.

    None when the quality is unknown (no texture), when the verdict is
    "never compressed", and when there is no verdict, it is "unknown" or
    "compressed, then resized" and the net reads no compression (P below
    ``threshold``): the pixels' evidence found a resized JPEG that the net
    missed, and its quality then says nothing of the JPEG.
    """
    if quality is None or quality != quality:  # None or NaN
        return None
    if verdict is not None and str(verdict).startswith("never"):
        return None
    if verdict == "compressed":
        return quality
    if p_compressed is None or p_compressed < threshold:
        return None
    return quality


def jpeg_title(quality, p_compressed, *, verdict=None, confidence=None, threshold=0.5):
    """The JPEG verdict in words, as JPEGMapDisplay titles it.

    Parameters
    ----------
    quality : float or None
        The estimated JPEG quality factor of the image; None or NaN when
        the image has no texture to read a JPEG history from.
    p_compressed : float or None
        The net's probability that the image was ever JPEG-compressed.
    verdict : str, default=None
        The combined verdict of the audit (``"compressed"``, ``"never
        compressed"``, ``"unknown"``, ...), put first when given.
    confidence : str, default=None
        Its confidence (``"high"``, ``"medium"``, ``"low"``).
    threshold : float, default=0.5
        Without a verdict, the probability from which the quality factor is
        given; below it the image reads as never compressed, and its quality
        estimate means little.

    Returns
    -------
    text : str
        For example ``"JPEG quality ≈ 85, P(compressed) = 1.00"``, ``"no
        JPEG history, P(compressed) = 0.01"``, ``"JPEG history unknown (no
        texture)"`` or, with a verdict, ``"compressed (high confidence):
        JPEG quality ≈ 85, P(compressed) = 1.00"``.
    """
    known = not (quality is None or quality != quality)
    if verdict is None:
        if not known or p_compressed is None:
            return "JPEG history unknown (no texture)"
        if p_compressed >= threshold:
            return f"JPEG quality ≈ {quality:.0f}, P(compressed) = {p_compressed:.2f}"
        return f"no JPEG history, P(compressed) = {p_compressed:.2f}"
    words = verdict if verdict != "unknown" else "JPEG history unknown"
    if confidence:
        words += f" ({confidence} confidence)"
    shown = quality_shown(quality, verdict, p_compressed, threshold=threshold)
    details = [] if shown is None else [f"JPEG quality ≈ {shown:.0f}"]
    if not known:
        details.append("no texture")
    if p_compressed is not None and p_compressed == p_compressed:
        details.append(f"P(compressed) = {p_compressed:.2f}")
    return words + (": " + ", ".join(details) if details else "")
