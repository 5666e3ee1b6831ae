"""Pixelwise JPEG quality-factor and compression-flag estimation on skorch."""

import copy
import importlib.resources
import json
import numbers
import os
import warnings

import cv2
import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import InvalidParameterError
from skorch import NeuralNetRegressor
from skorch.utils import to_tensor
from torch.utils.data import DataLoader, Dataset

from ..datasets._jpeg import SUBSAMPLING, jpeg_uint8
from ..nn import JPEGQualityNet
from ..utils import LazyImages, check_images
from ._base import SkorchCompatMixin, _fuse_conv_bn

__all__ = ["PixelwiseJPEGRegressor", "load_pretrained_jpeg"]

# Margin of random JPEG-grid phase: 16 covers the 16x16 MCU of 4:2:0.
_GRID_PHASES = 16
WEIGHTS_FORMAT = "skforensics-jpeg-quality/1"


# ---------------------------------------------------------------------------
# Pixels
# ---------------------------------------------------------------------------


def _replicate_gray(image):
    """Repeat a one-channel image (any dtype) to three channels."""
    image = np.asarray(image)
    if image.ndim == 2:
        return np.repeat(image[..., np.newaxis], 3, axis=2)
    if image.ndim == 3 and image.shape[2] == 1:
        return np.repeat(image, 3, axis=2)
    return image


def _as_rgb(X):
    """Repeat the grayscale images of a collection to RGB, keeping its form."""
    if isinstance(X, LazyImages):
        return X.map(_replicate_gray)
    if isinstance(X, np.ndarray) and X.dtype != object:
        if X.ndim == 3:
            return np.repeat(X[..., np.newaxis], 3, axis=3)
        if X.ndim == 4 and X.shape[3] == 1:
            return np.repeat(X, 3, axis=3)
        return X
    if isinstance(X, (list, tuple)):
        return [_replicate_gray(image) for image in X]
    return X


def _to_uint8(image):
    return np.round(np.clip(image, 0.0, 1.0) * 255.0).astype(np.uint8)


def _dihedral(array, k):
    """The k-th of the 8 rotations/flips of the first two axes."""
    if k >= 4:
        array = array[:, ::-1]
    return np.rot90(array, k % 4, axes=(0, 1))


# ---------------------------------------------------------------------------
# Training patches
# ---------------------------------------------------------------------------


class JPEGPatchDataset(Dataset):
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
    augment : bool
        Apply a random one of the 8 dihedral transforms.
    seed : int
        Base seed.
    stream : int, default=0
        0 for training, 1 for validation (whose patches do not change with
        the epoch).

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
    ):
        self.images = images
        self.targets = targets
        self.n_patches = n_patches
        self.patch_size = patch_size
        self.quality_range = quality_range
        self.quality_weights = quality_weights
        self.uncompressed_fraction = uncompressed_fraction
        self.subsampling = subsampling
        self.augment = augment
        self.seed = seed
        self.stream = stream
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
            side = min(height, width, size + _GRID_PHASES - 1)
            top = int(rng.integers(height - side + 1))
            left = int(rng.integers(width - side + 1))
            region = _dihedral(image[top : top + side, left : left + side], k)
            compress = rng.random() >= self.uncompressed_fraction
            low, high = self.quality_range
            if self.quality_weights is None:
                quality = int(rng.integers(low, high + 1))
            else:
                quality = low + int(
                    rng.choice(high - low + 1, p=self.quality_weights)
                )
            subsampling = self.subsampling[int(rng.integers(len(self.subsampling)))]
            if compress:
                region = jpeg_uint8(region, quality, subsampling)
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


# The ways ``pooling`` turns a map into one image-level number.
_POOLINGS = {
    "median": lambda m: float(np.median(m)),
    "mean": lambda m: float(m.mean(dtype=np.float64)),
}


def _worker_init(worker_id):
    # Patches are seeded per item; only keep OpenCV from oversubscribing.
    cv2.setNumThreads(1)


# ---------------------------------------------------------------------------
# Parameter checks
# ---------------------------------------------------------------------------


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _invalid(name, expected, value, owner="PixelwiseJPEGRegressor"):
    raise InvalidParameterError(
        f"The {name!r} parameter of {owner} must be {expected}. Got {value!r} instead."
    )


def _check_subsampling(value):
    options = tuple(SUBSAMPLING)
    expected = f"one of {options} or a non-empty tuple of them"
    values = (value,) if isinstance(value, str) else value
    try:
        values = tuple(values)
    except TypeError:
        _invalid("chroma_subsampling", expected, value)
    if not values or not all(isinstance(v, str) and v in SUBSAMPLING for v in values):
        _invalid("chroma_subsampling", expected, value)
    return values


# ---------------------------------------------------------------------------
# The estimator
# ---------------------------------------------------------------------------


