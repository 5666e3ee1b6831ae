"""Patch CNN estimators: one label per image, patches sampled inside torch."""

import copy
import inspect
import numbers

import numpy as np
import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import Callback, EpochTimer, PassthroughScoring, PrintLog
from skorch.callbacks import ProgressBar
from skorch.utils import is_dataset
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..feature._patches import extract_patches
from ..nn import KangCNN, PatchCNN
from ..utils._validation import check_images, n_channels_of
from ._base import SkorchCompatMixin, _fuse_conv_bn
from ._datasets import PatchDataset

__all__ = ["PatchCNNClassifier", "PatchCNNRegressor"]

_SAMPLINGS = ("grid", "random", "center")
_PREDICT_SAMPLINGS = ("grid", "center")
_POOLINGS = ("mean", "vote", "max", "minmax")


def _as_pair(value):
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value), int(value)
    return tuple(int(v) for v in value)


def _is_pair(value, allow_none=False):
    if value is None:
        return allow_none
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return value >= 1
    try:
        pair = tuple(value)
    except TypeError:
        return False
    return len(pair) == 2 and all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1
        for v in pair
    )


class _ValidAccuracy(Callback):
    """Patch-level accuracy on the internal validation images."""

    def on_epoch_begin(self, net, **kwargs):
        self.correct_, self.total_ = 0, 0

    def on_batch_end(self, net, batch=None, training=False, y_pred=None, **kwargs):
        if training or y_pred is None:
            return
        target = batch[1].to(y_pred.device)
        self.correct_ += int((y_pred.argmax(1) == target).sum())
        self.total_ += len(target)

    def on_epoch_end(self, net, **kwargs):
        if self.total_:
            net.history.record("valid_acc", self.correct_ / self.total_)


class _QuietProgressBar(ProgressBar):
    """skorch's progress bar, shown only when ``net.verbose >= 2``."""

    def on_batch_end(self, net, **kwargs):
        if net.verbose >= 2:
            super().on_batch_end(net, **kwargs)

    def on_epoch_begin(self, net, **kwargs):
        if net.verbose >= 2:
            super().on_epoch_begin(net, **kwargs)

    def on_epoch_end(self, net, **kwargs):
        if net.verbose >= 2:
            super().on_epoch_end(net, **kwargs)


