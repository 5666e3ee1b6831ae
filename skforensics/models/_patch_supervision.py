"""Patch supervision: per-patch targets from per-image maps, through ``fit``.

``fit(X, y, *, masks=None)`` of the patch CNNs: the maps are checked against
the images and become the targets of the patches drawn from them (see
:class:`~skforensics.models.PatchDataset`).
"""

from ..utils._validation import image_shapes
from ._patch_net import PatchNetMixin
from ._targets import check_masks

_FIT_DOC = """Fit the network on patches of the images.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Training images, at least ``patch_size`` large.
        y : array-like of shape (n_images,)
            {y}
        masks : ndarray of shape (n_images, H, W) or list of ndarray, default=None
            Patch supervision: one map per image, of its height and width,
            that gives each sampled patch its own target instead of its
            image's. {masks} ``sampling="mask"`` or ``"contour"`` centre half
            of the patches on the maps. With scikit-learn's metadata routing,
            ``set_fit_request(masks=True)`` lets ``Pipeline``,
            ``cross_validate`` and ``GridSearchCV`` pass them (split with the
            images).
        **fit_params : dict
            Passed to skorch (and the module's ``forward``).

        Returns
        -------
        self : object
            The fitted estimator.
        """


class _PatchSupervisionMixin:
    """``fit(X, y, *, masks=None)``: per-patch targets from per-image maps.

    The maps given to ``fit`` are kept on the estimator for the time of the
    fit only (skorch builds the dataset inside its ``fit``), checked
    against the images in ``_check_fit_input`` and turned into a
    :class:`PatchDataset` with masks in ``get_dataset`` (through
    :meth:`_mask_dataset_kwargs`).
    """

    _mask_target = "mean"

    def _with_masks(self, masks, fit, *args, **kwargs):
        if masks is None:  # a masked fit going on keeps its maps
            return fit(*args, **kwargs)
        self._fit_masks = masks
        try:
            return fit(*args, **kwargs)
        finally:
            del self._fit_masks

    def fit(self, X, y, *, masks=None, **fit_params):
        return self._with_masks(masks, super().fit, X, y, **fit_params)

    def partial_fit(self, X, y, classes=None, *, masks=None, **fit_params):
        """Train the network ``max_epochs`` more epochs, keeping its weights.

        On an unfitted net this is :meth:`fit`; on a fitted one, the images
        are checked against it and the targets encoded as in its first fit.

        Parameters
        ----------
        X : ndarray of shape (n_images, H, W[, C]), list of ndarray or LazyImages
            Training images.
        y : array-like of shape (n_images,)
            One target per image.
        classes : None
            Ignored; the classes are those of the first fit.
        masks : ndarray of shape (n_images, H, W) or list of ndarray, default=None
            Per-image maps that give each patch its own target, as in
            :meth:`fit`.
        **fit_params : dict
            Passed to skorch.

        Returns
        -------
        self : object
            The estimator, trained further.
        """
        return self._with_masks(
            masks, super().partial_fit, X, y, classes, **fit_params
        )

    def _check_fit_input(self, X, *, reset=True):
        X, fitted = super()._check_fit_input(X, reset=reset)
        masks = getattr(self, "_fit_masks", None)
        if masks is not None and (
            type(self).get_dataset is not PatchNetMixin.get_dataset
        ):
            # A subclass with its own dataset (pairs, ...) would ignore them.
            raise TypeError(
                f"{type(self).__name__} builds its own training dataset and "
                "takes no masks; use PatchCNNClassifier or PatchCNNRegressor for "
                "patch supervision."
            )
        if masks is None:
            if self.sampling in ("mask", "contour"):
                raise ValueError(
                    f"sampling={self.sampling!r} centres training patches on the "
                    f"masks passed to fit; pass {type(self).__name__}.fit(X, y, "
                    "masks=...) or use sampling='random'."
                )
            return X, fitted
        self._fit_masks = check_masks(
            masks,
            image_shapes(X),
            type(self).__name__,
            binary=self._mask_target == "label",
        )
        return X, fitted

    def _mask_dataset_kwargs(self):
        """During a fit with masks, the :class:`PatchDataset` arguments that
        give each patch its target from its map; else none."""
        masks = getattr(self, "_fit_masks", None)
        if masks is None:
            return {}
        offset, scale = 0.0, 1.0
        if self._mask_target == "mean":
            offset, scale = self.y_mean_, self.y_scale_
        return dict(
            masks=masks,
            mask_target=self._mask_target,
            target_offset=offset,
            target_scale=scale,
        )
