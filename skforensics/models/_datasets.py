"""Lazily indexed patch datasets and an image-level validation split."""

import numbers

import cv2
import numpy as np
import torch
from sklearn.model_selection import ShuffleSplit, StratifiedShuffleSplit

from ..datasets._jpeg import jpeg_uint8
from ..datasets._jpeg_tables import (
    closest_libjpeg_quality,
    draw_quantization_tables,
    jpeg_with_tables,
)
from ..feature._patches import patch_corners
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

        Parameters
        ----------
        i : int
            Index of the patch, from 0 to ``len(self) - 1``.

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

        Parameters
        ----------
        i : int
            Index of the patch, from 0 to ``len(self) - 1``.

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


# ---------------------------------------------------------------------------
# Pixelwise JPEG training patches (PixelwiseJPEGRegressor)
# ---------------------------------------------------------------------------

# Margin of random JPEG-grid phase: 16 covers the 16x16 MCU of 4:2:0.
_GRID_PHASES = 16


def _dihedral(array, k):
    """The k-th of the 8 rotations/flips of the first two axes."""
    if k >= 4:
        array = array[:, ::-1]
    return np.rot90(array, k % 4, axes=(0, 1))


_RESIZE_KERNELS = {
    "cubic": cv2.INTER_CUBIC,
    "lanczos": cv2.INTER_LANCZOS4,
    "area": cv2.INTER_AREA,
    "linear": cv2.INTER_LINEAR,
}


def _resize(region, factor, kernel):
    """A crop resized by ``factor`` with an OpenCV interpolation (uint8)."""
    height, width = region.shape[:2]
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    resized = cv2.resize(
        np.ascontiguousarray(region), size, interpolation=_RESIZE_KERNELS[kernel]
    )
    return resized.reshape(size[1], size[0], *region.shape[2:])