class PixelwiseJPEGRegressor(SkorchCompatMixin, NeuralNetRegressor):
    """Pixelwise JPEG quality-factor and compression-flag estimator.

    A :class:`skorch.NeuralNetRegressor` around
    :class:`~skforensics.nn.JPEGQualityNet`, the dilated fully convolutional
    net of Uchida et al. For every pixel it estimates the JPEG quality
    factor the image was ever compressed with and whether it ever was, from
    the pixels alone (so a PNG that hides a JPEG history is caught too).

    ``fit(X)`` takes **never-compressed** images and trains on patches made
    online in the data loader: a random ``patch_size`` crop, a random one of
    the 8 rotations/flips, then, with probability ``1 -
    uncompressed_fraction``, an in-memory JPEG round trip at a quality drawn
    uniformly from ``quality_range``. ``fit(X, y)`` trains on labelled
    images instead: ``y`` gives the quality of each image, or of each pixel.

    Read more in the :ref:`User Guide <pixelwise_jpeg>`.

    Parameters
    ----------
    module : torch module class, default=JPEGQualityNet
        The net, passed uninstantiated; set its parameters with the
        ``module__`` prefix, e.g. ``module__n_filters=32`` for the narrow net
        of the shipped weights, which trains about 3x faster on a CPU than
        the paper's 64 filters, or ``module__front_end="pixels"`` for the
        paper's input (see :class:`~skforensics.nn.JPEGQualityNet`).

    criterion : torch criterion class, default=torch.nn.MSELoss
        Loss between the two output maps and their targets (the paper's MSE,
        averaged over both maps and all pixels).

    optimizer : torch optim class, default=torch.optim.Adam
        The optimizer.

    lr : float, default=1e-3
        Learning rate.

    max_epochs : int, default=10
        Epochs of ``patches_per_epoch`` patches.

    batch_size : int, default=32
        Patches per batch (and in :meth:`predict_maps`, unused: images are
        processed one tile at a time).

    patch_size : int, default=60
        Side of the square training patches; every training image must be at
        least that large.

    patches_per_epoch : int, default=2000
        Training patches drawn per epoch.

    quality_range : tuple of (int, int), default=(5, 100)
        Inclusive range of the JPEG qualities drawn uniformly for the
        training patches, with ``1 <= low <= high <= 100``. Only used by
        ``fit(X)`` without ``y`` and by ``score(X)`` without ``y``.

    quality_weights : array-like of shape (high - low + 1,), default=None
        Relative frequencies of the training qualities ``low, low + 1, ...,
        high`` of ``quality_range`` (non-negative, normalised here); None
        draws them uniformly. Weighting the highest qualities up teaches the
        hardest cases, Q99 and Q100, more often. Only used by ``fit(X)``
        without ``y``.

    uncompressed_fraction : float in [0, 1], default=0.1
        Probability that a training patch is left uncompressed (targets 0 and
        0). Only used without ``y``.

    chroma_subsampling : {"4:2:0", "4:2:2", "4:4:4"} or tuple, default="4:2:0"
        Chroma subsampling of the training JPEGs; a tuple draws one per
        patch. ``"4:2:0"`` is Pillow's and OpenCV's default, and libjpeg's.

    augment : bool, default=True
        Apply a random one of the 8 dihedral transforms (rotations by 90
        degrees and flips) to each training patch.

    tile_size : int, default=400
        Side of the tiles of :meth:`predict_maps`; each tile is computed with
        a halo of ``receptive_field // 2`` pixels (19 for the default net,
        39 with the shipped weights' quality tests) on every side, so the
        maps equal those of the whole image while memory stays bounded
        (about 0.26 GB at 1920x1080 for the shipped net) whatever the image
        size. At 400 every array of a tile stays under 32 MB, the size up to
        which glibc's allocator reuses freed memory instead of mapping (and
        faulting in) fresh pages for every tile: on Linux, maps of
        1920x1080 images took about a fifth less time than with tiles of
        512, despite the larger share of halo.

    pooling : {"median", "mean"}, default="median"
        How :meth:`predict` and :meth:`predict_proba` pool each map into
        one number per image. ``"mean"`` is Uchida et al.'s map mean;
        ``"median"`` resists the flat and saturated regions, whose pixels
        carry little evidence and drift towards the average answer (on the
        validation images it lowers the quality error, see the
        :ref:`User Guide <jpeg>`).

    train_split : None or callable, default=None
        None trains on all images. A skorch splitter such as
        ``skorch.dataset.ValidSplit(5)`` is applied to the **images**, not to
        patches (patches of one image never land on both sides); the
        validation patches are drawn once from the held-out images.

    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation and every training patch (crop,
        transform, quality), independently of the number of data-loader
        workers. Pass an int for reproducible training.

    device : str or torch.device, default="cpu"
        Where the net runs, e.g. ``"cuda"``.

    verbose : int, default=1
        Print skorch's per-epoch table when > 0.

    **kwargs
        Other :class:`skorch.NeuralNet` parameters (``callbacks``,
        ``iterator_train__num_workers``, ``module__n_filters``, ...).

    Attributes
    ----------
    module_ : JPEGQualityNet
        The fitted net.

    seed_ : int
        The seed actually used for training (drawn from ``random_state``).

    history_ : skorch.History
        Per-epoch training record (also ``history``).

    n_channels_in_ : int
        Always 3: grayscale images are repeated to RGB.

    quality_calibration_ : dict or None
        Per ``pooling``, the knots ``(pooled, quality)`` of the increasing
        map :meth:`predict` applies to the pooled quality map, fitted by
        :meth:`calibrate_quality`; None (after :meth:`fit`) for none.

    See Also
    --------
    skforensics.nn.JPEGQualityNet : The torch module.
    skforensics.datasets.make_jpeg_images : Images labelled by JPEG quality.
    skforensics.datasets.make_collages : Images with a JPEG-compressed region.
    load_pretrained_jpeg : The shipped weights, as a fitted estimator.

    Notes
    -----
    **Outputs.** :meth:`predict_maps` gives a quality-factor map ``100 * (1 -
    q)`` and a flag map ``f``, both clipped (to [0, 100] and [0, 1]).
    :meth:`predict` gives the image's quality factor: the quality map pooled
    as ``pooling`` says (the paper's mean, or the median), then corrected by
    the quality calibration if there is one (:meth:`calibrate_quality`; the
    shipped weights have one). :meth:`predict_proba` gives ``[1 - p, p]``
    with ``p`` the pooled flag map; by the paper's rule an image was ever
    compressed when ``p > 0.5``. A never-compressed image has quality
    factor 100 by construction (its quality map target is 0), so read
    :meth:`predict` together with :meth:`predict_proba`.

    **Input.** Grayscale images are repeated to three channels, which is
    exactly the RGB image a grayscale JPEG decodes to, and a colour JPEG of a
    gray image has the same luminance as a grayscale JPEG. Images are rounded
    to 8 bits before the net sees them, as JPEG does (so 16-bit and float
    images are read as their 8-bit versions); float images must lie in [0, 1].
    Images smaller than the receptive field (39 pixels for the default net)
    work but every pixel then sees the zero padding, so a warning says the
    maps are unreliable.

    **Score.** :meth:`score` is the negative mean absolute error of the
    image-level quality factor, higher is better, as scikit-learn's scorers
    want. Never-compressed images count as quality 100, the quality map's
    own convention.

    **Cost.** For the default net with 32 filters, on 2 CPU cores: about 65
    training patches of 60x60 per second, and 0.3 s for the maps of a
    512x512 image, 2.2 s for 1920x1080. The paper's 64 filters cost
    about three times as much. The shipped weights' net, with its quality
    tests (``module__lattice_qualities``): about 46 training patches of
    64x64 per second, 0.4 to 0.5 s at 512x512 and 4.1 to 4.7 s at
    1920x1080.

    References
    ----------
    .. [1] K. Uchida, M. Tanaka and M. Okutomi, "Pixelwise JPEG compression
       detection and quality factor estimation based on convolutional neural
       network", IS&T Electronic Imaging, 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.models import PixelwiseJPEGRegressor
    >>> from skforensics.utils import make_test_images
    >>> X = make_test_images(4, 64, n_channels=3)
    >>> est = PixelwiseJPEGRegressor(
    ...     module__n_filters=4, patches_per_epoch=8, max_epochs=1,
    ...     verbose=0, random_state=0,
    ... ).fit(X)
    >>> est.predict(X).shape, est.predict_proba(X).shape
    ((4,), (4, 2))
    >>> quality_maps, flag_maps = est.predict_maps(X[:2])
    >>> quality_maps.shape, flag_maps.dtype
    ((2, 64, 64), dtype('float32'))
    """

    def __init__(
        self,
        module=JPEGQualityNet,
        *,
        criterion=torch.nn.MSELoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=10,
        batch_size=32,
        patch_size=60,
        patches_per_epoch=2000,
        quality_range=(5, 100),
        quality_weights=None,
        uncompressed_fraction=0.1,
        chroma_subsampling="4:2:0",
        augment=True,
        tile_size=400,
        pooling="median",
        train_split=None,
        random_state=None,
        device="cpu",
        verbose=1,
        **kwargs,
    ):
        super().__init__(
            module,
            criterion=criterion,
            optimizer=optimizer,
            lr=lr,
            max_epochs=max_epochs,
            batch_size=batch_size,
            train_split=train_split,
            device=device,
            verbose=verbose,
            **kwargs,
        )
        self.patch_size = patch_size
        self.patches_per_epoch = patches_per_epoch
        self.quality_range = quality_range
        self.quality_weights = quality_weights
        self.uncompressed_fraction = uncompressed_fraction
        self.chroma_subsampling = chroma_subsampling
        self.augment = augment
        self.tile_size = tile_size
        self.pooling = pooling
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.target_tags.required = False
        return tags

    # -- parameters and initialisation ------------------------------------

    def _check_params(self):
        """Check the parameters skorch does not know; raise sklearn's message."""
        qr = self.quality_range
        if (
            not isinstance(qr, (tuple, list))
            or len(qr) != 2
            or not all(_is_int(q) for q in qr)
            or not 1 <= qr[0] <= qr[1] <= 100
        ):
            _invalid(
                "quality_range",
                "a tuple (low, high) of ints with 1 <= low <= high <= 100",
                qr,
            )
        self._quality_probabilities()
        uf = self.uncompressed_fraction
        if not isinstance(uf, numbers.Real) or isinstance(uf, bool) or not 0 <= uf <= 1:
            _invalid("uncompressed_fraction", "a float in the range [0, 1]", uf)
        if not _is_int(self.patch_size) or self.patch_size < 16:
            _invalid("patch_size", "an int >= 16", self.patch_size)
        if not _is_int(self.patches_per_epoch) or self.patches_per_epoch < 1:
            _invalid("patches_per_epoch", "an int >= 1", self.patches_per_epoch)
        if not _is_int(self.tile_size) or self.tile_size < 16:
            _invalid("tile_size", "an int >= 16", self.tile_size)
        self._pool()
        if not isinstance(self.augment, (bool, np.bool_)):
            _invalid("augment", "a bool", self.augment)
        _check_subsampling(self.chroma_subsampling)
        rs = self.random_state
        if not (rs is None or _is_int(rs) or isinstance(rs, np.random.RandomState)):
            _invalid("random_state", "an int, a RandomState instance or None", rs)

    def _quality_probabilities(self):
        """``quality_weights`` checked and normalised, or None."""
        if self.quality_weights is None:
            return None
        low, high = self.quality_range
        expected = (
            f"None or {high - low + 1} non-negative finite weights, one per "
            f"quality of quality_range={tuple(self.quality_range)}, not all zero"
        )
        try:
            weights = np.asarray(self.quality_weights, dtype=np.float64)
        except (TypeError, ValueError):
            _invalid("quality_weights", expected, self.quality_weights)
        if (
            weights.shape != (high - low + 1,)
            or not np.isfinite(weights).all()
            or (weights < 0).any()
            or weights.sum() <= 0
        ):
            _invalid("quality_weights", expected, self.quality_weights)
        return weights / weights.sum()

    def initialize(self):
        """Check the parameters, draw the seed and initialise the net.

        Returns
        -------
        self : PixelwiseJPEGRegressor
            The initialised estimator.
        """
        self._check_params()
        rng = check_random_state(self.random_state)
        self.seed_ = int(rng.randint(np.iinfo(np.int32).max))
        return super().initialize()

    def initialize_module(self):
        """Build the net with weights seeded by ``random_state``.

        Returns
        -------
        self : PixelwiseJPEGRegressor
            The estimator with ``module_`` set.
        """
        if getattr(self, "seed_", None) is None:
            return super().initialize_module()
        # Seed the initial weights without touching torch's global stream.
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(self.seed_)
            return super().initialize_module()

    # -- data ---------------------------------------------------------------

    def _check_fit_data(self, X, y):
        """Validate images and targets; return uint8 RGB images and targets."""
        size = self.patch_size
        X = check_images(
            _as_rgb(X),
            check_range=True,
            min_size=size,
            min_size_hint=f" for patch_size={size}",
        )
        images = [_to_uint8(np.asarray(X[i])) for i in range(len(X))]
        self.n_channels_in_ = 3
        if y is None:
            return images, None
        targets = _check_targets(y, [img.shape[:2] for img in images])
        return images, targets

    def _patch_dataset(self, images, targets, *, n_patches, stream=0):
        return JPEGPatchDataset(
            images,
            targets,
            n_patches=n_patches,
            patch_size=self.patch_size,
            quality_range=tuple(self.quality_range),
            quality_weights=self._quality_probabilities(),
            uncompressed_fraction=float(self.uncompressed_fraction),
            subsampling=_check_subsampling(self.chroma_subsampling),
            augment=bool(self.augment),
            seed=self.seed_,
            stream=stream,
        )

    def get_dataset(self, X, y=None):
        """Return the online patch dataset over the images ``X``.

        Parameters
        ----------
        X : ndarray, list of ndarray, LazyImages or torch Dataset
            Image collection (a Dataset is returned as is).
        y : None or array-like
            Targets, as in :meth:`fit`.

        Returns
        -------
        dataset : JPEGPatchDataset
            ``patches_per_epoch`` patches, redrawn at every epoch.
        """
        if isinstance(X, Dataset):
            return X
        images, targets = self._check_fit_data(X, y)
        return self._patch_dataset(images, targets, n_patches=self.patches_per_epoch)

    def get_split_datasets(self, X, y=None, **fit_params):
        """Split the **images** with ``train_split``, then make patch datasets.

        Parameters
        ----------
        X : ndarray, list of ndarray or LazyImages
            Image collection.
        y : None or array-like
            Targets, as in :meth:`fit`.
        **fit_params : dict
            Passed to ``train_split``.

        Returns
        -------
        dataset_train, dataset_valid : JPEGPatchDataset, JPEGPatchDataset or None
        """
        if isinstance(X, Dataset):
            return super().get_split_datasets(X, y, **fit_params)
        images, targets = self._check_fit_data(X, y)
        n_patches = self.patches_per_epoch
        if not self.train_split:
            return self._patch_dataset(images, targets, n_patches=n_patches), None
        index = np.arange(len(images))
        part_train, part_valid = self.train_split(index, **fit_params)
        idx_train = np.asarray(part_train.indices)
        idx_valid = np.asarray(part_valid.indices)

        def subset(idx):
            return [images[i] for i in idx], (
                None if targets is None else [targets[i] for i in idx]
            )

        n_valid = max(1, round(n_patches * len(idx_valid) / max(len(idx_train), 1)))
        return (
            self._patch_dataset(*subset(idx_train), n_patches=n_patches),
            self._patch_dataset(*subset(idx_valid), n_patches=n_valid, stream=1),
        )

    def get_iterator(self, dataset, training=False):
        """Data loader seeded by ``random_state``, OpenCV on one thread per worker.

        The loader gets its own seeded ``generator`` (unless one is given
        with the ``iterator_train__``/``iterator_valid__`` prefix), so
        training leaves torch's global random stream alone and the workers'
        seeds are reproducible. The patches themselves are seeded per item.

        Parameters
        ----------
        dataset : torch Dataset
            The patches.
        training : bool, default=False
            Whether it is the training loader.

        Returns
        -------
        iterator : torch.utils.data.DataLoader
        """
        prefix = "iterator_train" if training else "iterator_valid"
        iterator = self.iterator_train if training else self.iterator_valid
        kwargs = self.get_params_for(prefix)
        kwargs.setdefault("batch_size", self.batch_size)
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = len(dataset)
        if iterator is DataLoader:
            seed = getattr(self, "seed_", None)
            if seed is not None:
                kwargs.setdefault("generator", torch.Generator().manual_seed(seed))
            if kwargs.get("num_workers", 0):
                kwargs.setdefault("worker_init_fn", _worker_init)
        return iterator(dataset, **kwargs)

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        """Start an epoch and tell the patch dataset its number."""
        super().on_epoch_begin(
            net, dataset_train=dataset_train, dataset_valid=dataset_valid, **kwargs
        )
        if isinstance(dataset_train, JPEGPatchDataset):
            dataset_train.epoch = len(self.history) - 1

    def get_loss(self, y_pred, y_true, X=None, training=False):
        """MSE between the output maps and their targets, both maps together.

        Parameters
        ----------
        y_pred : torch.Tensor of shape (batch, 2, height, width)
            The net's raw maps.
        y_true : torch.Tensor of shape (batch, 2, height, width)
            Quality-map and flag-map targets.
        X : torch.Tensor, default=None
            Unused.
        training : bool, default=False
            Unused.

        Returns
        -------
        loss : torch.Tensor
        """
        y_true = to_tensor(y_true, device=self.device)
        return self.criterion_(y_pred, y_true)

    # -- fit ------------------------------------------------------------------

    def fit(self, X, y=None, **fit_params):
        """Train the net on patches drawn online from the images ``X``.

        Parameters
        ----------
        X : ndarray, list of ndarray or LazyImages
            Image collection, grayscale or RGB, at least ``patch_size`` on
            each side. Without ``y`` they must never have been
            JPEG-compressed. They are held in memory as 8-bit RGB while
            training.
        y : None, array-like of shape (n_images,), or (n_images, H, W)
            None: train on online JPEG round trips of ``X``. Otherwise the
            JPEG quality in [0, 100] each image (or each pixel: an array, or
            a list of ``(H, W)`` arrays for images of different sizes) was
            ever compressed with, NaN where never compressed.
        **fit_params : dict
            Passed to ``train_split`` and to the module's ``forward``.

        Returns
        -------
        self : PixelwiseJPEGRegressor
            The fitted estimator.
        """
        # A calibration belongs to the net it was measured on.
        self.quality_calibration_ = None
        return super().fit(X, y, **fit_params)

    def check_data(self, X, y=None):
        # Targets come from the patch dataset; nothing for skorch to check.
        pass

    # -- prediction -----------------------------------------------------------

    def _check_predict_images(self, X):
        self.check_is_fitted()
        return check_images(_as_rgb(X), check_range=True)

    def _inference_module(self):
        """An evaluation copy of the net: batch norm folded, channels_last."""
        module = _fuse_conv_bn(copy.deepcopy(self.module_).eval())
        return module.to(device=self.device, memory_format=torch.channels_last)

    def _image_maps(self, image, module=None):
        """Quality and flag maps (unclipped, float32) of one float image."""
        if module is None:
            module = self._inference_module()
        halo = int(module.receptive_field) // 2
        height, width = image.shape[:2]
        if min(height, width) < 2 * halo + 1:
            warnings.warn(
                f"An image of {height}x{width} pixels is smaller than the "
                f"{2 * halo + 1}-pixel receptive field of the net: all its pixels "
                "see the zero padding and the maps are unreliable.",
                UserWarning,
                stacklevel=4,
            )
        pixels = np.round(np.clip(image, 0.0, 1.0) * 255.0) / 255.0
        x = torch.from_numpy(
            np.ascontiguousarray(pixels.transpose(2, 0, 1), np.float32)
        )
        x = x.unsqueeze(0)
        tile = int(self.tile_size)
        out = np.empty((2, height, width), dtype=np.float32)
        for top in range(0, height, tile):
            bottom = min(top + tile, height)
            y0, y1 = max(0, top - halo), min(height, bottom + halo)
            for left in range(0, width, tile):
                right = min(left + tile, width)
                x0, x1 = max(0, left - halo), min(width, right + halo)
                piece = x[:, :, y0:y1, x0:x1].to(self.device)
                piece = piece.contiguous(memory_format=torch.channels_last)
                with torch.inference_mode():
                    maps = module(piece)
                maps = maps[0, :, top - y0 : bottom - y0, left - x0 : right - x0]
                out[:, top:bottom, left:right] = maps.float().cpu().numpy()
        return out

    def _clipped_maps(self, image, module):
        """The (quality factor, flag) maps of one float image, clipped."""
        maps = self._image_maps(image, module)
        quality = 100.0 * (1.0 - np.clip(maps[0], 0.0, 1.0))
        return quality.astype(np.float32), np.clip(maps[1], 0.0, 1.0)

    def _iter_maps(self, X):
        """Yield the clipped (quality factor, flag) maps of each image."""
        X = self._check_predict_images(X)
        module = self._inference_module()
        for i in range(len(X)):
            yield self._clipped_maps(np.asarray(X[i]), module)

    def predict_maps(self, X):
        """Estimate the quality-factor and compression-flag maps of images.

        The maps are computed in tiles of ``tile_size`` pixels, each with a
        halo of half the receptive field, so they equal the maps of the whole
        image and memory stays bounded on large images.

        Parameters
        ----------
        X : ndarray, list of ndarray or LazyImages
            Image collection, grayscale or RGB, of any size.

        Returns
        -------
        quality_maps : ndarray of shape (n_images, H, W) or list of ndarray
            Estimated JPEG quality factor per pixel, in [0, 100]; 100 also
            where a pixel was never compressed (see ``flag_maps``). An
            ndarray for ndarray input, else a list.
        flag_maps : ndarray of shape (n_images, H, W) or list of ndarray
            Estimated probability that the pixel was ever JPEG-compressed,
            in [0, 1].
        """
        quality_maps, flag_maps = [], []
        for quality, flag in self._iter_maps(X):
            quality_maps.append(quality)
            flag_maps.append(flag)
        if isinstance(X, np.ndarray):
            return np.stack(quality_maps), np.stack(flag_maps)
        return quality_maps, flag_maps

    def _pool(self):
        """The checked ``pooling`` as a function of a map."""
        if self.pooling not in _POOLINGS:
            _invalid("pooling", "'median' or 'mean'", self.pooling)
        return _POOLINGS[self.pooling]

    def _summary(self, quality_map, flag_map, pooling=None):
        """Image quality factor and P(ever compressed) from one image's maps.

        The maps pooled as ``pooling`` (the estimator's unless given), the
        quality then through the calibration of that pooling, if any.
        """
        if pooling is None:
            pool, pooling = self._pool(), self.pooling
        else:
            pool = _POOLINGS[pooling]
        quality = pool(quality_map)
        calibration = getattr(self, "quality_calibration_", None) or {}
        if pooling in calibration:
            quality = float(np.interp(quality, *calibration[pooling]))
        return quality, pool(flag_map)

    def _summaries(self, X):
        """(n_images, 2) array: image quality factor and P(ever compressed)."""
        self._pool()  # a bad ``pooling`` fails before any map is computed
        rows = [self._summary(quality, flag) for quality, flag in self._iter_maps(X)]
        return np.asarray(rows, dtype=np.float64).reshape(-1, 2)

    def calibrate_quality(self, X, *, n_qualities=24, random_state=None):
        """Fit a correction of the image quality factor on held-out images.

        Where the evidence of a pixel is weak, its quality estimate falls
        back towards the middle of the training qualities (the least-squares
        answer under doubt), and pooling the map keeps that pull: on
        held-out photographs, images compressed at low qualities come out a
        few points high, and at qualities near 90 a little low. This
        measures the pull on the never-compressed images
        ``X``, each compressed in memory at ``n_qualities`` random qualities
        of ``quality_range`` and also seen uncompressed (quality 100, the
        quality map's convention), and corrects for it. For each
        ``pooling``, the pooled quality maps are cut into bands 20 wide;
        the correction at the median pooled value of a band is the median
        of (true - pooled) over its images, and is interpolated linearly in
        between (held constant beyond the outer bands). Medians, so that an
        image the net reads far off does not move it.

        :meth:`predict` and :meth:`score` apply the correction from then on;
        :meth:`predict_maps` and :meth:`predict_proba` do not change, and
        :meth:`fit` discards it.

        Parameters
        ----------
        X : ndarray, list of ndarray or LazyImages
            Never-compressed images the net was not trained on: on its
            training images the pull is weaker than on new ones.
        n_qualities : int, default=24
            Random qualities per image.
        random_state : int, RandomState instance or None, default=None
            Draws the qualities.

        Returns
        -------
        self : PixelwiseJPEGRegressor
            With ``quality_calibration_`` set.
        """
        X = self._check_predict_images(X)
        if not _is_int(n_qualities) or n_qualities < 1:
            _invalid("n_qualities", "an int >= 1", n_qualities)
        rng = check_random_state(random_state)
        low, high = self.quality_range
        module = self._inference_module()
        pooled, truth = {name: [] for name in _POOLINGS}, []
        for i in range(len(X)):
            pixels = _to_uint8(np.asarray(X[i]))
            qualities = rng.randint(low, high + 1, size=n_qualities)
            for quality in [100, *qualities]:
                seen = pixels if quality == 100 else jpeg_uint8(pixels, int(quality))
                quality_map, _ = self._clipped_maps(seen / 255.0, module)
                for name, pool in _POOLINGS.items():
                    pooled[name].append(pool(quality_map))
                truth.append(float(quality))
        self.quality_calibration_ = {
            name: _band_corrections(np.asarray(values), np.asarray(truth))
            for name, values in pooled.items()
        }
        return self

    def predict(self, X):
        """Estimate the JPEG quality factor of each image.

        Parameters
        ----------
        X : ndarray, list of ndarray or LazyImages
            Image collection, grayscale or RGB, of any size.

        Returns
        -------
        quality : ndarray of shape (n_images,)
            The quality map of :meth:`predict_maps` pooled as ``pooling``
            says (median or mean), then through ``quality_calibration_`` if
            set, in [0, 100]; close to 100 for a never-compressed image (see
            :meth:`predict_proba`).
        """
        return self._summaries(X)[:, 0]

    def predict_proba(self, X):
        """Estimate the probability that each image was ever JPEG-compressed.

        Parameters
        ----------
        X : ndarray, list of ndarray or LazyImages
            Image collection, grayscale or RGB, of any size.

        Returns
        -------
        proba : ndarray of shape (n_images, 2)
            ``[1 - p, p]`` with ``p`` the flag map pooled as ``pooling``
            says (median or mean); the last
            column is the probability of "ever compressed".
        """
        p = self._summaries(X)[:, 1]
        return np.column_stack([1.0 - p, p])

    def score(self, X, y=None):
        """Negative mean absolute error of the image-level quality factor.

        Parameters
        ----------
        X : ndarray, list of ndarray or LazyImages
            Image collection.
        y : None, array-like of shape (n_images,), or (n_images, H, W)
            True JPEG quality per image (or per pixel, averaged per image),
            NaN for never compressed, which counts as quality 100 (the
            quality map's convention). If None, ``X`` are taken as
            never-compressed and image ``i`` is compressed in memory at the
            ``i``-th of ``n_images`` qualities spread evenly over
            ``quality_range``, so that a grid search on never-compressed
            images has a score.

        Returns
        -------
        score : float
            ``-mean(|predict(X) - y|)``, at most 0; higher is better.
        """
        if y is None:
            X = check_images(_as_rgb(X), check_range=True)
            low, high = self.quality_range
            n = len(X)
            qualities = np.round(low + (high - low) * (np.arange(n) + 0.5) / n)
            X = [
                jpeg_uint8(_to_uint8(np.asarray(X[i])), int(q)).astype(np.float32)
                / 255.0
                for i, q in enumerate(qualities)
            ]
            truth = qualities.astype(np.float64)
        else:
            targets = _check_targets(y, None, n_images=len(X))
            truth = np.array(
                [np.mean(np.where(np.isfinite(t), t, 100.0)) for t in targets]
            )
        return -float(np.mean(np.abs(self.predict(X) - truth)))


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


