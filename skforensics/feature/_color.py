"""A pipeline step that converts images to luminance."""

from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from ..base import ImageTransformerMixin
from ..utils._docstrings import fill_doc
from ..utils._validation import check_images

__all__ = ["GrayscaleTransformer"]


@fill_doc
class GrayscaleTransformer(ImageTransformerMixin, BaseEstimator):
    """Convert images to luminance with ITU-R BT.601 weights.

    The weights are MATLAB ``rgb2gray``'s, as in the papers that work in
    luminance (BRISQUE, the fake-4K detector). Grayscale images pass through,
    so a fitted transformer takes grayscale and colour collections alike; a
    list that mixes the two is refused (convert it with
    :func:`~skforensics.utils.to_grayscale` first). Use it as the first step
    of a pipeline whose estimator expects one channel.

    Read more in the :ref:`User Guide <image_collections>`.

    Attributes
    ----------
    {n_channels_in_}

    See Also
    --------
    skforensics.utils.to_grayscale : The function behind it.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.feature import GrayscaleTransformer
    >>> X = np.zeros((2, 8, 8, 3), dtype=np.uint8)
    >>> GrayscaleTransformer().fit_transform(X).shape
    (2, 8, 8)
    """

    _parameter_constraints = {}

    def transform(self, X):
        """Convert each image to luminance.

        {parameters_X_collection}

        Returns
        -------
        X_gray : same form as X
            Float images of shape ``(H, W)``.
        """
        # Gray and colour collections are both accepted whatever fit saw
        # (gray images pass through), so one pipeline serves both; a
        # collection mixing the two is refused like everywhere else.
        check_is_fitted(self, "n_channels_in_")
        return check_images(X, convert_to="gray")
