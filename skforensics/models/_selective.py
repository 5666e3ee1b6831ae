"""Stage-1 training variants of the hyper-image paper.

Selective patch training (keep the distorted patches that really differ from
their reference) and the siamese ranking channel (a patch net trained on
pairs with a hinge loss), both usable as the first stage of a
:class:`~skforensics.models.PatchEmbedder`.
"""

import hashlib
from numbers import Real

import numpy as np
import torch
from skimage.metrics import structural_similarity
from sklearn.utils import check_random_state
from skorch.utils import is_dataset

from ..feature._patches import patch_corners
from ..metrics import srocc
from ..nn import KangCNN, RankingHingeLoss, SiameseRankingNet
from ..utils._docstrings import fill_doc
from ..utils._param_validation import (
    Pair,
    as_pair,
    validate_parameter_constraints,
)
from ..utils._validation import check_images, image_shapes, n_channels_of
from ._patch import PatchCNNRegressor
from ._patch_net import PatchNetMixin
from ._skorch_base import ImageNetMixin
from ._skorch_compat import inherit_signature

__all__ = ["PatchRankingRegressor", "select_patches"]


def _patch_ssim(image, ref, rows, cols, patch_size):
    """SSIM of every grid patch of ``image`` to the same patch of ``ref``."""
    ph, pw = patch_size
    scores = np.ones((len(rows), len(cols)))
    win = min(7, ph, pw)
    win -= 1 - win % 2  # odd, as skimage wants
    for u, r in enumerate(rows):
        for v, c in enumerate(cols):
            a = image[r:r + ph, c:c + pw]
            b = ref[r:r + ph, c:c + pw]
            if np.array_equal(a, b):
                continue  # identical patches: SSIM is 1
            scores[u, v] = structural_similarity(
                a.astype(np.float64),
                b.astype(np.float64),
                data_range=1.0,
                win_size=win,
                channel_axis=-1 if a.ndim == 3 else None,
            )
    return scores


def _digest(image):
    return hashlib.sha1(np.ascontiguousarray(image).view(np.uint8)).hexdigest()


