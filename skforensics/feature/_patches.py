"""Patch grids: where patches sit in an image, and views of them."""

import numbers

import numpy as np
from numpy.lib.stride_tricks import as_strided
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state

from ..base import ImageTransformerMixin
from ..utils._docstrings import fill_doc
from ..utils._parallel import N_JOBS_CONSTRAINT, map_image_chunks
from ..utils._param_validation import (
    Interval,
    Pair,
    StrOptions,
    as_pair,
    check_pair,
    validate_parameter_constraints,
)

__all__ = [
    "PatchGridExtractor",
    "extract_patches",
    "grid_strides",
    "patch_corners",
]


def grid_strides(image_shape, patch_size, grid):
    """Return the strides that place a fixed ``grid`` of patches over an image.

    This is eq. 2 of Chandakkar & Li: along each axis the stride is
    ``floor((size - patch) / (n - 1))`` (0 for a single patch, which is then
    centred), so images of any size map to the same ``U x V`` grid, the first
    patch at the top-left border and the last within one stride of the far
    border.

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width, ...)`` of the image.
    patch_size : int or tuple of (int, int)
        Patch height and width.
    grid : tuple of (int, int)
        Number of patches ``(U, V)`` along height and width.

    Returns
    -------
    strides : tuple of (int, int)
        Vertical and horizontal stride in pixels.

    Raises
    ------
    ValueError
        If the image is smaller than one patch. Strides smaller than one pixel
        are refused too: the image is too small to hold ``grid`` distinct
        patches.

    References
    ----------
    .. [1] P. Chandakkar and B. Li, "Capturing Localized Image Artifacts
       through a CNN-based Hyper-image Representation", arXiv:1711.04945, 2017.

    Examples
    --------
    >>> from skforensics.feature import grid_strides
    >>> grid_strides((128, 200), 32, (4, 4))
    (32, 56)
    """
    ph, pw = check_pair(patch_size, "patch_size", "grid_strides")
    gu, gv = check_pair(grid, "grid", "grid_strides")
    height, width = image_shape[:2]
    _check_fits(image_shape, (ph, pw))
    strides = []
    for size, patch, n in ((height, ph, gu), (width, pw, gv)):
        if n == 1:
            strides.append(0)
            continue
        stride = (size - patch) // (n - 1)
        if stride < 1:
            raise ValueError(
                f"An image of {height}x{width} pixels cannot hold a grid of "
                f"{gu}x{gv} distinct {ph}x{pw} patches; it must be at least "
                f"{ph + gu - 1}x{pw + gv - 1}. Pass larger images or a smaller "
                "grid or patch_size."
            )
        strides.append(stride)
    return tuple(strides)


def _check_fits(image_shape, patch_size):
    height, width = image_shape[:2]
    ph, pw = patch_size
    if height < ph or width < pw:
        raise ValueError(
            f"Images are {height}x{width} but patch_size is ({ph}, {pw}); lower "
            "patch_size or pass larger images."
        )


