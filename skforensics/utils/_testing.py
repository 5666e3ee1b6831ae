"""Tiny synthetic images shared by the tests, doctests and examples."""

import numpy as np
from sklearn.base import is_classifier, is_regressor
from scipy import ndimage
from sklearn.utils import check_random_state

__all__ = ["make_test_images"]


def make_test_images(
    n_images=8, size=32, *, n_channels=None, dtype=np.float32, random_state=0
):
    """Make smooth random images with texture, for tests and doctests.

    Parameters
    ----------
    n_images : int, default=8
        Number of images.
    size : int or tuple of (int, int), default=32
        Height and width.
    n_channels : {None, 1, 3}, default=None
        ``None`` gives ``(n, H, W)``; an int adds a channel axis.
    dtype : dtype, default=np.float32
        ``uint8`` gives 0..255 data, floats lie in [0, 1].
    random_state : int, RandomState instance or None, default=0
        Seed of the noise.

    Returns
    -------
    images : ndarray of shape (n_images, H, W) or (n_images, H, W, n_channels)
        The images, in [0, 1] for float ``dtype`` and in 0..255 for
        ``uint8``.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.utils import make_test_images
    >>> X = make_test_images(4, size=16, n_channels=3)
    >>> X.shape, X.dtype
    ((4, 16, 16, 3), dtype('float32'))
    >>> make_test_images(2, size=(16, 24), dtype=np.uint8).shape
    (2, 16, 24)
    """
    rng = check_random_state(random_state)
    h, w = (size, size) if np.isscalar(size) else size
    c = 1 if n_channels is None else n_channels
    noise = rng.standard_normal((n_images, h, w, c))
    smooth = ndimage.gaussian_filter(noise, sigma=(0, 1.5, 1.5, 0))
    smooth /= np.abs(smooth).max() + 1e-12
    images = np.clip(0.5 + 0.35 * smooth + 0.05 * noise, 0, 1)
    if n_channels is None:
        images = images[..., 0]
    if np.dtype(dtype) == np.uint8:
        return np.round(images * 255).astype(np.uint8)
    return images.astype(dtype)


def default_data(estimator, n_images=8, size=16, n_channels=None):
    """Tiny images and, if the estimator needs them, targets (8 of 16x16)."""
    X = make_test_images(n_images, size, n_channels=n_channels, random_state=0)
    if is_classifier(estimator):
        y = np.arange(n_images) % 2
    elif is_regressor(estimator):
        y = np.linspace(0, 1, n_images)
    elif estimator.__sklearn_tags__().target_tags.required:
        y = np.arange(n_images) % 2  # a supervised transformer
    else:
        y = None
    return X, y
