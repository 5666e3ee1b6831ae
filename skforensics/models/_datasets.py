"""Lazily indexed patch datasets and an image-level validation split.

The pixelwise JPEG net's training patches are in :mod:`._jpeg_datasets`.
"""

import numbers

import numpy as np
import torch
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

from ..feature._patches import patch_corners
from ..utils._docstrings import fill_doc
from ..utils._validation import image_shapes

__all__ = ["ImageSplit", "PatchDataset"]

_SAMPLINGS = ("grid", "random", "center", "mask", "contour")
_MASK_TARGETS = ("mean", "label")


def _mask_centres(mask, sampling):
    """Flat indices of the pixels a patch may be centred on: the non-zero
    pixels of ``mask`` (``"mask"``) or those of them with a 4-neighbour
    outside it (``"contour"``; the image border does not count as outside).
    A mask that covers the whole image has no contour: its pixels are used."""
    support = np.asarray(mask) != 0
    if sampling == "contour" and support.any():
        from scipy.ndimage import binary_erosion

        edge = support & ~binary_erosion(support, border_value=1)
        if edge.any():
            support = edge
    centres = np.flatnonzero(support)
    # Kept per image for the whole fit: int32 halves the memory.
    return centres.astype(np.int32) if support.size < 2**31 else centres


