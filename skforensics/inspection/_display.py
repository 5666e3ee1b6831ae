"""Display objects: the figures of skforensics, shaped like scikit-learn's.

Each Display stores its data in ``__init__``, computes it in a
``from_estimator`` / ``from_predictions`` (or ``from_features``,
``from_images``) classmethod, and draws it with ``plot(ax=None, ...)``, which
returns the Display with the figure, the axes and the artists as attributes,
as :class:`sklearn.metrics.RocCurveDisplay` does. matplotlib is imported only
by ``plot``.
"""

from numbers import Integral, Real

import numpy as np
from sklearn.pipeline import Pipeline

from ..feature import mscn, patch_corners
from ..feature._brisque import _FEATURE_NAMES
from ..utils import check_images
from ..utils._param_validation import (
    Interval,
    Pair,
    StrOptions,
    as_pair,
    validate_params,
)

__all__ = [
    "BRISQUEFeatureDisplay",
    "JPEGMapDisplay",
    "MSCNDisplay",
    "PatchScoreDisplay",
]


def _check_matplotlib(caller):
    """Import and return pyplot, or say which extra brings it."""
    try:
        import matplotlib.pyplot as plt
    except ImportError as exc:
        raise ImportError(
            f"{caller} draws with matplotlib, which is not installed: "
            'pip install "skforensics[torch]" (or pip install matplotlib).'
        ) from exc
    return plt


def _check_image(image, name="image"):
    """One image, (H, W) or (H, W, C), as float in [0, 1] by the package rules."""
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(
            f"{name} must be one image of shape (height, width) or "
            f"(height, width, n_channels); got an array of shape {image.shape}."
        )
    return np.asarray(check_images([image], input_name=name)[0])


def _check_map(values, shape, name):
    values = np.asarray(values, dtype=np.float64)
    if values.shape != tuple(shape):
        raise ValueError(
            f"{name} must have the height and width of the image, {tuple(shape)}; "
            f"got an array of shape {values.shape}."
        )
    return values


def _new_axes(plt, ax, n_axes, caller, figsize):
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


def _show_image(ax, image):
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        return ax.imshow(image, cmap="gray", vmin=0, vmax=1)
    return ax.imshow(np.clip(image, 0, 1))


def _tile_overlay(image_shape, tile_scores, patch_size, stride):
    """Tile scores spread on the pixels they cover (overlaps averaged).

    Pixels that no tile covers are NaN, so they stay transparent.
    """
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
    ph, pw = as_pair(patch_size)
    total = np.zeros(image_shape[:2])
    count = np.zeros(image_shape[:2])
    for i, r in enumerate(rows):
        for j, c in enumerate(cols):
            total[r : r + ph, c : c + pw] += tile_scores[i, j]
            count[r : r + ph, c : c + pw] += 1
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / count, np.nan)


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


