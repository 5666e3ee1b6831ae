"""The lossless photographs that scikit-image ships, read without a download."""

import functools
import importlib.resources

import numpy as np

from ..utils import read_image, to_grayscale
from ..utils._param_validation import validate_params

__all__ = ["load_sample_images"]

# File name in skimage/data, in the order load_sample_images returns them.
SAMPLE_FILES = (
    "astronaut.png",
    "brick.png",
    "camera.png",
    "chelsea.png",
    "coffee.png",
    "grass.png",
    "gravel.png",
    "motorcycle_left.png",
)


@functools.lru_cache(maxsize=None)
def _read_sample(name):
    path = importlib.resources.files("skimage") / "data" / name
    if not path.is_file():
        raise FileNotFoundError(
            f"scikit-image's sample image {name!r} was not found at '{path}'. "
            "It ships inside the scikit-image package (no download needed); "
            "reinstall scikit-image >= 0.22."
        )
    image = read_image(path)
    image.setflags(write=False)  # cached: callers get converted copies only
    return image


@validate_params({"as_gray": ["boolean"]}, prefer_skip_nested_validation=True)
def load_sample_images(*, as_gray=True):
    """Load the lossless photographs bundled with scikit-image.

    Eight photographs that scikit-image installs with its package, read from
    disk (nothing is downloaded). They were chosen as pristine sources for the
    forensic generators :func:`make_rescaled_images` and
    :func:`make_jpeg_images`: lossless files with no measurable trace of
    upscaling or of JPEG compression, one image per scene.

    Read more in the :ref:`User Guide <datasets>`.

    Parameters
    ----------
    as_gray : bool, default=True
        If True, colour photographs are converted to luminance with the
        ITU-R BT.601 weights (:func:`~skforensics.utils.to_grayscale`) and
        every image has shape ``(height, width)``. If False, colour images
        keep their RGB channels and grayscale ones are repeated to three
        channels, so that every image has shape ``(height, width, 3)``.

    Returns
    -------
    images : list of ndarray of dtype float32
        The eight images, values in [0, 1], in this order (height x width,
        origin as documented by scikit-image):

        ===================  =========  =====  ==============================
        file                 size       kind   origin
        ===================  =========  =====  ==============================
        ``astronaut``        512 x 512  RGB    NASA portrait of Eileen Collins
                                               (public domain)
        ``brick``            512 x 512  gray   CC0Textures "Bricks25", warped,
                                               halved and rotated
        ``camera``           512 x 512  gray   photograph by Lav Varshney (CC0)
        ``chelsea``          300 x 451  RGB    a cat, by Stefan van der Walt
                                               (CC0)
        ``coffee``           400 x 600  RGB    a coffee cup, by Rachel
                                               Michetti (CC0)
        ``grass``            512 x 512  gray   crop of a CC0 grass photograph
        ``gravel``           512 x 512  gray   CC0Textures "Gravel04", resized
                                               to 1024 and cropped
        ``motorcycle_left``  500 x 741  RGB    left view of the Middlebury
                                               2014 stereo pair, reduced 4x
        ===================  =========  =====  ==============================

        A list, not an array, because the sizes differ.

    See Also
    --------
    make_rescaled_images : Real and upscaled samples from these images.
    make_jpeg_images : JPEG-compressed samples labelled by quality.

    Notes
    -----
    Left out on purpose, among the images scikit-image ships:

    - ``moon``: a 2x nearest-neighbour upscale (every second row and column
      repeats the previous one), which would make an upscaled image a "real"
      sample;
    - ``coins``, ``ihc`` and ``page``: their 8x8 block DCT coefficients cluster
      on multiples of a quantisation step (3 to 8), the mark of an earlier JPEG
      compression, which would make their "never compressed" label wrong;
    - ``rocket``, ``retina`` and ``hubble_deep_field``: JPEG files;
    - ``motorcycle_right``: the same scene as ``motorcycle_left``, which would
      put one scene in two groups and leak across a grouped split;
    - ``horse``, ``logo``, ``color``, ``chessboard``, ``phantom``, ``text``,
      ``microaneurysms``: synthetic, binary, text or tiny images;
      ``clock_motion``: blurred on purpose; ``cell``: a phase image with
      almost no fine detail.

    ``brick``, ``grass`` and ``gravel`` were derived from JPEG originals by
    scikit-image (resampling, colour conversion); their block DCT statistics
    show no quantisation left.

    ``chelsea`` is a decoded JPEG of libjpeg quality 98: the 8x8 block DCT
    of its luminance on the image's own grid (phase (0, 0)) lies on the
    lattice of libjpeg's quality-98 table, every step read from the pixels
    equal to libjpeg's (:func:`skforensics.inspection.jpeg_evidence`: 28
    robust standard deviations above the other 63 grid phases), and the
    shipped ``jpeg-quality`` model reads it as quality 97 to 98. Steps of 1
    to 3 barely change the pixels, so the image stays a fair source for
    upscaling and for JPEG at qualities up to about 95; do not use it as a
    never-compressed example above that.

    Examples
    --------
    >>> from skforensics.datasets import load_sample_images
    >>> images = load_sample_images()
    >>> len(images), images[2].shape, images[2].dtype
    (8, (512, 512), dtype('float32'))
    >>> load_sample_images(as_gray=False)[1].shape
    (512, 512, 3)
    """
    images = []
    for name in SAMPLE_FILES:
        raw = _read_sample(name)
        image = raw.astype(np.float32) / np.float32(255)
        if image.ndim == 3:
            image = image[..., :3]
            if as_gray:
                image = np.asarray(to_grayscale(image[np.newaxis])[0], dtype=np.float32)
        elif not as_gray:
            image = np.repeat(image[..., np.newaxis], 3, axis=2)
        images.append(np.ascontiguousarray(image))
    return images
