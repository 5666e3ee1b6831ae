"""The second stage of the hyper-image model: a skorch net on hyper-images."""

import numpy as np
import scipy.sparse
import torch
from sklearn.utils.validation import check_is_fitted
from skorch import NeuralNetClassifier, NeuralNetRegressor
from skorch.utils import is_dataset, to_numpy

from ..nn import HyperImageCNN
from ._skorch_base import CheckedFitMixin, ImageNetMixin
from ._skorch_compat import ScoresOnlyMixin, inherit_signature
from ._targets import MostProbableClassMixin

__all__ = ["HyperImageNetClassifier", "HyperImageNetRegressor"]


def _channels_first(hyper):
    return np.ascontiguousarray(np.moveaxis(hyper, -1, 1), dtype=np.float32)


class _HyperImageNetMixin(CheckedFitMixin):
    """What the stage-2 classifier and regressor share."""

    @inherit_signature(ImageNetMixin.__init__)
    def __init__(self, module, *, max_epochs=30, batch_size=32, **kwargs):
        # The defaults of both stage-2 nets; each sets its module and loss.
        super().__init__(module, max_epochs=max_epochs, batch_size=batch_size, **kwargs)

    def _check_hyper_images(self, H, *, reset):
        if not reset:
            # Before the data, as scikit-learn's estimators do: an unfitted
            # net says so whatever it is given.
            check_is_fitted(self, "hyper_image_shape_")
        if scipy.sparse.issparse(H):
            raise TypeError(
                f"{type(self).__name__} takes hyper-images as a dense array of "
                "shape (n_images, U, V, D); sparse input is not supported."
            )
        H = np.asarray(H)
        if np.iscomplexobj(H):
            raise ValueError(
                f"Complex data not supported: {type(self).__name__} takes "
                "real-valued hyper-images."
            )
        H = H.astype(np.float32, copy=False)
        if H.ndim != 4 or H.shape[0] == 0:
            raise ValueError(
                f"{type(self).__name__} takes hyper-images of shape (n_images, U, "
                f"V, D); got an array of shape {H.shape}."
            )
        if not np.isfinite(H).all():
            raise ValueError("The hyper-images contain NaN or infinity.")
        if not reset and H.shape[1:] != self.hyper_image_shape_:
            raise ValueError(
                f"Hyper-images have shape {H.shape[1:]}, but "
                f"{type(self).__name__} was fitted on {self.hyper_image_shape_}."
            )
        return H

    def _check_fit_input(self, X, *, reset=True):
        H = self._check_hyper_images(X, reset=reset)
        if not reset:
            return H, {}
        return H, {"hyper_image_shape_": tuple(int(v) for v in H.shape[1:])}

    def initialize_module(self):
        """Build the module, filling in its input channels, grid and outputs.

        When ``module`` is a class whose constructor takes ``in_channels``,
        ``grid`` or ``n_outputs`` and the corresponding ``module__``
        parameter is not set, they come from the hyper-images and targets.

        Returns
        -------
        self : object
            The estimator, with ``module_`` set.
        """
        shape = getattr(self, "hyper_image_shape_", None)
        kwargs = self._module_kwargs({
            "in_channels": None if shape is None else shape[2],
            "grid": None if shape is None else tuple(shape[:2]),
            "n_outputs": self._n_outputs(),
        })
        self.module_ = self.initialized_instance(self.module, kwargs)
        return self

    def get_dataset(self, X, y=None):
        """Hyper-images, channel first for torch, with their targets.

        Parameters
        ----------
        X : ndarray of shape (n_images, U, V, D) or torch Dataset
            Hyper-images; a Dataset is returned as is.
        y : ndarray of shape (n_images,) or None
            Encoded targets.

        Returns
        -------
        dataset : skorch.dataset.Dataset
            The hyper-images as float32 arrays of shape (n_images, D, U, V)
            with their targets; ``X`` itself when it is a Dataset.
        """
        if is_dataset(X):
            return X
        return super().get_dataset(_channels_first(np.asarray(X)), y)

    def _outputs(self, X):
        """The module's outputs after the predict nonlinearity, as numpy."""
        H = self._check_hyper_images(X, reset=False)
        nonlin = self._get_predict_nonlinearity()
        return np.concatenate([
            to_numpy(nonlin(out)) for out in self.forward_iter(H, training=False)
        ])