class PatchScoreDisplay:
    """Tile scores of a patch estimator over the image, as a heat map.

    The score of each tile is drawn, translucent, over the pixels it covers
    (tiles placed by :func:`skforensics.feature.patch_corners`, overlaps
    averaged), with a colour bar and the pooled verdict in the title, for
    example ``"upscaled, P = 0.98"``.

    Create it with :meth:`from_estimator` or :meth:`from_predictions`; the
    constructor only stores its data.

    Read more in the :ref:`User Guide <inspection_displays>`.

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
    >>> import matplotlib
    >>> matplotlib.use("Agg")
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

        Returns
        -------
        display : PatchScoreDisplay
            The object, with its figure, axes and artists set.
        """
        plt = _check_matplotlib("PatchScoreDisplay.plot")
        image = _check_image(self.image)
        overlay = _tile_overlay(image.shape, self.tile_scores, self.patch_size, self.stride)
        if ax is None:
            _, ax = plt.subplots()
        self.image_ = _show_image(ax, image)
        self.heatmap_ = ax.imshow(
            np.ma.masked_invalid(overlay), cmap=cmap, alpha=alpha, vmin=vmin, vmax=vmax
        )
        self.colorbar_ = (
            ax.figure.colorbar(self.heatmap_, ax=ax, label="tile score")
            if colorbar
            else None
        )
        if self.score is not None:
            score = float(self.score)
            if score >= threshold:
                ax.set_title(f"{labels[1]}, P = {score:.2f}")
            else:
                ax.set_title(f"{labels[0]}, P({labels[1]}) = {score:.2f}")
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
            The image, ``uint8`` or float in [0, 1].
        ax : matplotlib.axes.Axes, default=None
            Axes to draw on; None makes a new figure.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : PatchScoreDisplay
            The object, with its figure, axes and artists set.
        """
        image = _check_image(image)
        tile_scores, score, final = _patch_verdict(estimator, image)
        display = cls(
            image=image,
            tile_scores=tile_scores,
            patch_size=final.patch_size,
            stride=final.stride,
            score=score,
        )
        return display.plot(ax=ax, **kwargs)

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
        cls, image, tile_scores, *, patch_size, stride=None, score=None, ax=None, **kwargs
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
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : PatchScoreDisplay
            The object, with its figure, axes and artists set.
        """
        image = _check_image(image)
        _tile_overlay(image.shape, tile_scores, patch_size, stride)  # fail before drawing
        display = cls(
            image=image,
            tile_scores=np.asarray(tile_scores, dtype=np.float64),
            patch_size=patch_size,
            stride=stride,
            score=score,
        )
        return display.plot(ax=ax, **kwargs)


