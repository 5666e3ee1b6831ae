"""Hyper-images: a patch network's activations on a fixed grid of patches."""

import inspect
from numbers import Integral, Real

import cv2
import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin, clone
from sklearn.exceptions import NotFittedError
from sklearn.utils import check_random_state
from sklearn.utils.validation import check_is_fitted, check_memory

from ..base import ImageEstimatorMixin
from ..utils._docstrings import fill_doc
from ..utils._io import LazyImages
from ..utils._parallel import N_JOBS_CONSTRAINT, check_n_jobs, map_image_chunks
from ..utils._param_validation import (
    HasMethods,
    Interval,
    Pair,
    StrOptions,
    as_pair,
    validate_estimator_params,
)
from ..utils._validation import apply_images, check_images, image_shapes
from ._embedding import (
    _embed_cached,
    _embed_chunk,
    _embeddable_layers,
    _layer_size,
    _weights_digest,
)
from ._selective import select_patches
from ._targets import check_targets

__all__ = ["PatchEmbedder"]


def _take(X, indices):
    """The images ``indices`` of a collection, in the collection's form."""
    indices = np.asarray(indices, dtype=np.intp)
    if isinstance(X, np.ndarray):
        return X[indices]
    if isinstance(X, LazyImages):
        return X[indices.tolist()]
    return [X[i] for i in indices]


def _is_prefit_estimator(estimator):
    from sklearn.frozen import FrozenEstimator

    return isinstance(estimator, FrozenEstimator)


def _rescale_image(image, *, max_size):
    """Shrink ``image`` isotropically so that it fits in ``max_size``."""
    height, width = image.shape[:2]
    factor = min(max_size[0] / height, max_size[1] / width)
    if factor >= 1:
        return image
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    out = cv2.resize(image, size, interpolation=cv2.INTER_AREA)
    if image.ndim == 3 and out.ndim == 2:
        out = out[:, :, np.newaxis]
    return out


def _fit_estimator(estimator, X, y, masks=None):
    """Fit and return ``estimator`` (a module-level function, for caching)."""
    if masks is None:
        return estimator.fit(X, y)
    return estimator.fit(X, y, masks=masks)


def _takes_masks(estimator):
    try:
        return "masks" in inspect.signature(estimator.fit).parameters
    except (TypeError, ValueError):  # pragma: no cover - builtins
        return False


def _rescale_mask(mask, *, shape):
    """A per-image map resized to its shrunk image's ``(height, width)``."""
    mask = np.asarray(mask)
    if mask.shape[:2] == tuple(shape):
        return mask
    size = (int(shape[1]), int(shape[0]))
    if mask.dtype == bool:
        out = cv2.resize(mask.astype(np.uint8), size, interpolation=cv2.INTER_NEAREST)
        return out.astype(bool)
    out = cv2.resize(mask.astype(np.float32), size, interpolation=cv2.INTER_AREA)
    return out


def _check_range_of(estimator):
    """The ``check_range`` of a patch estimator (True when it has none).

    A FrozenEstimator passes the attribute of the estimator it wraps."""
    return bool(getattr(estimator, "check_range", True))


def _default_estimator():
    from ._patch import PatchCNNRegressor

    return PatchCNNRegressor(verbose=0)


