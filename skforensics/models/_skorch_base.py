"""The one base of skforensics' skorch estimators.

Two mixins, each put first among the bases of a skorch ``NeuralNet``
subclass (both on :class:`._skorch_compat.SkorchCompatMixin`, scikit-learn's
parameter rules for any skorch net):

- :class:`ImageNetMixin`, what every skorch net of the package shares: the
  parameter constraints (checked in ``initialize``, before any torch call),
  the seeds drawn from ``random_state``, the seeded training loader, the
  per-image target checks, the module built from the data's shape, tags;
- :class:`PatchNetMixin` (in :mod:`._patch_net`, on
  :class:`CheckedFitMixin`), what the patch estimators add: their parameters
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
from skorch.callbacks import EpochTimer, PassthroughScoring, PrintLog

from ..base import ImageEstimatorMixin
from ..utils._param_validation import (
    Interval,
    Options,
    validate_estimator_params,
)
from ._inference import inference_module
from ._skorch_compat import SkorchCompatMixin
from ._targets import check_targets, encode_class_labels, standardise_scores

__all__ = ["CheckedFitMixin", "ImageNetMixin"]

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