# ---------------------------------------------------------------------------
# Weights
# ---------------------------------------------------------------------------


def _band_corrections(pooled, truth, width=20.0):
    """Knots ``(pooled, corrected)`` of the correction of calibrate_quality."""
    centres, corrections = [], []
    for low in np.arange(0.0, 100.0, width):
        # The last band takes the pooled values of exactly 100 too.
        upper = pooled <= low + width if low + width >= 100.0 else pooled < low + width
        band = (pooled >= low) & upper
        if band.any():
            centres.append(np.median(pooled[band]))
            corrections.append(np.median(truth[band] - pooled[band]))
    centres, corrections = np.asarray(centres), np.asarray(corrections)
    # Knots at 0 and 100 too, so that np.interp covers the whole range;
    # kept increasing, so that a higher pooled value never reads lower.
    knots = np.concatenate([[0.0], centres, [100.0]])
    corrected = np.clip(knots + np.interp(knots, centres, corrections), 0.0, 100.0)
    keep = np.concatenate([[True], np.diff(knots) > 0])
    return knots[keep], np.maximum.accumulate(corrected[keep])


def _weights_dir():
    weights = importlib.resources.files("skforensics.models") / "weights"
    return os.path.abspath(os.fspath(weights))


def _default_weights_path():
    return os.path.join(_weights_dir(), "jpeg-quality.pt")


