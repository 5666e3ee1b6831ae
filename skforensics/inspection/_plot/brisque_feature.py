"""BRISQUEFeatureDisplay: per-class densities of chosen BRISQUE features."""

from numbers import Integral

import numpy as np

from ...feature._brisque import _FEATURE_NAMES
from ...utils._docstrings import fill_doc
from ...utils._param_validation import Interval, StrOptions, validate_params
from ._plotting import check_matplotlib_support, new_axes

__all__ = ["BRISQUEFeatureDisplay"]


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


@fill_doc
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

        {returns_display}
        """
        plt = check_matplotlib_support("BRISQUEFeatureDisplay.plot")
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
        fig, axes = new_axes(
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
        {kwargs_to_plot_returns_display}
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
        {kwargs_to_plot_returns_display}
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


