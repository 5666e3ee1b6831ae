"""Two-stage hyper-image estimators, shaped like scikit-learn's stacking."""


import numpy as np
from sklearn.base import (
    BaseEstimator,
    ClassifierMixin,
    MetaEstimatorMixin,
    RegressorMixin,
    TransformerMixin,
    clone,
    is_classifier,
)
from sklearn.model_selection import check_cv
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted

from ..base import ImageEstimatorMixin
from ..utils._docstrings import fill_doc
from ..utils._param_validation import (
    HasMethods,
    StrOptions,
    validate_estimator_params,
)
from ..utils._validation import check_images
from ..utils._warnings import warn_user
from ._embedder import PatchEmbedder, _take
from ._hyper_net import HyperImageNetClassifier, HyperImageNetRegressor
from ._patch import PatchCNNClassifier, PatchCNNRegressor
from ._targets import MostProbableClassMixin, check_targets, encode_class_labels

__all__ = ["HyperImageClassifier", "HyperImageRegressor"]

_PREFIT_WARNING = (
    "cv='prefit' trains the second stage on hyper-images of the very images "
    "the fitted embedder was trained on. Its patch network has seen them, so "
    "their embeddings are more confident than those of new images and the "
    "second stage learns to trust them too much. Fit the embedder on other "
    "images than the ones passed here, or use an integer cv."
)


@fill_doc
class _HyperImageMixin(ImageEstimatorMixin, MetaEstimatorMixin):
    """What the hyper-image classifier and regressor share."""

    _parameter_constraints = {
        "embedder": [HasMethods(["fit", "transform"]), None],
        "final_estimator": [HasMethods(["fit", "predict"]), None],
        "cv": ["cv_object", StrOptions({"prefit"})],
        "ensemble": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        embedder=None,
        final_estimator=None,
        *,
        cv=5,
        ensemble=True,
        random_state=None,
    ):
        self.embedder = embedder
        self.final_estimator = final_estimator
        self.cv = cv
        self.ensemble = ensemble
        self.random_state = random_state

    def _validate_params(self):
        validate_estimator_params(self)

    def _seeds(self):
        """Seeds of the default second stage and of the default embedder."""
        rng = check_random_state(self.random_state)
        return [int(s) for s in rng.randint(0, 2**31 - 1, size=2)]

    def fit(
        self,
        X,
        y,
        *,
        groups=None,
        masks=None,
        reference=None,
        reference_y=None,
        **fit_params,
    ):
        """Fit the first stage, make out-of-fold hyper-images, fit the second.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Training images.
        y : array-like of shape (n_images,)
            One target per image: a score (:class:`HyperImageRegressor`) or
            a class label (:class:`HyperImageClassifier`).
        groups : array-like of shape (n_images,), default=None
            Source of each image, for a group splitter in ``cv`` (so crops
            of one photograph stay in one fold).
        masks : ndarray of shape (n_images, H, W) or list of ndarray, default=None
            Patch supervision of the first stage: one map per image, passed
            to the embedder's ``fit`` (restricted to each fold's images, so
            the patches of an image stay on its side of every split), whose
            patch estimator gives each patch its own target from the map:
            numbers for a regressor (see :meth:`PatchCNNRegressor.fit`),
            boolean maps, True where the region that gives the image its
            label is, for a classifier (see :meth:`PatchCNNClassifier.fit`).
            The second stage still learns ``y``.
        reference, reference_y : default=None
            Passed to the embedder's ``fit`` (selective patch training),
            restricted to each fold's images.
        **fit_params : dict
            Passed to the second stage's ``fit``.

        Returns
        -------
        self : object
            The fitted estimator.
        """
        self._validate_params()
        # The range is the embedder's to check (check_range of its net).
        X = check_images(X, check_range=False)
        y = self._encode_targets(check_targets(y, len(X), type(self).__name__))
        if reference is None and reference_y is not None:
            raise ValueError("reference_y is only used together with reference.")
        embed_params = (
            {} if reference is None
            else {"reference": reference, "reference_y": reference_y}
        )
        if masks is not None:
            if len(masks) != len(X):
                raise ValueError(
                    f"masks has {len(masks)} maps but X has {len(X)} images; pass "
                    "one map per image."
                )
            embed_params["masks"] = masks
        stage2_seed, embed_seed = self._seeds()
        hyper = self._hyper_images(X, y, groups, embed_params, embed_seed)
        if hyper.ndim != 4:
            raise ValueError(
                f"The embedder of {type(self).__name__} must return hyper-images of "
                f"shape (n_images, U, V, D); got shape {hyper.shape}."
            )
        self.hyper_image_shape_ = tuple(int(v) for v in hyper.shape[1:])
        if self.final_estimator is None:
            final = self._default_estimators[1](random_state=stage2_seed)
        else:
            final = clone(self.final_estimator)
            if self.random_state is not None and "random_state" in final.get_params():
                if final.get_params()["random_state"] is None:
                    final.set_params(random_state=stage2_seed)
        self.final_estimator_ = final.fit(hyper, y, **fit_params)
        return self

    def _encode_targets(self, y):
        """The checked targets as the second stage learns them."""
        raise NotImplementedError

    def _hyper_images(self, X, y, groups, embed_params, embed_seed):
        """Fit ``embedder_`` on all of X and return the training hyper-images.

        With an integer (or splitter) ``cv``, the hyper-images of each fold
        come from a clone of the embedder fitted on the other folds only.
        """
        embedder = self.embedder
        if embedder is None:
            patch_estimator = self._default_estimators[0]
            embedder = PatchEmbedder(
                patch_estimator(verbose=0, random_state=embed_seed)
            )
        if self.cv == "prefit":
            check_is_fitted(embedder)
            warn_user(_PREFIT_WARNING)
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

    def _stage2_outputs(self, X, method):
        """The second stage's ``method`` on the hyper-images of X, averaged
        over the fold embedders when ``ensemble``."""
        check_is_fitted(self, "final_estimator_")
        embedders = [self.embedder_]
        if self.ensemble and self.fold_embedders_:
            embedders = self.fold_embedders_
        total = None
        for embedder in embedders:
            hyper = np.asarray(embedder.transform(X))
            if hyper.shape[1:] != self.hyper_image_shape_:
                raise ValueError(
                    f"The embedder returned hyper-images of shape {hyper.shape[1:]}, "
                    f"but {type(self).__name__} was fitted on "
                    f"{self.hyper_image_shape_}."
                )
            outputs = getattr(self.final_estimator_, method)(hyper)
            total = outputs if total is None else total + outputs
        return total / len(embedders)

    def transform(self, X):
        """Return the hyper-images of X, from the embedder fitted on all images.

        {parameters_X_images}

        Returns
        -------
        H : ndarray of shape (n_images, U, V, D)
            The input of the second stage.
        """
        check_is_fitted(self, "embedder_")
        return self.embedder_.transform(X)


