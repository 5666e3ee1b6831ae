"""Two-stage hyper-image estimators, shaped like scikit-learn's stacking."""

import inspect
import numbers
import warnings

import numpy as np
import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.callbacks import EpochTimer, PassthroughScoring, PrintLog
from skorch.utils import to_numpy
from sklearn.base import clone, is_classifier
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state
from sklearn.utils._available_if import available_if
from sklearn.utils.validation import check_is_fitted

from ..nn import HyperImageCNN
from ..utils._validation import check_images
from ._base import SkorchCompatMixin
from ._embedder import PatchEmbedder, _take

__all__ = ["HyperImageClassifier", "HyperImageRegressor"]

_PREFIT_WARNING = (
    "cv='prefit' trains the second stage on hyper-images of the very images "
    "the fitted embedder was trained on. Its patch network has seen them, so "
    "their embeddings are more confident than those of new images and the "
    "second stage learns to trust them too much. Fit the embedder on other "
    "images than the ones passed here, or use an integer cv."
)


class _HyperImageMixin(SkorchCompatMixin):
    """What the hyper-image classifier and regressor share."""

    # ------------------------------------------------------- parameters
    def set_params(self, **params):
        """Set parameters, including nested ones such as ``embedder__grid``.

        Parameters
        ----------
        **params : dict
            Estimator parameters. Keys starting with ``embedder__`` go to
            the embedder; the others are handled by skorch (``module__...``,
            ``optimizer__...``, ``lr``, ...).

        Returns
        -------
        self : estimator instance
        """
        nested = {
            k[len("embedder__"):]: v for k, v in params.items()
            if k.startswith("embedder__")
        }
        params = {k: v for k, v in params.items() if not k.startswith("embedder__")}
        if "embedder" in params:
            self.embedder = params.pop("embedder")
        if nested:
            if self.embedder is None:
                raise ValueError(
                    f"Cannot set {sorted('embedder__' + k for k in nested)} on "
                    f"{type(self).__name__}: embedder is None. Pass an explicit "
                    "PatchEmbedder first."
                )
            self.embedder.set_params(**nested)
        if params:
            super().set_params(**params)
        return self

    def _check_params(self):
        name = type(self).__name__
        cv = self.cv
        if not (
            cv == "prefit"
            or cv is None
            or (
                isinstance(cv, numbers.Integral)
                and not isinstance(cv, bool)
                and cv >= 2
            )
            or (
                not isinstance(cv, str)
                and (hasattr(cv, "split") or hasattr(cv, "__iter__"))
            )
        ):
            raise ValueError(
                f"The 'cv' parameter of {name} must be an int >= 2, a "
                f"cross-validation splitter, an iterable of splits, 'prefit' or "
                f"None. Got {cv!r} instead."
            )
        if not isinstance(self.ensemble, (bool, np.bool_)):
            raise ValueError(
                f"The 'ensemble' parameter of {name} must be an instance of 'bool'. "
                f"Got {self.ensemble!r} instead."
            )
        if self.embedder is not None and not hasattr(self.embedder, "transform"):
            raise TypeError(
                f"The 'embedder' parameter of {name} must be a transformer that "
                f"returns hyper-images, such as PatchEmbedder. Got "
                f"{type(self.embedder).__name__} instead."
            )

    def _seeds(self):
        rng = check_random_state(self.random_state)
        return [int(s) for s in rng.randint(0, 2**31 - 1, size=3)]

    def _default_embedder(self):
        return PatchEmbedder(self._default_patch_estimator())

    def _check_targets(self, y, n_images):
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
                "target per image."
            )
        if y.dtype.kind in "fc" and not np.isfinite(y).all():
            raise ValueError(
                "y contains NaN or infinity; drop those images or fill in their "
                "targets."
            )
        if y.dtype.kind == "O" and any(
            v is None or (isinstance(v, float) and not np.isfinite(v)) for v in y
        ):
            raise ValueError("y contains NaN or None; drop those images first.")
        return y

    # ----------------------------------------------------------- stage 1
    def _hyper_images(self, X, y, groups, embed_params):
        """Fit ``embedder_`` on all of X and return the training hyper-images.

        With an integer (or splitter) ``cv``, the hyper-images of each fold
        come from a clone of the embedder fitted on the other folds only.
        """
        embedder = self._default_embedder() if self.embedder is None else self.embedder
        if self.cv == "prefit":
            check_is_fitted(embedder)
            warnings.warn(_PREFIT_WARNING, UserWarning, stacklevel=3)
            self.embedder_ = embedder
            self.fold_embedders_ = []
            return np.asarray(embedder.transform(X))
        self.embedder_ = clone(embedder).fit(X, y, **embed_params)
        cv = check_cv(self.cv, y, classifier=is_classifier(self))
        splits = list(cv.split(np.zeros((len(X), 1)), y, groups))
        tested = np.zeros(len(X), dtype=int)
        hyper = None
        self.fold_embedders_ = []
        for train, test in splits:
            fold = clone(embedder).fit(
                _take(X, train), y[train], **_take_params(embed_params, train)
            )
            self.fold_embedders_.append(fold)
            H = np.asarray(fold.transform(_take(X, test)))
            if hyper is None:
                hyper = np.empty((len(X),) + H.shape[1:], dtype=np.float32)
            hyper[test] = H
            tested[test] += 1
        if not (tested == 1).all():
            raise ValueError(
                f"The 'cv' of {type(self).__name__} must put every image in exactly "
                "one test fold (a partition, as KFold does) so that each gets one "
                f"out-of-fold hyper-image; {int((tested != 1).sum())} images are in "
                "none or several."
            )
        return hyper

    # ------------------------------------------------------------ stage 2
    def initialize_module(self):
        """Build the second-stage module, filling in its input size.

        When ``module`` is a class whose constructor takes ``in_channels``,
        ``grid`` or ``n_outputs`` and the corresponding ``module__``
        parameter is not set, they come from the hyper-images and targets.

        Returns
        -------
        self : object
        """
        kwargs = self.get_params_for("module")
        if not isinstance(self.module, torch.nn.Module):
            try:
                accepted = inspect.signature(self.module).parameters
            except (TypeError, ValueError):
                accepted = {}
            shape = getattr(self, "hyper_image_shape_", None)
            auto = {
                "in_channels": None if shape is None else shape[2],
                "grid": None if shape is None else tuple(shape[:2]),
                "n_outputs": self._n_outputs(),
            }
            for key, value in auto.items():
                if value is not None and key in accepted and key not in kwargs:
                    kwargs[key] = value
        self.module_ = self.initialized_instance(self.module, kwargs)
        return self

    def check_data(self, X, y=None):
        # Images, targets and hyper-images are validated in fit.
        pass

    def get_iterator(self, dataset, training=False):
        """A DataLoader over hyper-images; training batches shuffled, seeded.

        Parameters
        ----------
        dataset : torch Dataset
            Hyper-images and targets.
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

    @property
    def _default_callbacks(self):
        return [
            ("epoch_timer", EpochTimer()),
            ("train_loss", PassthroughScoring(name="train_loss", on_train=True)),
            ("valid_loss", PassthroughScoring(name="valid_loss")),
            ("print_log", PrintLog()),
        ]

    def _fit_two_stages(self, X, y, y_stage2, groups, embed_params, fit_params):
        torch_seed, _, loader_seed = self._seeds()
        self.random_seeds_ = (torch_seed, 0, loader_seed)
        hyper = self._hyper_images(X, y, groups, embed_params)
        if hyper.ndim != 4:
            raise ValueError(
                f"The embedder of {type(self).__name__} must return hyper-images of "
                f"shape (n_images, U, V, D); got shape {hyper.shape}."
            )
        self.hyper_image_shape_ = tuple(int(v) for v in hyper.shape[1:])
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(torch_seed)
            super().fit(_channels_first(hyper), y_stage2, **fit_params)
        return self

    def _stage2_outputs(self, X):
        check_is_fitted(self, "embedder_")
        embedders = [self.embedder_]
        if self.ensemble and self.fold_embedders_:
            embedders = self.fold_embedders_
        nonlin = self._get_predict_nonlinearity()
        total = None
        for embedder in embedders:
            hyper = np.asarray(embedder.transform(X))
            if hyper.shape[1:] != self.hyper_image_shape_:
                raise ValueError(
                    f"The embedder returned hyper-images of shape {hyper.shape[1:]}, "
                    f"but {type(self).__name__} was fitted on "
                    f"{self.hyper_image_shape_}."
                )
            outputs = np.concatenate([
                to_numpy(nonlin(out))
                for out in self.forward_iter(_channels_first(hyper), training=False)
            ])
            total = outputs if total is None else total + outputs
        return total / len(embedders)

    def transform(self, X):
        """Hyper-images of X, from the embedder fitted on all training images.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Images.

        Returns
        -------
        H : ndarray of shape (n_images, U, V, D)
            The input of the second stage.
        """
        check_is_fitted(self, "embedder_")
        return self.embedder_.transform(X)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.two_d_array = False
        tags.input_tags.three_d_array = True
        tags.non_deterministic = self.random_state is None
        return tags


def _channels_first(hyper):
    return np.ascontiguousarray(hyper.transpose(0, 3, 1, 2), dtype=np.float32)


def _take_params(params, indices):
    """Per-image fit parameters restricted to ``indices`` (scalars kept)."""
    out = {}
    for key, value in params.items():
        if value is None or np.ndim(value) == 0:
            out[key] = value
        else:
            out[key] = _take(value, indices)
    return out


_COMMON_DOC = """
    Parameters
    ----------
    embedder : PatchEmbedder or None, default=None
        The first stage: a transformer that turns images into hyper-images
        ``(n_images, U, V, D)``. ``None`` means ``PatchEmbedder`` around
        {default}. Unless ``cv="prefit"``, it is cloned and fitted, once on
        all images (``embedder_``, used at prediction) and once per fold.
    cv : int, cross-validation generator, iterable or "prefit", default=5
        How the hyper-images the second stage trains on are made:

        - an int, a splitter or an iterable of (train, test) splits that
          partitions the images: each image's hyper-image comes from an
          embedder fitted on the other folds only (out of fold), as
          :class:`~sklearn.ensemble.StackingRegressor` trains its final
          estimator; an int gives {splitter};
        - ``"prefit"``: ``embedder`` is already fitted and embeds the
          training images directly (see Notes for the risk).
    ensemble : bool, default=True
        How images are embedded at prediction when ``cv`` is not
        ``"prefit"``. True: by each fold's embedder, the second stage
        scoring each fold's hyper-images and the outputs (scores or
        probabilities) being averaged, as
        :class:`~sklearn.calibration.CalibratedClassifierCV` does with
        ``ensemble=True``; the second stage then only sees the embedding
        spaces it was trained on (see Notes). False: by ``embedder_``, the
        first stage refitted on all images, as stacking does; cheaper at
        prediction, but its embeddings are those of a network the second
        stage never saw.
    module : torch.nn.Module class or instance, default=HyperImageCNN
        The second-stage network on ``(batch, D, U, V)`` hyper-images. If
        it is a class whose constructor takes ``in_channels``, ``grid`` or
        ``n_outputs``, those are filled in unless set as ``module__...``.
    criterion : torch criterion class, default={criterion}
        {criterion_text}
    optimizer : torch optimizer class, default=torch.optim.Adam
        Optimiser of the second stage.
    lr : float, default=1e-3
        Learning rate of the second stage.
    max_epochs : int, default=30
        Epochs of the second stage.
    batch_size : int, default=32
        Hyper-images per batch.
    train_split : callable or None, default=None
        Internal validation split of the hyper-images (e.g. skorch's
        ``ValidSplit(5)``); ``None`` trains on all of them.
    callbacks : list of (str, skorch.callbacks.Callback) or None, default=None
        Extra skorch callbacks for the second stage.
    verbose : int, default=1
        0: silent; 1: one line per epoch of the second stage.
    device : str, default="cpu"
        Torch device of the second stage.
    random_state : int, RandomState instance or None, default=None
        Seeds the second stage (initialisation, dropout, shuffling). The
        first stage is seeded by the embedder's estimator.
    **kwargs : dict
        Other skorch parameters, e.g. ``module__n_filters=(32, 64)``,
        ``module__dropout=0.5`` or ``optimizer__weight_decay``.

    Attributes
    ----------
    embedder_ : PatchEmbedder
        The first stage fitted on all training images (``embedder`` itself
        with ``cv="prefit"``).
    fold_embedders_ : list of PatchEmbedder
        The first stage fitted on each fold's training images (empty with
        ``cv="prefit"``); used at prediction when ``ensemble=True``.
    hyper_image_shape_ : tuple of (int, int, int)
        ``(U, V, D)``.
    module_ : torch.nn.Module
        The trained second-stage network.
    random_seeds_ : tuple of int
        Seeds drawn from ``random_state``.
    history_ : skorch.History
        Losses and timings of each epoch of the second stage.
