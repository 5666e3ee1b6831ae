"""Base classes shared by the image transformers and estimators."""

from sklearn.base import TransformerMixin
from sklearn.utils.validation import check_is_fitted

from .utils._validation import check_images

__all__ = ["ImageEstimatorMixin", "ImageTransformerMixin"]


class ImageEstimatorMixin:
    """Mixin for estimators whose ``X`` is an image collection.

    Its tags tell scikit-learn that X is a collection of images (a 3-D or
    4-D array, or a list), never a 2-D table, and that an estimator with a
    ``random_state`` left to None is not deterministic.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        if getattr(self, "random_state", 0) is None:
            tags.non_deterministic = True
        return tags


class ImageTransformerMixin(ImageEstimatorMixin, TransformerMixin):
    """Mixin for transformers whose ``X`` is an image collection.

    It sets the tags that tell scikit-learn the input is not a 2-D table and
    gives stateless per-image transformers their ``fit``: validate the
    parameters and the collection and remember its channel count in
    ``n_channels_in_``. Subclasses with checks of their own on the training
    images override :meth:`_check_fit_images`, and call
    :meth:`_check_images` in ``transform`` with ``reset=False`` to get the
    same validation and a ``NotFittedError`` before ``fit``.
    """

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags

    def _check_images(self, X, *, reset, **kwargs):
        """Validate ``X`` with :func:`check_images`; set or check ``n_channels_in_``."""
        if not reset:
            check_is_fitted(self, "n_channels_in_")
        X = check_images(X, **kwargs)
        channels = _first_n_channels(X)
        if reset:
            self.n_channels_in_ = channels
        elif channels != self.n_channels_in_:
            raise ValueError(
                f"X has {channels}-channel images, but {type(self).__name__} was "
                f"fitted on {self.n_channels_in_}-channel images."
            )
        return X

    def _check_fit_images(self, X):
        """Validate the training images (``reset=True``); subclasses add checks."""
        self._check_images(X, reset=True)

    def fit(self, X, y=None):
        """Validate the parameters and the images; record their channel count.

        Parameters
        ----------
        X : ndarray, list of ndarray or LazyImages
            Image collection.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        self._validate_params()
        self._check_fit_images(X)
        return self


def _first_n_channels(X):
    """Channel count of a checked collection, reading at most one lazy image."""
    first = X[0]
    return 1 if first.ndim == 2 else first.shape[2]
