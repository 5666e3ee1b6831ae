"""Collages: never-compressed images with a region pasted from a processed copy."""

from numbers import Integral, Real

import cv2
import numpy as np
from sklearn.utils import check_random_state

from ..utils import check_images
from ..utils._param_validation import (
    Interval,
    StrOptions,
    invalid_parameter,
    validate_params,
)
from ._common import from_uint8, stack_or_list, to_uint8
from ._degrade import rescale_image
from ._jpeg import SUBSAMPLING, _check_qualities, jpeg_round_trip

__all__ = ["make_collages"]


SOURCES = ("jpeg", "other", "resample", "noise")
JPEG_BLOCK = 8


def _random_box(shape, area_range, rng):
    """A (top, left, height, width) box covering a random share of the image."""
    height, width = shape
    area = rng.uniform(*area_range) * height * width
    aspect = np.exp(rng.uniform(np.log(0.5), np.log(2.0)))  # height / width
    box_h = int(np.clip(round(np.sqrt(area * aspect)), 1, height))
    box_w = int(np.clip(round(area / box_h), 1, width))
    top = rng.randint(0, height - box_h + 1)
    left = rng.randint(0, width - box_w + 1)
    return top, left, box_h, box_w


def _align_span(start, length, size, on_grid):
    """Move and resize ``[start, start + length)`` so both ends are on or off
    the 8-pixel grid, staying inside ``[0, size)``."""
    b = JPEG_BLOCK
    if on_grid:
        length = min(max(b, b * round(length / b)), b * (size // b))
        start = min(b * round(start / b), b * ((size - length) // b))
        return start, length
    # Off: neither end on a multiple of 8 (so neither touches the border).
    length = max(1, min(length, size - 2))
    if length % b == 0:
        length = length - 1 if length > 1 else 2
    start = int(np.clip(start, 1, size - length - 1))
    for _ in range(2 * b):
        if start % b and (start + length) % b:
            return start, length
        start = start + 1 if start + length + 1 < size else 1
    return start, length  # pragma: no cover - sizes >= 16 always succeed


def _draw_mask(shape, kind, area_range, rng, on_grid=None):
    top, left, box_h, box_w = _random_box(shape, area_range, rng)
    if on_grid is not None:
        top, box_h = _align_span(top, box_h, shape[0], on_grid)
        left, box_w = _align_span(left, box_w, shape[1], on_grid)
    mask = np.zeros(shape, dtype=bool)
    if kind == "rectangle":
        mask[top : top + box_h, left : left + box_w] = True
        return mask
    if kind == "polygon":
        # A star-shaped polygon of 5 to 9 vertices in the box: a random
        # radius per vertex at increasing angles.
        n = rng.randint(5, 10)
        angles = np.sort(rng.uniform(0, 2 * np.pi, n))
        radii = rng.uniform(0.5, 1.0, n)
        cy, cx = top + box_h / 2, left + box_w / 2
        points = np.stack(
            [
                cx + radii * np.cos(angles) * box_w / 2,
                cy + radii * np.sin(angles) * box_h / 2,
            ],
            axis=1,
        )
        canvas = np.zeros(shape, dtype=np.uint8)
        cv2.fillPoly(canvas, [np.round(points - 0.5).astype(np.int32)], 1)
        mask = canvas.astype(bool)
        if not mask.any():  # pragma: no cover - a degenerate polygon
            mask[int(cy), int(cx)] = True
        return mask
    # Ellipse inscribed in the box: its area is pi/4 of the box's.
    rows = (np.arange(box_h) + 0.5 - box_h / 2) / (box_h / 2)
    cols = (np.arange(box_w) + 0.5 - box_w / 2) / (box_w / 2)
    inside = rows[:, None] ** 2 + cols[None, :] ** 2 <= 1.0
    mask[top : top + box_h, left : left + box_w] = inside
    return mask


def _check_sources(sources, func_name):
    expected = f"a non-empty tuple or list of names among {SOURCES}"
    if isinstance(sources, str):
        sources = (sources,)
    if (
        not isinstance(sources, (tuple, list))
        or not sources
        or not all(isinstance(k, str) and k in SOURCES for k in sources)
    ):
        invalid_parameter("sources", func_name, expected, sources)
    return tuple(sources)


def _check_range(value, name, func_name, low, high):
    expected = f"a tuple (low, high) of numbers with {low} < low <= high <= {high}"
    if (
        not isinstance(value, tuple)
        or len(value) != 2
        or not all(isinstance(v, Real) and not isinstance(v, bool) for v in value)
        or not low < value[0] <= value[1] <= high
    ):
        invalid_parameter(name, func_name, expected, value)
    return float(value[0]), float(value[1])


def _donor_copy(images, index, pixels, region, rng):
    """``pixels`` with the box around ``region`` taken from another image.

    The box is filled from a random window of the same size of a random
    other image large enough to hold it.
    """
    rows = np.flatnonzero(region.any(axis=1))
    cols = np.flatnonzero(region.any(axis=0))
    top, left = rows[0], cols[0]
    height, width = rows[-1] + 1 - top, cols[-1] + 1 - left
    fits = [
        j
        for j in range(len(images))
        if j != index and images[j].shape[0] >= height and images[j].shape[1] >= width
    ]
    if not fits:
        raise ValueError(
            f"sources='other' pastes a region of another image, but no other image "
            f"is large enough for the {height}x{width} region drawn in image "
            f"{index}. Pass at least two images of compatible sizes, lower "
            "area_range, or leave 'other' out."
        )
    donor = int(fits[rng.randint(len(fits))])
    image = images[donor]
    r = rng.randint(0, image.shape[0] - height + 1)
    c = rng.randint(0, image.shape[1] - width + 1)
    window = np.asarray(image[r : r + height, c : c + width], dtype=np.float32)
    copy = pixels.copy()
    copy[top : top + height, left : left + width] = to_uint8(window)
    return donor, from_uint8(copy)


@validate_params(
    {
        "images": "no_validation",
        "qualities": "no_validation",
        "mask": [
            StrOptions({"rectangle", "ellipse", "polygon", "random"}),
            np.ndarray,
            list,
        ],
        "area_range": [tuple],
        "n_per_image": [Interval(Integral, 1, None, closed="left")],
        "subsampling": [StrOptions(set(SUBSAMPLING))],
        "sources": "no_validation",
        "resample_factors": "no_validation",
        "noise_sigmas": "no_validation",
        "grid_alignment": [StrOptions({"any", "on", "off", "random"})],
        "include_sources": ["boolean"],
        "return_details": ["boolean"],
        "random_state": ["random_state"],
    },
    prefer_skip_nested_validation=True,
)
def make_collages(
    images,
    *,
    qualities=(5, 100),
    mask="rectangle",
    area_range=(0.1, 0.4),
    n_per_image=1,
    subsampling="4:2:0",
    sources=("jpeg",),
    resample_factors=(1.25, 2.0),
    noise_sigmas=(2.0, 8.0),
    grid_alignment="any",
    include_sources=False,
    return_details=False,
    random_state=None,
):
    """Make collages: a region of each image pasted from a processed copy.

    For each source image, a copy of it is processed (by default compressed
    as a JPEG at a random quality and decoded back, in memory); the pixels
    inside a mask are then taken from that copy and the others from the
    never-compressed source. This is the spliced-image test of Uchida et
    al. (their Fig. 3): a pixelwise detector should light up exactly the
    masked region. Because the whole image is compressed, the pasted region
    keeps the 8x8 JPEG grid of the image, as a region cut from a larger JPEG
    of the same scene would. Other ``sources`` make the forgeries of a
    splicing detector: a region of another photograph, or of the same one
    resampled or with another noise level.

    Read more in the :ref:`User Guide <collages>`.

    Parameters
    ----------
    images : ndarray, list of ndarray or LazyImages
        Never-compressed source images, grayscale or RGB (see
        :func:`~skforensics.utils.check_images`); floats must lie in [0, 1].
        For example :func:`load_sample_images`. Not modified.

    qualities : int, tuple of (int, int) or list of int, default=(5, 100)
        JPEG quality of the pasted region, in [1, 100], drawn per collage as
        in :func:`make_jpeg_images`: a tuple ``(low, high)`` is an inclusive
        range, a list is an explicit set, an int a single quality. Drawn
        for every collage, used by the ``"jpeg"`` source.

    mask : {"rectangle", "ellipse", "polygon", "random"}, ndarray or \
list of ndarray, default="rectangle"
        Shape of the pasted region. ``"rectangle"`` draws an axis-aligned
        box covering a random share ``area_range`` of the image with an
        aspect ratio between 1:2 and 2:1; ``"ellipse"`` the ellipse
        inscribed in such a box; ``"polygon"`` a star-shaped polygon of 5
        to 9 vertices in it; ``"random"`` one of the three per collage. A
        boolean array of shape ``(H, W)`` is used for every image (all
        images must be ``H x W``); a list gives one boolean mask per source
        image.

    area_range : tuple of (float, float), default=(0.1, 0.4)
        Range of the share of the image covered by a drawn box, with
        ``0 < low <= high <= 1``.

    n_per_image : int, default=1
        Collages per source image, each with its own mask and quality.

    subsampling : {"4:2:0", "4:2:2", "4:4:4"}, default="4:2:0"
        Chroma subsampling of the colour JPEGs, as in
        :func:`make_jpeg_images`.

    sources : tuple of str, default=("jpeg",)
        Where the pasted region comes from, drawn uniformly per collage
        among the names given: ``"jpeg"``, the same image after JPEG
        compression at ``qualities``; ``"other"``, a random window of the
        same size of another of ``images`` (so at least two are needed);
        ``"resample"``, the same image downscaled by a factor drawn in
        ``resample_factors`` and upscaled back (:func:`rescale_image`,
        OpenCV area then bicubic); ``"noise"``, the same image with
        Gaussian noise of a standard deviation drawn in ``noise_sigmas``
        added. Every copy is rounded to 8 bits.

    resample_factors : tuple of (float, float), default=(1.25, 2.0)
        Range of the ``"resample"`` factor, ``1 < low <= high <= 8``.

    noise_sigmas : tuple of (float, float), default=(2.0, 8.0)
        Range of the ``"noise"`` standard deviation, in 8-bit levels,
        ``0 < low <= high <= 64``.

    grid_alignment : {"any", "on", "off", "random"}, default="any"
        Where the drawn box's edges lie relative to the 8x8 JPEG grid of the
        image: ``"any"`` leaves them where the draw puts them; ``"on"``
        moves every edge to a multiple of 8; ``"off"`` keeps every edge off
        the multiples of 8 (and off the image border); ``"random"`` picks
        ``"on"`` or ``"off"`` per collage. For ellipses and polygons it is
        the box around them. Ignored for given masks.

    include_sources : bool, default=False
        If True, the source images come first, as the authentic class of a
        forgery classifier: rounded to 8 bits like the collages, with
        quality NaN, an all-False mask, their own index as group and
        ``"authentic"`` as source in the details. The collages are those of
        ``include_sources=False``. ``y_forged = masks.any(axis=(1, 2))``
        (or ``details["source"] != "authentic"``) is then the image label
        and ``masks`` the patch supervision of
        :class:`~skforensics.models.HyperImageClassifier` or
        :class:`~skforensics.models.PatchCNNClassifier` (``fit(X, y_forged,
        groups=groups, masks=masks)``).

    return_details : bool, default=False
        If True, also return a dict describing each collage.

    random_state : int, RandomState instance or None, default=None
        Seed of the masks, the qualities and the sources. Pass an int for
        reproducible output across calls.

    Returns
    -------
    X : ndarray of shape (n_samples, height, width[, 3]) or list of ndarray
        The collages, float32 in [0, 1] (on the 8-bit grid): an ndarray when
        they all share one size, else a list. ``n_samples = n_images *
        n_per_image``, in the order of the sources (``n_images`` more, the
        sources first, with ``include_sources=True``).

    y : ndarray of shape (n_samples,) of dtype float64
        The JPEG quality of the pasted region of each collage, NaN where
        the region was never compressed (sources other than ``"jpeg"``).
        The rest of the image was never compressed (quality NaN in the
        convention of :func:`make_jpeg_images`).

    groups : ndarray of shape (n_samples,)
        The index of the source image of each collage.

    masks : ndarray of shape (n_samples, height, width) or list of ndarray
        Boolean masks, True where the pixels come from the processed copy.
        The per-pixel quality targets of
        :meth:`~skforensics.models.PixelwiseJPEGRegressor.fit` are
        ``np.where(masks, y[:, None, None], np.nan)``.

    details : dict of ndarray of shape (n_samples,)
        Only returned if ``return_details`` is True: ``"source"`` (the
        source name), ``"quality"`` (as ``y``), ``"factor"`` (the resampling
        factor, NaN if none), ``"sigma"`` (the noise level, NaN if none),
        ``"donor"`` (the index of the other image, -1 if none) and
        ``"on_grid"`` (True when all four box edges lie on the 8x8 grid).

    See Also
    --------
    make_jpeg_images : Whole images labelled by JPEG quality.
    skforensics.models.PixelwiseJPEGRegressor : Estimates the maps that
        localise the pasted region.

    Notes
    -----
    The output follows the ``(X, y, groups)`` convention of the other
    generators and appends the masks, the ground truth of localisation.
    Compression is the in-memory OpenCV round trip of
    :func:`make_jpeg_images` (4:2:0 for colour, as Pillow's default); no file
    is written. The never-compressed part is rounded to 8 bits like the
    pasted region, so that bit depth does not give the region away.

    For a forgery-classification set, keep the sources as they are (rounded
    to 8 bits) as the authentic class and add their collages as the spliced
    class, with ``groups`` shared so that a grouped split never separates an
    image from its forgeries (see the User Guide).

    References
    ----------
    .. [1] K. Uchida, M. Tanaka and M. Okutomi, "Pixelwise JPEG compression
       detection and quality factor estimation based on convolutional neural
       network", IS&T Electronic Imaging, 2019.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.datasets import make_collages
    >>> from skforensics.utils import make_test_images
    >>> X, y, groups, masks = make_collages(
    ...     make_test_images(3, 48), qualities=(10, 30), random_state=0
    ... )
    >>> X.shape, masks.shape, groups.tolist()
    ((3, 48, 48), (3, 48, 48), [0, 1, 2])
    >>> bool(((y >= 10) & (y <= 30)).all()), bool(masks.any(axis=(1, 2)).all())
    (True, True)
    >>> X, y, groups, masks, details = make_collages(
    ...     make_test_images(4, 48), sources=("other", "noise"),
    ...     grid_alignment="on", return_details=True, random_state=0,
    ... )
    >>> sorted(set(details["source"].tolist())), bool(details["on_grid"].all())
    (['noise', 'other'], True)

    A forgery-classification set, the sources first, with the masks as
    patch supervision:

    >>> X, y, groups, masks = make_collages(
    ...     make_test_images(3, 48), include_sources=True, random_state=0
    ... )
    >>> y_forged = masks.any(axis=(1, 2))
    >>> X.shape, y_forged.tolist(), groups.tolist()
    ((6, 48, 48), [False, False, False, True, True, True], [0, 1, 2, 0, 1, 2])
    """
    func_name = "make_collages"
    draw = _check_qualities(qualities, func_name)
    area_expected = "a tuple (low, high) of floats with 0 < low <= high <= 1"
    if (
        len(area_range) != 2
        or not all(isinstance(a, Real) and not isinstance(a, bool) for a in area_range)
        or not 0 < area_range[0] <= area_range[1] <= 1
    ):
        invalid_parameter("area_range", func_name, area_expected, area_range)
    sources = _check_sources(sources, func_name)
    factors = _check_range(resample_factors, "resample_factors", func_name, 1, 8)
    sigmas = _check_range(noise_sigmas, "noise_sigmas", func_name, 0, 64)
    images = check_images(images, check_range=True, input_name="images")
    n_images = len(images)
    given_masks = None
    if isinstance(mask, (np.ndarray, list)):
        given_masks = [mask] * n_images if isinstance(mask, np.ndarray) else mask
        if len(given_masks) != n_images:
            invalid_parameter(
                "mask",
                func_name,
                f"a list of one boolean mask per image ({n_images})",
                f"a list of {len(given_masks)} masks",
            )
    rng = check_random_state(random_state)

    X, y, groups, masks = [], [], [], []
    details = {k: [] for k in ("source", "factor", "sigma", "donor", "on_grid")}
    authentic = []
    for index in range(n_images):
        pixels = to_uint8(np.asarray(images[index], dtype=np.float32))
        shape = pixels.shape[:2]
        if given_masks is not None:
            region = np.asarray(given_masks[index])
            if region.shape != shape or region.dtype != bool:
                raise ValueError(
                    f"mask {index} must be a boolean array of shape {shape} (the "
                    f"image's height and width); got {region.dtype} of shape "
                    f"{region.shape}."
                )
        source = from_uint8(pixels)
        if include_sources:
            authentic.append(source.astype(np.float32))
        for _ in range(n_per_image):
            # The draws of the default settings come first and in the order
            # of earlier versions, so that their collages are unchanged.
            if draw[0] == "range":
                quality = int(rng.randint(draw[1], draw[2] + 1))
            else:
                quality = int(rng.choice(draw[1]))
            kind = (
                sources[0] if len(sources) == 1 else sources[rng.randint(len(sources))]
            )
            on_grid = None
            if given_masks is None:
                shape_kind = mask
                if mask == "random":
                    shape_kind = ("rectangle", "ellipse", "polygon")[rng.randint(3)]
                if grid_alignment != "any":
                    on_grid = (
                        grid_alignment == "on"
                        if grid_alignment != "random"
                        else bool(rng.randint(2))
                    )
                region = _draw_mask(shape, shape_kind, area_range, rng, on_grid)
            factor = sigma = np.nan
            donor = -1
            if kind == "jpeg":
                copy = jpeg_round_trip(pixels, quality, subsampling)
            elif kind == "other":
                donor, copy = _donor_copy(images, index, pixels, region, rng)
            elif kind == "resample":
                factor = float(rng.uniform(*factors))
                copy = rescale_image(pixels, factor)
            else:
                sigma = float(rng.uniform(*sigmas))
                noise = rng.normal(0.0, sigma, size=pixels.shape)
                copy = from_uint8(
                    np.clip(np.round(pixels + noise), 0, 255).astype(np.uint8)
                )
            where = region if source.ndim == 2 else region[..., np.newaxis]
            X.append(np.where(where, copy, source).astype(np.float32))
            y.append(float(quality) if kind == "jpeg" else np.nan)
            groups.append(index)
            masks.append(region.copy())
            details["source"].append(kind)
            details["factor"].append(factor)
            details["sigma"].append(sigma)
            details["donor"].append(donor)
            details["on_grid"].append(_box_on_grid(region))
    if include_sources:
        X = authentic + X
        y = [np.nan] * n_images + y
        groups = list(range(n_images)) + groups
        masks = [np.zeros(a.shape[:2], dtype=bool) for a in authentic] + masks
        for key, value in (
            ("source", "authentic"),
            ("factor", np.nan),
            ("sigma", np.nan),
            ("donor", -1),
            ("on_grid", False),
        ):
            details[key] = [value] * n_images + details[key]
    X, y, groups = stack_or_list(X), np.asarray(y), np.asarray(groups)
    masks = stack_or_list(masks)
    if not return_details:
        return X, y, groups, masks
    details = {k: np.asarray(v) for k, v in details.items()}
    details["quality"] = y.copy()
    return X, y, groups, masks, details


def _box_on_grid(region):
    """Whether the four edges of the box around ``region`` lie on the 8x8 grid."""
    rows = np.flatnonzero(region.any(axis=1))
    cols = np.flatnonzero(region.any(axis=0))
    if rows.size == 0:
        return False
    edges = (rows[0], rows[-1] + 1, cols[0], cols[-1] + 1)
    return all(e % JPEG_BLOCK == 0 for e in edges)