@fill_doc
class PatchDataset(torch.utils.data.Dataset):
    """Patches of an image collection, indexed lazily, one label per image.

    The dataset stores the images and, per patch, only the image index and
    the top-left corner (decided by
    :func:`skforensics.feature.patch_corners`); a patch is cut when it is
    accessed, so the patches of a collection are never materialised
    together. The label of an image is repeated for each of its patches,
    unless per-image ``masks`` give each patch its own target (patch
    supervision, see ``mask_target``).

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
    sampling : {"grid", "random", "center", "mask", "contour"}, default="grid"
        ``"grid"``: all tiles on a grid with ``stride``; ``"random"``:
        ``n_patches`` corners per image, drawn again by :meth:`resample`
        (the estimators call it at the start of every epoch);
        ``"center"``: the centre tile. ``"mask"`` and ``"contour"`` need
        ``masks``: half of each image's ``n_patches`` (rounded up) are
        centred on random pixels of its mask (``"mask"``: its non-zero
        pixels; ``"contour"``: those with a 4-neighbour outside it, as
        Chandakkar & Li crop patches around the tampered contour), moved
        inside the image where they would cross its border, and the others
        drawn uniformly as with ``"random"``; an image whose mask is empty
        gets ``n_patches`` uniform patches.
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
    masks : sequence of ndarray of shape (H_i, W_i) or None, default=None
        One map per image, of the image's height and width (checked by the
        caller). With masks, a patch's target comes from the map under it
        (``mask_target``), and ``y`` gives the label of the masked patches.
    mask_target : {"mean", "label"}, default="mean"
        How a patch's target comes from its map. ``"mean"`` (regression):
        the mean of the map over the patch, standardised as
        ``(mean - target_offset) / target_scale``. ``"label"``
        (classification, ``y`` holding class indices): the image's label
        ``y[i]`` if the map has a non-zero pixel in the central part of the
        patch (the middle ``ph // 2`` x ``pw // 2`` window, so that the
        evidence lies well inside it, stretched to the image's border
        where the patch touches it), else class index 0.
    target_offset, target_scale : float, default=0.0, 1.0
        Standardisation of the ``"mean"`` targets.

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

    Patch targets from per-pixel maps (the mean of the map over the patch):

    >>> maps = np.zeros((3, 64, 96), dtype=np.float32)
    >>> maps[:, :32, :32] = 1.0
    >>> ds = PatchDataset(images, [0, 1, 1], patch_size=(32, 32), masks=maps,
    ...                   target_dtype=torch.float32)
    >>> ds.patch_targets()[:6].tolist()
    [1.0, 0.0, 0.0, 0.0, 0.0, 0.0]
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
        masks=None,
        mask_target="mean",
        target_offset=0.0,
        target_scale=1.0,
    ):
        if sampling not in _SAMPLINGS:
            raise ValueError(
                f"sampling must be one of {_SAMPLINGS}; got {sampling!r} instead."
            )
        if mask_target not in _MASK_TARGETS:
            raise ValueError(
                f"mask_target must be one of {_MASK_TARGETS}; got {mask_target!r} "
                "instead."
            )
        if masks is None and sampling in ("mask", "contour"):
            raise ValueError(
                f"sampling={sampling!r} centres patches on the masks; pass masks "
                "(one map per image) or use sampling='random'."
            )
        if masks is not None and len(masks) != len(images):
            raise ValueError(
                f"masks has {len(masks)} maps but there are {len(images)} images; "
                "pass one map per image."
            )
        self.masks = masks
        self.mask_target = mask_target
        self.target_offset = float(target_offset)
        self.target_scale = float(target_scale)
        self._centres = {}
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
            A new dataset sharing the images (not copied), with the
            patches of the current epoch drawn for the kept images.
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
            The dataset, with ``patch_index_`` set for this epoch.
        """
        if epoch == self.epoch_ and hasattr(self, "patch_index_"):
            return self
        drawn = self.sampling in ("random", "mask", "contour")
        fixed = not drawn and hasattr(self, "patch_index_")
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
                if self.sampling in ("mask", "contour"):
                    rows, cols = self._mask_corners(i, shapes[i], rng)
                else:
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

    def _mask_corners(self, i, shape, rng):
        """Corners of image ``i``: half centred on its mask, half uniform."""
        centres = self._centres.get(i)
        if centres is None:
            centres = self._centres[i] = _mask_centres(self.masks[i], self.sampling)
        n_focus = (self.n_patches + 1) // 2 if centres.size else 0
        seed = int(rng.integers(2**31 - 1))
        rows, cols = patch_corners(
            shape,
            self.patch_size,
            sampling="random",
            n_patches=max(self.n_patches - n_focus, 1),
            random_state=seed,
        )
        rows, cols = np.ravel(rows), np.ravel(cols)
        if n_focus == self.n_patches:
            rows, cols = rows[:0], cols[:0]
        if n_focus:
            ph, pw = self.patch_size
            height, width = shape
            picked = centres[rng.integers(centres.size, size=n_focus)]
            r, c = np.divmod(picked, width)
            r = np.clip(r - ph // 2, 0, height - ph)
            c = np.clip(c - pw // 2, 0, width - pw)
            rows, cols = np.r_[r, rows], np.r_[c, cols]
        return rows, cols

    def patch_target(self, i):
        """Return the target of the ``i``-th patch (see ``mask_target``).

        {parameters_patch_index}

        Returns
        -------
        target : float or int
            The image's target without masks; otherwise the standardised
            mean of the map over the patch (``"mean"``) or the class index
            (``"label"``).
        """
        image_idx, row, col, _ = self.patch_index_[i]
        if self.masks is None:
            return self.y[image_idx]
        ph, pw = self.patch_size
        mask = np.asarray(self.masks[image_idx])
        window = mask[row : row + ph, col : col + pw]
        if self.mask_target == "mean":
            mean = float(np.mean(window, dtype=np.float64))
            return (mean - self.target_offset) / self.target_scale
        # The middle half, up to the image border where the patch touches it.
        height, width = mask.shape[:2]
        qh, qw = ph // 4, pw // 4
        top = 0 if row == 0 else qh
        bottom = ph if row + ph >= height else ph - qh
        left = 0 if col == 0 else qw
        right = pw if col + pw >= width else pw - qw
        centre = window[top:bottom, left:right]
        return self.y[image_idx] if np.any(centre) else 0

    def patch_targets(self):
        """Return the targets of all the patches of the current epoch.

        Returns
        -------
        targets : ndarray of shape (len(self),)
            :meth:`patch_target` of every patch, in order.
        """
        return np.asarray([self.patch_target(i) for i in range(len(self))])

    def __len__(self):
        return len(self.patch_index_)

    def get_patch(self, i):
        """Return the ``i``-th patch as a float32 array of shape (C, ph, pw).

        {parameters_patch_index}

        Returns
        -------
        patch : ndarray of shape (n_channels, patch_height, patch_width)
            The patch, channel first, as float32, flipped and rotated when
            ``augment`` is True.
        """
        image_idx, row, col, code = self.patch_index_[i]
        ph, pw = self.patch_size
        patch = np.asarray(self.images[image_idx])[row : row + ph, col : col + pw]
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
        if self.y is None and self.masks is None:
            target = torch.zeros((), dtype=self.target_dtype)
        else:
            target = torch.as_tensor(self.patch_target(i)).to(self.target_dtype)
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