@fill_doc
def select_patches(
    X,
    reference,
    *,
    patch_size,
    stride=None,
    ssim_threshold=0.9,
    balance=True,
    random_state=None,
):
    """Choose training patches from distorted images and their references.

    Selective patch training of Chandakkar & Li for distortions that touch
    only parts of an image: a distorted patch whose SSIM to the same patch
    of the reference image is high does not show the distortion, so giving
    it the image's label would teach the patch network noise. This keeps
    the distorted patches whose SSIM is below ``ssim_threshold``, all the
    patches of the (distinct) reference images, and then balances the two
    sets by subsampling the larger one.

    The patches are returned as read-only views into the images, so the
    selection costs no image memory; a patch estimator can be fitted on
    them directly, one patch per "image".

    Read more in the :ref:`User Guide <hyper_image>`.

    Parameters
    ----------
    X : ndarray of shape (n_images, H, W[, C]) or list of ndarray
        Distorted images, floats in [0, 1] (or uint8/uint16).
    reference : ndarray of shape (n_images, H, W[, C]) or list of ndarray
        The undistorted version of each image, of the same shape. Repeated
        references (the same pristine image behind several distortions)
        contribute their patches once.
    patch_size : int or tuple of (int, int)
        Patch height and width.
    stride : int or tuple of (int, int), default=None
        Step of the patch grid; ``None`` means non-overlapping tiles, as in
        :func:`skforensics.feature.patch_corners`.
    ssim_threshold : float, default=0.9
        Distorted patches whose mean SSIM to the reference patch is below
        this value are kept.
    balance : bool, default=True
        Subsample the larger of the two sets (kept distorted patches, and
        reference patches) to the size of the smaller one.
    random_state : int, RandomState instance or None, default=None
        Seed of the subsampling.

    Returns
    -------
    patches : list of ndarray of shape (ph, pw[, C])
        The selected patches, distorted ones first, as read-only views.
    is_reference : ndarray of shape (n_patches,) of dtype bool
        Whether each patch comes from a reference image.
    source : ndarray of shape (n_patches,) of dtype int
        Index of the image (in ``X`` or ``reference``) each patch is cut
        from.

    Raises
    ------
    ValueError
        If ``X`` and ``reference`` differ in length, or an image and its
        reference differ in shape.

    Notes
    -----
    The SSIM of a patch is :func:`skimage.metrics.structural_similarity`
    of the distorted patch and the reference patch alone (7x7 windows, data
    range 1, averaged over colour channels), so a distortion does not bleed
    into the neighbouring patches; identical patches score 1 without being
    computed.

    {references_chandakkar}

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.models import select_patches
    >>> reference = np.full((2, 32, 32), 0.5, dtype=np.float32)
    >>> X = reference.copy()
    >>> X[:, :8, :8] = np.random.default_rng(0).random((2, 8, 8))
    >>> patches, is_ref, source = select_patches(X, reference, patch_size=8)
    >>> len(patches), int(is_ref.sum()), source[:2].tolist(), patches[0].shape
    (4, 2, [0, 1], (8, 8))
    """
    validate_parameter_constraints(
        {
            "patch_size": [Pair(1)],
            "stride": [Pair(1), None],
            "ssim_threshold": [Real],
            "balance": ["boolean"],
            "random_state": ["random_state"],
        },
        {
            "patch_size": patch_size,
            "stride": stride,
            "ssim_threshold": ssim_threshold,
            "balance": balance,
            "random_state": random_state,
        },
        caller_name="select_patches",
    )
    patch = as_pair(patch_size)
    X = check_images(X, min_size=patch, min_size_hint=f" for patch_size={patch}")
    reference = check_images(
        reference,
        min_size=patch,
        min_size_hint=f" for patch_size={patch}",
        input_name="reference",
    )
    if len(reference) != len(X):
        raise ValueError(
            f"reference has {len(reference)} images but X has {len(X)}; pass the "
            "undistorted version of every image of X, in the same order."
        )
    shapes, ref_shapes = image_shapes(X), image_shapes(reference)
    for i, (shape, ref_shape) in enumerate(zip(shapes, ref_shapes)):
        image, ref = X[i], reference[i]
        if tuple(shape) != tuple(ref_shape) or n_channels_of(image) != n_channels_of(
            ref
        ):
            raise ValueError(
                f"Image {i} of X has shape {np.shape(image)} but its reference has "
                f"shape {np.shape(ref)}; every image and its reference must have "
                "the same shape."
            )
    rng = check_random_state(random_state)
    distorted, references, seen = [], [], set()
    for i in range(len(X)):
        image, ref = np.asarray(X[i]), np.asarray(reference[i])
        rows, cols = patch_corners(image.shape, patch, stride=stride)
        scores = _patch_ssim(image, ref, rows, cols, patch)
        for u, v in zip(*np.nonzero(scores < ssim_threshold)):
            distorted.append((i, rows[u], cols[v]))
        key = _digest(ref)
        if key not in seen:
            seen.add(key)
            references += [(i, r, c) for r in rows for c in cols]
    distorted = np.asarray(distorted, dtype=np.int64).reshape(-1, 3)
    references = np.asarray(references, dtype=np.int64).reshape(-1, 3)
    if balance and len(distorted) and len(references):
        n = min(len(distorted), len(references))
        distorted = distorted[np.sort(rng.choice(len(distorted), n, replace=False))]
        references = references[np.sort(rng.choice(len(references), n, replace=False))]
    ph, pw = patch
    patches = []
    for images, index in ((X, distorted), (reference, references)):
        for i, r, c in index:
            view = np.asarray(images[i])[r:r + ph, c:c + pw].view()
            view.flags.writeable = False
            patches.append(view)
    is_reference = np.r_[
        np.zeros(len(distorted), dtype=bool), np.ones(len(references), dtype=bool)
    ]
    source = np.r_[distorted[:, 0], references[:, 0]].astype(np.int64)
    return patches, is_reference, source


