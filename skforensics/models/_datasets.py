"""Lazily indexed patch datasets and an image-level validation split."""

import numbers

import numpy as np
import torch
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

from ..feature._patches import patch_corners
from ..utils._validation import image_shapes

__all__ = ["ImageSplit", "PatchDataset"]

_SAMPLINGS = ("grid", "random", "center")


class PatchDataset(torch.utils.data.Dataset):
    """Patches of an image collection, indexed lazily, one label per image.

    The dataset stores the images and, per patch, only the image index and
    the top-left corner (decided by
    :func:`skforensics.feature.patch_corners`); a patch is cut when it is
    accessed, so the patches of a collection are never materialised
    together. The label of an image is repeated for each of its patches.

    Read more in the :ref:`User Guide <patch_cnn>`.

    Parameters
    ----------
    images : ndarray, list of ndarray or LazyImages
        A collection already checked by
        :func:`~skforensics.utils.check_images` (float, ``(H, W)`` or
        ``(H, W, C)`` per image). It is not copied or modified.
    y : array-like of shape (n_images,) or None, default=None
        One target per image. ``None`` gives patches without targets (a
        dummy 0 is returned, as skorch expects a pair).
    patch_size : tuple of (int, int), default=(64, 64)
        Patch height and width.
    sampling : {"grid", "random", "center"}, default="grid"
        ``"grid"``: all tiles on a grid with ``stride``; ``"random"``:
        ``n_patches`` corners per image, drawn again by :meth:`resample`
        (the estimators call it at the start of every epoch);
        ``"center"``: the centre tile.
    stride : int or tuple of (int, int), default=None
        Grid step; ``None`` means ``patch_size`` (non-overlapping tiles).
    n_patches : int, default=1
        Patches per image for ``sampling="random"``.
    augment : bool, default=False
        If True, each patch is flipped and rotated by a multiple of 90
        degrees, drawn anew with the corners.
    indices : array-like of int, default=None
        Restrict the dataset to these images (used by the validation split).
    random_state : int, default=0
        Seed of the random corners and augmentations; epoch ``e`` uses the
        stream ``(random_state, e)``, so sampling does not depend on the
        loader or on other draws.
    target_dtype : torch.dtype, default=torch.int64
        Type of the returned targets.

    Attributes
    ----------
    patch_index_ : ndarray of shape (n_patches_total, 4)
        Image index, top row, left column and augmentation code of every
        patch of the current epoch.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.models import PatchDataset
    >>> images = np.zeros((3, 64, 96), dtype=np.float32)
    >>> ds = PatchDataset(images, [0, 1, 1], patch_size=(32, 32))
    >>> len(ds), ds[7][0].shape, int(ds[7][1])
    (18, torch.Size([1, 32, 32]), 1)
    """

    def __init__(
        self,
        images,
        y=None,
        *,
        patch_size=(64, 64),
        sampling="grid",
        stride=None,
        n_patches=1,
        augment=False,
        indices=None,
        random_state=0,
        target_dtype=torch.int64,
    ):
        if sampling not in _SAMPLINGS:
            raise ValueError(
                f"sampling must be one of {_SAMPLINGS}; got {sampling!r} instead."
            )
        self.images = images
        self.y = None if y is None else np.asarray(y)
        self.patch_size = tuple(patch_size)
        self.sampling = sampling
        self.stride = stride
        self.n_patches = n_patches
        self.augment = augment
        self.indices = (
            np.arange(len(images)) if indices is None else np.asarray(indices, int)
        )
        self.random_state = int(random_state)
        self.target_dtype = target_dtype
        self._shapes = None
        self.epoch_ = -1
        self.resample(0)

    def _image_shapes(self):
        if self._shapes is None:
            self._shapes = image_shapes(self.images)
        return self._shapes

    def subset(self, indices):
        """A dataset over the images ``self.indices[indices]``, same settings.

        Parameters
        ----------
        indices : array-like of int
            Positions in :attr:`indices` of the images to keep.

        Returns
        -------
        dataset : PatchDataset
        """
        sub = PatchDataset.__new__(PatchDataset)
        sub.__dict__.update(self.__dict__)
        sub.indices = self.indices[np.asarray(indices, int)]
        del sub.patch_index_
        epoch, sub.epoch_ = max(self.epoch_, 0), -1
        sub.resample(epoch)
        return sub

    def resample(self, epoch):
        """Decide the patches of an epoch (new corners for random sampling).

        Parameters
        ----------
        epoch : int
            Epoch number, which seeds the draw together with ``random_state``.

        Returns
        -------
        self : PatchDataset
        """
        if epoch == self.epoch_ and hasattr(self, "patch_index_"):
            return self
        fixed = self.sampling != "random" and hasattr(self, "patch_index_")
        if fixed and not self.augment:
            self.epoch_ = epoch
            return self
        rng = np.random.default_rng([self.random_state, epoch])
        if fixed:
            index = self.patch_index_.copy()
        else:
            shapes = self._image_shapes()
            blocks = []
            for i in self.indices:
                kwargs = {}
                if self.sampling == "random":
                    kwargs = dict(
                        n_patches=self.n_patches,
                        random_state=int(rng.integers(2**31 - 1)),
                    )
                elif self.sampling == "grid":
                    kwargs = dict(stride=self.stride)
                rows, cols = patch_corners(
                    shapes[i], self.patch_size, sampling=self.sampling, **kwargs
                )
                if self.sampling != "random":
                    rows, cols = np.meshgrid(rows, cols, indexing="ij")
                rows, cols = np.ravel(rows), np.ravel(cols)
                block = np.empty((rows.size, 4), dtype=np.int64)
                block[:, 0] = i
                block[:, 1] = rows
                block[:, 2] = cols
                block[:, 3] = 0
                blocks.append(block)
            index = np.concatenate(blocks) if blocks else np.empty((0, 4), np.int64)
        if self.augment:
            index[:, 3] = rng.integers(8, size=len(index))
        self.patch_index_ = index
        self.epoch_ = epoch
        return self

    def __len__(self):
        return len(self.patch_index_)

    def get_patch(self, i):
        """The ``i``-th patch as a float32 array of shape (C, ph, pw)."""
        image_idx, row, col, code = self.patch_index_[i]
        ph, pw = self.patch_size
        patch = np.asarray(self.images[image_idx])[row:row + ph, col:col + pw]
        if patch.ndim == 2:
            patch = patch[np.newaxis]
        else:
            patch = np.moveaxis(patch, -1, 0)
        if code:
            if code & 4:
                patch = patch[:, :, ::-1]
            patch = np.rot90(patch, k=int(code & 3), axes=(1, 2))
        return np.ascontiguousarray(patch, dtype=np.float32)

    def __getitem__(self, i):
        patch = torch.from_numpy(self.get_patch(i))
        if self.y is None:
            target = torch.zeros((), dtype=self.target_dtype)
        else:
            target = torch.as_tensor(self.y[self.patch_index_[i, 0]]).to(
                self.target_dtype
            )
        return patch, target


