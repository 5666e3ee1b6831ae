"""The patch CNN estimators: one label or score per image, patches inside torch.

What the two share (parameters, patch sampling, batched inference over the
tiles, validation) lives in :mod:`._patch_net`; this file holds what
differs: the default module and loss, the target encoding and the pooling.
"""

import numpy as np
import torch
from skorch import NeuralNetClassifier, NeuralNetRegressor

from ..nn import KangCNN, PatchCNN
from ..utils._docstrings import fill_doc
from ..utils._param_validation import StrOptions
from ._callbacks import ValidAccuracy
from ._patch_net import PatchNetMixin
from ._patch_supervision import _FIT_DOC, _PatchSupervisionMixin
from ._pooling import pool
from ._skorch_base import ImageNetMixin
from ._skorch_compat import ScoresOnlyMixin, inherit_signature
from ._targets import MostProbableClassMixin

__all__ = ["PatchCNNClassifier", "PatchCNNRegressor"]

_SAMPLINGS = {"grid", "random", "center", "mask", "contour"}


@fill_doc
class PatchCNNClassifier(
    MostProbableClassMixin, _PatchSupervisionMixin, PatchNetMixin, NeuralNetClassifier
):
    """Image classifier that trains a CNN on patches and pools its votes.

    ``fit`` takes one label per image. Patches are cut inside a lazily
    indexed :class:`PatchDataset` (image index and corner, label repeated
    per patch), so ``n_samples`` stays the number of images and
    cross-validation splits by image; ``fit(X, y, masks=...)`` gives each
    patch a label of its own from a per-image mask of the region that
    decides the image's label (patch supervision, see :meth:`fit`). At
    prediction, the module scores the
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
    sampling : {"random", "grid", "center", "mask", "contour"}, default="random"
        Training patches: ``"random"`` draws ``n_patches`` per image, anew
        each epoch; ``"grid"`` takes all tiles (with ``stride``);
        ``"center"`` the centre tile. With ``masks`` passed to :meth:`fit`,
        ``"contour"`` centres half of the ``n_patches`` (rounded up) on
        random points of each mask's contour, as Chandakkar & Li crop their
        first stage's patches around the tampered contour, and ``"mask"``
        on random masked pixels; the other half is drawn uniformly (all of
        them for an image with an empty mask).
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
    {check_range}
    {predict_n_jobs}
    criterion : torch criterion class, default=torch.nn.CrossEntropyLoss
        Loss on the patch logits.
    {optimizer_lr}
    max_epochs : int, default=10
        Number of epochs.
    batch_size : int, default=64
        Training patches per batch.
    {train_split_callbacks_verbose_device}
    random_state : int, RandomState instance or None, default=None
        Seeds the module's initialisation and dropout (torch), the patch
        corners and augmentations (numpy) and the shuffling of the loader,
        so two fits with the same integer give the same weights.
    **kwargs : dict
        Other skorch parameters, including prefixed ones such as
        ``module__n_filters``, ``optimizer__weight_decay`` or
        ``iterator_train__num_workers``.

    Attributes
    ----------
    {classes_}
    {n_channels_in_patch_size_}
    module_ : torch.nn.Module
        The trained patch network.
    random_seeds_ : tuple of int
        Seeds drawn from ``random_state`` for torch, the patch sampling and
        the loader.
    {history_}

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

    _mask_target = "label"
    _parameter_constraints = {
        **PatchNetMixin._parameter_constraints,
        "sampling": [StrOptions(_SAMPLINGS)],
    }

    @inherit_signature(PatchNetMixin.__init__, ImageNetMixin.__init__)
    def __init__(
        self,
        module=PatchCNN,
        *,
        patch_size=64,
        criterion=torch.nn.CrossEntropyLoss,
        **kwargs,
    ):
        super().__init__(module, patch_size=patch_size, criterion=criterion, **kwargs)

    def _n_outputs(self):
        classes = getattr(self, "classes_inferred_", None)
        return None if classes is None else len(classes)

    def _extra_callbacks(self):
        return [("valid_acc", ValidAccuracy()), *super()._extra_callbacks()]

    def _check_module_output(self, module, out):
        n_classes = self._n_outputs()
        if out.ndim != 2 or out.shape[1] != n_classes:
            raise ValueError(
                f"The module of {type(self).__name__} returns outputs of shape "
                f"{tuple(out.shape)} for 2 patches, but y has {n_classes} classes: "
                f"it must return (n_patches, {n_classes}) logits. Set "
                f"module__n_outputs={n_classes} or change the module."
            )

    def fit(self, X, y, *, masks=None, **fit_params):
        return super().fit(X, y, masks=masks, **fit_params)

    fit.__doc__ = _FIT_DOC.format(
        y="One class label per image.",
        masks="Boolean (or 0/1), True where the region that gives the image "
        "its label is (e.g. the tampered region, the ``masks`` of "
        ":func:`~skforensics.datasets.make_collages`). A patch takes its "
        "image's label if its central part (the middle ``ph // 2`` x ``pw // "
        "2`` window, stretched to the image's border where the patch touches "
        "it) holds a masked pixel, and ``classes_[0]`` (e.g. 0, "
        "'authentic') otherwise, so an image of class ``classes_[0]`` gives "
        "only ``classes_[0]`` patches whatever its mask (which then only "
        "says where ``sampling='contour'`` draws, e.g. the same places as in "
        "its tampered copy).",
    )

    def _prepare_targets(self, y, *, reset=True):
        y = self._class_labels(y, reset=reset)
        masks = getattr(self, "_fit_masks", None)
        if masks is not None and not any(
            label and mask.any() for label, mask in zip(y, masks)
        ):
            classes = self.classes_inferred_
            raise ValueError(
                f"With masks, {type(self).__name__} labels the patches outside "
                f"them with classes_[0]={classes[0].tolist()!r} (the first label in "
                "sorted order) and the patches on them with their image's label, "
                f"but no image of another class than {classes[0].tolist()!r} has "
                "a masked pixel, so every patch would be "
                f"{classes[0].tolist()!r}. Encode y so that the class of untouched "
                "content sorts first (e.g. 0 for authentic, 1 for tampered), and "
                "pass True where the region of the image's label is."
            )
        return y

    def _postprocess(self, out):
        return torch.softmax(out, dim=1)

    def _pool(self, proba):
        n_classes = proba.shape[1]
        if self.pooling == "vote":
            votes = np.bincount(proba.argmax(axis=1), minlength=n_classes)
            return votes / votes.sum()
        pooled = pool(proba, self.pooling)
        if self.pooling == "mean":
            return pooled
        # max and minmax pool each class apart: make them probabilities again.
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

        {returns_proba}
        """
        return self._pooled(X)

    def decision_function(self, X):
        """Confidence scores: log-odds of the pooled probabilities.

        {parameters_X_images}

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

    def predict_patch_map(self, X, *, return_proba=False):
        """Patch probabilities on the tile grid of each image, for heat maps.

        The tiles are those of :func:`skforensics.feature.patch_corners` with
        ``stride`` (non-overlapping by default), whatever
        ``predict_sampling`` is.

        Parameters
        ----------
        {X_images}
        return_proba : bool, default=False
            Also return :meth:`predict_proba`'s answer, pooled from the same
            pass over the tiles (when ``predict_sampling="grid"``), so a heat
            map and its verdict cost one pass.

        Returns
        -------
        maps : ndarray of shape (n_images, U, V[, n_classes]) or list
            For two classes, the probability of ``classes_[1]`` per tile;
            otherwise all class probabilities. A list of arrays when the
            images differ in size.
        proba : ndarray of shape (n_images, n_classes)
            The pooled probabilities; only with ``return_proba=True``.
        """
        return self._patch_maps(X, return_pooled=return_proba)

    def _map_values(self, outputs):
        return outputs[..., 1] if len(self.classes_) == 2 else outputs

    def _load_fitted(self, state_dict, *, n_channels, classes):
        """Make the estimator fitted from saved weights (used by ``pretrained``)."""
        return super()._load_fitted(
            state_dict, n_channels=n_channels, classes_inferred_=np.asarray(classes)
        )


@fill_doc
class PatchCNNRegressor(
    _PatchSupervisionMixin, ScoresOnlyMixin, PatchNetMixin, NeuralNetRegressor
):
    """Image regressor that trains a CNN on patches and pools their scores.

    The patch-averaging no-reference IQA of Kang et al. as a scikit-learn
    estimator: each image's score is repeated on its patches, the module
    learns to score patches, and the predictions of an image's tiles are
    pooled. Patches are cut lazily inside a :class:`PatchDataset`, so
    ``n_samples`` stays the number of images. ``fit(X, y, masks=...)``
    gives each patch a target of its own, the mean of a per-image map over
    it (patch supervision, see :meth:`fit`).

    Read more in the :ref:`User Guide <patch_cnn>`.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=KangCNN
        The patch network, returning ``(batch, 1)`` or ``(batch,)`` scores.
        ``in_channels``, ``patch_size`` and ``n_outputs`` are filled in as
        for :class:`PatchCNNClassifier`.
    patch_size : int or tuple of (int, int), default=32
        Patch height and width.
    sampling : {"random", "grid", "center", "mask", "contour"}, default="random"
        Training patches, as in :class:`PatchCNNClassifier`: with ``masks``
        passed to :meth:`fit`, ``"mask"`` centres half of them (rounded up)
        on random pixels where the map is non-zero (e.g. the artifacts of
        :func:`~skforensics.datasets.make_localized_artifacts`), and
        ``"contour"`` on the contour of that region; the other half is
        drawn uniformly.
    n_patches : int, default=16
        Random patches per image and epoch.
    stride : int or tuple of (int, int), default=None
        Step of the tile grid; ``None`` means non-overlapping tiles.
    augment : bool, default=False
        Randomly flip and rotate the training patches.
    predict_sampling : {"grid", "center"}, default="grid"
        Patches scored at prediction.
    pooling : {"mean", "median", "max", "minmax"}, default="mean"
        How patch scores become an image score: mean, median, maximum, or
        mid-range ``(max + min) / 2``. ``"vote"``, the classifier's majority
        vote, is accepted as another name of ``"median"`` (the score that
        half of the patches exceed).
    predict_batch_size : int, default=32
        Patches per forward pass at prediction.
    {check_range}
    {predict_n_jobs}
    criterion : torch criterion class, default=torch.nn.L1Loss
        Loss on the patch scores (Kang et al. use the L1 norm).
    {optimizer_lr}
    max_epochs : int, default=10
        Number of epochs.
    batch_size : int, default=64
        Training patches per batch.
    {train_split_callbacks_verbose_device}
    random_state : int, RandomState instance or None, default=None
        Seeds torch, the patch sampling and the loader.
    **kwargs : dict
        Other skorch parameters, e.g. ``module__n_hidden``.

    Attributes
    ----------
    {n_channels_in_patch_size_}
    module_ : torch.nn.Module
        The trained patch network.
    {random_seeds_}
    y_mean_ : float
        Mean of the training targets (of the map values when fitted with
        ``masks``).
    y_scale_ : float
        Standard deviation of the training targets, or of the map values
        (1 if they are constant).
        The net learns ``(y - y_mean_) / y_scale_`` and predictions are mapped
        back, so targets far from 0 (a MOS of 1..5, a score near 5) train as
        well as standardised ones.
    {history_}

    See Also
    --------
    PatchCNNClassifier : The same for class labels.
    skforensics.nn.KangCNN : The default module.

    {references_kang}

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
    _parameter_constraints = {
        **PatchNetMixin._parameter_constraints,
        "sampling": [StrOptions(_SAMPLINGS)],
        "pooling": [StrOptions({"mean", "median", "vote", "max", "minmax"})],
    }

    @inherit_signature(PatchNetMixin.__init__, ImageNetMixin.__init__)
    def __init__(
        self,
        module=KangCNN,
        *,
        patch_size=32,
        criterion=torch.nn.L1Loss,
        **kwargs,
    ):
        super().__init__(module, patch_size=patch_size, criterion=criterion, **kwargs)

    def _n_outputs(self):
        return 1

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
            ``criterion_`` applied to the flattened scores and targets.
        """
        return super().get_loss(
            y_pred.reshape(-1), y_true.reshape(-1).to(y_pred.dtype), *args, **kwargs
        )

    def fit(self, X, y, *, masks=None, **fit_params):
        return super().fit(X, y, masks=masks, **fit_params)

    fit.__doc__ = _FIT_DOC.format(
        y="One score per image.",
        masks="Numbers: a patch's target is the mean of its image's map over "
        "the patch (e.g. the ``maps`` of "
        ":func:`~skforensics.datasets.make_localized_artifacts`, the squared "
        "strength of each artifact on its pixels, 0 elsewhere). The net then "
        "learns and predicts in the units of the maps, not of ``y``, and "
        ":meth:`predict` pools the patch predictions (patch averaging with "
        "patch labels); ``y`` is still checked, one score per image.",
    )

    def _prepare_targets(self, y, *, reset=True):
        y = self._standardised_scores(y, reset=reset)
        masks = getattr(self, "_fit_masks", None)
        if masks is not None and reset:
            # The net learns patch means of the maps: standardise by theirs.
            total = total2 = count = 0.0
            for mask in masks:
                values = mask.astype(np.float64, copy=False)
                total += values.sum()
                total2 += np.square(values).sum()
                count += values.size
            mean = total / count
            std = float(np.sqrt(max(total2 / count - mean**2, 0.0)))
            self.y_mean_, self.y_scale_ = float(mean), std or 1.0
        return y

    def _postprocess(self, out):
        # Back from the standardised targets the net learned to y's units.
        return out.reshape(len(out), 1) * self.y_scale_ + self.y_mean_

    def _pool(self, scores):
        # "vote" on scores is their median, the vote of a regression.
        return pool(scores[:, 0], "median" if self.pooling == "vote" else self.pooling)

    def predict(self, X):
        """Pooled score of each image.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Images, at least ``patch_size`` large.

        {returns_y_pred}
        """
        return self._pooled(X)

    def predict_patch_map(self, X, *, return_prediction=False):
        """Patch scores on the tile grid of each image, for heat maps.

        Parameters
        ----------
        {X_images}
        return_prediction : bool, default=False
            Also return :meth:`predict`'s answer, pooled from the same pass
            over the tiles (when ``predict_sampling="grid"``).

        Returns
        -------
        maps : ndarray of shape (n_images, U, V) or list of ndarray
            Score of each tile; a list when the images differ in size.
        y_pred : ndarray of shape (n_images,)
            The pooled scores; only with ``return_prediction=True``.
        """
        return self._patch_maps(X, return_pooled=return_prediction)

    @staticmethod
    def _map_values(outputs):
        return outputs[..., 0]