"""

_NOTES = """
    Notes
    -----
    Fitting trains the first stage ``n_splits + 1`` times (each fold, and
    ``embedder_`` on all images, which :meth:`transform` uses). Set ``memory`` on
    the embedder (with seeded estimators) so that a grid search over the
    second stage's parameters reuses them.

    If the second stage were trained on hyper-images made by an embedder
    fitted on the same images, it would see embeddings of images the patch
    network has learnt, sharper than those of unseen images, and would
    learn to rely on them more than it should at prediction. This is the
    leakage that stacking avoids with out-of-fold predictions, and the
    reason ``cv="prefit"`` warns: use it only with an embedder fitted on
    other images (wrap it in :class:`~sklearn.frozen.FrozenEstimator` to
    keep it fitted through ``clone``).

    Unlike the predictions stacked by scikit-learn, embeddings of
    separately trained networks do not share coordinates: unit ``k`` of one
    fold's network need not mean what unit ``k`` of another's does. The
    out-of-fold hyper-images are thus a mixture of the folds' embedding
    spaces, and ``embedder_`` (refitted on all images) has a space of its
    own that the second stage never saw; on the synthetic task of the paper
    this costs ``ensemble=False`` most of its accuracy (SROCC 0.58 against
    0.985 for ``ensemble=True``, see ``benchmarks/bench_hyper_image.py``).
    ``ensemble=True`` embeds new images with the fold embedders, whose
    spaces the second stage was trained on, at ``n_splits`` times the
    embedding cost.

    References
    ----------
    .. [1] P. Chandakkar and B. Li, "Capturing Localized Image Artifacts
       through a CNN-based Hyper-image Representation", arXiv:1711.04945,
       2017.