class _PatchNetMixin(SkorchCompatMixin):
    """What the patch classifier and regressor share."""

    _target_dtype = torch.int64

    # ------------------------------------------------------------ validation
    def _check_params(self):
        name = type(self).__name__

        def fail(param, expected):
            raise ValueError(
                f"The '{param}' parameter of {name} must be {expected}. Got "
                f"{getattr(self, param)!r} instead."
            )

        if not _is_pair(self.patch_size):
            fail("patch_size", "an int >= 1 or a tuple of 2 ints >= 1")
        if not _is_pair(self.stride, allow_none=True):
            fail("stride", "an int >= 1, a tuple of 2 ints >= 1 or None")
        if self.sampling not in _SAMPLINGS:
            fail("sampling", "a str among {'grid', 'random', 'center'}")
        if self.predict_sampling not in _PREDICT_SAMPLINGS:
            fail("predict_sampling", "a str among {'grid', 'center'}")
        if self.pooling not in _POOLINGS:
            fail("pooling", "a str among {'mean', 'vote', 'max', 'minmax'}")
        for param in ("n_patches", "predict_batch_size"):
            value = getattr(self, param)
            if (
                not isinstance(value, numbers.Integral)
                or isinstance(value, bool)
                or value < 1
            ):
                fail(param, "an int in the range [1, inf)")
        if not isinstance(self.augment, (bool, np.bool_)):
            fail("augment", "an instance of 'bool'")

    def _check_images(self, X, *, reset):
        if not reset:
            check_is_fitted(self, ["n_channels_in_", "patch_size_"])
            patch = self.patch_size_
        else:
            patch = _as_pair(self.patch_size)
        X = check_images(
            X,
            n_channels=None if reset else self.n_channels_in_,
            min_size=patch,
            min_size_hint=f" for patch_size={patch}",
        )
        if isinstance(X, np.ndarray):
            channels = n_channels_of(X[0])
        else:
            channels = n_channels_of(np.asarray(X[0]))
        if reset:
            # Set by fit once y is valid too, so a failed fit leaves no state.
            self._fit_geometry_ = (channels, patch)
        return X

    def _check_n_targets(self, y, n_images):
        if y is None:
            raise ValueError(
                f"{type(self).__name__} requires y to be passed, but the target y "
                "is None."
            )
        y = np.asarray(y)
        if y.ndim == 2 and y.shape[1] == 1:
            y = y[:, 0]
        if y.ndim != 1:
            raise ValueError(
                f"y must have shape (n_images,), one target per image; got shape "
                f"{y.shape}."
            )
        if len(y) != n_images:
            raise ValueError(
                f"y has {len(y)} entries but X has {n_images} images; pass one "
                "target per image (patches are sampled internally)."
            )
        if y.dtype.kind == "f" and not np.isfinite(y).all():
            raise ValueError(
                "y contains NaN or infinity; drop those images or fill in their "
                "targets."
            )
        if y.dtype.kind == "O" and any(
            v is None or (isinstance(v, float) and not np.isfinite(v)) for v in y
        ):
            raise ValueError("y contains NaN or None; drop those images first.")
        return y

    def _seeds(self):
        rng = check_random_state(self.random_state)
        return [int(s) for s in rng.randint(0, 2**31 - 1, size=3)]

    def _fit_seeded(self, X, y, **fit_params):
        self.n_channels_in_, self.patch_size_ = self.__dict__.pop("_fit_geometry_")
        torch_seed, data_seed, loader_seed = self._seeds()
        self.random_seeds_ = (torch_seed, data_seed, loader_seed)
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(torch_seed)
            super().fit(X, y, **fit_params)
        return self

    def initialize(self):
        """Check the parameters and initialise the module, criterion and optimiser.

        Returns
        -------
        self : object
            The initialised estimator.
        """
        self._check_params()
        return super().initialize()

    def check_data(self, X, y=None):
        # Images and targets are validated in fit; skorch's check would
        # overwrite the classes with the encoded ones.
        pass

    # ------------------------------------------------------------- skorch hooks
    def _n_outputs(self):
        return None

    def initialize_module(self):
        """Build the module, filling in the channels, patch size and outputs.

        When ``module`` is a class whose constructor takes ``in_channels``,
        ``patch_size`` or ``n_outputs`` and the corresponding ``module__``
        parameter is not set, they come from the training data. The module
        is then tried on a zero batch, so that a patch size it cannot take
        fails here with a clear message rather than deep inside torch.

        Returns
        -------
        self : object
        """
        name = type(self).__name__
        kwargs = self.get_params_for("module")
        fitted_info = hasattr(self, "n_channels_in_")
        patch = self.patch_size_ if fitted_info else _as_pair(self.patch_size)
        if not isinstance(self.module, torch.nn.Module):
            try:
                accepted = inspect.signature(self.module).parameters
            except (TypeError, ValueError):
                accepted = {}
            auto = {
                "in_channels": getattr(self, "n_channels_in_", None),
                "patch_size": patch,
                "n_outputs": self._n_outputs(),
            }
            for key, value in auto.items():
                if value is not None and key in accepted and key not in kwargs:
                    kwargs[key] = value
        module_name = getattr(self.module, "__name__", type(self.module).__name__)
        try:
            module = self.initialized_instance(self.module, kwargs)
        except ValueError as exc:
            raise ValueError(
                f"{name} could not build its module {module_name} for "
                f"patch_size={patch}: {exc}"
            ) from exc
        if fitted_info:
            self._try_module(module, patch)
        self.module_ = module
        return self

    def _try_module(self, module, patch):
        name = type(self).__name__
        channels = self.n_channels_in_
        expected = getattr(module, "in_channels", channels)
        if expected != channels:
            raise ValueError(
                f"X has {channels}-channel images but the module of {name} takes "
                f"{expected}-channel patches (module__in_channels={expected}). "
                "Convert the images first (e.g. a GrayscaleTransformer step) or "
                f"set module__in_channels={channels}."
            )
        was_training = module.training
        module.eval()
        try:
            with torch.no_grad():
                out = module(torch.zeros((2, channels) + tuple(patch)))
        except RuntimeError as exc:
            raise ValueError(
                f"The 'patch_size' parameter of {name} is {patch}, but its module "
                f"{type(module).__name__} cannot take {channels}x{patch[0]}x"
                f"{patch[1]} patches ({str(exc).splitlines()[0]}). Use the patch "
                "size the module was built for, or pass a matching "
                "module__patch_size."
            ) from None
        finally:
            module.train(was_training)
        self._check_module_output(module, out)

    def _check_module_output(self, module, out):
        pass

    def get_dataset(self, X, y=None):
        """Wrap checked images and per-image targets in a :class:`PatchDataset`.

        Parameters
        ----------
        X : image collection or torch Dataset
            Images checked by :meth:`fit`; a Dataset is returned as is.
        y : ndarray of shape (n_images,) or None
            Encoded per-image targets.

        Returns
        -------
        dataset : PatchDataset
        """
        if is_dataset(X):
            return X
        seeds = getattr(self, "random_seeds_", (0, 0, 0))
        return PatchDataset(
            X,
            y,
            patch_size=self.patch_size_,
            sampling=self.sampling,
            stride=self.stride,
            n_patches=self.n_patches,
            augment=bool(self.augment),
            random_state=seeds[1],
            target_dtype=self._target_dtype,
        )

    def get_iterator(self, dataset, training=False):
        """A DataLoader over patches; training batches are shuffled, seeded.

        Parameters
        ----------
        dataset : torch Dataset
            Usually a :class:`PatchDataset`.
        training : bool, default=False
            Whether the loader is for training.

        Returns
        -------
        iterator : torch.utils.data.DataLoader
        """
        if training:
            kwargs = self.get_params_for("iterator_train")
            iterator = self.iterator_train
            kwargs.setdefault("shuffle", True)
            seeds = getattr(self, "random_seeds_", (0, 0, 0))
            kwargs.setdefault("generator", torch.Generator().manual_seed(seeds[2]))
        else:
            kwargs = self.get_params_for("iterator_valid")
            iterator = self.iterator_valid
        kwargs.setdefault("batch_size", self.batch_size)
        if kwargs["batch_size"] == -1:
            kwargs["batch_size"] = len(dataset)
        return iterator(dataset, **kwargs)

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        super().on_epoch_begin(
            net, dataset_train=dataset_train, dataset_valid=dataset_valid, **kwargs
        )
        # Random patches (and augmentations) are drawn anew every epoch; the
        # validation patches stay those of epoch 0, so its loss is comparable.
        if isinstance(dataset_train, PatchDataset):
            dataset_train.resample(len(self.history) - 1)

    @property
    def _default_callbacks(self):
        return [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            *self._extra_callbacks(),
            ("progress_bar", _QuietProgressBar()),
            ("print_log", PrintLog()),
        ]

    def _extra_callbacks(self):
        return []

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.non_deterministic = self.random_state is None
        return tags

    # --------------------------------------------------------------- inference
    def _inference_module(self):
        module = copy.deepcopy(self.module_).eval()
        module = _fuse_conv_bn(module)
        return module.to(device=self.device, memory_format=torch.channels_last)

    def _postprocess(self, out):
        return out

    def _patch_outputs(self, X, sampling):
        """Outputs of the module for the patches of every image.

        Returns a list with, per image, an array of shape ``(U, V, K)`` of
        post-processed outputs on its patch grid. Patches are copied into one
        reused batch buffer, so memory stays bounded whatever the image size.
        """
        module = self._inference_module()
        ph, pw = self.patch_size_
        channels = self.n_channels_in_
        batch = int(self.predict_batch_size)
        buffer = np.empty((batch, ph, pw, channels), dtype=np.float32)
        results, grids, pending = [], [], []
        filled = 0

        def flush(n):
            # (B, ph, pw, C) memory is NCHW in channels_last: no copy.
            x = torch.from_numpy(buffer[:n]).permute(0, 3, 1, 2)
            x = x.to(self.device)
            out = self._postprocess(module(x)).float().cpu().numpy()
            results.append(out.reshape(n, -1).copy())

        with torch.inference_mode():
            for index in range(len(X)):
                image = np.asarray(X[index])
                if image.ndim == 2:
                    image = image[:, :, np.newaxis]
                kwargs = {"stride": self.stride} if sampling == "grid" else {}
                view = extract_patches(image, (ph, pw), sampling=sampling, **kwargs)
                n_rows, n_cols = view.shape[:2]
                grids.append((n_rows, n_cols))
                flat = np.arange(n_rows * n_cols)
                start = 0
                while start < flat.size:
                    take = min(batch - filled, flat.size - start)
                    sel = flat[start:start + take]
                    buffer[filled:filled + take] = view[sel // n_cols, sel % n_cols]
                    filled += take
                    start += take
                    if filled == batch:
                        flush(filled)
                        filled = 0
                pending.append(n_rows * n_cols)
            if filled:
                flush(filled)
        outputs = np.concatenate(results) if results else np.empty((0, 1))
        maps, offset = [], 0
        for (n_rows, n_cols), count in zip(grids, pending):
            maps.append(outputs[offset:offset + count].reshape(n_rows, n_cols, -1))
            offset += count
        return maps

    def _pooled(self, X):
        X = self._check_images(X, reset=False)
        maps = self._patch_outputs(X, self.predict_sampling)
        return np.stack([self._pool(m.reshape(-1, m.shape[-1])) for m in maps])

    def _patch_map_output(self, maps, X):
        if isinstance(X, np.ndarray):
            return np.stack(maps)
        return maps


class PatchCNNClassifier(_PatchNetMixin, NeuralNetClassifier):
    """Image classifier that trains a CNN on patches and pools its votes.

    ``fit`` takes one label per image. Patches are cut inside a lazily
    indexed :class:`PatchDataset` (image index and corner, label repeated
    per patch), so ``n_samples`` stays the number of images and
    cross-validation splits by image. At prediction, the module scores the
    tiles of every image (all tiles, or the centre tile) in small batches
    and the patch probabilities are pooled into one per image.

    Read more in the :ref:`User Guide <patch_cnn>`.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=PatchCNN
        The patch network; it gets ``(batch, C, ph, pw)`` float patches and
        returns ``(batch, n_classes)`` logits. If it is a class whose
        constructor takes ``in_channels``, ``patch_size`` or ``n_outputs``,
        those are filled in from the data unless set as ``module__...``.
    patch_size : int or tuple of (int, int), default=64
        Patch height and width. Every image must be at least this large.
    sampling : {"random", "grid", "center"}, default="random"
        Training patches: ``"random"`` draws ``n_patches`` per image, anew
        each epoch; ``"grid"`` takes all tiles (with ``stride``);
        ``"center"`` the centre tile.
    n_patches : int, default=16
        Random patches per image and epoch.
    stride : int or tuple of (int, int), default=None
        Step of the tile grid (training with ``sampling="grid"``, prediction
        with ``predict_sampling="grid"``, :meth:`predict_patch_map`);
        ``None`` means non-overlapping tiles.
    augment : bool, default=False
        Randomly flip and rotate (by multiples of 90 degrees) the training
        patches.
    predict_sampling : {"grid", "center"}, default="grid"
        Patches scored at prediction: all tiles, or the centre tile only.
    pooling : {"mean", "vote", "max", "minmax"}, default="mean"
        How patch probabilities become image probabilities: ``"mean"``
        averages them; ``"vote"`` gives each class the share of patches
        whose most probable class it is; ``"max"`` and ``"minmax"`` take per
        class the largest patch probability or the mid-range
        ``(max + min) / 2`` (for two classes, of the second class only,
        so that one confident patch is enough for ``"max"``), renormalised.
    predict_batch_size : int, default=32
        Patches per forward pass at prediction (small batches are the
        fastest on CPU, and bound the memory).
    random_state : int, RandomState instance or None, default=None
        Seeds the module's initialisation and dropout (torch), the patch
        corners and augmentations (numpy) and the shuffling of the loader,
        so two fits with the same integer give the same weights.
    criterion : torch criterion class, default=torch.nn.CrossEntropyLoss
        Loss on the patch logits.
    optimizer : torch optimizer class, default=torch.optim.Adam
        Optimiser.
    lr : float, default=1e-3
        Learning rate.
    max_epochs : int, default=10
        Number of epochs.
    batch_size : int, default=64
        Training patches per batch.
    train_split : callable or None, default=None
        Internal validation split; use :class:`ImageSplit` (e.g.
        ``ImageSplit(0.2)``) to hold out whole images, which early stopping
        needs. ``None`` trains on all images.
    callbacks : list of (str, skorch.callbacks.Callback) or None, default=None
        Extra skorch callbacks, e.g. ``EarlyStopping`` or ``LRScheduler``.
    verbose : int, default=1
        0: silent; 1: one line per epoch; 2: also skorch's progress bar.
    device : str, default="cpu"
        Torch device.
    **kwargs : dict
        Other skorch parameters, including prefixed ones such as
        ``module__n_filters``, ``optimizer__weight_decay`` or
        ``iterator_train__num_workers``.

    Attributes
    ----------
    classes_ : ndarray of shape (n_classes,)
        Class labels.
    n_channels_in_ : int
        Channels of the training images.
    patch_size_ : tuple of (int, int)
        Patch height and width.
    module_ : torch.nn.Module
        The trained patch network.
    random_seeds_ : tuple of int
        Seeds drawn from ``random_state`` for torch, the patch sampling and
        the loader.
    history_ : skorch.History
        Losses and timings of each epoch.

    See Also
    --------
    PatchCNNRegressor : The same for continuous targets.
    skforensics.nn.PatchCNN : The default module.
    skforensics.models.pretrained : A trained upscaling detector.

    Notes
    -----
    Prediction copies at most ``predict_batch_size`` patches at a time; a
    3840x2160 image has 1,980 tiles of 64x64. The module is evaluated in
    ``torch.inference_mode``, with batch norm folded into the convolutions
    and ``channels_last`` memory.

    Images are never reordered or modified: ``fit`` only reads them.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.models import PatchCNNClassifier
    >>> from skforensics.utils import make_test_images
    >>> X = make_test_images(8, size=32)
    >>> y = np.array([0, 1] * 4)
    >>> clf = PatchCNNClassifier(patch_size=16, max_epochs=1, verbose=0,
    ...                          random_state=0).fit(X, y)
    >>> clf.predict_proba(X).shape
    (8, 2)
    >>> clf.predict_patch_map(X).shape
    (8, 2, 2)
    """

    def __init__(
        self,
        module=PatchCNN,
        *,
        patch_size=64,
        sampling="random",
        n_patches=16,
        stride=None,
        augment=False,
        predict_sampling="grid",
        pooling="mean",
        predict_batch_size=32,
        random_state=None,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=10,
        batch_size=64,
        train_split=None,
        callbacks=None,
        verbose=1,
        device="cpu",
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
            callbacks=callbacks,
            verbose=verbose,
            device=device,
            **kwargs,
        )
        self.patch_size = patch_size
        self.sampling = sampling
        self.n_patches = n_patches
        self.stride = stride
        self.augment = augment
        self.predict_sampling = predict_sampling
        self.pooling = pooling
        self.predict_batch_size = predict_batch_size
        self.random_state = random_state

    def _n_outputs(self):
        classes = getattr(self, "classes_inferred_", None)
        return None if classes is None else len(classes)

    def _extra_callbacks(self):
        return [("valid_acc", _ValidAccuracy())]

    def _check_module_output(self, module, out):
        n_classes = self._n_outputs()
        if out.ndim != 2 or out.shape[1] != n_classes:
            raise ValueError(
                f"The module of {type(self).__name__} returns outputs of shape "
                f"{tuple(out.shape)} for 2 patches, but y has {n_classes} classes: "
                f"it must return (n_patches, {n_classes}) logits. Set "
                f"module__n_outputs={n_classes} or change the module."
            )

    def fit(self, X, y, **fit_params):
        """Fit the patch network on the images' patches.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Training images, at least ``patch_size`` large, all grayscale or
            all colour. They are neither copied nor modified.
        y : array-like of shape (n_images,)
            One class label per image.
        **fit_params : dict
            Passed to skorch (and the module's ``forward``).

        Returns
        -------
        self : PatchCNNClassifier
            The fitted estimator.
        """
        self._check_params()
        X = self._check_images(X, reset=True)
        y = self._check_n_targets(y, len(X))
        if y.dtype.kind == "f" and np.any(y != np.round(y)):
            raise ValueError(
                f"Unknown label type: y holds continuous values; "
                f"{type(self).__name__} needs class labels (use "
                "PatchCNNRegressor for scores)."
            )
        classes, y_encoded = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs images of at least 2 classes in y; "
                f"got only class {classes[0].tolist()!r}."
            )
        self.classes_inferred_ = classes
        return self._fit_seeded(X, y_encoded.astype(np.int64), **fit_params)

    def _postprocess(self, out):
        return torch.softmax(out, dim=1)

    def _pool(self, proba):
        n_classes = proba.shape[1]
        if self.pooling == "mean":
            return proba.mean(axis=0)
        if self.pooling == "vote":
            votes = np.bincount(proba.argmax(axis=1), minlength=n_classes)
            return votes / votes.sum()
        if self.pooling == "max":
            pooled = proba.max(axis=0)
        else:
            pooled = (proba.max(axis=0) + proba.min(axis=0)) / 2
        if n_classes == 2:
            return np.array([1 - pooled[1], pooled[1]])
        return pooled / pooled.sum()

    def predict_proba(self, X):
        """Pooled class probabilities of each image.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Images, at least ``patch_size`` large, with the training
            images' number of channels.

        Returns
        -------
        proba : ndarray of shape (n_images, n_classes)
            Probabilities in the order of :attr:`classes_`.
        """
        return self._pooled(X).astype(np.float64)

    def predict(self, X):
        """Class label of each image.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Images.

        Returns
        -------
        y_pred : ndarray of shape (n_images,)
            The most probable class of each image.
        """
        proba = self.predict_proba(X)
        return self.classes_[proba.argmax(axis=1)]

    def decision_function(self, X):
        """Confidence scores: log-odds of the pooled probabilities.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Images.

        Returns
        -------
        scores : ndarray of shape (n_images,) or (n_images, n_classes)
            For two classes, the log-odds of ``classes_[1]``; otherwise the
            log-probabilities.
        """
        proba = np.clip(self.predict_proba(X), 1e-12, 1.0)
        if proba.shape[1] == 2:
            return np.log(proba[:, 1]) - np.log(proba[:, 0])
        return np.log(proba)

    def predict_patch_map(self, X):
        """Patch probabilities on the tile grid of each image, for heat maps.

        The tiles are those of :func:`skforensics.feature.patch_corners` with
        ``stride`` (non-overlapping by default), whatever
        ``predict_sampling`` is.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Images.

        Returns
        -------
        maps : ndarray of shape (n_images, U, V[, n_classes]) or list
            For two classes, the probability of ``classes_[1]`` per tile;
            otherwise all class probabilities. A list of arrays when the
            images differ in size.
        """
        X = self._check_images(X, reset=False)
        maps = self._patch_outputs(X, "grid")
        if len(self.classes_) == 2:
            maps = [m[..., 1] for m in maps]
        return self._patch_map_output(maps, X)

    def _load_fitted(self, state_dict, *, n_channels, classes):
        """Make the estimator fitted from saved weights (used by ``pretrained``)."""
        self._check_params()
        self.n_channels_in_ = int(n_channels)
        self.patch_size_ = _as_pair(self.patch_size)
        self.classes_inferred_ = np.asarray(classes)
        self.random_seeds_ = (0, 0, 0)
        self.initialize()
        self.module_.load_state_dict(state_dict)
        self.module_.eval()
        return self