class PatchPairDataset(torch.utils.data.Dataset):
    """Random pairs of patches from images with different targets.

    Each pair is ``({"x1": patch_a, "x2": patch_b}, label)`` with label +1
    when image ``a`` has the larger target and -1 otherwise; the order of
    the two channels is shuffled, so both labels are equally frequent.
    Pairs are drawn anew by :meth:`resample` (every epoch).
    """

    def __init__(self, images, y, *, patch_size, n_pairs, random_state=0):
        self.images = images
        self.y = np.asarray(y, dtype=np.float64)
        self.patch_size = tuple(patch_size)
        self.n_pairs = int(n_pairs)
        self.random_state = int(random_state)
        self._shapes = np.asarray([s[:2] for s in image_shapes(images)])
        self.resample(0)

    def resample(self, epoch):
        """Draw the pairs of an epoch.

        Parameters
        ----------
        epoch : int
            Seeds the draw together with ``random_state``.

        Returns
        -------
        self : PatchPairDataset
        """
        rng = np.random.default_rng([self.random_state, int(epoch)])
        n, y = len(self.y), self.y
        a = rng.integers(n, size=self.n_pairs)
        b = rng.integers(n, size=self.n_pairs)
        for _ in range(20):  # redraw partners with an equal target
            same = y[a] == y[b]
            if not same.any():
                break
            b[same] = rng.integers(n, size=int(same.sum()))
        keep = y[a] != y[b]
        a, b = a[keep], b[keep]
        swap = rng.random(len(a)) < 0.5  # the shuffled channel order
        a, b = np.where(swap, b, a), np.where(swap, a, b)
        ph, pw = self.patch_size
        corners = []
        for idx in (a, b):
            span = self._shapes[idx] - (ph, pw) + 1
            corners.append((rng.random((len(idx), 2)) * span).astype(np.int64))
        self.pairs_ = np.column_stack([a, corners[0], b, corners[1]])
        self.labels_ = np.where(y[a] > y[b], 1.0, -1.0).astype(np.float32)
        return self

    def __len__(self):
        return len(self.pairs_)

    def _patch(self, i, r, c):
        ph, pw = self.patch_size
        patch = np.asarray(self.images[i])[r:r + ph, c:c + pw]
        patch = patch[np.newaxis] if patch.ndim == 2 else np.moveaxis(patch, -1, 0)
        return torch.from_numpy(np.ascontiguousarray(patch, dtype=np.float32))

    def __getitem__(self, k):
        a, ra, ca, b, rb, cb = self.pairs_[k]
        x = {"x1": self._patch(a, ra, ca), "x2": self._patch(b, rb, cb)}
        return x, torch.tensor(self.labels_[k])