"""


class HyperImageRegressor(_HyperImageMixin, NeuralNetRegressor):
    __doc__ = (
        """Two-stage hyper-image regressor: patch embeddings, then a CNN.

    The model of Chandakkar & Li for image scores decided by a few local
    artifacts. A :class:`PatchEmbedder` (first stage) turns each image into
    a ``U x V x D`` hyper-image of patch embeddings; a CNN
    (:class:`~skforensics.nn.HyperImageCNN`, second stage) maps it to the
    score with an L1 loss (the mean absolute error, as in the paper). Unlike
    averaging the patch scores, the second stage sees where the artifacts
    are and how they combine. It is shaped like
    :class:`~sklearn.ensemble.StackingRegressor`: the second stage trains on
    out-of-fold hyper-images.

    Read more in the :ref:`User Guide <hyper_image>`.
"""
        + _COMMON_DOC.format(
            default="``PatchCNNRegressor`` (Kang's network)",
            splitter=":class:`~sklearn.model_selection.KFold`",
            criterion="torch.nn.L1Loss",
            criterion_text="Loss of the second stage (mean absolute error).",
        )
        .replace(
            "    module_ : torch.nn.Module\n",
            "    y_mean_, y_scale_ : float\n        Mean and standard deviation of "
            "the training scores; the second stage\n        learns standardised "
            "scores (its L1 loss is the MAE divided by\n        ``y_scale_``) and "
            "predictions are mapped back.\n    module_ : torch.nn.Module\n",
        )
        + """
    See Also
    --------
    HyperImageClassifier : The same for class labels.
    PatchEmbedder : The first stage.
    PatchCNNRegressor : Patch averaging, the one-stage baseline.
