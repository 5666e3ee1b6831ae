"""Collages: never-compressed images with a region pasted from a JPEG copy."""

from numbers import Integral, Real

import numpy as np
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions, validate_params

from ..utils import check_images
from ..utils._param_validation import invalid_parameter
from ._common import from_uint8, stack_or_list, to_uint8
from ._jpeg import SUBSAMPLING, _check_qualities, jpeg_round_trip

__all__ = ["make_collages"]


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


def _draw_mask(shape, kind, area_range, rng):
    top, left, box_h, box_w = _random_box(shape, area_range, rng)
    mask = np.zeros(shape, dtype=bool)
    if kind == "rectangle":
        mask[top : top + box_h, left : left + box_w] = True
        return mask
    # Ellipse inscribed in the box: its area is pi/4 of the box's.
    rows = (np.arange(box_h) + 0.5 - box_h / 2) / (box_h / 2)
    cols = (np.arange(box_w) + 0.5 - box_w / 2) / (box_w / 2)
    inside = rows[:, None] ** 2 + cols[None, :] ** 2 <= 1.0
    mask[top : top + box_h, left : left + box_w] = inside
    return mask


@validate_params(
    {
        "images": "no_validation",
        "qualities": "no_validation",
        "mask": [StrOptions({"rectangle", "ellipse"}), np.ndarray, list],
        "area_range": [tuple],
        "n_per_image": [Interval(Integral, 1, None, closed="left")],
        "subsampling": [StrOptions(set(SUBSAMPLING))],
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
    random_state=None,
):
    """Make collages whose masked region comes from a JPEG-compressed copy.

    For each source image, the whole image is compressed as a JPEG at a
    random quality and decoded back, in memory; the pixels inside a mask are
    then taken from that copy and the others from the never-compressed
    source. This is the spliced-image test of Uchida et al. (their Fig. 3):
    a pixelwise detector should light up exactly the masked region. Because
    the whole image is compressed, the pasted region keeps the 8x8 JPEG grid
    of the image, as a region cut from a larger JPEG of the same scene would.

    Read more in the :ref:`User Guide <datasets>`.

    Parameters
    ----------
    images : ndarray, list of ndarray or LazyImages
        Never-compressed source images, grayscale or RGB (see
        :func:`~skforensics.utils.check_images`); floats must lie in [0, 1].
        For example :func:`load_sample_images`. Not modified.

    qualities : int, tuple of (int, int) or list of int, default=(5, 100)
        JPEG quality of the pasted region, in [1, 100], drawn per collage as
        in :func:`make_jpeg_images`: a tuple ``(low, high)`` is an inclusive
        range, a list is an explicit set, an int a single quality.

    mask : {"rectangle", "ellipse"}, ndarray or list of ndarray, \
            default="rectangle"
        Shape of the pasted region. ``"rectangle"`` draws an axis-aligned
        box covering a random share ``area_range`` of the image with an
        aspect ratio between 1:2 and 2:1; ``"ellipse"`` the ellipse
        inscribed in such a box. A boolean array of shape ``(H, W)`` is used
        for every image (all images must be ``H x W``); a list gives one
        boolean mask per source image.

    area_range : tuple of (float, float), default=(0.1, 0.4)
        Range of the share of the image covered by a drawn box, with
        ``0 < low <= high <= 1``.

    n_per_image : int, default=1
        Collages per source image, each with its own mask and quality.

    subsampling : {"4:2:0", "4:2:2", "4:4:4"}, default="4:2:0"
        Chroma subsampling of the colour JPEGs, as in
        :func:`make_jpeg_images`.

    random_state : int, RandomState instance or None, default=None
        Seed of the masks and the qualities. Pass an int for reproducible
        output across calls.

    Returns
    -------
    X : ndarray of shape (n_samples, height, width[, 3]) or list of ndarray
        The collages, float32 in [0, 1] (on the 8-bit grid): an ndarray when
        they all share one size, else a list. ``n_samples = n_images *
        n_per_image``, in the order of the sources.

    y : ndarray of shape (n_samples,) of dtype float64
        The JPEG quality of the pasted region of each collage. The rest of
        the image was never compressed (quality NaN in the convention of
        :func:`make_jpeg_images`).

    groups : ndarray of shape (n_samples,)
        The index of the source image of each collage.

    masks : ndarray of shape (n_samples, height, width) or list of ndarray
        Boolean masks, True where the pixels come from the JPEG copy. The
        per-pixel quality targets of
        :meth:`~skforensics.models.PixelwiseJPEGRegressor.fit` are
        ``np.where(masks, y[:, None, None], np.nan)``.

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
    decoded region, so that bit depth does not give the region away.

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
        for _ in range(n_per_image):
            if draw[0] == "range":
                quality = int(rng.randint(draw[1], draw[2] + 1))
            else:
                quality = int(rng.choice(draw[1]))
            if given_masks is None:
                region = _draw_mask(shape, mask, area_range, rng)
            compressed = jpeg_round_trip(pixels, quality, subsampling)
            where = region if source.ndim == 2 else region[..., np.newaxis]
            X.append(np.where(where, compressed, source))
            y.append(float(quality))
            groups.append(index)
            masks.append(region.copy())
    return stack_or_list(X), np.asarray(y), np.asarray(groups), stack_or_list(masks)
