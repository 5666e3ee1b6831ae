"""The base of the patch estimators: PatchNetMixin.

What :class:`PatchCNNClassifier`, :class:`PatchCNNRegressor` and
:class:`PatchRankingRegressor` share on top of :class:`CheckedFitMixin`
(:mod:`._skorch_base`): their parameters (one ``__init__`` for the
classifier, the regressor and their subclasses), the lazily indexed patch
dataset, the checks of the images against the patch size, batched
inference over the tiles of each image, and pooling.
"""

from numbers import Integral

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted
from skorch.utils import is_dataset

from ..feature._patches import extract_patches
from ..utils._parallel import N_JOBS_CONSTRAINT, check_n_jobs, map_image_chunks
from ..utils._param_validation import Interval, Pair, StrOptions, as_pair
from ..utils._validation import check_images, n_channels_of
from ._callbacks import QuietProgressBar
from ._datasets import PatchDataset
from ._inference import patch_grid_outputs, probe_module
from ._skorch_base import CheckedFitMixin, ImageNetMixin

__all__ = ["PatchNetMixin"]


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

        During a fit with ``masks`` (patch supervision, see :meth:`fit`),
        the dataset takes them, so that each patch gets its target from its
        map.

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
            their image's target, or their map's; ``X`` itself when it is a
            Dataset.
        """
        if is_dataset(X):
            return X
        return self._patch_dataset(X, y, **self._mask_dataset_kwargs())

    def _mask_dataset_kwargs(self):
        """The :class:`PatchDataset` arguments of patch supervision: none
        without it (see :class:`._patch_supervision._PatchSupervisionMixin`)."""
        return {}

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

    def _pooled(self, X, *, validated=False):
        """The pooled answers of X; ``validated=True``: X was checked by the
        caller (a pipeline that validated its pixels once), not again."""
        if not validated:
            X = self._check_images(X, reset=False)
        return self._pool_outputs(self._patch_outputs(X, self.predict_sampling))

    def _patch_maps(self, X, return_pooled, *, validated=False):
        """Tile maps of X, and the pooled answers from the same pass.

        The pooled answers reuse the grid's outputs when
        ``predict_sampling="grid"``; otherwise their patches are scored too.
        ``validated=True``: X was checked by the caller, not again.
        """
        if not validated:
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