"""
        + _NOTES
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.models import (HyperImageRegressor, PatchCNNRegressor,
    ...                                 PatchEmbedder)
    >>> from skforensics.utils import make_test_images
    >>> X = make_test_images(8, size=32)
    >>> y = np.linspace(1, 5, 8)
    >>> net = PatchCNNRegressor(patch_size=16, max_epochs=1, verbose=0,
    ...                         random_state=0, module__n_hidden=16)
    >>> model = HyperImageRegressor(PatchEmbedder(net, grid=(3, 3)), cv=2,
    ...                             max_epochs=1, verbose=0, random_state=0)
    >>> model.fit(X, y).predict(X).shape
    (8,)
    >>> model.get_params()["embedder__estimator__lr"]
    0.001
    """
    )

    def __init__(
        self,
        embedder=None,
        *,
        cv=5,
        ensemble=True,
        module=HyperImageCNN,
        criterion=torch.nn.L1Loss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=30,
        batch_size=32,
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
        self.embedder = embedder
        self.cv = cv
        self.ensemble = ensemble
        self.random_state = random_state

    def _default_patch_estimator(self):
        from ._patch import PatchCNNRegressor

        return PatchCNNRegressor(verbose=0, random_state=self._seeds()[1])

    def _n_outputs(self):
        return 1

    def fit(self, X, y, *, groups=None, reference=None, reference_y=None, **fit_params):
        """Fit the first stage, make out-of-fold hyper-images, fit the second.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Training images.
        y : array-like of shape (n_images,)
            One score per image.
        groups : array-like of shape (n_images,), default=None
            Source of each image, for a group splitter in ``cv`` (so crops
            of one photograph stay in one fold).
        reference, reference_y : default=None
            Passed to the embedder's ``fit`` (selective patch training),
            restricted to each fold's images.
        **fit_params : dict
            Passed to skorch for the second stage.

        Returns
        -------
        self : HyperImageRegressor
            The fitted estimator.
        """
        self._check_params()
        X = check_images(X)
        y = self._check_targets(y, len(X))
        try:
            y = y.astype(np.float32)
        except (TypeError, ValueError):
            raise ValueError(
                f"{type(self).__name__} needs numeric targets; got y of dtype "
                f"{y.dtype}."
            ) from None
        embed_params = _embed_params(reference, reference_y)
        # Stage 2 learns standardised scores, so that its output starts on
        # the right scale whatever the range of y (MOS 1-5, DMOS 0-100, ...).
        self.y_mean_ = float(y.mean())
        self.y_scale_ = float(y.std()) or 1.0
        y_stage2 = ((y - self.y_mean_) / self.y_scale_).astype(np.float32)
        return self._fit_two_stages(
            X, y, y_stage2.reshape(-1, 1), groups, embed_params, fit_params
        )

    @available_if(lambda self: False)
    def predict_proba(self, X):
        """Not available: a regressor predicts scores (see :meth:`predict`)."""
        raise AttributeError("HyperImageRegressor has no predict_proba.")

    def predict(self, X):
        """Score of each image.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Images.

        Returns
        -------
        y_pred : ndarray of shape (n_images,)
            Predicted scores.
        """
        out = self._stage2_outputs(X).reshape(-1).astype(np.float64)
        return out * self.y_scale_ + self.y_mean_


class HyperImageClassifier(_HyperImageMixin, NeuralNetClassifier):
    __doc__ = (
        """Two-stage hyper-image classifier: patch embeddings, then a CNN.

    The classification form of :class:`HyperImageRegressor` (Chandakkar &
    Li): a :class:`PatchEmbedder` turns each image into a hyper-image of
    patch embeddings and a :class:`~skforensics.nn.HyperImageCNN` trained
    with the cross-entropy on out-of-fold hyper-images predicts the class,
    e.g. whether an image holds a small forged region.

    Read more in the :ref:`User Guide <hyper_image>`.
"""
        + _COMMON_DOC.format(
            default="``PatchCNNClassifier``",
            splitter=":class:`~sklearn.model_selection.StratifiedKFold`",
            criterion="torch.nn.CrossEntropyLoss",
            criterion_text="Loss of the second stage on its logits.",
        ).replace(
            "    Attributes\n    ----------\n",
            "    Attributes\n    ----------\n    classes_ : ndarray of shape "
            "(n_classes,)\n        Class labels.\n",
        )
        + """
    See Also
    --------
    HyperImageRegressor : The same for scores.
    PatchEmbedder : The first stage.
    PatchCNNClassifier : Patch averaging, the one-stage baseline.
"""
        + _NOTES
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.models import (HyperImageClassifier, PatchCNNClassifier,
    ...                                 PatchEmbedder)
    >>> from skforensics.utils import make_test_images
    >>> X = make_test_images(8, size=32)
    >>> y = np.array([0, 1] * 4)
    >>> net = PatchCNNClassifier(patch_size=16, max_epochs=1, verbose=0,
    ...                          random_state=0, module__n_blocks=1)
    >>> model = HyperImageClassifier(PatchEmbedder(net, grid=(3, 3)), cv=2,
    ...                              max_epochs=1, verbose=0, random_state=0)
    >>> model.fit(X, y).predict_proba(X).shape
    (8, 2)
    """
    )

    def __init__(
        self,
        embedder=None,
        *,
        cv=5,
        ensemble=True,
        module=HyperImageCNN,
        criterion=torch.nn.CrossEntropyLoss,
        optimizer=torch.optim.Adam,
        lr=1e-3,
        max_epochs=30,
        batch_size=32,
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
        self.embedder = embedder
        self.cv = cv
        self.ensemble = ensemble
        self.random_state = random_state

    def _default_patch_estimator(self):
        from ._patch import PatchCNNClassifier

        return PatchCNNClassifier(verbose=0, random_state=self._seeds()[1])

    def _n_outputs(self):
        classes = getattr(self, "classes_inferred_", None)
        return None if classes is None else len(classes)

    def fit(self, X, y, *, groups=None, reference=None, reference_y=None, **fit_params):
        """Fit the first stage, make out-of-fold hyper-images, fit the second.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Training images.
        y : array-like of shape (n_images,)
            One class label per image.
        groups : array-like of shape (n_images,), default=None
            Source of each image, for a group splitter in ``cv``.
        reference, reference_y : default=None
            Passed to the embedder's ``fit`` (selective patch training),
            restricted to each fold's images.
        **fit_params : dict
            Passed to skorch for the second stage.

        Returns
        -------
        self : HyperImageClassifier
            The fitted estimator.
        """
        self._check_params()
        X = check_images(X)
        y = self._check_targets(y, len(X))
        if y.dtype.kind == "f" and np.any(y != np.round(y)):
            raise ValueError(
                f"Unknown label type: y holds continuous values; "
                f"{type(self).__name__} needs class labels (use "
                "HyperImageRegressor for scores)."
            )
        classes, y_encoded = np.unique(y, return_inverse=True)
        if len(classes) < 2:
            raise ValueError(
                f"{type(self).__name__} needs images of at least 2 classes in y; "
                f"got only class {classes[0].tolist()!r}."
            )
        self.classes_inferred_ = classes
        embed_params = _embed_params(reference, reference_y)
        return self._fit_two_stages(
            X, y, y_encoded.astype(np.int64), groups, embed_params, fit_params
        )

    def predict_proba(self, X):
        """Class probabilities of each image.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Images.

        Returns
        -------
        proba : ndarray of shape (n_images, n_classes)
            Probabilities in the order of :attr:`classes_`.
        """
        return self._stage2_outputs(X).astype(np.float64)

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


def _embed_params(reference, reference_y):
    if reference is None:
        if reference_y is not None:
            raise ValueError("reference_y is only used together with reference.")
        return {}
    return {"reference": reference, "reference_y": reference_y}