def _take_params(params, indices):
    """Per-image fit parameters restricted to ``indices`` (scalars kept)."""
    out = {}
    for key, value in params.items():
        if value is None or np.ndim(value) == 0:
            out[key] = value
        else:
            out[key] = _take(value, indices)
    return out


_PARAMETERS_DOC = """
    Parameters
    ----------
    embedder : PatchEmbedder or None, default=None
        The first stage: a transformer that turns images into hyper-images
        ``(n_images, U, V, D)``. ``None`` means ``PatchEmbedder`` around
        {default}. Unless ``cv="prefit"``, it is cloned and fitted, once on
        all images (``embedder_``, used at prediction) and once per fold.
    final_estimator : estimator or None, default=None
        The second stage, fitted on the ``(n_images, U, V, D)`` hyper-images;
        ``None`` means ``{final}()``. Its parameters are reachable as
        ``final_estimator__lr``, ``final_estimator__module__dropout``, ...
        (as those of the embedder are as ``embedder__...``), so that
        :class:`~sklearn.model_selection.GridSearchCV` can tune both stages.
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
    random_state : int, RandomState instance or None, default=None
        Seeds the default second stage, or the given one when its own
        ``random_state`` is None, and the network of the default embedder.
        An explicit embedder is seeded by its own estimator.
"""

_NOTES = """
    Notes
    -----
    Fitting trains the first stage ``n_splits + 1`` times (each fold, and
    ``embedder_`` on all images, which :meth:`transform` uses). Set ``memory``
    on the embedder (with seeded estimators) so that a grid search over the
    second stage's parameters (``final_estimator__lr``, ...) reuses them.

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

    {references_chandakkar}
"""


