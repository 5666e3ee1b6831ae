"""PatchScoreDisplay: tile scores of a patch estimator over the image."""

from numbers import Real

import numpy as np
from sklearn.pipeline import Pipeline

from ...utils._docstrings import fill_doc
from ...utils._param_validation import Interval, Pair, validate_params
from ._plotting import (
    as_array,
    as_float_image,
    check_image,
    check_matplotlib_support,
    check_tile_scores,
    score_title,
    show_image,
    tile_overlay,
)

__all__ = ["PatchScoreDisplay"]


def _patch_verdict(estimator, image):
    """Tile scores, pooled P(class 1) and the patch estimator, in one pass.

    ``estimator`` is a binary patch classifier or a Pipeline ending in one
    (such as ``pretrained("upscale-detector")``).
    """
    final = estimator[-1] if isinstance(estimator, Pipeline) else estimator
    if not hasattr(final, "predict_patch_map"):
        raise TypeError(
            "PatchScoreDisplay.from_estimator needs a patch estimator with "
            f"predict_patch_map (or a Pipeline ending in one); got "
            f"{type(final).__name__}."
        )
    X = [image]
    if isinstance(estimator, Pipeline):
        X = estimator[:-1].transform(X)
    maps, proba = final.predict_patch_map(X, return_proba=True)
    tile_scores = np.asarray(maps[0])
    if tile_scores.ndim != 2:
        raise ValueError(
            "PatchScoreDisplay shows binary classifiers; the estimator has "
            f"{proba.shape[1]} classes."
        )
    return tile_scores, float(proba[0, 1]), final