def _plain(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


def save_jpeg_weights(estimator, path, *, metadata=None, dtype=torch.float16):
    """Write a fitted estimator's net to a small weights file.

    Parameters
    ----------
    estimator : PixelwiseJPEGRegressor
        A fitted estimator whose module is a
        :class:`~skforensics.nn.JPEGQualityNet`.
    path : str or path-like
        Destination, conventionally ending in ``.pt``.
    metadata : dict, default=None
        JSON-like facts to keep with the weights (data, settings, training
        time, benchmark figures).
    dtype : torch.dtype, default=torch.float16
        Storage type of the weights; they load back as float32.
    """
    module = estimator.module_
    state = {
        k: v.detach().to("cpu", dtype if v.is_floating_point() else v.dtype)
        for k, v in module.state_dict().items()
    }
    torch.save(
        {
            "format": WEIGHTS_FORMAT,
            "module": {
                "in_channels": int(module.in_channels),
                "n_filters": int(module.n_filters),
                "dilations": [int(d) for d in module.dilations],
                "n_outputs": int(module.n_outputs),
                "front_end": str(module.front_end),
                "lattice_steps": [int(s) for s in module.lattice_steps],
                "lattice_size": int(module.lattice_size),
                "lattice_qualities": [int(q) for q in module.lattice_qualities],
                "lattice_pool": int(module.lattice_pool),
                "batch_norm": bool(module.batch_norm),
            },
            "state_dict": state,
            "quality_calibration": {
                name: [np.asarray(knots, dtype=np.float64).tolist() for knots in pair]
                for name, pair in (
                    getattr(estimator, "quality_calibration_", None) or {}
                ).items()
            },
            # Plain JSON types only, so that torch.load(weights_only=True) reads it.
            "metadata": json.loads(json.dumps(metadata or {}, default=_plain)),
        },
        os.fspath(path),
    )


def load_pretrained_jpeg(*, path=None, device="cpu", **kwargs):
    """Load the shipped pixelwise JPEG weights as a fitted estimator.

    This is what ``skforensics.models.pretrained("jpeg-quality")`` returns.
    Nothing is downloaded: the weights are a file inside the package.

    Parameters
    ----------
    path : str or path-like, default=None
        A weights file written by ``scripts/train_jpeg_quality.py`` (or
        :func:`save_jpeg_weights`). None loads the packaged
        ``skforensics/models/weights/jpeg-quality.pt``.
    device : str, default="cpu"
        Where the net runs.
    **kwargs
        Other :class:`PixelwiseJPEGRegressor` parameters, e.g.
        ``tile_size``.

    Returns
    -------
    estimator : PixelwiseJPEGRegressor
        A fitted estimator, ready for ``predict``, ``predict_proba`` and
        ``predict_maps``. The file's metadata (training data, settings,
        measured benchmark) is in ``estimator.pretrained_info_``.

    Raises
    ------
    FileNotFoundError
        If the weights file does not exist.
    ValueError
        If the file is not a pixelwise JPEG weights file.
    """
    if path is None:
        path, packaged = _default_weights_path(), True
    else:
        path = os.fspath(path)
        packaged = os.path.dirname(os.path.abspath(path)) == _weights_dir()
    if not os.path.isfile(path):
        if packaged:
            name = os.path.splitext(os.path.basename(path))[0]
            raise FileNotFoundError(
                f"The packaged {name!r} weights are missing: '{path}' does "
                "not exist, so this installation of skforensics is incomplete; "
                "reinstall it. Weights of your own (`python "
                "scripts/train_jpeg_quality.py --data DIR --out jpeg-quality.pt`) "
                "load with load_pretrained_jpeg(path=...)."
            )
        raise FileNotFoundError(f"JPEG quality weights file not found: '{path}'.")
    try:
        checkpoint = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:
        raise ValueError(
            f"Cannot read '{path}' as a pixelwise JPEG weights file ({exc})."
        ) from exc
    if not isinstance(checkpoint, dict) or checkpoint.get("format") != WEIGHTS_FORMAT:
        raise ValueError(
            f"'{path}' is not a pixelwise JPEG weights file (expected format "
            f"{WEIGHTS_FORMAT!r})."
        )
    config = checkpoint["module"]
    params = {f"module__{k}": v for k, v in config.items()}
    params["module__dilations"] = tuple(config["dilations"])
    for key in ("lattice_steps", "lattice_qualities"):
        if key in config:
            params[f"module__{key}"] = tuple(config[key])
    params.update(verbose=0, device=device)
    params.update(kwargs)
    estimator = PixelwiseJPEGRegressor(**params).initialize()
    state = {
        k: v.float() if v.is_floating_point() else v
        for k, v in checkpoint["state_dict"].items()
    }
    estimator.module_.load_state_dict(state)
    estimator.module_.to(device)
    estimator.n_channels_in_ = 3
    calibration = checkpoint.get("quality_calibration") or {}
    estimator.quality_calibration_ = {
        name: tuple(np.asarray(knots, dtype=np.float64) for knots in pair)
        for name, pair in calibration.items()
    } or None
    estimator.pretrained_info_ = checkpoint.get("metadata", {})
    return estimator
