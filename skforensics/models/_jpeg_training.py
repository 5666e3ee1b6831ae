"""How the pixelwise JPEG net trains: online patches, image splits, seeds.

:class:`JPEGTrainingMixin` holds the skorch hooks of
:class:`~skforensics.models.PixelwiseJPEGRegressor` that train it: the checks
of the training parameters, the seeded initialisation, the patch datasets
drawn anew every epoch from the images (:class:`JPEGPatchDataset`), the split
of the **images** (never of patches) by ``train_split``, the seeded loader,
the loss on both maps, and the quality calibration fitted after training
(:meth:`calibrate_quality`). The estimator's file keeps its parameters and
what it answers.
"""

import numbers

import numpy as np
import torch
from sklearn.utils import check_random_state
from skorch.utils import to_tensor
from torch.utils.data import DataLoader, Dataset

from ..datasets._jpeg import SUBSAMPLING, jpeg_uint8
from ..datasets._jpeg_tables import TABLE_FAMILIES
from ..utils import check_images
from ..utils._color import to_uint8
from ..utils._param_validation import (
    Interval,
    invalid_parameter,
    is_int,
    validate_parameter_constraints,
)
from ._calibration import _POOLINGS, _fit_calibration
from ._jpeg_datasets import JPEGPatchDataset, _check_targets, _worker_init

__all__ = ["JPEGTrainingMixin"]

_OWNER = "PixelwiseJPEGRegressor"


class JPEGTrainingMixin:
    """The training hooks of :class:`PixelwiseJPEGRegressor` (see the module)."""

    # -- parameters and initialisation ------------------------------------

    def _validate_params(self):
        """Check the parameters: the JPEG ones (sklearn's error), then the
        shared and skorch's own checks (a misspelled name raises)."""
        super()._validate_params()
        qr = self.quality_range
        if (
            len(qr) != 2
            or not all(is_int(q) for q in qr)
            or not 1 <= qr[0] <= qr[1] <= 100
        ):
            invalid_parameter(
                "quality_range",
                _OWNER,
                "a tuple (low, high) of ints with 1 <= low <= high <= 100",
                qr,
            )
        self._quality_probabilities()
        self._subsamplings()
        self._table_families()

    def _quality_probabilities(self):
        """``quality_weights`` checked against ``quality_range`` and normalised."""
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
            invalid_parameter("quality_weights", _OWNER, expected, self.quality_weights)
        if (
            weights.shape != (high - low + 1,)
            or not np.isfinite(weights).all()
            or (weights < 0).any()
            or weights.sum() <= 0
        ):
            invalid_parameter("quality_weights", _OWNER, expected, self.quality_weights)
        return weights / weights.sum()

    def _subsamplings(self):
        """``chroma_subsampling`` as a non-empty tuple of known subsamplings."""
        value = self.chroma_subsampling
        values = (value,) if isinstance(value, str) else tuple(value)
        if not values or not all(
            isinstance(v, str) and v in SUBSAMPLING for v in values
        ):
            invalid_parameter(
                "chroma_subsampling",
                _OWNER,
                f"one of {tuple(SUBSAMPLING)} or a non-empty tuple of them",
                value,
            )
        return values

    def _table_families(self):
        """``quantization_tables`` as ``(families, probabilities)``."""
        value = self.quantization_tables
        if isinstance(value, str):
            value = {value: 1.0}
        expected = (
            f"one of {TABLE_FAMILIES} or a non-empty dict of them to "
            "non-negative weights, not all zero"
        )
        try:
            families = tuple(value)
            weights = np.asarray([value[f] for f in families], dtype=np.float64)
        except (TypeError, ValueError, KeyError):
            invalid_parameter("quantization_tables", _OWNER, expected, value)
        if (
            not families
            or not all(f in TABLE_FAMILIES for f in families)
            or not np.isfinite(weights).all()
            or (weights < 0).any()
            or weights.sum() <= 0
        ):
            invalid_parameter(
                "quantization_tables", _OWNER, expected, self.quantization_tables
            )
        return families, weights / weights.sum()

    def initialize(self):
        """Check the parameters, draw the seed and initialise the net.

        Returns
        -------
        self : PixelwiseJPEGRegressor
            The initialised estimator.
        """
        self._validate_params()
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
            X,
            convert_to="rgb",
            min_size=size,
            min_size_hint=f" for patch_size={size}",
        )
        images = [to_uint8(np.asarray(X[i])) for i in range(len(X))]
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
            subsampling=self._subsamplings(),
            tables=self._table_families(),
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
            Patch datasets over the training and the validation images
            (``patches_per_epoch`` patches for training, proportionally
            fewer for validation); ``dataset_valid`` is None without
            ``train_split``.
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
            Batches of ``batch_size`` patches (all patches when ``-1``).
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
        """Start an epoch and tell the patch dataset its number.

        Overrides skorch's hook so that the training patches, seeded per
        item and per epoch, are drawn anew at every epoch.

        Parameters
        ----------
        net : NeuralNet
            The estimator itself (as skorch passes it).
        dataset_train : torch Dataset, default=None
            The training dataset; its ``epoch`` is set when it is a
            :class:`JPEGPatchDataset`.
        dataset_valid : torch Dataset, default=None
            The validation dataset, left as it is.
        **kwargs : dict
            Passed to skorch's ``on_epoch_begin``.
        """
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
            ``criterion_`` (mean squared error by default) applied to both
            maps together.
        """
        y_true = to_tensor(y_true, device=self.device)
        return self.criterion_(y_pred, y_true)

    # -- fit ------------------------------------------------------------------

    # -- the quality calibration (a correction fitted after training) -----

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
        validate_parameter_constraints(
            {"n_qualities": [Interval(numbers.Integral, 1, None, closed="left")]},
            {"n_qualities": n_qualities},
            caller_name=f"{_OWNER}.calibrate_quality",
        )
        rng = check_random_state(random_state)
        low, high = self.quality_range
        module = self._inference_module()
        pooled, truth = {name: [] for name in _POOLINGS}, []
        for i in range(len(X)):
            pixels = to_uint8(np.asarray(X[i]))
            qualities = rng.randint(low, high + 1, size=n_qualities)
            for quality in [100, *qualities]:
                seen = pixels if quality == 100 else jpeg_uint8(pixels, int(quality))
                quality_map, _ = self._clipped_maps(seen, module)
                for name, pool in _POOLINGS.items():
                    pooled[name].append(pool(quality_map))
                truth.append(float(quality))
        self.quality_calibration_ = _fit_calibration(pooled, truth)
        return self

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
        # Parameters first, before any torch call (skorch's fit skips
        # initialize() on a warm start).
        self._validate_params()
        # A calibration belongs to the net it was measured on.
        self.quality_calibration_ = None
        return super().fit(X, y, **fit_params)