@fill_doc
class PatchScoreDisplay:
    """Tile scores of a patch estimator over the image, as a heat map.

    The score of each tile is drawn, translucent, over the pixels it covers
    (tiles placed by :func:`skforensics.feature.patch_corners`, overlaps
    averaged), with a colour bar and the pooled verdict in the title, for
    example ``"upscaled, P = 0.98"``.

    {display_create_and_read_more}

    Parameters
    ----------
    image : ndarray of shape (height, width) or (height, width, n_channels)
        The image, float in [0, 1].
    tile_scores : ndarray of shape (n_tile_rows, n_tile_cols)
        Score of each tile, for example the probability that it was
        upscaled.
    patch_size : int or tuple of (int, int)
        Tile height and width.
    stride : int or tuple of (int, int), default=None
        Step between tiles; None means ``patch_size`` (non-overlapping).
    score : float, default=None
        The pooled score of the image (the probability of the positive
        class), shown in the title; None for no title.

    Attributes
    ----------
    image_ : matplotlib.image.AxesImage
        The image artist.
    heatmap_ : matplotlib.image.AxesImage
        The heat map artist; its array is the per-pixel tile score, masked
        where no tile lies.
    colorbar_ : matplotlib.colorbar.Colorbar or None
        The colour bar of the heat map.
    ax_ : matplotlib.axes.Axes
        The axes drawn on.
    figure_ : matplotlib.figure.Figure
        The figure of ``ax_``.

    See Also
    --------
    JPEGMapDisplay : Per-pixel JPEG quality and flag maps.
    skforensics.feature.patch_corners : Where the tiles lie.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.inspection import PatchScoreDisplay
    >>> from skforensics.utils import make_test_images
    >>> image = make_test_images(n_images=1, size=64)[0]
    >>> scores = np.array([[0.1, 0.9], [0.2, 0.8]])
    >>> display = PatchScoreDisplay.from_predictions(
    ...     image, scores, patch_size=32, score=0.5
    ... )
    >>> display.ax_.get_title()
    'upscaled, P = 0.50'
    >>> display.heatmap_.get_array()[0, 40]
    np.float64(0.9)
    """

    def __init__(self, *, image, tile_scores, patch_size, stride=None, score=None):
        self.image = image
        self.tile_scores = tile_scores
        self.patch_size = patch_size
        self.stride = stride
        self.score = score

    @validate_params(
        {
            "ax": "no_validation",
            "cmap": "no_validation",
            "alpha": [Interval(Real, 0, 1, closed="both")],
            "vmin": [Real],
            "vmax": [Real],
            "labels": [tuple, list],
            "threshold": [Interval(Real, 0, 1, closed="both")],
            "colorbar": ["boolean"],
        },
        prefer_skip_nested_validation=True,
    )
    def plot(
        self,
        ax=None,
        *,
        cmap="inferno",
        alpha=0.5,
        vmin=0.0,
        vmax=1.0,
        labels=("native", "upscaled"),
        threshold=0.5,
        colorbar=True,
    ):
        """Draw the image and its tile heat map.

        Parameters
        ----------
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None makes a new figure.
        cmap : str or matplotlib.colors.Colormap, default="inferno"
            Colour map of the heat map.
        alpha : float, default=0.5
            Opacity of the heat map, in [0, 1].
        vmin, vmax : float, default=0.0, 1.0
            Colour limits of the heat map.
        labels : tuple of (str, str), default=("native", "upscaled")
            Names of the negative and positive verdicts, for the title.
        threshold : float, default=0.5
            The pooled score from which the verdict is ``labels[1]``.
        colorbar : bool, default=True
            Whether to add a colour bar.

        {returns_display}
        """
        plt = check_matplotlib_support("PatchScoreDisplay.plot")
        image = as_float_image(self.image)
        overlay = tile_overlay(
            image.shape, self.tile_scores, self.patch_size, self.stride
        )
        if ax is None:
            _, ax = plt.subplots()
        self.image_ = show_image(ax, image)
        self.heatmap_ = ax.imshow(
            np.ma.masked_invalid(overlay), cmap=cmap, alpha=alpha, vmin=vmin, vmax=vmax
        )
        self.colorbar_ = (
            ax.figure.colorbar(self.heatmap_, ax=ax, label="tile score")
            if colorbar
            else None
        )
        if self.score is not None:
            ax.set_title(score_title(self.score, labels, threshold=threshold))
        ax.set_axis_off()
        self.ax_ = ax
        self.figure_ = ax.figure
        return self

    @classmethod
    def from_estimator(cls, estimator, image, *, ax=None, **kwargs):
        """Score the tiles of one image with a fitted patch estimator and plot them.

        One pass of the estimator gives both the tile map and the pooled
        verdict (``predict_patch_map(X, return_proba=True)``).

        Parameters
        ----------
        estimator : estimator or Pipeline
            A fitted binary patch classifier with ``predict_patch_map``
            (:class:`~skforensics.models.PatchCNNClassifier`), or a Pipeline
            ending in one, such as
            ``skforensics.models.pretrained("upscale-detector")``: the steps
            before the last transform the image first.
        image : ndarray of shape (height, width) or (height, width, n_channels)
            The image, ``uint8`` or float in [0, 1], or a PIL image.
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None makes a new figure.
        {kwargs_to_plot_returns_display}
        """
        image = as_array(image)
        tile_scores, score, final = _patch_verdict(estimator, image)
        return cls.from_predictions(
            image,
            tile_scores,
            patch_size=final.patch_size,
            stride=final.stride,
            score=score,
            ax=ax,
            **kwargs,
        )

    @classmethod
    @validate_params(  # not skipping nested: plot validates its own **kwargs
        {
            "image": ["array-like"],
            "tile_scores": ["array-like"],
            "patch_size": [Pair()],
            "stride": [Pair(), None],
            "score": [Interval(Real, 0, 1, closed="both"), None],
            "ax": "no_validation",
        },
        prefer_skip_nested_validation=False,
    )
    def from_predictions(
        cls,
        image,
        tile_scores,
        *,
        patch_size,
        stride=None,
        score=None,
        ax=None,
        **kwargs,
    ):
        """Plot tile scores computed beforehand over their image.

        Parameters
        ----------
        image : ndarray of shape (height, width) or (height, width, n_channels)
            The image, ``uint8`` or float in [0, 1].
        tile_scores : ndarray of shape (n_tile_rows, n_tile_cols)
            Score of each tile, laid out as
            :func:`~skforensics.feature.patch_corners` places the tiles.
        patch_size : int or tuple of (int, int)
            Tile height and width.
        stride : int or tuple of (int, int), default=None
            Step between tiles; None means ``patch_size``.
        score : float, default=None
            The pooled score in [0, 1], shown in the title.
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None makes a new figure.
        {kwargs_to_plot_returns_display}
        """
        image = check_image(image)
        # Checked here, before drawing; the overlay is computed once, by plot.
        tile_scores, _, _ = check_tile_scores(
            image.shape, tile_scores, patch_size, stride
        )
        display = cls(
            image=image,
            tile_scores=tile_scores,
            patch_size=patch_size,
            stride=stride,
            score=score,
        )
        return display.plot(ax=ax, **kwargs)


