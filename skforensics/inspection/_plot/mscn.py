"""MSCNDisplay: MSCN coefficients of images side by side with their histograms."""

from numbers import Integral, Real

import numpy as np

from ...feature import mscn
from ...utils import check_images
from ...utils._docstrings import fill_doc
from ...utils._param_validation import Interval, validate_params
from ._plotting import check_matplotlib_support, new_axes

__all__ = ["MSCNDisplay"]


@fill_doc
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

        {returns_display}
        """
        plt = check_matplotlib_support("MSCNDisplay.plot")
        maps = [np.asarray(m, dtype=np.float64) for m in self.mscn_maps]
        labels = self.labels or [f"image {i}" for i in range(len(maps))]
        if len(labels) != len(maps):
            raise ValueError(
                f"labels must have one entry per image ({len(maps)}); got "
                f"{len(labels)}."
            )
        fig, axes = new_axes(
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
    def from_images(
        cls, images, *, labels=None, sigma=7 / 6, window=7, ax=None, **kwargs
    ):
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
        {kwargs_to_plot_returns_display}
        """
        maps = list(mscn(check_images(images), sigma=sigma, window=window))
        display = cls(mscn_maps=maps, labels=None if labels is None else list(labels))
        return display.plot(ax=ax, **kwargs)