class JPEGMapDisplay:
    """An image, its JPEG quality and flag maps, and the quality histogram.

    Four panels side by side: the image, the per-pixel JPEG quality factor
    (0 to 100), the per-pixel probability of a JPEG history (0 to 1), and
    the histogram of the quality map. With a summary, the figure title gives
    the verdict, for example ``"JPEG quality ≈ 85, P(compressed) = 1.00"``.

    Create it with :meth:`from_estimator` or :meth:`from_predictions`; the
    constructor only stores its data.

    Read more in the :ref:`User Guide <inspection_displays>`.

    Parameters
    ----------
    image : ndarray of shape (height, width) or (height, width, n_channels)
        The image, float in [0, 1].
    quality_map : ndarray of shape (height, width)
        Estimated quality factor per pixel, in [0, 100].
    flag_map : ndarray of shape (height, width)
        Estimated probability per pixel of a JPEG history, in [0, 1].
    quality : float, default=None
        The image's estimated quality factor, for the title.
    p_compressed : float, default=None
        The image's probability of a JPEG history, for the title.

    Attributes
    ----------
    image_ : matplotlib.image.AxesImage
        The image artist.
    quality_image_ : matplotlib.image.AxesImage
        The quality map artist, colour limits (0, 100).
    flag_image_ : matplotlib.image.AxesImage
        The flag map artist, colour limits (0, 1).
    colorbars_ : list of matplotlib.colorbar.Colorbar
        The colour bars of the quality and flag maps.
    hist_ : matplotlib.container.BarContainer
        The bars of the quality histogram, one pixel count per bar.
    axes_ : ndarray of matplotlib.axes.Axes of shape (4,)
        Image, quality map, flag map and histogram axes.
    figure_ : matplotlib.figure.Figure
        The figure.

    See Also
    --------
    PatchScoreDisplay : Tile scores of a patch estimator.
    skforensics.models.PixelwiseJPEGRegressor.predict_maps : The maps.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skforensics.inspection import JPEGMapDisplay
    >>> from skforensics.utils import make_test_images
    >>> image = make_test_images(n_images=1, size=32)[0]
    >>> quality = np.full((32, 32), 85.0)
    >>> flag = np.ones((32, 32))
    >>> display = JPEGMapDisplay.from_predictions(
    ...     image, quality, flag, quality=85, p_compressed=1.0
    ... )
    >>> len(display.axes_), display.quality_image_.get_clim()
    (4, (0.0, 100.0))
    >>> display.figure_.get_suptitle()
    'JPEG quality ≈ 85, P(compressed) = 1.00'
    """

    def __init__(self, *, image, quality_map, flag_map, quality=None, p_compressed=None):
        self.image = image
        self.quality_map = quality_map
        self.flag_map = flag_map
        self.quality = quality
        self.p_compressed = p_compressed

    @validate_params(
        {
            "ax": "no_validation",
            "bins": [Interval(Integral, 1, None, closed="left")],
            "cmap": "no_validation",
        },
        prefer_skip_nested_validation=True,
    )
    def plot(self, ax=None, *, bins=50, cmap="viridis"):
        """Draw the image, its two maps and the quality histogram.

        Parameters
        ----------
        ax : sequence of 4 matplotlib.axes.Axes, default=None
            Axes to draw on, in the order image, quality map, flag map,
            histogram; None makes a new figure.
        bins : int, default=50
            Number of histogram bins over [0, 100].
        cmap : str or matplotlib.colors.Colormap, default="viridis"
            Colour map of the two maps.

        Returns
        -------
        display : JPEGMapDisplay
            The object, with its figure, axes and artists set.
        """
        plt = _check_matplotlib("JPEGMapDisplay.plot")
        image = _check_image(self.image)
        quality = _check_map(self.quality_map, image.shape[:2], "quality_map")
        flag = _check_map(self.flag_map, image.shape[:2], "flag_map")
        fig, axes = _new_axes(plt, ax, 4, "JPEGMapDisplay", (15, 3.6))
        self.image_ = _show_image(axes[0], image)
        axes[0].set_title("image")
        self.quality_image_ = axes[1].imshow(quality, cmap=cmap, vmin=0, vmax=100)
        axes[1].set_title("quality map")
        self.flag_image_ = axes[2].imshow(flag, cmap=cmap, vmin=0, vmax=1)
        axes[2].set_title("P(compressed) map")
        self.colorbars_ = [
            fig.colorbar(self.quality_image_, ax=axes[1], shrink=0.8),
            fig.colorbar(self.flag_image_, ax=axes[2], shrink=0.8),
        ]
        for a in axes[:3]:
            a.set_axis_off()
        _, _, self.hist_ = axes[3].hist(
            np.clip(quality.ravel(), 0, 100), bins=bins, range=(0, 100)
        )
        axes[3].set_xlabel("quality factor")
        axes[3].set_ylabel("pixels")
        axes[3].set_title("quality histogram")
        if self.quality is not None and self.p_compressed is not None:
            fig.suptitle(
                f"JPEG quality ≈ {float(self.quality):.0f}, "
                f"P(compressed) = {float(self.p_compressed):.2f}"
            )
        self.axes_ = axes
        self.figure_ = fig
        return self

    @classmethod
    def from_estimator(cls, estimator, image, *, ax=None, **kwargs):
        """Estimate the maps of one image with a fitted JPEG model and plot them.

        One pass of the estimator gives the maps and the image's verdict
        (``predict_maps(X, return_summary=True)``).

        Parameters
        ----------
        estimator : PixelwiseJPEGRegressor
            A fitted estimator with ``predict_maps``, such as
            ``skforensics.models.pretrained("jpeg-quality")``.
        image : ndarray of shape (height, width) or (height, width, n_channels)
            The image, ``uint8`` or float in [0, 1].
        ax : sequence of 4 matplotlib.axes.Axes, default=None
            Axes to draw on; None makes a new figure.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : JPEGMapDisplay
            The object, with its figure, axes and artists set.
        """
        image = _check_image(image)
        if not hasattr(estimator, "predict_maps"):
            raise TypeError(
                "JPEGMapDisplay.from_estimator needs an estimator with "
                f"predict_maps; got {type(estimator).__name__}."
            )
        quality_maps, flag_maps, summary = estimator.predict_maps(
            [image], return_summary=True
        )
        display = cls(
            image=image,
            quality_map=np.asarray(quality_maps[0]),
            flag_map=np.asarray(flag_maps[0]),
            quality=float(summary.quality[0]),
            p_compressed=float(summary.proba[0, 1]),
        )
        return display.plot(ax=ax, **kwargs)

    @classmethod
    @validate_params(  # not skipping nested: plot validates its own **kwargs
        {
            "image": ["array-like"],
            "quality_map": ["array-like"],
            "flag_map": ["array-like"],
            "quality": [Interval(Real, 0, 100, closed="both"), None],
            "p_compressed": [Interval(Real, 0, 1, closed="both"), None],
            "ax": "no_validation",
        },
        prefer_skip_nested_validation=False,
    )
    def from_predictions(
        cls,
        image,
        quality_map,
        flag_map,
        *,
        quality=None,
        p_compressed=None,
        ax=None,
        **kwargs,
    ):
        """Plot quality and flag maps computed beforehand.

        Parameters
        ----------
        image : ndarray of shape (height, width) or (height, width, n_channels)
            The image, ``uint8`` or float in [0, 1].
        quality_map : ndarray of shape (height, width)
            Quality factor per pixel, in [0, 100].
        flag_map : ndarray of shape (height, width)
            Probability per pixel of a JPEG history, in [0, 1].
        quality : float, default=None
            The image's quality factor, for the title.
        p_compressed : float, default=None
            The image's probability of a JPEG history, for the title.
        ax : sequence of 4 matplotlib.axes.Axes, default=None
            Axes to draw on; None makes a new figure.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : JPEGMapDisplay
            The object, with its figure, axes and artists set.
        """
        image = _check_image(image)
        quality_map = _check_map(quality_map, image.shape[:2], "quality_map")
        flag_map = _check_map(flag_map, image.shape[:2], "flag_map")
        display = cls(
            image=image,
            quality_map=quality_map,
            flag_map=flag_map,
            quality=quality,
            p_compressed=p_compressed,
        )
        return display.plot(ax=ax, **kwargs)


