"""Pixelwise JPEG quality-factor and compression-flag estimation on skorch."""

import numbers

import numpy as np
import torch
from joblib import effective_n_jobs
from sklearn.utils import Bunch
from skorch import NeuralNetRegressor

from ..datasets._jpeg import SUBSAMPLING, jpeg_uint8
from ..datasets._jpeg_tables import TABLE_FAMILIES
from ..nn import JPEGQualityNet
from ..utils import check_images
from ..utils._color import to_uint8
from ..utils._docstrings import fill_doc
from ..utils._io import image_corner, without_alpha
from ..utils._parallel import N_JOBS_CONSTRAINT, check_n_jobs, map_image_chunks
from ..utils._param_validation import (
    Interval,
    StrOptions,
    validate_parameter_constraints,
)
from ..utils._validation import _convert_channels, check_min_size
from ._calibration import _POOLINGS, _pool_maps
from ._inference import bfloat16_copy, resolve_precision
from ._jpeg_datasets import _check_targets
from ._jpeg_pixels import MIN_TEXTURED_FRACTION, _on_8bit_grid, textured_fraction
from ._jpeg_training import JPEGTrainingMixin
from ._skorch_base import ImageNetMixin
from ._skorch_compat import inherit_signature
from ._tiling import tiled_maps

__all__ = ["PixelwiseJPEGRegressor"]

_OWNER = "PixelwiseJPEGRegressor"
# Pixels per chunk of the lattice front end's projection at inference.
_INFERENCE_CHUNK = 8192
_FIELD_HINT = (
    " for the {field}-pixel receptive field of the net (every pixel of a "
    "smaller image sees the zero padding, so its maps mean nothing)"
)