_DOC = """{summary}

    The second stage of :class:`{meta}`, usable on its own on any
    ``(n_images, U, V, D)`` array of hyper-images (e.g. the output of
    :meth:`PatchEmbedder.transform`): a skorch net around
    :class:`~skforensics.nn.HyperImageCNN` whose input channels and grid
    come from the data.

    Read more in the :ref:`User Guide <hyper_image>`.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=HyperImageCNN
        The network on ``(batch, D, U, V)`` hyper-images. If it is a class
        whose constructor takes ``in_channels``, ``grid`` or ``n_outputs``,
        those are filled in unless set as ``module__...``.
    criterion : torch criterion class, default={criterion}
        {criterion_text}
    optimizer : torch optimizer class, default=torch.optim.Adam
        Optimiser.
    lr : float, default=1e-3
        Learning rate.
    max_epochs : int, default=30
        Number of epochs.
    batch_size : int, default=32
        Hyper-images per batch.
    train_split : callable or None, default=None
        Internal validation split (e.g. skorch's ``ValidSplit(5)``); ``None``
        trains on all hyper-images.
    callbacks : list of (str, skorch.callbacks.Callback) or None, default=None
        Extra skorch callbacks.
    verbose : int, default=1
        0: silent; 1: one line per epoch.
    device : str, default="cpu"
        Torch device.
    random_state : int, RandomState instance or None, default=None
        Seeds the initialisation, dropout and shuffling.
    **kwargs : dict
        Other skorch parameters, e.g. ``module__n_filters=(32, 64)``,
        ``module__dropout=0.5`` or ``optimizer__weight_decay``.

    Attributes
    ----------
    hyper_image_shape_ : tuple of (int, int, int)
        ``(U, V, D)`` of the training hyper-images.{attributes}
    module_ : torch.nn.Module
        The trained network.
    random_seeds_ : tuple of int
        Seeds drawn from ``random_state``.
    history_ : skorch.History
        Losses and timings of each epoch.

    See Also
    --------
    {meta} : The two stages together.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.models import {name}
    >>> H = np.random.default_rng(0).random((8, 3, 3, 16), dtype=np.float32)
    >>> y = {y}
    >>> net = {name}(max_epochs=1, verbose=0, random_state=0)
    >>> net.fit(H, y).{method}(H).shape
    {shape}
    >>> net.hyper_image_shape_
    (3, 3, 16)
"""


class HyperImageNetRegressor(ScoresOnlyMixin, _HyperImageNetMixin, NeuralNetRegressor):
    __doc__ = _DOC.format(
        summary="CNN regressor on hyper-images (stage 2 of the hyper-image model).",
        meta="HyperImageRegressor",
        name="HyperImageNetRegressor",
        y="np.linspace(1, 5, 8)",
        method="predict",
        shape="(8,)",
        criterion="torch.nn.L1Loss",
        criterion_text="Loss (the mean absolute error, as in the paper).",
        attributes=(
            "\n    y_mean_, y_scale_ : float\n        Mean and standard deviation "
            "of the training scores; the net learns\n        standardised scores "
            "(its L1 loss is the MAE divided by ``y_scale_``)\n        and "
            "predictions are mapped back."
        ),
    )

    @inherit_signature(_HyperImageNetMixin.__init__)
    def __init__(self, module=HyperImageCNN, *, criterion=torch.nn.L1Loss, **kwargs):
        super().__init__(module, criterion=criterion, **kwargs)

    def _n_outputs(self):
        return 1

    def _prepare_targets(self, y, *, reset=True):
        return self._standardised_scores(y, reset=reset).reshape(-1, 1)

    def predict(self, X):
        """Score of each hyper-image.

        Parameters
        ----------
        X : ndarray of shape (n_images, U, V, D)
            Hyper-images.

        Returns
        -------
        y_pred : ndarray of shape (n_images,)
            Predicted scores.
        """
        out = self._outputs(X).reshape(-1).astype(np.float64)
        return out * self.y_scale_ + self.y_mean_


class HyperImageNetClassifier(
    MostProbableClassMixin, _HyperImageNetMixin, NeuralNetClassifier
):
    __doc__ = _DOC.format(
        summary="CNN classifier on hyper-images (stage 2 of the hyper-image model).",
        meta="HyperImageClassifier",
        name="HyperImageNetClassifier",
        y="np.array([0, 1] * 4)",
        method="predict_proba",
        shape="(8, 2)",
        criterion="torch.nn.CrossEntropyLoss",
        criterion_text="Loss on the logits.",
        attributes=(
            "\n    classes_ : ndarray of shape (n_classes,)\n        Class labels."
        ),
    )

    @inherit_signature(_HyperImageNetMixin.__init__)
    def __init__(
        self, module=HyperImageCNN, *, criterion=torch.nn.CrossEntropyLoss, **kwargs
    ):
        super().__init__(module, criterion=criterion, **kwargs)

    def _n_outputs(self):
        classes = getattr(self, "classes_inferred_", None)
        return None if classes is None else len(classes)

    def _prepare_targets(self, y, *, reset=True):
        return self._class_labels(y, reset=reset)

    def predict_proba(self, X):
        """Class probabilities of each hyper-image.

        Parameters
        ----------
        X : ndarray of shape (n_images, U, V, D)
            Hyper-images.

        Returns
        -------
        proba : ndarray of shape (n_images, n_classes)
            Probabilities in the order of :attr:`classes_`.
        """
        return self._outputs(X).astype(np.float64)