def _select_features(features, feature_names, all_names):
    all_names = [str(n) for n in all_names]
    unknown = [n for n in feature_names if n not in all_names]
    if unknown:
        raise ValueError(
            f"Unknown BRISQUE feature name(s) {unknown}; the names are those of "
            "BRISQUEExtractor.get_feature_names_out(), for example "
            f"{all_names[:3]}."
        )
    return features[:, [all_names.index(n) for n in feature_names]]


class BRISQUEFeatureDisplay:
    """Per-class densities of chosen BRISQUE features.

    One panel per feature, one density curve per class: a Gaussian kernel
    density estimate (:class:`scipy.stats.gaussian_kde`) or a normalised
    histogram. This is Fig. 2 of the fake-4K report: features whose
    densities separate are those a classifier can use.

    Create it with :meth:`from_estimator` or :meth:`from_features`; the
    constructor only stores its data.

    Read more in the :ref:`User Guide <inspection_displays>`.

    Parameters
    ----------
    features : ndarray of shape (n_samples, n_selected)
        Values of the chosen features.
    y : ndarray of shape (n_samples,)
        Class of each sample.
    feature_names : list of str
        Names of the ``n_selected`` features.

    Attributes
    ----------
    artists_ : ndarray of shape (n_selected, n_classes)
        The density artists: ``Line2D`` for ``kind="kde"``, ``StepPatch``
        for ``kind="hist"``.
    classes_ : ndarray of shape (n_classes,)
        The classes, in the order of ``artists_``' columns.
    axes_ : ndarray of matplotlib.axes.Axes of shape (n_selected,)
        One axes per feature.
    figure_ : matplotlib.figure.Figure
        The figure.

    See Also
    --------
    skforensics.feature.BRISQUEExtractor : The 36 features.
    MSCNDisplay : The coefficients BRISQUE summarises.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skforensics.inspection import BRISQUEFeatureDisplay
    >>> rng = np.random.RandomState(0)
    >>> features = rng.normal(size=(20, 36))
    >>> y = np.repeat([0, 1], 10)
    >>> display = BRISQUEFeatureDisplay.from_features(
    ...     features, y, feature_names=["s1_mscn_shape", "s1_h_mean"]
    ... )
    >>> display.artists_.shape, display.axes_[0].get_title()
    ((2, 2), 's1_mscn_shape')
    """

    def __init__(self, *, features, y, feature_names):
        self.features = features
        self.y = y
        self.feature_names = feature_names

    @validate_params(
        {
            "ax": "no_validation",
            "kind": [StrOptions({"kde", "hist"})],
            "bins": [Interval(Integral, 1, None, closed="left")],
            "class_names": [dict, None],
        },
        prefer_skip_nested_validation=True,
    )
    def plot(self, ax=None, *, kind="kde", bins=20, class_names=None):
        """Draw one density per class and feature.

        Parameters
        ----------
        ax : matplotlib.axes.Axes or sequence of them, default=None
            One axes per feature; None makes a new figure.
        kind : {"kde", "hist"}, default="kde"
            Gaussian kernel density estimate, or normalised histogram. A class
            with fewer than two distinct values gets a histogram.
        bins : int, default=20
            Histogram bins over the range of each feature (``kind="hist"``,
            and classes with a single value).
        class_names : dict, default=None
            Legend label of each class, for example
            ``{0: "real", 1: "upscaled"}``; by default the class values.

        Returns
        -------
        display : BRISQUEFeatureDisplay
            The object, with its figure, axes and artists set.
        """
        plt = _check_matplotlib("BRISQUEFeatureDisplay.plot")
        from scipy.stats import gaussian_kde

        features = np.asarray(self.features, dtype=np.float64)
        y = np.asarray(self.y)
        names = list(self.feature_names)
        if features.ndim != 2 or features.shape != (len(y), len(names)):
            raise ValueError(
                "features must have shape (n_samples, n_feature_names) = "
                f"({len(y)}, {len(names)}); got {features.shape}."
            )
        self.classes_ = np.unique(y)
        class_names = class_names or {}
        fig, axes = _new_axes(
            plt, ax, len(names), "BRISQUEFeatureDisplay", (4 * len(names), 3.2)
        )
        artists = np.empty((len(names), len(self.classes_)), dtype=object)
        for i, (a, name) in enumerate(zip(axes, names)):
            column = features[:, i]
            lo, hi = column.min(), column.max()
            if hi == lo:
                lo, hi = lo - 0.5, hi + 0.5
            edges = np.linspace(lo, hi, bins + 1)
            kdes = {
                cls: gaussian_kde(column[y == cls])
                for cls in self.classes_
                if kind == "kde" and np.unique(column[y == cls]).size > 1
            }
            # The KDE grid reaches 3 bandwidths past the data: the tails show.
            pad = max([3 * np.sqrt(k.covariance[0, 0]) for k in kdes.values()] or [0])
            grid = np.linspace(lo - pad, hi + pad, 200)
            for k, cls in enumerate(self.classes_):
                values = column[y == cls]
                label = str(class_names.get(cls, cls))
                if cls in kdes:
                    (artists[i, k],) = a.plot(grid, kdes[cls](grid), label=label)
                else:
                    density, _ = np.histogram(values, bins=edges, density=True)
                    artists[i, k] = a.stairs(density, edges, label=label)
            a.set_title(name)
            a.set_xlabel("value")
            a.set_ylabel("density")
        axes[0].legend()
        self.artists_ = artists
        self.axes_ = axes
        self.figure_ = fig
        return self

    @classmethod
    def from_estimator(cls, estimator, X, y, *, feature_names, ax=None, **kwargs):
        """Compute the BRISQUE features of images and plot their densities.

        Parameters
        ----------
        estimator : BRISQUEExtractor
            A fitted :class:`~skforensics.feature.BRISQUEExtractor` (or any
            fitted transformer with ``get_feature_names_out``).
        X : ndarray, list of ndarray or LazyImages
            The images.
        y : array-like of shape (n_images,)
            Class of each image.
        feature_names : list of str
            Names of the features to show, among
            ``estimator.get_feature_names_out()``.
        ax : matplotlib.axes.Axes or sequence of them, default=None
            One axes per feature; None makes a new figure.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : BRISQUEFeatureDisplay
            The object, with its figure, axes and artists set.
        """
        features = estimator.transform(X)
        return cls.from_features(
            features,
            y,
            feature_names=feature_names,
            all_feature_names=estimator.get_feature_names_out(),
            ax=ax,
            **kwargs,
        )

    @classmethod
    @validate_params(  # not skipping nested: plot validates its own **kwargs
        {
            "features": ["array-like"],
            "y": ["array-like"],
            "feature_names": [list, tuple],
            "all_feature_names": ["array-like", None],
            "ax": "no_validation",
        },
        prefer_skip_nested_validation=False,
    )
    def from_features(
        cls, features, y, *, feature_names, all_feature_names=None, ax=None, **kwargs
    ):
        """Plot the densities of BRISQUE features computed beforehand.

        Parameters
        ----------
        features : array-like of shape (n_samples, 36)
            BRISQUE features, as
            :func:`~skforensics.feature.brisque_features` returns them.
        y : array-like of shape (n_samples,)
            Class of each sample.
        feature_names : list of str
            Names of the features to show, for example
            ``["s1_mscn_shape", "s1_h_left_var"]``.
        all_feature_names : array-like of str, default=None
            Names of the columns of ``features``; None means the 36 names of
            :meth:`BRISQUEExtractor.get_feature_names_out
            <skforensics.feature.BRISQUEExtractor.get_feature_names_out>`.
        ax : matplotlib.axes.Axes or sequence of them, default=None
            One axes per feature; None makes a new figure.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : BRISQUEFeatureDisplay
            The object, with its figure, axes and artists set.
        """
        features = np.asarray(features, dtype=np.float64)
        y = np.asarray(y)
        all_names = _FEATURE_NAMES if all_feature_names is None else all_feature_names
        if features.ndim != 2 or features.shape[1] != len(all_names):
            raise ValueError(
                f"features must have shape (n_samples, {len(all_names)}), one "
                f"column per feature name; got an array of shape {features.shape}."
            )
        if y.shape != (features.shape[0],):
            raise ValueError(
                f"y must have shape ({features.shape[0]},), one class per row of "
                f"features; got {y.shape}."
            )
        selected = _select_features(features, list(feature_names), all_names)
        display = cls(features=selected, y=y, feature_names=list(feature_names))
        return display.plot(ax=ax, **kwargs)


