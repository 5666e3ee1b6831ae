"""The one base of skforensics' skorch estimators.

Two mixins, each put first among the bases of a skorch ``NeuralNet``
subclass (both on :class:`._skorch_compat.SkorchCompatMixin`, scikit-learn's
parameter rules for any skorch net):

- :class:`ImageNetMixin`, what every skorch net of the package shares: the
  parameter constraints (checked in ``initialize``, before any torch call),
  the seeds drawn from ``random_state``, the seeded training loader, the
  per-image target checks, the module built from the data's shape, tags;
- :class:`PatchNetMixin`, what the patch estimators add: their parameters
  (one ``__init__`` for the classifier, the regressor and their
  subclasses), the lazily indexed patch dataset, the checks of the images
  against the patch size, batched inference over the tiles of each image,
  and pooling.

skorch is customised through its documented hooks (``initialize_module``,
``get_dataset``, ``get_iterator``, ``get_loss``, callbacks). ``fit`` is
overridden once, in :class:`CheckedFitMixin` (the patch nets and the
hyper-image second stage), because skorch builds the
module in ``initialize`` before any hook sees the data, and the module's
input channels and number of outputs come from the images and targets.
"""

import inspect
from numbers import Integral, Real

import numpy as np
import torch
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted
from skorch.callbacks import EpochTimer, PassthroughScoring, PrintLog
from skorch.utils import is_dataset

from ..base import ImageEstimatorMixin
from ..feature._patches import extract_patches
from ..utils._parallel import N_JOBS_CONSTRAINT, check_n_jobs, map_image_chunks
from ..utils._param_validation import (
    Interval,
    Options,
    Pair,
    StrOptions,
    as_pair,
    validate_estimator_params,
)
from ..utils._validation import check_images, n_channels_of
from ._callbacks import QuietProgressBar
from ._datasets import PatchDataset
from ._inference import inference_module, patch_grid_outputs, probe_module
from ._skorch_compat import SkorchCompatMixin
from ._targets import check_targets, encode_class_labels, standardise_scores

__all__ = ["CheckedFitMixin", "ImageNetMixin", "PatchNetMixin"]

# The parts skorch builds in ``initialize``, each taking ``<part>__`` arguments.
_COMPONENTS = ("module", "criterion", "optimizer")


