"""JPEGMapDisplay: an image, its JPEG quality and flag maps, and their histogram."""

from numbers import Integral, Real

import numpy as np

from ...utils._docstrings import fill_doc
from ...utils._param_validation import Interval, validate_params
from ._plotting import (
    as_array,
    as_float_image,
    check_image,
    check_map,
    check_matplotlib_support,
    jpeg_title,
    new_axes,
    show_image,
)

__all__ = ["JPEGMapDisplay"]


@fill_doc
class JPEGMapDisplay:
    """An image, its JPEG quality and flag maps, and the quality histogram.

    Four panels side by side: the image, the per-pixel JPEG quality factor
    (0 to 100), the per-pixel probability of a JPEG history (0 to 1), and
    the histogram of the quality map. With a summary, the figure title gives
    the verdict, for example ``"JPEG quality ≈ 85, P(compressed) = 1.00"``.

    {display_create_and_read_more}

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
    verdict : str, default=None
        The audit's combined verdict, first in the title.
    confidence : str, default=None
        The verdict's confidence, for the title.
    resize_factor : float, default=None
        The factor of a resize after compression that the evidence read
        (``resize_factor`` of :func:`~skforensics.inspection.jpeg_evidence`),
        written beside the verdict.

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

    def __init__(
        self,
        *,
        image,
        quality_map,
        flag_map,
        quality=None,
        p_compressed=None,
        verdict=None,
        confidence=None,
        resize_factor=None,
    ):
        self.image = image
        self.quality_map = quality_map
        self.flag_map = flag_map
        self.quality = quality
        self.p_compressed = p_compressed
        self.verdict = verdict
        self.confidence = confidence
        self.resize_factor = resize_factor

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

        {returns_display}
        """
        plt = check_matplotlib_support("JPEGMapDisplay.plot")
        image = as_float_image(self.image)
        quality = np.asarray(self.quality_map, dtype=np.float64)
        flag = np.asarray(self.flag_map, dtype=np.float64)
        fig, axes = new_axes(plt, ax, 4, "JPEGMapDisplay", (15, 3.6))
        self.image_ = show_image(axes[0], image)
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
        # Counted by numpy, drawn from the counts: matplotlib's own hist of
        # every pixel costs a quarter of the figure.
        counts, edges = np.histogram(
            np.clip(quality.ravel(), 0, 100), bins=bins, range=(0, 100)
        )
        _, _, self.hist_ = axes[3].hist(edges[:-1], bins=edges, weights=counts)
        axes[3].set_xlabel("quality factor")
        axes[3].set_ylabel("pixels")
        axes[3].set_title("quality histogram")
        if self.p_compressed is not None or self.verdict is not None:
            verdict = self.verdict
            if verdict is not None and self.resize_factor is not None:
                verdict = f"{verdict} (factor {self.resize_factor:.2f})"
            fig.suptitle(
                jpeg_title(
                    self.quality,
                    self.p_compressed,
                    verdict=verdict,
                    confidence=self.confidence,
                )
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
            The image, ``uint8`` or float in [0, 1], or a PIL image.
        ax : sequence of 4 matplotlib.axes.Axes, default=None
            Axes to draw on; None makes a new figure.
        {kwargs_to_plot_returns_display}
        """
        image = as_array(image)
        if not hasattr(estimator, "predict_maps"):
            raise TypeError(
                "JPEGMapDisplay.from_estimator needs an estimator with "
                f"predict_maps; got {type(estimator).__name__}."
            )
        quality_maps, flag_maps, summary = estimator.predict_maps(
            [image], return_summary=True
        )
        quality = float(summary.quality[0])
        return cls.from_predictions(
            image,
            quality_maps[0],
            flag_maps[0],
            # NaN: no texture to read a JPEG history from.
            quality=None if np.isnan(quality) else min(max(quality, 0.0), 100.0),
            p_compressed=min(max(float(summary.proba[0, 1]), 0.0), 1.0),
            ax=ax,
            **kwargs,
        )

    @classmethod
    @validate_params(  # not skipping nested: plot validates its own **kwargs
        {
            "image": ["array-like"],
            "quality_map": ["array-like"],
            "flag_map": ["array-like"],
            "quality": [Interval(Real, 0, 100, closed="both"), None],
            "p_compressed": [Interval(Real, 0, 1, closed="both"), None],
            "verdict": [str, None],
            "confidence": [str, None],
            "resize_factor": [Interval(Real, 0, None, closed="neither"), None],
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
        verdict=None,
        confidence=None,
        resize_factor=None,
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
        verdict : str, default=None
            The audit's combined verdict (net and pixel evidence, see
            :func:`~skforensics.inspection.jpeg_audit`), first in the title.
        confidence : str, default=None
            The verdict's confidence, for the title.
        resize_factor : float, default=None
            The factor of a resize after compression read by the evidence,
            beside the verdict.
        ax : sequence of 4 matplotlib.axes.Axes, default=None
            Axes to draw on; None makes a new figure.
        {kwargs_to_plot_returns_display}
        """
        image = check_image(image)
        quality_map = check_map(quality_map, image.shape[:2], "quality_map")
        flag_map = check_map(flag_map, image.shape[:2], "flag_map")
        display = cls(
            image=image,
            quality_map=quality_map,
            flag_map=flag_map,
            quality=quality,
            p_compressed=p_compressed,
            verdict=verdict,
            confidence=confidence,
            resize_factor=resize_factor,
        )
        return display.plot(ax=ax, **kwargs)