class MSCNDisplay:
    """MSCN coefficients of images side by side with their histograms.

    One panel per image shows its mean-subtracted contrast-normalised
    coefficients (:func:`skforensics.feature.mscn`), and a last panel their
    histograms, on a log scale: an upscaled image has its coefficients
    squeezed towards zero. This is Fig. 1 of the fake-4K report.

    Create it with :meth:`from_images`; the constructor only stores its
    data.

    Read more in the :ref:`User Guide <inspection_displays>`.

    Parameters
    ----------
    mscn_maps : list of ndarray of shape (height, width)
        The MSCN coefficients of each image.
    labels : list of str, default=None
        Title of each image; by default ``"image 0"``, ``"image 1"``, ...

    Attributes
    ----------
    images_ : list of matplotlib.image.AxesImage
        The MSCN map artists, colour limits ``(-vlim, vlim)``.
    hist_ : list of matplotlib.patches.StepPatch
        The histogram of each map.
    axes_ : ndarray of matplotlib.axes.Axes of shape (n_images + 1,)
        The map axes, then the histogram axes.
    figure_ : matplotlib.figure.Figure
        The figure.

    See Also
    --------
    skforensics.feature.mscn : The coefficients.
    BRISQUEFeatureDisplay : The features that summarise them.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skforensics.inspection import MSCNDisplay
    >>> from skforensics.utils import make_test_images
    >>> X = make_test_images(n_images=2, size=32)
    >>> display = MSCNDisplay.from_images(X, labels=["a", "b"])
    >>> len(display.axes_), display.images_[0].get_clim()
    (3, (-2.0, 2.0))
    """

    def __init__(self, *, mscn_maps, labels=None):
        self.mscn_maps = mscn_maps
        self.labels = labels

    @validate_params(
        {
            "ax": "no_validation",
            "bins": [Interval(Integral, 1, None, closed="left")],
            "hist_range": [tuple, list, None],
            "vlim": [Interval(Real, 0, None, closed="neither")],
            "density": ["boolean"],
            "log": ["boolean"],
        },
        prefer_skip_nested_validation=True,
    )
    def plot(
        self, ax=None, *, bins=121, hist_range=(-3, 3), vlim=2.0, density=True, log=True
    ):
        """Draw each MSCN map and the histograms.

        Parameters
        ----------
        ax : sequence of matplotlib.axes.Axes, default=None
            ``n_images + 1`` axes: the maps, then the histograms; None makes
            a new figure.
        bins : int, default=121
            Number of histogram bins.
        hist_range : tuple of (float, float) or None, default=(-3, 3)
            Range of the histogram; None means the range of all the maps.
        vlim : float, default=2.0
            The maps are drawn with colour limits ``(-vlim, vlim)``.
        density : bool, default=True
            Normalise each histogram to a density, so images of different
            sizes compare; if False, bars count pixels.
        log : bool, default=True
            Logarithmic histogram axis, where the tails show.

        Returns
        -------
        display : MSCNDisplay
            The object, with its figure, axes and artists set.
        """
        plt = _check_matplotlib("MSCNDisplay.plot")
        maps = [np.asarray(m, dtype=np.float64) for m in self.mscn_maps]
        labels = self.labels or [f"image {i}" for i in range(len(maps))]
        if len(labels) != len(maps):
            raise ValueError(
                f"labels must have one entry per image ({len(maps)}); got "
                f"{len(labels)}."
            )
        fig, axes = _new_axes(
            plt, ax, len(maps) + 1, "MSCNDisplay", (3.6 * (len(maps) + 1), 3.4)
        )
        if hist_range is None:
            hist_range = (
                min(m.min() for m in maps),
                max(m.max() for m in maps),
            )
        edges = np.linspace(hist_range[0], hist_range[1], bins + 1)
        self.images_, self.hist_ = [], []
        for a, m, label in zip(axes, maps, labels):
            self.images_.append(a.imshow(m, cmap="gray", vmin=-vlim, vmax=vlim))
            a.set_title(f"MSCN, {label}")
            a.set_axis_off()
            counts, _ = np.histogram(m, bins=edges, density=density)
            self.hist_.append(axes[-1].stairs(counts, edges, label=str(label)))
        if log:
            axes[-1].set_yscale("log")
        axes[-1].set_xlabel("MSCN coefficient")
        axes[-1].set_ylabel("density" if density else "pixels")
        axes[-1].set_title("MSCN histogram")
        axes[-1].legend()
        self.axes_ = axes
        self.figure_ = fig
        return self

    @classmethod
    @validate_params(  # not skipping nested: plot validates its own **kwargs
        {
            "images": "no_validation",
            "labels": [list, tuple, None],
            "sigma": [Interval(Real, 0, None, closed="neither")],
            "window": [Interval(Integral, 1, None, closed="left")],
            "ax": "no_validation",
        },
        prefer_skip_nested_validation=False,
    )
    def from_images(cls, images, *, labels=None, sigma=7 / 6, window=7, ax=None, **kwargs):
        """Compute the MSCN coefficients of images and plot them.

        Parameters
        ----------
        images : ndarray, list of ndarray or LazyImages
            An image collection (colour images are converted to luminance),
            ``uint8`` or float in [0, 1]; a few images, each gets a panel.
        labels : list of str, default=None
            Title of each image.
        sigma : float, default=7/6
            Standard deviation of the Gaussian window of
            :func:`~skforensics.feature.mscn`.
        window : int, default=7
            Size of the Gaussian window.
        ax : sequence of matplotlib.axes.Axes, default=None
            ``n_images + 1`` axes; None makes a new figure.
        **kwargs : dict
            Passed to :meth:`plot`.

        Returns
        -------
        display : MSCNDisplay
            The object, with its figure, axes and artists set.
        """
        maps = list(mscn(check_images(images), sigma=sigma, window=window))
        display = cls(mscn_maps=maps, labels=None if labels is None else list(labels))
        return display.plot(ax=ax, **kwargs)