class ImageNetMixin(ImageEstimatorMixin, SkorchCompatMixin):
    """What every skorch net of skforensics shares.

    Subclasses extend ``_parameter_constraints`` (a dict, as in
    scikit-learn) and implement ``_n_outputs``.
    """

    _parameter_constraints = {
        "lr": [Interval(Real, 0, None, closed="neither")],
        "max_epochs": [Interval(Integral, 0, None, closed="left")],
        "batch_size": [
            Interval(Integral, 1, None, closed="left"),
            Options(Integral, {-1}),
        ],
        "verbose": ["verbose"],
        "device": [str, torch.device, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        module,
        *,
        criterion,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=10,
        batch_size=64,
        train_split=None,
        callbacks=None,
        verbose=1,
        device="cpu",
        random_state=None,
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
        self.random_state = random_state

    def _validate_params(self):
        """Check the parameters: skforensics' constraints, then skorch's own.

        The constraints of ``_parameter_constraints`` come first (the
        scikit-learn message), then skorch's check of the arguments it took
        through ``**kwargs`` (``NeuralNet._validate_params``): a misspelled
        name, such as ``modul__n_filters``, ``batch_sise`` or
        ``max_epoch``, raises skorch's ValueError instead of being stored
        and ignored.
        """
        validate_estimator_params(self)
        # skorch registers the prefixes of the module, criterion and
        # optimizer as ``initialize`` builds them, and checks the arguments
        # last. Here the check runs first, before any torch call, so those
        # prefixes are known for its duration (set in the instance dict:
        # skorch's ``__setattr__`` would register a component).
        state = vars(self)
        had_own, own = "prefixes_" in state, state.get("prefixes_")
        pending = [p for p in _COMPONENTS if p not in self.prefixes_]
        state["prefixes_"] = list(self.prefixes_) + pending
        try:
            super()._validate_params()
        finally:
            if had_own:
                state["prefixes_"] = own
            else:
                del state["prefixes_"]

    def initialize(self):
        """Check the parameters, then build the module, criterion and optimiser.

        Returns
        -------
        self : object
            The initialised estimator.
        """
        self._validate_params()
        return super().initialize()

    def check_data(self, X, y=None):
        """Skip skorch's check of the data: skforensics checks it before.

        Overrides skorch's hook, called by ``fit``, which would otherwise
        refuse image lists and lazy collections and overwrite ``classes_``
        with the encoded labels. Images and targets are checked by each
        estimator's ``fit`` before skorch sees them.

        Parameters
        ----------
        X : image collection, hyper-images or torch Dataset
            Data already checked by ``fit``; not used.
        y : ndarray of shape (n_images,) or None
            Targets already checked and encoded by ``fit``; not used.
        """
        # Images and targets are checked by fit before skorch sees them;
        # skorch's check would overwrite the classes with the encoded ones.
        pass

    def _seeds(self):
        """Seeds for torch, the data and the loader, drawn from random_state."""
        rng = check_random_state(self.random_state)
        return [int(s) for s in rng.randint(0, 2**31 - 1, size=3)]

    def _fit_seeded(self, X, y, *, partial=False, **fit_params):
        """skorch's ``fit`` (``partial_fit`` if ``partial``) with torch seeded,
        leaving the global RNG as it was."""
        torch_seed = self.random_seeds_[0]
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(torch_seed)
            if partial:
                super().partial_fit(X, y, **fit_params)
            else:
                super().fit(X, y, **fit_params)
        return self

    def _check_targets(self, y, n_images):
        return check_targets(y, n_images, type(self).__name__)

    def _class_labels(self, y, *, reset=True):
        """Encode class labels into ``classes_inferred_``'s indices.

        With ``reset=False`` (more training of a fitted net) the labels are
        encoded with the fitted classes, and a new label is refused.
        """
        owner = type(self).__name__
        if reset:
            self.classes_inferred_, y_encoded = encode_class_labels(y, owner)
            return y_encoded
        classes = self.classes_inferred_
        unknown = np.setdiff1d(y, classes)
        if len(unknown):
            raise ValueError(
                f"y holds labels {unknown.tolist()!r} that {owner} was not fitted "
                f"on (its classes are {classes.tolist()!r}); fit it again to "
                "learn new classes."
            )
        return np.searchsorted(classes, y).astype(np.int64)

    def _standardised_scores(self, y, *, reset=True):
        """Standardise scores, keeping ``y_mean_`` and ``y_scale_``.

        With ``reset=False`` (more training of a fitted net) the scores are
        standardised with the fitted ``y_mean_`` and ``y_scale_``.
        """
        y_standardised, mean, scale = standardise_scores(y, type(self).__name__)
        if reset:
            self.y_mean_, self.y_scale_ = mean, scale
            return y_standardised
        y = y.astype(np.float32)
        return ((y - self.y_mean_) / self.y_scale_).astype(np.float32)

    def _module_kwargs(self, auto):
        """``module__`` parameters, completed from the data where the module
        class takes them (``in_channels``, ``n_outputs``, ...) and the user
        did not set them."""
        kwargs = self.get_params_for("module")
        if not isinstance(self.module, torch.nn.Module):
            try:
                accepted = inspect.signature(self.module).parameters
            except (TypeError, ValueError):
                accepted = {}
            for key, value in auto.items():
                if value is not None and key in accepted and key not in kwargs:
                    kwargs[key] = value
        return kwargs

    def get_iterator(self, dataset, training=False):
        """A DataLoader; training batches are shuffled by a seeded generator.

        Parameters
        ----------
        dataset : torch Dataset
            Patches, pairs or hyper-images with their targets.
        training : bool, default=False
            Whether the loader is for training.

        Returns
        -------
        iterator : torch.utils.data.DataLoader
            Batches of ``batch_size`` items (all items when ``-1``);
            ``iterator_train__``/``iterator_valid__`` parameters are passed on.
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

    def _inference_module(self):
        """The evaluation copy of the module: batch norm folded, channels_last.

        Made once per fitted module and reused until its weights change or
        it is replaced (:func:`._inference.inference_module`).
        """
        return inference_module(self.module_, device=self.device)


class CheckedFitMixin(ImageNetMixin):
    """A ``fit`` that checks X and y before skorch builds the module.

    For nets whose module is sized by the data (input channels, grid,
    number of classes): subclasses implement ``_check_fit_input(X, reset)``,
    returning the checked X and the fitted attributes it implies, and
    ``_prepare_targets(y, reset)``. ``reset=False`` checks and encodes more
    data for a fitted net (``partial_fit``) with what it was fitted on.
    """

    @property
    def _default_callbacks(self):
        return [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            *self._extra_callbacks(),
            ("print_log", PrintLog()),
        ]

    def _extra_callbacks(self):
        """Callbacks between the losses and the log (none by default)."""
        return []

    def fit(self, X, y, **fit_params):
        """Fit the network.

        Parameters
        ----------
        X : image collection or ndarray
            Training input: images (patch estimators) or hyper-images
            (second-stage nets), checked by ``_check_fit_input``.
        y : array-like of shape (n_samples,)
            One target (class label or score) per image.
        **fit_params : dict
            Passed to skorch (and the module's ``forward``).

        Returns
        -------
        self : object
            The fitted estimator.
        """
        # No skorch hook runs before ``initialize`` builds the module, whose
        # input channels and outputs come from X and y: check them here first.
        self._validate_params()
        X, fitted = self._check_fit_input(X, reset=True)
        y = self._prepare_targets(self._check_targets(y, len(X)), reset=True)
        # Set once y is valid too, so that a failed fit leaves no state.
        for name, value in fitted.items():
            setattr(self, name, value)
        self.random_seeds_ = tuple(self._seeds())
        self._data_checked = True
        try:
            return self._fit_seeded(X, y, **fit_params)
        finally:
            del self._data_checked

    def partial_fit(self, X, y, classes=None, **fit_params):
        """Train the network ``max_epochs`` more epochs, keeping its weights.

        On an unfitted net this is :meth:`fit`. On a fitted (or loaded) one,
        the images are checked against what it was fitted on and the
        targets encoded as in its first fit (the same classes; scores
        standardised with ``y_mean_`` and ``y_scale_``).

        Parameters
        ----------
        X : image collection or ndarray
            Training input, as for :meth:`fit`.
        y : array-like of shape (n_samples,)
            One target per image.
        classes : None
            Ignored; the classes are those of the first fit.
        **fit_params : dict
            Passed to skorch (and the module's ``forward``).

        Returns
        -------
        self : object
            The estimator, trained further.
        """
        if getattr(self, "_data_checked", False):
            # skorch's fit continues with data that fit has just checked.
            return super().partial_fit(X, y, classes, **fit_params)
        if not hasattr(self, "random_seeds_"):
            return self.fit(X, y, **fit_params)
        self._validate_params()
        X, _ = self._check_fit_input(X, reset=False)
        y = self._prepare_targets(self._check_targets(y, len(X)), reset=False)
        return self._fit_seeded(X, y, partial=True, **fit_params)


class PatchNetMixin(CheckedFitMixin):
    """What the patch classifier, regressor and ranker share.

    Subclasses set ``_target_dtype``, implement ``_prepare_targets``
    (encode or standardise y), ``_n_outputs``, ``_postprocess`` (module
    outputs to probabilities or scores), ``_pool`` and
    ``_check_module_output``.
    """

    _target_dtype = torch.int64

    _parameter_constraints = {
        **ImageNetMixin._parameter_constraints,
        "patch_size": [Pair(1)],
        "stride": [Pair(1), None],
        "sampling": [StrOptions({"grid", "random", "center"})],
        "n_patches": [Interval(Integral, 1, None, closed="left")],
        "augment": ["boolean"],
        "predict_sampling": [StrOptions({"grid", "center"})],
        "pooling": [StrOptions({"mean", "vote", "max", "minmax"})],
        "predict_batch_size": [Interval(Integral, 1, None, closed="left")],
        "check_range": ["boolean"],
        "n_jobs": N_JOBS_CONSTRAINT,
    }

    def __init__(
        self,
        module,
        *,
        patch_size,
        sampling="random",
        n_patches=16,
        stride=None,
        augment=False,
        predict_sampling="grid",
        pooling="mean",
        predict_batch_size=32,
        check_range=True,
        n_jobs=None,
        **kwargs,
    ):
        super().__init__(module, **kwargs)
        self.patch_size = patch_size
        self.sampling = sampling
        self.n_patches = n_patches
        self.stride = stride
        self.augment = augment
        self.predict_sampling = predict_sampling
        self.pooling = pooling
        self.predict_batch_size = predict_batch_size
        self.check_range = check_range
        self.n_jobs = n_jobs

    # --------------------------------------------------------------- fitting
    def _check_fit_input(self, X, *, reset=True):
        X = self._check_images(X, reset=reset)
        if not reset:
            return X, {}
        patch = as_pair(self.patch_size)
        return X, {"n_channels_in_": n_channels_of(np.asarray(X[0])), "patch_size_": patch}

    def _check_images(self, X, *, reset):
        if not reset:
            check_is_fitted(self, ["n_channels_in_", "patch_size_"])
            patch = self.patch_size_
        else:
            patch = as_pair(self.patch_size)
        X = check_images(
            X,
            n_channels=None if reset else self.n_channels_in_,
            min_size=patch,
            min_size_hint=f" for patch_size={patch}",
            check_range=bool(self.check_range),
        )
        return X

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
            The estimator, with ``module_`` set.
        """
        fitted_info = hasattr(self, "n_channels_in_")
        patch = self.patch_size_ if fitted_info else as_pair(self.patch_size)
        kwargs = self._module_kwargs({
            "in_channels": getattr(self, "n_channels_in_", None),
            "patch_size": patch,
            "n_outputs": self._n_outputs(),
        })
        module_name = getattr(self.module, "__name__", type(self.module).__name__)
        try:
            module = self.initialized_instance(self.module, kwargs)
        except ValueError as exc:
            raise ValueError(
                f"{type(self).__name__} could not build its module {module_name} "
                f"for patch_size={patch}: {exc}"
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
        try:
            out = probe_module(module, channels, patch)
        except RuntimeError as exc:
            raise ValueError(
                f"The 'patch_size' parameter of {name} is {patch}, but its module "
                f"{type(module).__name__} cannot take {channels}x{patch[0]}x"
                f"{patch[1]} patches ({str(exc).splitlines()[0]}). Use the patch "
                "size the module was built for, or pass a matching "
                "module__patch_size."
            ) from None
        self._check_module_output(module, out)

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
            The images' patches (``sampling``, ``n_patches``, ``stride``) with
            their image's target; ``X`` itself when it is a Dataset.
        """
        if is_dataset(X):
            return X
        return self._patch_dataset(X, y)

    def _patch_dataset(self, X, y, **kwargs):
        """A :class:`PatchDataset` of checked images with this net's sampling.

        ``kwargs`` (e.g. the masks of patch supervision) are passed on.
        """
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
            **kwargs,
        )

    def on_epoch_begin(self, net, dataset_train=None, dataset_valid=None, **kwargs):
        """Start an epoch and draw new training patches.

        Overrides skorch's hook so that random patches (and augmentations)
        are drawn anew at every epoch through :meth:`PatchDataset.resample`;
        the validation patches stay those of the first epoch, so that the
        validation loss is comparable from epoch to epoch.

        Parameters
        ----------
        net : NeuralNet
            The estimator itself (as skorch passes it).
        dataset_train : torch Dataset, default=None
            The training dataset, resampled when it has a ``resample`` method.
        dataset_valid : torch Dataset, default=None
            The validation dataset, left as it is.
        **kwargs : dict
            Passed to skorch's ``on_epoch_begin``.
        """
        super().on_epoch_begin(
            net, dataset_train=dataset_train, dataset_valid=dataset_valid, **kwargs
        )
        # Random patches (and augmentations) are drawn anew every epoch; the
        # validation patches stay those of epoch 0, so its loss is comparable.
        if hasattr(dataset_train, "resample"):
            dataset_train.resample(len(self.history) - 1)

    def _extra_callbacks(self):
        return [("progress_bar", QuietProgressBar())]

    def _check_module_output(self, module, out):
        pass

    # -------------------------------------------------------------- inference
    def _postprocess(self, out):
        return out

    def _patch_outputs(self, X, sampling):
        """Outputs of the module for the patches of every image.

        Returns a list with, per image, an array of shape ``(U, V, K)`` of
        post-processed outputs on its patch grid. The images are shared in
        contiguous chunks among joblib workers when ``n_jobs`` (an
        estimator parameter where the class has one, else joblib's context)
        asks for more than one; each worker batches its chunk's patches.
        """
        n_jobs = check_n_jobs(getattr(self, "n_jobs", None), type(self).__name__)
        chunks = map_image_chunks(_chunk_patch_outputs, X, n_jobs, self, sampling)
        return [outputs for chunk in chunks for outputs in chunk]

    def _patch_outputs_serial(self, X, sampling):
        """:meth:`_patch_outputs` in this process.

        Patches are copied into one reused batch buffer, so memory stays
        bounded whatever the image size.
        """
        module = self._inference_module()
        device = self.device

        def forward(x):
            return self._postprocess(module(x.to(device))).float().cpu().numpy()

        kwargs = {"stride": self.stride} if sampling == "grid" else {}
        return patch_grid_outputs(
            X,
            patches_of=lambda image: extract_patches(
                image, self.patch_size_, sampling=sampling, **kwargs
            ),
            forward=forward,
            batch_size=int(self.predict_batch_size),
            n_channels=self.n_channels_in_,
            patch_size=self.patch_size_,
        )

    def _pool_outputs(self, outputs):
        pooled = [self._pool(m.reshape(-1, m.shape[-1])) for m in outputs]
        return np.stack(pooled).astype(np.float64)

    def _pooled(self, X):
        X = self._check_images(X, reset=False)
        return self._pool_outputs(self._patch_outputs(X, self.predict_sampling))

    def _patch_maps(self, X, return_pooled):
        """Tile maps of X, and the pooled answers from the same pass.

        The pooled answers reuse the grid's outputs when
        ``predict_sampling="grid"``; otherwise their patches are scored too.
        """
        X = self._check_images(X, reset=False)
        outputs = self._patch_outputs(X, "grid")
        maps = [self._map_values(m) for m in outputs]
        maps = np.stack(maps) if isinstance(X, np.ndarray) else maps
        if not return_pooled:
            return maps
        if self.predict_sampling != "grid":
            outputs = self._patch_outputs(X, self.predict_sampling)
        return maps, self._pool_outputs(outputs)

    def _load_fitted(self, state_dict, *, n_channels, **fitted):
        """Make the estimator fitted from saved weights (used by ``pretrained``).

        ``fitted`` holds the other fitted attributes, e.g.
        ``classes_inferred_`` for a classifier.
        """
        self._validate_params()
        self.n_channels_in_ = int(n_channels)
        self.patch_size_ = as_pair(self.patch_size)
        for name, value in fitted.items():
            setattr(self, name, value)
        self.random_seeds_ = (0, 0, 0)
        self.initialize()
        self.module_.load_state_dict(state_dict)
        self.module_.eval()
        return self


def _chunk_patch_outputs(X, estimator, sampling):
    """A joblib task: the patch outputs of one chunk of images."""
    return estimator._patch_outputs_serial(X, sampling)
