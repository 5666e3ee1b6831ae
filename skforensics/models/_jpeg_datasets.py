"""The pixelwise JPEG net's training patches, drawn online from images.

:class:`JPEGPatchDataset` (for ``PixelwiseJPEGRegressor``), the checks of
its targets and the data-loader workers' set-up.
"""

import cv2
import numpy as np
import torch

from ..datasets._jpeg import jpeg_uint8
from ..datasets._jpeg_tables import (
    closest_libjpeg_quality,
    draw_quantization_tables,
    jpeg_with_tables,
)

# Margin of random JPEG-grid phase: 16 covers the 16x16 MCU of 4:2:0.
_GRID_PHASES = 16


def _dihedral(array, k):
    """The k-th of the 8 rotations/flips of the first two axes."""
    if k >= 4:
        array = array[:, ::-1]
    return np.rot90(array, k % 4, axes=(0, 1))


_RESIZE_KERNELS = {
    "cubic": cv2.INTER_CUBIC,
    "lanczos": cv2.INTER_LANCZOS4,
    "area": cv2.INTER_AREA,
    "linear": cv2.INTER_LINEAR,
}


def _resize(region, factor, kernel):
    """A crop resized by ``factor`` with an OpenCV interpolation (uint8)."""
    height, width = region.shape[:2]
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    resized = cv2.resize(
        np.ascontiguousarray(region), size, interpolation=_RESIZE_KERNELS[kernel]
    )
    return resized.reshape(size[1], size[0], *region.shape[2:])