class PatchCNNRegressor(_PatchNetMixin, NeuralNetRegressor):
    """Image regressor that trains a CNN on patches and pools their scores.

    The patch-averaging no-reference IQA of Kang et al. as a scikit-learn
    estimator: each image's score is repeated on its patches, the module
    learns to score patches, and the predictions of an image's tiles are
    pooled. Patches are cut lazily inside a :class:`PatchDataset`, so
    ``n_samples`` stays the number of images.

    Read more in the :ref:`User Guide <patch_cnn>`.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=KangCNN
        The patch network, returning ``(batch, 1)`` or ``(batch,)`` scores.
        ``in_channels``, ``patch_size`` and ``n_outputs`` are filled in as
        for :class:`PatchCNNClassifier`.
    patch_size : int or tuple of (int, int), default=32
        Patch height and width.
    sampling : {"random", "grid", "center"}, default="random"
        Training patches, as in :class:`PatchCNNClassifier`.
    n_patches : int, default=16
        Random patches per image and epoch.
    stride : int or tuple of (int, int), default=None
        Step of the tile grid; ``None`` means non-overlapping tiles.
    augment : bool, default=False
        Randomly flip and rotate the training patches.
    predict_sampling : {"grid", "center"}, default="grid"
        Patches scored at prediction.
    pooling : {"mean", "vote", "max", "minmax"}, default="mean"
        How patch scores become an image score: mean, median (``"vote"``),
        maximum, or mid-range ``(max + min) / 2``.
    predict_batch_size : int, default=32
        Patches per forward pass at prediction.
    random_state : int, RandomState instance or None, default=None
        Seeds torch, the patch sampling and the loader.
    criterion : torch criterion class, default=torch.nn.L1Loss
        Loss on the patch scores (Kang et al. use the L1 norm).
    optimizer : torch optimizer class, default=torch.optim.Adam
        Optimiser.
    lr : float, default=1e-3
        Learning rate.
    max_epochs : int, default=10
        Number of epochs.
    batch_size : int, default=64
        Training patches per batch.
    train_split : callable or None, default=None
        Internal validation split, e.g. ``ImageSplit(0.2)``.
    callbacks : list of (str, skorch.callbacks.Callback) or None, default=None
        Extra skorch callbacks.
    verbose : int, default=1
        0: silent; 1: one line per epoch; 2: also a progress bar.
    device : str, default="cpu"
        Torch device.
    **kwargs : dict
        Other skorch parameters, e.g. ``module__n_hidden``.

    Attributes
    ----------
    n_channels_in_ : int
        Channels of the training images.
    patch_size_ : tuple of (int, int)
        Patch height and width.
    module_ : torch.nn.Module
        The trained patch network.
    random_seeds_ : tuple of int
        Seeds drawn from ``random_state``.
    y_mean_ : float
        Mean of the training targets.
    y_scale_ : float
        Standard deviation of the training targets (1 if they are constant).
        The net learns ``(y - y_mean_) / y_scale_`` and predictions are mapped
        back, so targets far from 0 (a MOS of 1..5, a score near 5) train as
        well as standardised ones.
    history_ : skorch.History
        Losses and timings of each epoch.

    See Also
    --------
    PatchCNNClassifier : The same for class labels.
    skforensics.nn.KangCNN : The default module.

    References
    ----------
    .. [1] L. Kang, P. Ye, Y. Li and D. Doermann, "Convolutional Neural
       Networks for No-Reference Image Quality Assessment", CVPR 2014.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.models import PatchCNNRegressor
    >>> from skforensics.utils import make_test_images
    >>> X = make_test_images(6, size=32)
    >>> y = np.linspace(0, 1, 6)
    >>> reg = PatchCNNRegressor(patch_size=16, max_epochs=1, verbose=0,
    ...                         random_state=0).fit(X, y)
    >>> reg.predict(X).shape
    (6,)
    """

    _target_dtype = torch.float32

    def __init__(
        self,
        module=KangCNN,
        *,
        patch_size=32,
        sampling="random",
        n_patches=16,
        stride=None,
        augment=False,
        predict_sampling="grid",
        pooling="mean",
        predict_batch_size=32,
        random_state=None,
        criterion=torch.nn.L1Loss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=10,
        batch_size=64,
        train_split=None,
        callbacks=None,
        verbose=1,
        device="cpu",
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
            callbacks=callbacks,
            verbose=verbose,
            device=device,
            **kwargs,
        )
        self.patch_size = patch_size
        self.sampling = sampling
        self.n_patches = n_patches
        self.stride = stride
        self.augment = augment
        self.predict_sampling = predict_sampling
        self.pooling = pooling
        self.predict_batch_size = predict_batch_size
        self.random_state = random_state

    def _n_outputs(self):
        return 1

    @property
    def predict_proba(self):
        # skorch's NeuralNet has one (raw outputs per patch); a regressor
        # should not, so that hasattr(reg, "predict_proba") is False.
        raise AttributeError(
            f"{type(self).__name__} has no predict_proba; use predict for the "
            "pooled scores or predict_patch_map for the tile scores."
        )

    def _check_module_output(self, module, out):
        if not (out.ndim == 1 or (out.ndim == 2 and out.shape[1] == 1)):
            raise ValueError(
                f"The module of {type(self).__name__} returns outputs of shape "
                f"{tuple(out.shape)} for 2 patches; it must return one score per "
                "patch, (n_patches,) or (n_patches, 1). Set module__n_outputs=1."
            )

    def get_loss(self, y_pred, y_true, *args, **kwargs):
        """Criterion on the flattened patch scores.

        Parameters
        ----------
        y_pred : torch.Tensor of shape (batch,) or (batch, 1)
            Module outputs.
        y_true : torch.Tensor of shape (batch,)
            Targets repeated from the images.
        *args, **kwargs
            Passed to skorch.

        Returns
        -------
        loss : torch.Tensor
        """
        return super().get_loss(
            y_pred.reshape(-1), y_true.reshape(-1).to(y_pred.dtype), *args, **kwargs
        )

    def fit(self, X, y, **fit_params):
        """Fit the patch network on the images' patches.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Training images, at least ``patch_size`` large. They are neither
            copied nor modified.
        y : array-like of shape (n_images,)
            One score per image.
        **fit_params : dict
            Passed to skorch.

        Returns
        -------
        self : PatchCNNRegressor
            The fitted estimator.
        """
        self._check_params()
        X = self._check_images(X, reset=True)
        y = self._check_n_targets(y, len(X))
        try:
            y = y.astype(np.float32)
        except (TypeError, ValueError):
            raise ValueError(
                f"{type(self).__name__} needs numeric targets; got y of dtype "
                f"{y.dtype}."
            ) from None
        if not np.isfinite(y).all():
            raise ValueError(
                "y contains NaN or infinity; drop those images or fill in their "
                "targets."
            )
        self.y_mean_ = float(y.mean())
        scale = float(y.std())
        self.y_scale_ = scale if scale > 0 else 1.0
        y = ((y - self.y_mean_) / self.y_scale_).astype(np.float32)
        return self._fit_seeded(X, y, **fit_params)

    def _postprocess(self, out):
        # Back from the standardised targets the net learned to y's units.
        return out.reshape(len(out), 1) * self.y_scale_ + self.y_mean_

    def _pool(self, scores):
        scores = scores[:, 0]
        if self.pooling == "mean":
            return scores.mean()
        if self.pooling == "vote":
            return np.median(scores)
        if self.pooling == "max":
            return scores.max()
        return (scores.max() + scores.min()) / 2

    def predict(self, X):
        """Pooled score of each image.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Images, at least ``patch_size`` large.

        Returns
        -------
        y_pred : ndarray of shape (n_images,)
            Predicted scores.
        """
        return self._pooled(X).astype(np.float64)

    def predict_patch_map(self, X):
        """Patch scores on the tile grid of each image, for heat maps.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Images.

        Returns
        -------
        maps : ndarray of shape (n_images, U, V) or list of ndarray
            Score of each tile; a list when the images differ in size.
        """
        X = self._check_images(X, reset=False)
        maps = [m[..., 0] for m in self._patch_outputs(X, "grid")]
        return self._patch_map_output(maps, X)