@fill_doc
class PatchRankingRegressor(PatchCNNRegressor):
    """Siamese patch network trained to rank images by their target.

    The ranking channel of Chandakkar & Li (their first stage for
    forgeries): two channels with shared weights score a patch each, and
    the hinge loss ``max(0, delta - y * (C1 - C2))`` with ``y = +1`` when
    the first patch comes from the image with the larger target (``-1``
    otherwise, channel order shuffled) pushes the scores ``delta`` apart in
    the right order. Pairs of random patches from images with different
    targets are drawn anew every epoch; ``y`` may be class labels (e.g. 1
    for forged, 0 for authentic) or scores.

    Only the order of the predictions means something: :meth:`score`
    returns the Spearman correlation. Use it as the ``estimator`` of a
    :class:`PatchEmbedder` to build hyper-images from its penultimate
    layer.

    Read more in the :ref:`User Guide <hyper_image>`.

    Parameters
    ----------
    module : torch.nn.Module class or instance, default=KangCNN
        The shared branch, returning one score per patch; it is wrapped in a
        :class:`~skforensics.nn.SiameseRankingNet`. ``module__...``
        parameters go to the branch.
    patch_size : int or tuple of (int, int), default=32
        Patch height and width.
    sampling : {"random", "grid", "center"}, default="random"
        Unused: training draws random pairs of patches (the parameter is
        :class:`PatchCNNRegressor`'s, which the ranker extends).
    n_patches : int, default=16
        Pairs per image and epoch.
    stride : int or tuple of (int, int), default=None
        Step of the tile grid at prediction; ``None`` means non-overlapping.
    augment : bool, default=False
        Unused (pairs are not augmented).
    predict_sampling : {"grid", "center"}, default="grid"
        Patches scored at prediction, as in :class:`PatchCNNRegressor`.
    pooling : {"mean", "median", "max", "minmax"}, default="mean"
        How the patch scores of an image are pooled at prediction.
    predict_batch_size : int, default=32
        Patches per forward pass at prediction.
    {check_range}
    {predict_n_jobs}
    criterion : torch criterion class, default=RankingHingeLoss
        Loss on the paired scores; its margin is ``criterion__margin``
        (default 3, the paper's ``delta``).
    {optimizer_lr}
    max_epochs : int, default=10
        Number of epochs.
    batch_size : int, default=64
        Pairs per batch.
    {train_split_callbacks_verbose_device}
    random_state : int, RandomState instance or None, default=None
        Seeds torch, the pairs and the loader.
    **kwargs : dict
        Other skorch parameters, e.g. ``module__n_hidden``.

    Attributes
    ----------
    {n_channels_in_patch_size_}
    module_ : SiameseRankingNet
        The trained network; ``module_.branch`` is the shared branch.
    {random_seeds_}
    {history_}

    See Also
    --------
    PatchCNNRegressor : Regression on patches labelled by their image.
    PatchEmbedder : Turns a patch network into hyper-images.

    {references_chandakkar}

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.models import PatchRankingRegressor
    >>> from skforensics.utils import make_test_images
    >>> X = make_test_images(6, size=32)
    >>> y = np.array([0, 1, 0, 1, 0, 1])
    >>> ranker = PatchRankingRegressor(patch_size=16, max_epochs=1, verbose=0,
    ...                                random_state=0).fit(X, y)
    >>> ranker.predict(X).shape
    (6,)
    """

    @inherit_signature(PatchNetMixin.__init__, ImageNetMixin.__init__)
    def __init__(
        self,
        module=KangCNN,
        *,
        patch_size=32,
        criterion=RankingHingeLoss,
        **kwargs,
    ):
        super().__init__(module, patch_size=patch_size, criterion=criterion, **kwargs)

    def initialize_module(self):
        """Build the branch as :class:`PatchCNNRegressor` does, then share it.

        Returns
        -------
        self : object
            The estimator, with ``module_`` set to a
            :class:`~skforensics.nn.SiameseRankingNet` around the branch.
        """
        super().initialize_module()
        if not isinstance(self.module_, SiameseRankingNet):
            self.module_ = SiameseRankingNet(self.module_)
        return self

    def get_dataset(self, X, y=None):
        """Return pairs of patches for training, as a :class:`PatchPairDataset`.

        Parameters
        ----------
        X : image collection or torch Dataset
            Checked training images; a Dataset is returned as is.
        y : ndarray of shape (n_images,) or None
            Per-image targets; without them, single patches are returned as
            :class:`PatchCNNRegressor` does.

        Returns
        -------
        dataset : torch Dataset
            Up to ``n_patches`` random pairs per image (pairs of images with
            equal targets are dropped), labelled +1 when the first patch's
            image has the larger target and -1 otherwise. Without ``y``, a
            :class:`PatchDataset` of single patches; ``X`` itself when it is
            a Dataset.
        """
        if is_dataset(X) or y is None:
            return super().get_dataset(X, y)
        seeds = getattr(self, "random_seeds_", (0, 0, 0))
        return PatchPairDataset(
            X,
            y,
            patch_size=self.patch_size_,
            n_pairs=len(X) * int(self.n_patches),
            random_state=seeds[1],
        )

    def get_loss(self, y_pred, y_true, *args, **kwargs):
        """Hinge loss of the paired scores.

        Parameters
        ----------
        y_pred : torch.Tensor of shape (batch, 2)
            Scores of the two channels.
        y_true : torch.Tensor of shape (batch,)
            Pair labels, +1 or -1.
        *args, **kwargs
            Ignored.

        Returns
        -------
        loss : torch.Tensor
            ``criterion_`` (:class:`~skforensics.nn.RankingHingeLoss` by
            default) of the paired scores.
        """
        return self.criterion_(y_pred, y_true.to(y_pred.device))

    def _prepare_targets(self, y, *, reset=True):
        if y.dtype.kind in "fiub" and len(np.unique(y)) < 2:
            raise ValueError(
                f"{type(self).__name__} ranks images by their target, so y needs at "
                "least 2 distinct values; got only "
                f"{np.unique(y).tolist()!r}."
            )
        return super()._prepare_targets(y, reset=reset)

    def score(self, X, y, sample_weight=None):
        """Spearman correlation between the predictions and ``y``.

        Parameters
        ----------
        X : image collection
            Images.
        y : array-like of shape (n_images,)
            True labels or scores.
        sample_weight : None
            Not supported; must be None.

        Returns
        -------
        score : float
            SROCC in [-1, 1].
        """
        if sample_weight is not None:
            raise ValueError(f"{type(self).__name__}.score takes no sample_weight.")
        return float(srocc(y, self.predict(X)))