class JPEGPatchDataset(torch.utils.data.Dataset):
    """Training patches drawn online, reproducibly, from a list of images.

    Item ``i`` of epoch ``e`` is drawn with a generator seeded by
    ``(seed, stream, e, i)``, so the patches do not depend on the number of
    data-loader workers, on the batch size or on the order of access, and a
    resumed training sees the same patches as an uninterrupted one.

    Parameters
    ----------
    images : list of ndarray of shape (H, W, 3) and dtype uint8
        The images.
    targets : None, ndarray of shape (n_images,) or list of ndarray
        None: the images were never compressed and each patch is compressed
        here at a random quality (or left alone). Otherwise the known JPEG
        quality per image (NaN = never compressed) or per pixel (arrays of
        shape (H, W)); the patches are then only cropped.
    n_patches : int
        Length of the dataset (patches per epoch).
    patch_size : int
        Side of the square patches.
    quality_range : tuple of (int, int)
        Inclusive range of the random qualities.
    quality_weights : None or ndarray of shape (high - low + 1,)
        Probabilities of the qualities of ``quality_range``, in order; None
        draws them uniformly.
    uncompressed_fraction : float
        Probability that a patch is left uncompressed.
    subsampling : tuple of str
        Chroma subsamplings to draw from.
    tables : tuple of (tuple of str, sequence of float), default=(("libjpeg",), (1.0,))
        Quantisation-table families and their probabilities. libjpeg's
        patches go through OpenCV; the others through Pillow with the drawn
        tables, labelled with their closest libjpeg quality.
    augment : bool
        Apply a random one of the 8 dihedral transforms.
    seed : int
        Base seed.
    stream : int, default=0
        0 for training, 1 for validation (whose patches do not change with
        the epoch).
    resize_fraction : float, default=0.0
        Probability that a crop is resized after its JPEG round trip (or
        without one, for the uncompressed crops: they stay negatives), by a
        factor drawn log-uniformly from ``resize_range`` with one of
        ``resize_kernels``; its quality target stays the compression's.
        0 draws nothing more, so the patches are those of a dataset without
        the option.
    resize_range : tuple of (float, float), default=(0.5, 2.0)
        Range of the resize factors.
    resize_kernels : tuple of str, default=("cubic", "lanczos", "area")
        OpenCV interpolations to draw from (``INTER_CUBIC``,
        ``INTER_LANCZOS4``, ``INTER_AREA``, ``INTER_LINEAR`` for
        ``"linear"``).
    resize_pairs : bool, default=False
        Draw the resized patches as balanced pairs: items ``2j`` and
        ``2j + 1`` decide together (with probability ``resize_fraction``)
        whether they are resized, and if so share their image, crop,
        transform, factor, kernel and offset, drawn from a generator seeded
        by ``j``; item ``2j`` goes through the JPEG round trip and item
        ``2j + 1`` is never compressed. Half the resized patches are then
        negatives, which differ from their positives only by the JPEG
        trace; the negative's quality target is its positive's (only its
        flag target says never compressed). The other items are drawn as
        without the option. False draws nothing more, so the patches are
        those of a dataset without the option.

    Attributes
    ----------
    epoch : int
        Set by the estimator at the start of each epoch.
    """

    def __init__(
        self,
        images,
        targets,
        *,
        n_patches,
        patch_size,
        quality_range,
        uncompressed_fraction,
        subsampling,
        augment,
        seed,
        stream=0,
        quality_weights=None,
        tables=(("libjpeg",), (1.0,)),
        resize_fraction=0.0,
        resize_range=(0.5, 2.0),
        resize_kernels=("cubic", "lanczos", "area"),
        resize_pairs=False,
    ):
        self.images = images
        self.targets = targets
        self.n_patches = n_patches
        self.patch_size = patch_size
        self.quality_range = quality_range
        self.quality_weights = quality_weights
        self.uncompressed_fraction = uncompressed_fraction
        self.subsampling = subsampling
        self.tables = tables
        self.augment = augment
        self.seed = seed
        self.stream = stream
        self.resize_fraction = resize_fraction
        self.resize_range = resize_range
        self.resize_kernels = resize_kernels
        self.resize_pairs = resize_pairs
        self.epoch = 0

    def __len__(self):
        return self.n_patches

    def draw(self, index):
        """Return ``(patch, quality_map, flag_map)`` as numpy arrays.

        ``patch`` is uint8 of shape ``(patch_size, patch_size, 3)``; the maps
        are float32 of shape ``(patch_size, patch_size)``.
        """
        epoch = 0 if self.stream else self.epoch
        rng = np.random.default_rng((self.seed, self.stream, epoch, int(index)))
        # A resized pair (resize_pairs): both items draw from the pair's
        # generator; the last word keeps its seeds apart from the items'.
        pair = None
        if self.targets is None and self.resize_pairs and self.resize_fraction:
            pair_rng = np.random.default_rng(
                (self.seed, self.stream, epoch, int(index) // 2, 1)
            )
            if pair_rng.random() < self.resize_fraction:
                rng, pair = pair_rng, int(index) % 2
        image_index = int(rng.integers(len(self.images)))
        image = self.images[image_index]
        size = self.patch_size
        k = int(rng.integers(8)) if self.augment else 0
        height, width = image.shape[:2]
        if self.targets is None:
            # Crop with a margin, transform, compress the whole crop (its
            # top-left corner starts the 8x8 grid), then cut the patch at a
            # random offset, so that every JPEG grid phase is seen.
            factor = None
            if pair is not None or (
                self.resize_fraction
                and not self.resize_pairs
                and rng.random() < self.resize_fraction
            ):
                low, high = self.resize_range
                factor = float(np.exp(rng.uniform(np.log(low), np.log(high))))
                kernels = self.resize_kernels
                kernel = kernels[int(rng.integers(len(kernels)))]
                # The crop is resized to at least the patch and its margin.
                need = int(np.ceil((size + _GRID_PHASES - 1) / factor)) + 2
                if need > min(height, width):
                    factor = None  # too small an image for this factor
            side = min(height, width, size + _GRID_PHASES - 1)
            if factor is not None:
                side = need
            top = int(rng.integers(height - side + 1))
            left = int(rng.integers(width - side + 1))
            region = _dihedral(image[top : top + side, left : left + side], k)
            compress = rng.random() >= self.uncompressed_fraction
            if pair is not None:
                compress = pair == 0
            low, high = self.quality_range
            if self.quality_weights is None:
                quality = int(rng.integers(low, high + 1))
            else:
                quality = low + int(rng.choice(high - low + 1, p=self.quality_weights))
            subsampling = self.subsampling[int(rng.integers(len(self.subsampling)))]
            families, weights = self.tables
            family = families[0]
            if len(families) > 1:  # one family draws nothing: libjpeg's stream
                family = families[int(rng.choice(len(families), p=weights))]
            table_rng = rng
            if pair is not None:
                # A pair's tables come from a generator of its own (the same
                # for both members), so that both keep drawing the same
                # offsets below; the negative draws them only for its
                # positive's quality target.
                table_rng = np.random.default_rng(rng.integers(2**63))
            if compress and family == "libjpeg":
                region = jpeg_uint8(region, quality, subsampling)
            elif compress or (pair == 1 and family != "libjpeg"):
                luma, chroma = draw_quantization_tables(
                    family, quality, table_rng, subsampling
                )
                if compress:
                    region = jpeg_with_tables(region, luma, chroma, subsampling)
                quality = closest_libjpeg_quality(luma)[0]
            if factor is not None:
                region = _resize(region, factor, kernel)
                side = min(region.shape[:2])
            dy = int(rng.integers(side - size + 1))
            dx = int(rng.integers(side - size + 1))
            patch = region[dy : dy + size, dx : dx + size]
            # A resized pair's negative keeps its positive's quality target:
            # where the resize erased the trace the two look alike, and a
            # target of 0 there (that of Q100) taught the quality map their
            # average. Its flag (0) is what tells them apart.
            level = 1.0 - quality / 100.0 if compress or pair == 1 else 0.0
            quality_map = np.full((size, size), level, dtype=np.float32)
            flag_map = np.full((size, size), float(compress), dtype=np.float32)
            return np.ascontiguousarray(patch), quality_map, flag_map
        top = int(rng.integers(height - size + 1))
        left = int(rng.integers(width - size + 1))
        patch = _dihedral(image[top : top + size, left : left + size], k)
        target = self.targets[image_index]
        if np.ndim(target) == 0:
            target = np.full((size, size), target, dtype=np.float32)
        else:
            target = _dihedral(target[top : top + size, left : left + size], k)
        compressed = np.isfinite(target)
        quality_map = np.where(compressed, 1.0 - target / 100.0, 0.0)
        return (
            np.ascontiguousarray(patch),
            quality_map.astype(np.float32),
            compressed.astype(np.float32),
        )

    def __getitem__(self, index):
        patch, quality_map, flag_map = self.draw(index)
        x = torch.from_numpy(patch.transpose(2, 0, 1).astype(np.float32) / 255.0)
        y = torch.from_numpy(np.stack([quality_map, flag_map]))
        return x, y


def _check_targets(y, shapes, *, n_images=None):
    """Per-image (float) or per-pixel (float32 arrays) targets, NaN kept."""
    n_images = len(shapes) if shapes is not None else n_images
    if isinstance(y, (list, tuple)) and y and np.ndim(y[0]) == 2:
        targets = [np.asarray(t, dtype=np.float32) for t in y]
    else:
        array = np.asarray(y, dtype=np.float64)
        if array.ndim == 1:
            targets = list(array)
        elif array.ndim == 3:
            targets = list(array.astype(np.float32))
        else:
            raise ValueError(
                "y must be the JPEG quality per image, of shape (n_images,), or "
                "per pixel, of shape (n_images, height, width); got an array of "
                f"shape {array.shape}."
            )
    if len(targets) != n_images:
        raise ValueError(
            f"y has {len(targets)} entries but X has {n_images} images; give one "
            "quality per image (or one map per image)."
        )
    for i, target in enumerate(targets):
        if shapes is not None and np.ndim(target) == 2:
            if tuple(np.shape(target)) != tuple(shapes[i]):
                raise ValueError(
                    f"The quality map of image {i} has shape {np.shape(target)}, "
                    f"but the image is {tuple(shapes[i])}; they must match."
                )
        values = np.asarray(target)
        finite = values[~np.isnan(values)]
        if np.isinf(values).any() or ((finite < 0) | (finite > 100)).any():
            raise ValueError(
                f"y must hold JPEG qualities in [0, 100], or NaN for never "
                f"compressed; got values out of range for image {i}."
            )
    return targets


def _worker_init(worker_id):
    # Patches are seeded per item; only keep OpenCV from oversubscribing.
    cv2.setNumThreads(1)