def patch_corners(
    image_shape,
    patch_size,
    *,
    sampling="grid",
    stride=None,
    grid=None,
    n_patches=None,
    random_state=None,
):
    """Top-left corners of the patches taken from one image.

    This is the one place where patch positions are decided; the patch
    extractor and the patch-based estimators all call it, so a heat map always
    lines up with the patches an estimator saw.

    Parameters
    ----------
    image_shape : tuple of int
        ``(height, width, ...)`` of the image.
    patch_size : int or tuple of (int, int)
        Patch height and width.
    sampling : {"grid", "center", "random"}, default="grid"
        ``"grid"``: a regular grid, by ``stride`` or a fixed ``grid``.
        ``"center"``: a contiguous block of ``grid`` patches (default one)
        centred in the image. ``"random"``: ``n_patches`` corners drawn
        uniformly, independently, with ``random_state``.
    stride : int or tuple of (int, int), default=None
        Step between grid patches; ``None`` means ``patch_size``
        (non-overlapping tiles). Ignored when ``grid`` is given.
    grid : tuple of (int, int), default=None
        Fixed number of patches ``(U, V)``; for ``"grid"`` the strides come
        from :func:`grid_strides` (eq. 2 of Chandakkar & Li).
    n_patches : int, default=None
        Number of random patches (``sampling="random"``); default 1.
    random_state : int, RandomState instance or None, default=None
        Seed for ``sampling="random"``.

    Returns
    -------
    rows : ndarray of shape (U,) or (n_patches,)
        Top row of each grid row (``"grid"``/``"center"``) or of each random
        patch.
    cols : ndarray of shape (V,) or (n_patches,)
        Left column of each grid column, or of each random patch. For grids,
        the corners are the outer product ``rows x cols``.

    Examples
    --------
    >>> from skforensics.feature import patch_corners
    >>> rows, cols = patch_corners((100, 130), 32)
    >>> rows.tolist(), cols.tolist()
    ([0, 32, 64], [0, 32, 64, 96])
    >>> rows, cols = patch_corners((100, 130), 32, sampling="center")
    >>> rows.tolist(), cols.tolist()
    ([34], [49])
    """
    ph, pw = check_pair(patch_size, "patch_size", "patch_corners")
    height, width = image_shape[:2]
    _check_fits(image_shape, (ph, pw))
    if sampling == "grid":
        if grid is not None:
            sh, sw = grid_strides(image_shape, (ph, pw), grid)
            gu, gv = as_pair(grid)
            rows = np.arange(gu) * sh + (0 if gu > 1 else (height - ph) // 2)
            cols = np.arange(gv) * sw + (0 if gv > 1 else (width - pw) // 2)
            return rows, cols
        sh, sw = check_pair(stride, "stride", "patch_corners", allow_none=True) or (
            ph,
            pw,
        )
        return np.arange(0, height - ph + 1, sh), np.arange(0, width - pw + 1, sw)
    if sampling == "center":
        gu, gv = check_pair(grid, "grid", "patch_corners", allow_none=True) or (1, 1)
        if gu * ph > height or gv * pw > width:
            raise ValueError(
                f"Images are {height}x{width} but a centred block of {gu}x{gv} "
                f"patches of {ph}x{pw} needs {gu * ph}x{gv * pw}; lower grid or "
                "patch_size or pass larger images."
            )
        top = (height - gu * ph) // 2
        left = (width - gv * pw) // 2
        return top + np.arange(gu) * ph, left + np.arange(gv) * pw
    if sampling == "random":
        # An int, not truncated nor parsed (2.5 patches, "3").
        validate_parameter_constraints(
            {"n_patches": [Interval(numbers.Integral, 1, None, closed="left"), None]},
            {"n_patches": n_patches},
            "patch_corners",
        )
        k = 1 if n_patches is None else int(n_patches)
        rng = check_random_state(random_state)
        rows = rng.randint(0, height - ph + 1, size=k)
        cols = rng.randint(0, width - pw + 1, size=k)
        return rows, cols
    raise ValueError(
        f"sampling must be one of 'grid', 'center' or 'random'; got {sampling!r}."
    )


def _windows(image, rows, cols, patch_size):
    """A (U, V, ph, pw[, C]) strided view of a regular grid of patches."""
    ph, pw = patch_size
    sh = int(rows[1] - rows[0]) if len(rows) > 1 else 1
    sw = int(cols[1] - cols[0]) if len(cols) > 1 else 1
    base = image[rows[0]:, cols[0]:]
    s = base.strides
    shape = (len(rows), len(cols), ph, pw) + image.shape[2:]
    strides = (s[0] * sh, s[1] * sw, s[0], s[1]) + s[2:]
    return as_strided(base, shape=shape, strides=strides, writeable=False)


def extract_patches(
    image,
    patch_size,
    *,
    sampling="grid",
    stride=None,
    grid=None,
    n_patches=None,
    random_state=None,
):
    """Extract patches from one image, as a read-only view where possible.

    Read more in the :ref:`User Guide <patches>`.

    Parameters
    ----------
    image : ndarray of shape (height, width) or (height, width, n_channels)
        The image. It is not copied for ``"grid"`` and ``"center"``.
    patch_size : int or tuple of (int, int)
        Patch height and width.
    sampling : {"grid", "center", "random"}, default="grid"
        Where the patches are; see :func:`patch_corners`.
    stride : int or tuple of (int, int), default=None
        Step between grid patches; ``None`` means non-overlapping tiles.
    grid : tuple of (int, int), default=None
        A fixed ``(U, V)`` grid whose strides are computed from the image.
    n_patches : int, default=None
        Number of random patches; default 1.
    random_state : int, RandomState instance or None, default=None
        Seed for ``sampling="random"``.

    Returns
    -------
    patches : ndarray
        ``(U, V, ph, pw[, C])`` for ``"grid"`` and ``"center"``: a read-only
        strided view sharing memory with ``image`` (copy it before writing).
        ``(n_patches, ph, pw[, C])`` for ``"random"`` (a copy).

    Notes
    -----
    A view costs no memory, but its patches overlap whenever the stride is
    smaller than the patch: ``np.ascontiguousarray(patches)`` then needs
    ``U * V * ph * pw`` elements, which can be many times the image, as with
    :func:`skimage.util.view_as_windows`.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.feature import extract_patches
    >>> image = np.arange(36.0).reshape(6, 6)
    >>> patches = extract_patches(image, 2, stride=2)
    >>> patches.shape
    (3, 3, 2, 2)
    >>> patches[1, 2]
    array([[16., 17.],
           [22., 23.]])
    """
    image = np.asarray(image)
    if image.ndim not in (2, 3):
        raise ValueError(
            "image must have shape (height, width) or (height, width, n_channels);"
            f" got an array of shape {image.shape}. For a collection, use "
            "PatchGridExtractor."
        )
    ph, pw = check_pair(patch_size, "patch_size", "extract_patches")
    rows, cols = patch_corners(
        image.shape,
        (ph, pw),
        sampling=sampling,
        stride=stride,
        grid=grid,
        n_patches=n_patches,
        random_state=random_state,
    )
    if sampling == "random":
        r = rows[:, None, None] + np.arange(ph)[None, :, None]
        c = cols[:, None, None] + np.arange(pw)[None, None, :]
        return image[r, c]
    return _windows(image, rows, cols, (ph, pw))


def _extract_chunk(X, seeds, patch_size, kwargs):
    """The patches of each image of a chunk (a seed each; -1: no seed)."""
    return [
        extract_patches(
            X[i], patch_size, random_state=None if seed < 0 else int(seed), **kwargs
        )
        for i, seed in enumerate(seeds)
    ]


@fill_doc
class PatchGridExtractor(ImageTransformerMixin, BaseEstimator):
    """Cut every image of a collection into patches on a grid.

    Unlike :class:`sklearn.feature_extraction.image.PatchExtractor`, patches
    never become rows: the first axis stays one entry per image, so the
    output lines up with ``y`` and splits stay by image.

    Read more in the :ref:`User Guide <patches>`.

    Parameters
    ----------
    patch_size : int or tuple of (int, int), default=(64, 64)
        Patch height and width.

    sampling : {"grid", "center", "random"}, default="grid"
        Where patches are taken; see :func:`patch_corners`.

    stride : int or tuple of (int, int), default=None
        Step between grid patches; ``None`` means non-overlapping tiles.

    grid : tuple of (int, int), default=None
        A fixed ``(U, V)`` grid whose strides are computed per image, so that
        images of any size give the same grid; for ``"center"``, the size of
        the centred block.

    n_patches : int, default=1
        Number of patches per image for ``sampling="random"``.

    random_state : int, RandomState instance or None, default=None
        Seed for ``sampling="random"``. Each image gets its own stream drawn
        from it, so results do not depend on ``n_jobs`` or batching.

    n_jobs : int, default=None
        Number of joblib workers cutting the images of a list or a
        :class:`~skforensics.utils.LazyImages` (each worker reads its own
        files), or drawing random patches. ``None`` means 1 unless in a
        :func:`joblib.parallel_backend` context; ``-1`` means all
        processors. A grid on one ndarray is a view, made in no time: it
        ignores ``n_jobs``. The patches do not depend on it.

    Attributes
    ----------
    {n_channels_in_}

    See Also
    --------
    extract_patches : The same for one image.
    patch_corners : The corners of the patches.

    Notes
    -----
    :meth:`transform` returns a read-only strided view of the input when the
    input is one ndarray and the patch positions are the same for every
    image; otherwise it copies. Overlapping patches of a view cost no memory
    until copied (see :func:`extract_patches`).

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.feature import PatchGridExtractor
    >>> X = np.zeros((5, 96, 128), dtype=np.float32)
    >>> PatchGridExtractor(patch_size=32).fit_transform(X).shape
    (5, 3, 4, 32, 32)
    >>> PatchGridExtractor(patch_size=32, grid=(2, 2)).fit_transform(X).shape
    (5, 2, 2, 32, 32)
    """

    _parameter_constraints = {
        "patch_size": [Pair(1)],
        "sampling": [StrOptions({"grid", "center", "random"})],
        "stride": [Pair(1), None],
        "grid": [Pair(1), None],
        "n_patches": [Interval(numbers.Integral, 1, None, closed="left")],
        "random_state": ["random_state"],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(
        self,
        patch_size=(64, 64),
        *,
        sampling="grid",
        stride=None,
        grid=None,
        n_patches=1,
        random_state=None,
        n_jobs=None,
    ):
        self.patch_size = patch_size
        self.sampling = sampling
        self.stride = stride
        self.grid = grid
        self.n_patches = n_patches
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _check_fit_images(self, X):
        self._check_images(X, reset=True, min_size=as_pair(self.patch_size))

    def transform(self, X):
        """Extract the patches of every image.

        {parameters_X_collection}

        Returns
        -------
        patches : ndarray or list of ndarray
            ``(n_images, U, V, ph, pw[, C])`` for ``"grid"``/``"center"``, or
            ``(n_images, n_patches, ph, pw[, C])`` for ``"random"``. A list of
            per-image ``(U_i, V_i, ph, pw[, C])`` arrays when the grid differs
            between images (different sizes and no fixed ``grid``).
        """
        ph, pw = as_pair(self.patch_size)
        X = self._check_images(
            X,
            reset=False,
            min_size=(ph, pw),
            min_size_hint=f" for patch_size=({ph}, {pw})",
        )
        kwargs = dict(
            sampling=self.sampling,
            stride=self.stride,
            grid=self.grid,
            n_patches=self.n_patches,
        )
        if self.sampling == "random":
            # One seed per image, drawn here: the same patches whatever the
            # chunks the workers get.
            seeds = check_random_state(self.random_state).randint(
                np.iinfo(np.int32).max, size=len(X)
            )
            chunks = map_image_chunks(
                _extract_chunk, X, self.n_jobs, (ph, pw), kwargs, per_image=seeds
            )
            return np.stack([p for chunk in chunks for p in chunk])
        if isinstance(X, np.ndarray):
            # One view over the whole stack: the image axis is one more stride.
            rows, cols = patch_corners(X.shape[1:], (ph, pw), **kwargs)
            view = _windows(np.moveaxis(X, 0, -1), rows, cols, (ph, pw))
            return np.moveaxis(view, -1, 0)
        no_seeds = np.full(len(X), -1)
        chunks = map_image_chunks(
            _extract_chunk, X, self.n_jobs, (ph, pw), kwargs, per_image=no_seeds
        )
        patches = [p for chunk in chunks for p in chunk]
        if len({p.shape for p in patches}) == 1:
            return np.stack(patches)
        return patches

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.non_deterministic = False
        return tags