@fill_doc
class PixelwiseJPEGRegressor(JPEGTrainingMixin, ImageNetMixin, NeuralNetRegressor):
    """Pixelwise JPEG quality-factor and compression-flag estimator.

    A :class:`skorch.NeuralNetRegressor` around
    :class:`~skforensics.nn.JPEGQualityNet`, the dilated fully convolutional
    net of Uchida et al. For every pixel it estimates the JPEG quality
    factor the image was ever compressed with and whether it ever was, from
    the pixels alone (so a PNG that hides a JPEG history is caught too).

    ``fit(X)`` takes **never-compressed** images and trains on patches made
    online in the data loader: a random ``patch_size`` crop, a random one of
    the 8 rotations/flips, then, with probability ``1 -
    uncompressed_fraction``, an in-memory JPEG round trip at a quality drawn
    uniformly from ``quality_range``. ``fit(X, y)`` trains on labelled
    images instead: ``y`` gives the quality of each image, or of each pixel.

    Read more in the :ref:`User Guide <pixelwise_jpeg>`.

    Parameters
    ----------
    module : torch module class or callable, default=JPEGQualityNet
        The net, passed uninstantiated; set its parameters with the
        ``module__`` prefix, e.g. ``module__n_filters=32`` for the narrow net
        of the shipped weights (the default has the paper's 64 filters).
        ``module=JPEGQualityNet.paper`` gives the paper's net exactly
        (pixels in, no batch norm; see
        :class:`~skforensics.nn.JPEGQualityNet`).

    criterion : torch criterion class, default=torch.nn.MSELoss
        Loss between the two output maps and their targets (the paper's MSE,
        averaged over both maps and all pixels).

    optimizer : torch optim class, default=torch.optim.Adam
        The optimizer.

    lr : float, default=1e-3
        Learning rate.

    max_epochs : int, default=10
        Epochs of ``patches_per_epoch`` patches.

    batch_size : int, default=32
        Patches per batch (and in :meth:`predict_maps`, unused: images are
        processed one tile at a time).

    train_split : None or callable, default=None
        None trains on all images. A skorch splitter such as
        ``skorch.dataset.ValidSplit(5)`` is applied to the **images**, not to
        patches (patches of one image never land on both sides); the
        validation patches are drawn once from the held-out images.

    callbacks : list of (str, skorch.callbacks.Callback) or None, default=None
        Extra skorch callbacks.

    verbose : int, default=1
        Print skorch's per-epoch table when > 0.

    device : str or torch.device, default="cpu"
        Where the net runs, e.g. ``"cuda"``.

    random_state : int, RandomState instance or None, default=None
        Seeds the weight initialisation and every training patch (crop,
        transform, quality), independently of the number of data-loader
        workers. Pass an int for reproducible training.

    patch_size : int, default=60
        Side of the square training patches; every training image must be at
        least that large.

    patches_per_epoch : int, default=2000
        Training patches drawn per epoch.

    quality_range : tuple of (int, int), default=(5, 100)
        Inclusive range of the JPEG qualities drawn uniformly for the
        training patches, with ``1 <= low <= high <= 100``. Only used by
        ``fit(X)`` without ``y`` and by ``score(X)`` without ``y``.

    quality_weights : array-like of shape (high - low + 1,), default=None
        Relative frequencies of the training qualities ``low, low + 1, ...,
        high`` of ``quality_range`` (non-negative, normalised here); None
        draws them uniformly. Weighting the highest qualities up teaches the
        hardest cases, Q99 and Q100, more often. Only used by ``fit(X)``
        without ``y``.

    uncompressed_fraction : float in [0, 1], default=0.1
        Probability that a training patch is left uncompressed (targets 0 and
        0). Only used without ``y``.

    chroma_subsampling : {"4:2:0", "4:2:2", "4:4:4"} or tuple, default="4:2:0"
        Chroma subsampling of the training JPEGs; a tuple draws one per
        patch. ``"4:2:0"`` is Pillow's and OpenCV's default, and libjpeg's.

    quantization_tables : str or dict, default="libjpeg"
        Which encoders' quantisation tables the training JPEGs use: a family
        of :func:`~skforensics.datasets.draw_quantization_tables` (``"libjpeg"``:
        OpenCV's libjpeg at the drawn quality), or a dict ``{family: weight}``
        to draw one family per patch. A patch compressed with a foreign
        table is labelled with the table's closest libjpeg quality
        (:func:`~skforensics.datasets.closest_libjpeg_quality`), which is
        what the quality map means for such files. Only used without ``y``.

    augment : bool, default=True
        Apply a random one of the 8 dihedral transforms (rotations by 90
        degrees and flips) to each training patch.

    tile_size : int, default=400
        Side of the tiles of :meth:`predict_maps`; each tile is computed with
        a halo of ``receptive_field // 2`` pixels (19 for the default net,
        39 with the shipped weights' quality tests) on every side, so the
        maps equal those of the whole image while memory stays bounded
        whatever the image size. Larger tiles waste less on halos but hold
        more memory; the :ref:`User Guide <jpeg_speed>` explains the default.
        On CPU the tiles are shared among torch's threads
        (:func:`torch.get_num_threads`), one torch thread each, so each
        thread holds one tile (about 63 MB at 400 with the shipped
        weights); :func:`torch.set_num_threads` bounds both.

    inference_precision : {"float32", "bfloat16", "auto"}, default="float32"
        Precision of the dilated convolutions when predicting (the lattice
        front end and the first convolution always run in float32; a net
        on the pixels, ``module__front_end="pixels"``, ignores it).
        ``"bfloat16"`` halves their cost on CPUs that compute in bfloat16
        natively and moves the maps by about 1e-2; ``"auto"`` is
        ``"bfloat16"`` on such CPUs (AVX512-BF16) and ``"float32"``
        elsewhere. :func:`~skforensics.models.pretrained` loads the shipped
        JPEG models with ``"auto"``: their held-out figures are the same in
        both precisions (the model card gives them). Training always runs in
        float32.

    pooling : {"median", "mean"}, default="median"
        How :meth:`predict` and :meth:`predict_proba` pool each map into
        one number per image. ``"mean"`` is Uchida et al.'s map mean;
        ``"median"`` resists the flat and saturated regions, whose pixels
        carry little evidence and drift towards the average answer (on the
        validation images it lowers the quality error, see the
        :ref:`User Guide <jpeg>`).

    n_jobs : int, default=None
        Number of joblib workers that :meth:`predict_maps`, :meth:`predict`
        and :meth:`predict_proba` share the images among, in contiguous
        chunks (each worker loads the net once per chunk). ``None`` means 1
        unless in a :func:`joblib.parallel_backend` context, e.g. ``"dask"``
        to use a Dask cluster; ``-1`` uses all processors.

    **kwargs
        Other :class:`skorch.NeuralNet` parameters
        (``iterator_train__num_workers``, ``module__n_filters``, ...).

    Attributes
    ----------
    module_ : JPEGQualityNet
        The fitted net.

    seed_ : int
        The seed actually used for training (drawn from ``random_state``).

    history_ : skorch.History
        Per-epoch training record (also ``history``).

    n_channels_in_ : int
        Always 3: grayscale images are repeated to RGB.

    quality_calibration_ : dict or None
        Per ``pooling``, the knots ``(pooled, quality)`` of the increasing
        map :meth:`predict` applies to the pooled quality map, fitted by
        :meth:`calibrate_quality`; None (after :meth:`fit`) for none.

    See Also
    --------
    skforensics.nn.JPEGQualityNet : The torch module.
    skforensics.datasets.make_jpeg_images : Images labelled by JPEG quality.
    skforensics.datasets.make_collages : Images with a JPEG-compressed region.
    load_pretrained_jpeg : The shipped weights, as a fitted estimator.

    Notes
    -----
    **Outputs.** :meth:`predict_maps` gives a quality-factor map ``100 * (1 -
    q)`` and a flag map ``f``, both clipped (to [0, 100] and [0, 1]).
    :meth:`predict` gives the image's quality factor: the quality map pooled
    as ``pooling`` says (the paper's mean, or the median), then corrected by
    the quality calibration if there is one (:meth:`calibrate_quality`; the
    shipped weights have one). :meth:`predict_proba` gives ``[1 - p, p]``
    with ``p`` the pooled flag map; by the paper's rule an image was ever
    compressed when ``p > 0.5``. A never-compressed image has quality
    factor 100 by construction (its quality map target is 0), so read
    :meth:`predict` together with :meth:`predict_proba`.

    **Input.** Grayscale images are repeated to three channels, which is
    exactly the RGB image a grayscale JPEG decodes to, and a colour JPEG of a
    gray image has the same luminance as a grayscale JPEG. Images are rounded
    to 8 bits before the net sees them, as JPEG does (so 16-bit and float
    images are read as their 8-bit versions); float images must lie in [0, 1].
    Images smaller than the receptive field (39 pixels for the default net,
    79 for the shipped weights) are refused: every pixel of such an image
    sees the zero padding, so its maps would be answers without evidence.

    **Score.** :meth:`score` is the negative mean absolute error of the
    image-level quality factor, higher is better, as scikit-learn's scorers
    want. Never-compressed images count as quality 100, the quality map's
    own convention.

    **Cost.** Training and maps cost time in proportion to the pixels, and
    about ``n_filters**2``: the default 64 filters cost about three times
    as much as the shipped weights' 32, and the quality tests
    (``module__lattice_qualities``) about 1.7 times as much as a net
    without them. The :ref:`User Guide <jpeg_speed>` gives measured
    speeds.

    References
    ----------
    .. [1] K. Uchida, M. Tanaka and M. Okutomi, "Pixelwise JPEG compression
       detection and quality factor estimation based on convolutional neural
       network", IS&T Electronic Imaging, 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.models import PixelwiseJPEGRegressor
    >>> from skforensics.utils import make_test_images
    >>> X = make_test_images(4, 64, n_channels=3)
    >>> est = PixelwiseJPEGRegressor(
    ...     module__n_filters=4, patches_per_epoch=8, max_epochs=1,
    ...     verbose=0, random_state=0,
    ... ).fit(X)
    >>> est.predict(X).shape, est.predict_proba(X).shape
    ((4,), (4, 2))
    >>> quality_maps, flag_maps = est.predict_maps(X[:2])
    >>> quality_maps.shape, flag_maps.dtype
    ((2, 64, 64), dtype('float32'))
    """

    @inherit_signature(ImageNetMixin.__init__)
    def __init__(
        self,
        module=JPEGQualityNet,
        *,
        criterion=torch.nn.MSELoss,
        batch_size=32,
        patch_size=60,
        patches_per_epoch=2000,
        quality_range=(5, 100),
        quality_weights=None,
        uncompressed_fraction=0.1,
        chroma_subsampling="4:2:0",
        quantization_tables="libjpeg",
        augment=True,
        tile_size=400,
        inference_precision="float32",
        pooling="median",
        n_jobs=None,
        **kwargs,
    ):
        super().__init__(module, criterion=criterion, batch_size=batch_size, **kwargs)
        self.patch_size = patch_size
        self.patches_per_epoch = patches_per_epoch
        self.quality_range = quality_range
        self.quality_weights = quality_weights
        self.uncompressed_fraction = uncompressed_fraction
        self.chroma_subsampling = chroma_subsampling
        self.quantization_tables = quantization_tables
        self.augment = augment
        self.tile_size = tile_size
        self.inference_precision = inference_precision
        self.pooling = pooling
        self.n_jobs = n_jobs

    _parameter_constraints = {
        **ImageNetMixin._parameter_constraints,
        "patch_size": [Interval(numbers.Integral, 16, None, closed="left")],
        "patches_per_epoch": [Interval(numbers.Integral, 1, None, closed="left")],
        # (low, high) with 1 <= low <= high <= 100: checked in _validate_params.
        "quality_range": [tuple, list],
        # One weight per quality of quality_range: checked in _validate_params.
        "quality_weights": ["array-like", None],
        "uncompressed_fraction": [Interval(numbers.Real, 0, 1, closed="both")],
        "chroma_subsampling": [StrOptions(set(SUBSAMPLING)), tuple, list],
        # Families and weights: checked in _validate_params.
        "quantization_tables": [StrOptions(set(TABLE_FAMILIES)), dict],
        "augment": ["boolean"],
        "tile_size": [Interval(numbers.Integral, 16, None, closed="left")],
        "inference_precision": [StrOptions({"float32", "bfloat16", "auto"})],
        "pooling": [StrOptions(set(_POOLINGS))],
        "n_jobs": list(N_JOBS_CONSTRAINT),
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        return tags

    # -- prediction -----------------------------------------------------------

    def _check_predict_images(self, X):
        """Checked images at least as large as the net's receptive field."""
        self.check_is_fitted()
        field = int(self.module_.receptive_field)
        return check_images(
            X,
            convert_to="rgb",
            min_size=field,
            min_size_hint=_FIELD_HINT.format(field=field),
        )

    def _predict_images(self, X):
        """The checked images of ``X``; 8-bit images kept ``uint8``.

        The net reads 8-bit pixels (``_on_8bit_grid``), so a collection of
        ``uint8`` arrays (a list, or an ndarray) is checked without its
        float copy: :meth:`_check_predict_images` sees the top-left corner
        of each image (:func:`~skforensics.utils._io.image_corner`). The
        images are then returned as given, an alpha channel dropped (with
        check_images' warning). Other input is checked whole, as floats.
        """
        self.check_is_fitted()
        is_list = isinstance(X, (list, tuple)) and all(
            isinstance(image, np.ndarray) for image in X
        )
        if not (is_list or isinstance(X, np.ndarray)) or not all(
            np.asarray(image).dtype == np.uint8 for image in X
        ):
            return self._check_predict_images(X)
        field = int(self.module_.receptive_field)
        if is_list:
            self._check_predict_images([image_corner(i, field, field) for i in X])
        else:
            whole = (
                X.ndim not in (3, 4)
                or min(X.shape[1:3]) < field
                or (X.ndim == 4 and X.shape[3] not in (1, 3, 4))
            )
            self._check_predict_images(X if whole else X[:, :field, :field])
        return [without_alpha(image) for image in X]

    def _inference_module(self):
        """An evaluation copy of the net: batch norm folded, channels_last.

        A :class:`~skforensics.nn.JPEGQualityNet` copy projects its lattice
        features chunk by chunk (its ``chunk_size``), unless the net was
        given a ``chunk_size`` of its own.
        """
        module = super()._inference_module()
        if isinstance(module, JPEGQualityNet) and module.chunk_size is None:
            module.chunk_size = _INFERENCE_CHUNK
        if (
            isinstance(module, JPEGQualityNet)
            and module.features is not None
            and resolve_precision(self.inference_precision, self.device, _OWNER)
            == "bfloat16"
        ):
            return bfloat16_copy(module)
        return module

    def _image_maps(self, image, module=None):
        """Quality and flag maps (unclipped, float32) of one float image."""
        if module is None:
            module = self._inference_module()
        # JPEG stores 8-bit pixels: the net sees the image on the 8-bit grid,
        # read as float one tile at a time.
        return tiled_maps(
            module,
            _on_8bit_grid(image),
            tile_size=int(self.tile_size),
            device=self.device,
        )

    def _clipped_maps(self, image, module):
        """The (quality factor, flag) maps of one image, clipped (in place:
        views of one (2, H, W) float32 array)."""
        maps = self._image_maps(image, module)
        np.clip(maps, 0.0, 1.0, out=maps)
        quality = maps[0]
        np.subtract(1.0, quality, out=quality)
        np.multiply(100.0, quality, out=quality)
        return quality, maps[1]

    def _maps_and_texture(self, image, module):
        """The clipped maps of one image and its :func:`textured_fraction`."""
        return (*self._clipped_maps(image, module), textured_fraction(image))

    def _validated_images(self, X):
        """Images the caller validated (``analyse``'s record entry: ``uint8``
        as read, or checked float32), their pixels not read again: only
        their size is checked, and a grey float image repeated to RGB as
        :meth:`_check_predict_images` would."""
        self.check_is_fitted()
        field = int(self.module_.receptive_field)
        images = []
        for index, image in enumerate(X):
            check_min_size(
                np.shape(image),
                field,
                hint=_FIELD_HINT.format(field=field),
                where=f" (image {index})",
            )
            if image.dtype != np.uint8:
                image = _convert_channels(np.asarray(image, dtype=np.float32), "rgb")
            images.append(image)
        return images

    def _iter_maps(self, X, validated=False):
        """Yield ``(quality map, flag map, textured fraction)`` of each image
        (``validated``: see :meth:`_validated_images`).

        Each image is read once for both. With more than one joblib worker
        (``n_jobs``, or joblib's context), contiguous chunks of images are
        mapped by the workers.
        """
        X = self._validated_images(X) if validated else self._predict_images(X)
        n_jobs = check_n_jobs(getattr(self, "n_jobs", None), _OWNER)
        if effective_n_jobs(n_jobs) == 1:
            module = self._inference_module()
            for i in range(len(X)):
                yield self._maps_and_texture(np.asarray(X[i]), module)
            return
        for chunk in map_image_chunks(_chunk_maps, X, n_jobs, self):
            yield from chunk

    def predict_maps(self, X, *, return_summary=False):
        """Estimate the quality-factor and compression-flag maps of images.

        The maps are computed in tiles of ``tile_size`` pixels, each with a
        halo of half the receptive field, so they equal the maps of the whole
        image and memory stays bounded on large images.

        Parameters
        ----------
        X : ndarray, list of ndarray or LazyImages
            Image collection, grayscale or RGB, each image at least as large
            as the net's receptive field (``module_.receptive_field``).
        return_summary : bool, default=False
            Also return what :meth:`predict` and :meth:`predict_proba` would,
            pooled from these very maps: the maps and the image answers of
            a collection then cost one pass of the net.

        Returns
        -------
        quality_maps : ndarray of shape (n_images, H, W) or list of ndarray
            Estimated JPEG quality factor per pixel, in [0, 100]; 100 also
            where a pixel was never compressed (see ``flag_maps``). An
            ndarray for ndarray input, else a list.
        flag_maps : ndarray of shape (n_images, H, W) or list of ndarray
            Estimated probability that the pixel was ever JPEG-compressed,
            in [0, 1].
        summary : :class:`~sklearn.utils.Bunch`
            Only with ``return_summary=True``: ``quality``, of shape
            ``(n_images,)``, equal to :meth:`predict`'s answer, and
            ``proba``, of shape ``(n_images, 2)``, equal to
            :meth:`predict_proba`'s.
        """
        return self._maps(X, return_summary)

    def _maps(self, X, return_summary, validated=False):
        """:meth:`predict_maps`, of images validated by the caller when
        ``validated`` (the analysis pipeline's JPEG step)."""
        if return_summary:
            self._pool()  # a bad ``pooling`` fails before any map is computed
        quality_maps, flag_maps, textured = [], [], []
        for quality, flag, texture in self._iter_maps(X, validated):
            quality_maps.append(quality)
            flag_maps.append(flag)
            textured.append(texture)
        if isinstance(X, np.ndarray):
            quality_maps, flag_maps = np.stack(quality_maps), np.stack(flag_maps)
        if not return_summary:
            return quality_maps, flag_maps
        rows = [
            self._summary(q, f, textured=t)
            for q, f, t in zip(quality_maps, flag_maps, textured)
        ]
        rows = np.asarray(rows, dtype=np.float64).reshape(-1, 2)
        summary = Bunch(
            quality=rows[:, 0], proba=np.column_stack([1.0 - rows[:, 1], rows[:, 1]])
        )
        return quality_maps, flag_maps, summary

    def _pool(self):
        """The checked ``pooling`` as a function of a map."""
        validate_parameter_constraints(
            {"pooling": self._parameter_constraints["pooling"]},
            {"pooling": self.pooling},
            caller_name=_OWNER,
        )
        return _POOLINGS[self.pooling]

    def _summary(self, quality_map, flag_map, pooling=None, textured=1.0):
        """Image quality factor and P(ever compressed) from one image's maps.

        The maps pooled as ``pooling`` (the estimator's unless given), the
        quality then through the calibration of that pooling, if any; NaN
        and 0.5 for an image whose ``textured`` fraction is below
        ``MIN_TEXTURED_FRACTION`` (no evidence either way).
        """
        if textured < MIN_TEXTURED_FRACTION:
            return np.nan, 0.5
        if pooling is None:
            self._pool()
            pooling = self.pooling
        calibration = getattr(self, "quality_calibration_", None)
        return _pool_maps(quality_map, flag_map, pooling, calibration)

    def _summaries(self, X):
        """(n_images, 2) array: image quality factor and P(ever compressed)."""
        self._pool()  # a bad ``pooling`` fails before any map is computed
        rows = [
            self._summary(quality, flag, textured=textured)
            for quality, flag, textured in self._iter_maps(X)
        ]
        return np.asarray(rows, dtype=np.float64).reshape(-1, 2)

    def predict(self, X):
        """Estimate the JPEG quality factor of each image.

        {parameters_X_any_size}

        Returns
        -------
        quality : ndarray of shape (n_images,)
            The quality map of :meth:`predict_maps` pooled as ``pooling``
            says (median or mean), then through ``quality_calibration_`` if
            set, in [0, 100]; close to 100 for a never-compressed image (see
            :meth:`predict_proba`). NaN ("unknown") for an image without
            texture (under 1% of its pixels in an 8x8 window that varies by
            half a grey level): a flat block is the same JPEG at every
            quality, so no answer would be honest.
        """
        return self._summaries(X)[:, 0]

    def predict_proba(self, X):
        """Estimate the probability that each image was ever JPEG-compressed.

        {parameters_X_any_size}

        Returns
        -------
        proba : ndarray of shape (n_images, 2)
            ``[1 - p, p]`` with ``p`` the flag map pooled as ``pooling``
            says (median or mean); the last
            column is the probability of "ever compressed". ``[0.5, 0.5]``
            for an image without texture (see :meth:`predict`).
        """
        p = self._summaries(X)[:, 1]
        return np.column_stack([1.0 - p, p])

    def score(self, X, y=None):
        """Negative mean absolute error of the image-level quality factor.

        Parameters
        ----------
        X : ndarray, list of ndarray or LazyImages
            Image collection.
        y : None, array-like of shape (n_images,), or (n_images, H, W)
            True JPEG quality per image (or per pixel, averaged per image),
            NaN for never compressed, which counts as quality 100 (the
            quality map's convention). If None, ``X`` are taken as
            never-compressed and image ``i`` is compressed in memory at the
            ``i``-th of ``n_images`` qualities spread evenly over
            ``quality_range``, so that a grid search on never-compressed
            images has a score.

        Returns
        -------
        score : float
            ``-mean(|predict(X) - y|)``, at most 0; higher is better.
        """
        if y is None:
            X = check_images(X, convert_to="rgb")
            low, high = self.quality_range
            n = len(X)
            qualities = np.round(low + (high - low) * (np.arange(n) + 0.5) / n)
            X = [
                jpeg_uint8(to_uint8(np.asarray(X[i])), int(q)).astype(np.float32)
                / 255.0
                for i, q in enumerate(qualities)
            ]
            truth = qualities.astype(np.float64)
        else:
            targets = _check_targets(y, None, n_images=len(X))
            truth = np.array(
                [np.mean(np.where(np.isfinite(t), t, 100.0)) for t in targets]
            )
        return -float(np.mean(np.abs(self.predict(X) - truth)))


def _chunk_maps(X, estimator):
    """A joblib task: the clipped maps (and texture) of one chunk of images."""
    module = estimator._inference_module()
    return [
        estimator._maps_and_texture(np.asarray(X[i]), module) for i in range(len(X))
    ]