class JPEGPatchDataset(torch.utils.data.Dataset):
    """Training patches drawn online, reproducibly, from a list of images.

    Item ``i`` of epoch ``e`` is drawn with a generator seeded by
    ``(seed, stream, e, i)``, so the patches do not depend on the number of
    data-loader workers, on the batch size or on the order of access, and a
    resumed training sees the same patches as an uninterrupted one.

    Parameters
    ----------
    images : list of ndarray of shape (H, W, 3) and dtype uint8
        The images.
    targets : None, ndarray of shape (n_images,) or list of ndarray
        None: the images were never compressed and each patch is compressed
        here at a random quality (or left alone). Otherwise the known JPEG
        quality per image (NaN = never compressed) or per pixel (arrays of
        shape (H, W)); the patches are then only cropped.
    n_patches : int
        Length of the dataset (patches per epoch).
    patch_size : int
        Side of the square patches.
    quality_range : tuple of (int, int)
        Inclusive range of the random qualities.
    quality_weights : None or ndarray of shape (high - low + 1,)
        Probabilities of the qualities of ``quality_range``, in order; None
        draws them uniformly.
    uncompressed_fraction : float
        Probability that a patch is left uncompressed.
    subsampling : tuple of str
        Chroma subsamplings to draw from.
    tables : tuple of (tuple of str, sequence of float), default=(("libjpeg",), (1.0,))
        Quantisation-table families and their probabilities. libjpeg's
        patches go through OpenCV; the others through Pillow with the drawn
        tables, labelled with their closest libjpeg quality.
    augment : bool
        Apply a random one of the 8 dihedral transforms.
    seed : int
        Base seed.
    stream : int, default=0
        0 for training, 1 for validation (whose patches do not change with
        the epoch).
    resize_fraction : float, default=0.0
        Probability that a crop is resized after its JPEG round trip (or
        without one, for the uncompressed crops: they stay negatives), by a
        factor drawn log-uniformly from ``resize_range`` with one of
        ``resize_kernels``; its quality target stays the compression's.
        0 draws nothing more, so the patches are those of a dataset without
        the option.
    resize_range : tuple of (float, float), default=(0.5, 2.0)
        Range of the resize factors.
    resize_kernels : tuple of str, default=("cubic", "lanczos", "area")
        OpenCV interpolations to draw from (``INTER_CUBIC``,
        ``INTER_LANCZOS4``, ``INTER_AREA``, ``INTER_LINEAR`` for
        ``"linear"``).

    Attributes
    ----------
    epoch : int
        Set by the estimator at the start of each epoch.
    """

    def __init__(
        self,
        images,
        targets,
        *,
        n_patches,
        patch_size,
        quality_range,
        uncompressed_fraction,
        subsampling,
        augment,
        seed,
        stream=0,
        quality_weights=None,
        tables=(("libjpeg",), (1.0,)),
        resize_fraction=0.0,
        resize_range=(0.5, 2.0),
        resize_kernels=("cubic", "lanczos", "area"),
    ):
        self.images = images
        self.targets = targets
        self.n_patches = n_patches
        self.patch_size = patch_size
        self.quality_range = quality_range
        self.quality_weights = quality_weights
        self.uncompressed_fraction = uncompressed_fraction
        self.subsampling = subsampling
        self.tables = tables
        self.augment = augment
        self.seed = seed
        self.stream = stream
        self.resize_fraction = resize_fraction
        self.resize_range = resize_range
        self.resize_kernels = resize_kernels
        self.epoch = 0

    def __len__(self):
        return self.n_patches

    def draw(self, index):
        """Return ``(patch, quality_map, flag_map)`` as numpy arrays.

        ``patch`` is uint8 of shape ``(patch_size, patch_size, 3)``; the maps
        are float32 of shape ``(patch_size, patch_size)``.
        """
        epoch = 0 if self.stream else self.epoch
        rng = np.random.default_rng((self.seed, self.stream, epoch, int(index)))
        image_index = int(rng.integers(len(self.images)))
        image = self.images[image_index]
        size = self.patch_size
        k = int(rng.integers(8)) if self.augment else 0
        height, width = image.shape[:2]
        if self.targets is None:
            # Crop with a margin, transform, compress the whole crop (its
            # top-left corner starts the 8x8 grid), then cut the patch at a
            # random offset, so that every JPEG grid phase is seen.
            factor = None
            if self.resize_fraction and rng.random() < self.resize_fraction:
                low, high = self.resize_range
                factor = float(np.exp(rng.uniform(np.log(low), np.log(high))))
                kernels = self.resize_kernels
                kernel = kernels[int(rng.integers(len(kernels)))]
                # The crop is resized to at least the patch and its margin.
                need = int(np.ceil((size + _GRID_PHASES - 1) / factor)) + 2
                if need > min(height, width):
                    factor = None  # too small an image for this factor
            side = min(height, width, size + _GRID_PHASES - 1)
            if factor is not None:
                side = need
            top = int(rng.integers(height - side + 1))
            left = int(rng.integers(width - side + 1))
            region = _dihedral(image[top : top + side, left : left + side], k)
            compress = rng.random() >= self.uncompressed_fraction
            low, high = self.quality_range
            if self.quality_weights is None:
                quality = int(rng.integers(low, high + 1))
            else:
                quality = low + int(rng.choice(high - low + 1, p=self.quality_weights))
            subsampling = self.subsampling[int(rng.integers(len(self.subsampling)))]
            families, weights = self.tables
            family = families[0]
            if len(families) > 1:  # one family draws nothing: libjpeg's stream
                family = families[int(rng.choice(len(families), p=weights))]
            if compress and family == "libjpeg":
                region = jpeg_uint8(region, quality, subsampling)
            elif compress:
                luma, chroma = draw_quantization_tables(
                    family, quality, rng, subsampling
                )
                region = jpeg_with_tables(region, luma, chroma, subsampling)
                quality = closest_libjpeg_quality(luma)[0]
            if factor is not None:
                region = _resize(region, factor, kernel)
                side = min(region.shape[:2])
            dy = int(rng.integers(side - size + 1))
            dx = int(rng.integers(side - size + 1))
            patch = region[dy : dy + size, dx : dx + size]
            level = 1.0 - quality / 100.0 if compress else 0.0
            quality_map = np.full((size, size), level, dtype=np.float32)
            flag_map = np.full((size, size), float(compress), dtype=np.float32)
            return np.ascontiguousarray(patch), quality_map, flag_map
        top = int(rng.integers(height - size + 1))
        left = int(rng.integers(width - size + 1))
        patch = _dihedral(image[top : top + size, left : left + size], k)
        target = self.targets[image_index]
        if np.ndim(target) == 0:
            target = np.full((size, size), target, dtype=np.float32)
        else:
            target = _dihedral(target[top : top + size, left : left + size], k)
        compressed = np.isfinite(target)
        quality_map = np.where(compressed, 1.0 - target / 100.0, 0.0)
        return (
            np.ascontiguousarray(patch),
            quality_map.astype(np.float32),
            compressed.astype(np.float32),
        )

    def __getitem__(self, index):
        patch, quality_map, flag_map = self.draw(index)
        x = torch.from_numpy(patch.transpose(2, 0, 1).astype(np.float32) / 255.0)
        y = torch.from_numpy(np.stack([quality_map, flag_map]))
        return x, y


def _check_targets(y, shapes, *, n_images=None):
    """Per-image (float) or per-pixel (float32 arrays) targets, NaN kept."""
    n_images = len(shapes) if shapes is not None else n_images
    if isinstance(y, (list, tuple)) and y and np.ndim(y[0]) == 2:
        targets = [np.asarray(t, dtype=np.float32) for t in y]
    else:
        array = np.asarray(y, dtype=np.float64)
        if array.ndim == 1:
            targets = list(array)
        elif array.ndim == 3:
            targets = list(array.astype(np.float32))
        else:
            raise ValueError(
                "y must be the JPEG quality per image, of shape (n_images,), or "
                "per pixel, of shape (n_images, height, width); got an array of "
                f"shape {array.shape}."
            )
    if len(targets) != n_images:
        raise ValueError(
            f"y has {len(targets)} entries but X has {n_images} images; give one "
            "quality per image (or one map per image)."
        )
    for i, target in enumerate(targets):
        if shapes is not None and np.ndim(target) == 2:
            if tuple(np.shape(target)) != tuple(shapes[i]):
                raise ValueError(
                    f"The quality map of image {i} has shape {np.shape(target)}, "
                    f"but the image is {tuple(shapes[i])}; they must match."
                )
        values = np.asarray(target)
        finite = values[~np.isnan(values)]
        if np.isinf(values).any() or ((finite < 0) | (finite > 100)).any():
            raise ValueError(
                f"y must hold JPEG qualities in [0, 100], or NaN for never "
                f"compressed; got values out of range for image {i}."
            )
    return targets


def _worker_init(worker_id):
    # Patches are seeded per item; only keep OpenCV from oversubscribing.
    cv2.setNumThreads(1)