@fill_doc
class HyperImageRegressor(
    _HyperImageMixin, RegressorMixin, TransformerMixin, BaseEstimator
):
    __doc__ = (
        """Two-stage hyper-image regressor: patch embeddings, then a CNN.

    The model of Chandakkar & Li for image scores decided by a few local
    artifacts. A :class:`PatchEmbedder` (first stage) turns each image into
    a ``U x V x D`` hyper-image of patch embeddings; a CNN
    (:class:`HyperImageNetRegressor` around
    :class:`~skforensics.nn.HyperImageCNN`, second stage) maps it to the
    score with an L1 loss (the mean absolute error, as in the paper). Unlike
    averaging the patch scores, the second stage sees where the artifacts
    are and how they combine. It is shaped like
    :class:`~sklearn.ensemble.StackingRegressor`: the second stage trains on
    out-of-fold hyper-images.

    Read more in the :ref:`User Guide <hyper_image>`.
"""
        + _PARAMETERS_DOC.format(
            default="``PatchCNNRegressor`` (Kang's network)",
            final="HyperImageNetRegressor",
            splitter=":class:`~sklearn.model_selection.KFold`",
        )
        + """
    Attributes
    ----------
    {hyper_image_attributes_}

    See Also
    --------
    HyperImageClassifier : The same for class labels.
    PatchEmbedder : The first stage.
    HyperImageNetRegressor : The second stage.
    PatchCNNRegressor : Patch averaging, the one-stage baseline.
"""
        + _NOTES
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.models import (HyperImageNetRegressor,
    ...                                 HyperImageRegressor, PatchCNNRegressor,
    ...                                 PatchEmbedder)
    >>> from skforensics.utils import make_test_images
    >>> X = make_test_images(8, size=32)
    >>> y = np.linspace(1, 5, 8)
    >>> net = PatchCNNRegressor(patch_size=16, max_epochs=1, verbose=0,
    ...                         random_state=0, module__n_hidden=16)
    >>> stage2 = HyperImageNetRegressor(max_epochs=1, verbose=0)
    >>> model = HyperImageRegressor(PatchEmbedder(net, grid=(3, 3)), stage2,
    ...                             cv=2, random_state=0)
    >>> model.fit(X, y).predict(X).shape
    (8,)
    >>> model.get_params()["final_estimator__lr"]
    0.001
    """
    )

    _default_estimators = (PatchCNNRegressor, HyperImageNetRegressor)

    def _encode_targets(self, y):
        if y.dtype.kind not in "fiub":
            raise ValueError(
                f"{type(self).__name__} needs numeric targets; got y of dtype "
                f"{y.dtype}."
            )
        return y

    def predict(self, X):
        """Score of each image.

        {parameters_X_images}

        {returns_y_pred}
        """
        return self._stage2_outputs(X, "predict").astype(np.float64)


@fill_doc
class HyperImageClassifier(
    MostProbableClassMixin,
    _HyperImageMixin,
    ClassifierMixin,
    TransformerMixin,
    BaseEstimator,
):
    __doc__ = (
        """Two-stage hyper-image classifier: patch embeddings, then a CNN.

    The classification form of :class:`HyperImageRegressor` (Chandakkar &
    Li): a :class:`PatchEmbedder` turns each image into a hyper-image of
    patch embeddings and a :class:`HyperImageNetClassifier` trained with the
    cross-entropy on out-of-fold hyper-images predicts the class, e.g.
    whether an image holds a small forged region.

    Read more in the :ref:`User Guide <hyper_image>`.
"""
        + _PARAMETERS_DOC.format(
            default="``PatchCNNClassifier``",
            final="HyperImageNetClassifier",
            splitter=":class:`~sklearn.model_selection.StratifiedKFold`",
        )
        + """
    Attributes
    ----------
    {classes_}
    {hyper_image_attributes_}

    See Also
    --------
    HyperImageRegressor : The same for scores.
    PatchEmbedder : The first stage.
    HyperImageNetClassifier : The second stage.
    PatchCNNClassifier : Patch averaging, the one-stage baseline.
"""
        + _NOTES
        + """
    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.models import (HyperImageClassifier,
    ...                                 HyperImageNetClassifier,
    ...                                 PatchCNNClassifier, PatchEmbedder)
    >>> from skforensics.utils import make_test_images
    >>> X = make_test_images(8, size=32)
    >>> y = np.array(["pristine", "forged"] * 4)
    >>> net = PatchCNNClassifier(patch_size=16, max_epochs=1, verbose=0,
    ...                          random_state=0, module__n_hidden=16)
    >>> stage2 = HyperImageNetClassifier(max_epochs=1, verbose=0)
    >>> model = HyperImageClassifier(PatchEmbedder(net, grid=(3, 3)), stage2,
    ...                              cv=2, random_state=0)
    >>> model.fit(X, y).predict_proba(X).shape
    (8, 2)
    >>> model.classes_
    array(['forged', 'pristine'], dtype='<U8')
    >>> model.transform(X).shape
    (8, 3, 3, 16)
    """
    )

    _default_estimators = (PatchCNNClassifier, HyperImageNetClassifier)

    def _encode_targets(self, y):
        self.classes_, y_encoded = encode_class_labels(y, type(self).__name__)
        return y_encoded

    def predict_proba(self, X):
        """Class probabilities of each image.

        {parameters_X_images}

        {returns_proba}
        """
        return self._stage2_outputs(X, "predict_proba").astype(np.float64)