class ImageSplit:
    """Internal validation split of a :class:`PatchDataset` by image.

    Pass it as ``train_split`` to a patch estimator: a share of the
    *images* is held out, so patches of one image never fall on both sides.
    The split is stratified on the image labels when they are classes.

    Read more in the :ref:`User Guide <patch_cnn>`.

    Parameters
    ----------
    test_size : float or int, default=0.2
        Share (float in (0, 1)) or number (int) of images held out.
    stratified : bool, default=True
        Stratify on the image labels (classification).
    random_state : int or None, default=None
        Seed of the split; ``None`` takes the dataset's seed, which comes
        from the estimator's ``random_state``.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.models import ImageSplit, PatchDataset
    >>> ds = PatchDataset(np.zeros((10, 32, 32)), np.arange(10) % 2,
    ...                   patch_size=(16, 16))
    >>> train, valid = ImageSplit(0.2)(ds)
    >>> len(train), len(valid), len(set(train.indices) & set(valid.indices))
    (32, 8, 0)
    """

    def __init__(self, test_size=0.2, *, stratified=True, random_state=None):
        self.test_size = test_size
        self.stratified = stratified
        self.random_state = random_state

    def __repr__(self):
        return (
            f"ImageSplit(test_size={self.test_size!r}, stratified="
            f"{self.stratified!r}, random_state={self.random_state!r})"
        )

    def __call__(self, dataset, y=None, **fit_params):
        if not isinstance(dataset, PatchDataset):
            raise TypeError(
                "ImageSplit splits a PatchDataset by image; got "
                f"{type(dataset).__name__}."
            )
        size = self.test_size
        valid_size = isinstance(size, numbers.Real) and 0 < size < 1
        valid_size |= isinstance(size, numbers.Integral) and size >= 1
        if not valid_size or isinstance(size, bool):
            raise ValueError(
                "The 'test_size' parameter of ImageSplit must be a float in "
                f"(0, 1) or an int >= 1. Got {size!r} instead."
            )
        seed = dataset.random_state if self.random_state is None else self.random_state
        n = len(dataset.indices)
        labels = None if dataset.y is None else dataset.y[dataset.indices]
        dummy = np.zeros((n, 1))
        if self.stratified and labels is not None and labels.dtype.kind in "iub":
            splitter = StratifiedShuffleSplit(1, test_size=size, random_state=seed)
            try:
                train, valid = next(splitter.split(dummy, labels))
            except ValueError as exc:
                raise ValueError(
                    f"Cannot hold out a stratified share {size!r} of {n} images "
                    f"for validation ({exc}). Pass more images, a larger "
                    "test_size, or train_split=None."
                ) from None
        else:
            splitter = ShuffleSplit(1, test_size=size, random_state=seed)
            train, valid = next(splitter.split(dummy))
        return dataset.subset(np.sort(train)), dataset.subset(np.sort(valid))