@fill_doc
class PatchEmbedder(ImageEstimatorMixin, TransformerMixin, BaseEstimator):
    """Turn images into hyper-images of patch embeddings on a fixed grid.

    The first stage of the hyper-image model of Chandakkar & Li. ``fit``
    trains a patch network (``estimator``, e.g. a
    :class:`PatchCNNRegressor`) on patches labelled with their image's
    target; ``transform`` cuts a ``U x V`` grid of patches from every image,
    with the strides of eq. 2 of the paper computed per image (so images of
    any size give the same grid), runs the network and keeps the
    activations of one layer, by default the post-ReLU penultimate one. An
    image becomes a ``U x V x D`` "hyper-image" in which each pixel
    describes one patch, ready for a second-stage CNN
    (:class:`HyperImageRegressor`, :class:`HyperImageClassifier`).

    Read more in the :ref:`User Guide <hyper_image>`.

    Parameters
    ----------
    estimator : patch estimator, default=None
        A torch patch estimator exposing ``module_``, ``patch_size_`` and
        ``n_channels_in_`` once fitted (:class:`PatchCNNRegressor`,
        :class:`PatchCNNClassifier`, :class:`PatchRankingRegressor`).
        ``None`` means ``PatchCNNRegressor(verbose=0)`` (Kang et al.'s
        network on 32x32 patches). It is cloned and fitted unless ``cv`` is
        ``"prefit"`` or it is wrapped in a
        :class:`~sklearn.frozen.FrozenEstimator`.
    grid : tuple of (int, int), default=(8, 8)
        ``(U, V)``, the number of patches along the height and the width.
    layer : str or None, default=None
        Name of the submodule of the fitted ``module_`` whose output is
        embedded (as in ``module_.named_modules()``, e.g. ``"head.4"``).
        ``None`` takes the last ReLU-like activation that runs before the
        output: the post-ReLU penultimate layer.
    cv : "prefit" or None, default=None
        ``"prefit"``: ``estimator`` is already fitted and is used as is
        (``fit`` only checks it). ``None``: ``fit`` trains a clone.
    max_size : int or tuple of (int, int), default=None
        Images higher or wider than this are first shrunk isotropically
        (OpenCV area interpolation) to fit in it, in ``fit`` and
        ``transform``. ``None`` keeps every image as it is.
    batch_size : int, default=64
        Patches per forward pass in ``transform``.
    ssim_threshold : float, default=0.9
        With ``reference`` images in ``fit``, distorted patches are kept
        for training only if their SSIM to the reference patch is below
        this (see :func:`select_patches`).
    balance : bool, default=True
        With ``reference`` images, balance the kept distorted patches and
        the reference patches.
    memory : str, joblib.Memory or None, default=None
        Cache of the fitted patch network and of the embeddings, so that a
        grid search over a second stage neither retrains nor re-embeds. The
        cache is keyed on the parameters, the data and (for embeddings) the
        network's weights; use it with a fixed ``random_state`` in the
        estimator.
    random_state : int, RandomState instance or None, default=None
        Seeds the balancing of selected patches. The patch network is
        seeded by its own ``random_state``.
    n_jobs : int, default=None
        Number of joblib workers that ``transform`` shares the images among,
        in contiguous chunks. ``None`` means 1 unless in a
        :func:`joblib.parallel_backend` context, e.g. ``"dask"`` to use a
        Dask cluster; ``-1`` uses all processors. Results do not depend on
        it.

    Attributes
    ----------
    estimator_ : patch estimator
        The fitted patch network (``estimator`` itself when prefit).
    layer_ : str
        Name of the embedded submodule.
    n_features_out_ : int
        ``D``, the embedding size of one patch.
    grid_ : tuple of (int, int)
        ``(U, V)``.
    patch_size_ : tuple of (int, int)
        Patch height and width.
    n_channels_in_ : int
        Channels of the images.
    min_image_size_ : tuple of (int, int)
        Smallest image (after shrinking) the grid fits in,
        ``(ph + U - 1, pw + V - 1)``.

    See Also
    --------
    HyperImageRegressor : Second stage on these hyper-images, cross-fitted.
    skforensics.feature.grid_strides : The strides of eq. 2.
    select_patches : Selective patch training.

    Notes
    -----
    A hyper-image holds ``U * V * D`` float32 values: 8 x 8 x 800 (the
    penultimate layer of :class:`~skforensics.nn.KangCNN`) is 200 kB per
    image, so ``transform`` of 10,000 images takes 2 GB.

    ``fit(X, y, masks=...)`` trains the patch network on patch labels, as
    the paper trains its first stage where they are known: each sampled
    patch gets its target from its image's map (the tampered region of a
    collage, the per-pixel artifact strength of the synthetic task); with
    ``sampling="contour"`` or ``"mask"`` on the patch estimator, half of the
    patches are centred on the maps.

    ``fit(X, y, reference=..., reference_y=...)`` trains the patch network
    on the patches chosen by :func:`select_patches` (one patch per sample,
    ``sampling="grid"``) instead of patches of all of ``X``.

    {references_chandakkar}

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.models import PatchCNNRegressor, PatchEmbedder
    >>> from skforensics.utils import make_test_images
    >>> X = make_test_images(6, size=40)
    >>> y = np.linspace(0, 1, 6)
    >>> net = PatchCNNRegressor(patch_size=16, max_epochs=1, verbose=0,
    ...                         random_state=0, module__n_hidden=32)
    >>> embedder = PatchEmbedder(net, grid=(3, 3)).fit(X, y)
    >>> embedder.transform(X).shape
    (6, 3, 3, 32)
    >>> embedder.layer_
    'head.4'
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit"]), None],
        "grid": [Pair(1, scalar=False)],
        "layer": [str, None],
        "cv": [StrOptions({"prefit"}), None],
        "max_size": [Pair(1), None],
        "batch_size": [Interval(Integral, 1, None, closed="left")],
        "ssim_threshold": [Real],
        "balance": ["boolean"],
        "memory": [None, str, HasMethods(["cache"])],
        "random_state": ["random_state"],
        "n_jobs": list(N_JOBS_CONSTRAINT),
    }

    def __init__(
        self,
        estimator=None,
        *,
        grid=(8, 8),
        layer=None,
        cv=None,
        max_size=None,
        batch_size=64,
        ssim_threshold=0.9,
        balance=True,
        memory=None,
        random_state=None,
        n_jobs=None,
    ):
        self.estimator = estimator
        self.grid = grid
        self.layer = layer
        self.cv = cv
        self.max_size = max_size
        self.batch_size = batch_size
        self.ssim_threshold = ssim_threshold
        self.balance = balance
        self.memory = memory
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _prefit(self):
        return self.cv == "prefit" or _is_prefit_estimator(self.estimator)

    def _patch_size_param(self, estimator):
        if hasattr(estimator, "patch_size_"):
            return tuple(estimator.patch_size_)
        size = estimator.get_params().get("patch_size") if hasattr(
            estimator, "get_params"
        ) else None
        return as_pair(size) if Pair(1).is_satisfied_by(size) else None

    def _rescale(self, X):
        if self.max_size is None:
            return X
        return apply_images(
            _rescale_image, X, max_size=as_pair(self.max_size), stack=True
        )

    def _check_size(self, X, patch_size, grid, n_channels=None, check_range=True):
        ph, pw = patch_size
        gu, gv = grid
        minimum = (ph + gu - 1, pw + gv - 1)
        shrunk = "" if self.max_size is None else " after shrinking to max_size"
        return check_images(
            X,
            n_channels=n_channels,
            min_size=minimum,
            min_size_hint=(
                f"{shrunk} for a {gu}x{gv} grid of {ph}x{pw} patches"
            ),
            check_range=check_range,
        )

    def _check_targets(self, y, n_images, name="y"):
        return check_targets(
            y,
            n_images,
            type(self).__name__,
            name=name,
            none_hint=" It trains its patch network on y (pass cv='prefit' for a "
            "fitted network).",
        )

    # ------------------------------------------------------------------- fit
    def fit(self, X, y=None, *, masks=None, reference=None, reference_y=None):
        """Fit the patch network (unless prefit) and set up the embedding.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Training images, large enough for the grid:
            ``(ph + U - 1, pw + V - 1)`` pixels at least.
        y : array-like of shape (n_images,)
            One target per image (ignored when prefit).
        masks : ndarray of shape (n_images, H, W) or list of ndarray, default=None
            Patch supervision of the first stage: one map per image, passed
            to the patch estimator's ``fit`` (see
            :meth:`PatchCNNClassifier.fit`, :meth:`PatchCNNRegressor.fit`),
            which gives each training patch its own target from the map
            under it. Shrunk with the images when ``max_size`` shrinks them.
            Ignored when prefit.
        reference : image collection, default=None
            The undistorted version of each image, of the same shapes. When
            given, the network is trained on the patches chosen by
            :func:`select_patches` (selective patch training).
        reference_y : scalar or array-like of shape (n_images,), default=None
            Target of the reference patches (e.g. the best quality score, or
            the "authentic" class); required with ``reference``.

        Returns
        -------
        self : PatchEmbedder
            The fitted embedder.
        """
        validate_estimator_params(self)
        grid = as_pair(self.grid)
        if self._prefit():
            estimator = self.estimator
            try:
                check_is_fitted(estimator, ["module_", "patch_size_"])
            except NotFittedError:
                raise NotFittedError(
                    f"{type(self).__name__} has cv='prefit' but its estimator "
                    f"{type(estimator).__name__} is not fitted; fit it first, or "
                    "leave cv=None to let the embedder fit a clone."
                ) from None
            check_range = _check_range_of(estimator)
            X = self._rescale(check_images(X, check_range=check_range))
            X = self._check_size(
                X, estimator.patch_size_, grid, check_range=check_range
            )
        else:
            base = _default_estimator() if self.estimator is None else self.estimator
            patch_size = self._patch_size_param(base)
            if patch_size is None or not hasattr(base, "fit"):
                raise TypeError(
                    f"{type(self).__name__} needs a torch patch estimator with a "
                    "patch_size parameter and module_ once fitted (e.g. "
                    f"PatchCNNRegressor); got {type(base).__name__}."
                )
            check_range = _check_range_of(base)
            X = self._check_size(
                self._rescale(check_images(X, check_range=check_range)),
                patch_size,
                grid,
                check_range=check_range,
            )
            y = self._check_targets(y, len(X))
            estimator = clone(base)
            memory = check_memory(self.memory)
            if masks is not None:
                masks = self._fit_masks(masks, X, estimator, reference)
            if reference is not None:
                X_fit, y_fit = self._selected_patches(
                    X, y, reference, reference_y, patch_size, estimator
                )
                if "sampling" in estimator.get_params():
                    estimator.set_params(sampling="grid")
            else:
                X_fit, y_fit = X, y
            estimator = memory.cache(_fit_estimator)(estimator, X_fit, y_fit, masks)
        if not hasattr(estimator, "module_") or not hasattr(estimator, "patch_size_"):
            raise TypeError(
                f"{type(self).__name__} embeds the layers of a torch patch network, "
                f"but the fitted {type(estimator).__name__} has no module_ and "
                "patch_size_; use a patch estimator such as PatchCNNRegressor."
            )
        self.estimator_ = estimator
        self.patch_size_ = tuple(int(v) for v in estimator.patch_size_)
        self.n_channels_in_ = int(estimator.n_channels_in_)
        self.grid_ = grid
        self.min_image_size_ = (
            self.patch_size_[0] + grid[0] - 1,
            self.patch_size_[1] + grid[1] - 1,
        )
        self.layer_, self.n_features_out_ = self._resolve_layer()
        return self

    def _fit_masks(self, masks, X, estimator, reference):
        name = type(self).__name__
        if reference is not None:
            raise ValueError(
                f"{name}.fit takes masks (patch supervision) or reference "
                "(selective patch training), not both."
            )
        if not _takes_masks(estimator):
            raise TypeError(
                f"{name} was given masks, but the fit of its estimator "
                f"{type(estimator).__name__} takes none; use PatchCNNClassifier "
                "or PatchCNNRegressor for patch supervision."
            )
        if self.max_size is None:
            return masks
        if len(masks) != len(X):
            raise ValueError(
                f"masks has {len(masks)} maps but X has {len(X)} images; pass one "
                "map per image."
            )
        return [
            _rescale_mask(mask, shape=shape)
            for mask, shape in zip(masks, image_shapes(X))
        ]

    def _selected_patches(self, X, y, reference, reference_y, patch_size, estimator):
        if reference_y is None:
            raise ValueError(
                "reference_y is required with reference: the target of the "
                "reference patches (e.g. the best quality score, or the "
                "authentic class)."
            )
        reference = self._rescale(
            check_images(
                reference,
                input_name="reference",
                check_range=_check_range_of(estimator),
            )
        )
        if len(reference) != len(X):
            raise ValueError(
                f"reference has {len(reference)} images but X has {len(X)}; pass "
                "the undistorted version of every image of X, in the same order."
            )
        reference_y = np.asarray(reference_y)
        if reference_y.ndim == 0:
            reference_y = np.full(len(X), reference_y)
        reference_y = self._check_targets(reference_y, len(X), name="reference_y")
        stride = estimator.get_params().get("stride")
        patches, is_reference, source = select_patches(
            X,
            reference,
            patch_size=patch_size,
            stride=stride,
            ssim_threshold=self.ssim_threshold,
            balance=bool(self.balance),
            random_state=check_random_state(self.random_state),
        )
        if not len(patches) or is_reference.all() or not is_reference.any():
            raise ValueError(
                "Selective patch training kept no distorted patch (or no "
                "reference patch); raise ssim_threshold or check that the "
                "references match the images."
            )
        labels = np.where(is_reference, reference_y[source], y[source])
        return patches, labels

    def _resolve_layer(self):
        module = self.estimator_.module_
        name = type(self).__name__
        if self.layer is not None:
            names = [n for n, _ in module.named_modules() if n]
            if self.layer not in names:
                shown = ", ".join(repr(n) for n in names[:20])
                raise ValueError(
                    f"The 'layer' parameter of {name} must name a submodule of the "
                    f"fitted module {type(module).__name__}; got {self.layer!r}. "
                    f"Its submodules are: {shown}."
                )
            size = _layer_size(
                module, self.layer, self.n_channels_in_, self.patch_size_
            )
            if size is None:
                raise ValueError(
                    f"The submodule {self.layer!r} of {type(module).__name__} does "
                    "not run in its forward pass on one patch, so it cannot be "
                    "embedded; choose another layer."
                )
            return self.layer, size
        layers = _embeddable_layers(module, self.n_channels_in_, self.patch_size_)
        if not layers:
            raise ValueError(
                f"{name} found no embeddable layer in {type(module).__name__}: no "
                "ReLU-like activation runs before its output. Pass layer='<name>' "
                "with the submodule to embed (see module_.named_modules())."
            )
        return layers[-1]

    # -------------------------------------------------------------- transform
    def transform(self, X):
        """Hyper-images: the embeddings of each image's grid of patches.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Images with the training images' number of channels, at least
            ``min_image_size_`` (after shrinking to ``max_size``).

        Returns
        -------
        H : ndarray of shape (n_images, U, V, D) of dtype float32
            ``H[i, u, v]`` is the embedding of the patch in grid row ``u``
            and column ``v`` of image ``i``.
        """
        check_is_fitted(self, "estimator_")
        check_range = _check_range_of(self.estimator_)
        X = check_images(X, n_channels=self.n_channels_in_, check_range=check_range)
        X = self._check_size(
            self._rescale(X), self.patch_size_, self.grid_, check_range=check_range
        )
        estimator = self.estimator_
        args = (
            self.layer_,
            X,
            self.patch_size_,
            self.grid_,
            int(self.batch_size),
            getattr(estimator, "device", "cpu"),
        )
        if self.memory is None:
            n_jobs = check_n_jobs(getattr(self, "n_jobs", None), type(self).__name__)
            chunks = map_image_chunks(
                _embed_chunk, X, n_jobs, estimator.module_, *args[:1], *args[2:]
            )
            return chunks[0] if len(chunks) == 1 else np.concatenate(chunks)
        memory = check_memory(self.memory)
        cached = memory.cache(_embed_cached, ignore=["module"])
        return cached(estimator.module_, _weights_digest(estimator.module_), *args)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = not self._prefit()
        return tags
