import numpy as np
import pytest

from skforensics.datasets import load_sample_images
from skforensics.utils import to_grayscale

SIZES = [
    (512, 512),
    (512, 512),
    (512, 512),
    (300, 451),
    (400, 600),
    (512, 512),
    (512, 512),
    (500, 741),
]


def test_gray_images_are_a_list_of_float32_in_unit_range():
    images = load_sample_images()
    assert isinstance(images, list)
    assert [im.shape for im in images] == SIZES
    for image in images:
        assert image.dtype == np.float32
        assert 0.0 <= image.min() and image.max() <= 1.0
        assert image.std() > 0.02  # a photograph, not a flat image


def test_colour_images_have_three_channels_and_gray_ones_are_repeated():
    gray = load_sample_images(as_gray=True)
    colour = load_sample_images(as_gray=False)
    assert [im.shape for im in colour] == [s + (3,) for s in SIZES]
    # camera (index 2) is grayscale: three equal channels.
    np.testing.assert_array_equal(colour[2][..., 0], colour[2][..., 2])
    np.testing.assert_array_equal(colour[2][..., 1], gray[2])
    # astronaut (index 0) is RGB: the gray version is its BT.601 luminance.
    assert not np.array_equal(colour[0][..., 0], colour[0][..., 1])
    np.testing.assert_allclose(gray[0], to_grayscale([colour[0]])[0], atol=1e-6)


def test_each_call_returns_fresh_arrays():
    first = load_sample_images()
    first[0][:] = 0
    second = load_sample_images()
    assert second[0].max() > 0
    assert all(im.flags.writeable for im in second)


def test_no_sample_is_an_upscaled_image():
    # scikit-image's "moon" repeats every second row and column; an upscaled
    # "real" sample would poison make_rescaled_images.
    for image in load_sample_images():
        dx = np.abs(np.diff(image, axis=1)).mean(axis=0)
        dy = np.abs(np.diff(image, axis=0)).mean(axis=1)
        for d in (dx, dy):
            even, odd = d[0::2].mean(), d[1::2].mean()
            assert min(even, odd) > 0.5 * max(even, odd)


def test_bad_as_gray():
    with pytest.raises(
        ValueError, match="The 'as_gray' parameter of load_sample_images must be"
    ):
        load_sample_images(as_gray="yes")
