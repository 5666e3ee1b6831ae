import io

import numpy as np
import pytest
from PIL import Image

from skforensics.datasets import make_jpeg_images
from skforensics.datasets._jpeg import jpeg_round_trip
from skforensics.utils import make_test_images


@pytest.fixture(scope="module")
def gray():
    return make_test_images(6, 64, random_state=0)


@pytest.fixture(scope="module")
def rgb():
    return make_test_images(3, 48, n_channels=3, dtype=np.uint8, random_state=1)


def _pillow_round_trip(pixels, quality, subsampling=None):
    buffer = io.BytesIO()
    options = {} if subsampling is None else {"subsampling": subsampling}
    Image.fromarray(pixels).save(buffer, format="JPEG", quality=quality, **options)
    buffer.seek(0)
    return np.asarray(Image.open(buffer))


def _blockiness(image):
    """Mean jump across 8x8 block borders over the mean jump inside blocks."""
    dx = np.abs(np.diff(image.astype(np.float64), axis=1)).mean(axis=0)
    dy = np.abs(np.diff(image.astype(np.float64), axis=0)).mean(axis=1)
    border = np.r_[dx[7::8], dy[7::8]].mean()
    inside = np.r_[np.delete(dx, np.s_[7::8]), np.delete(dy, np.s_[7::8])].mean()
    return border / inside


def test_labels_range_and_uncompressed_fraction(gray):
    X, y, groups = make_jpeg_images(
        gray,
        qualities=(20, 40),
        uncompressed_fraction=0.25,
        crop_size=16,
        n_crops=8,
        random_state=0,
    )
    assert X.shape == (48, 16, 16) and X.dtype == np.float32
    assert y.dtype == np.float64
    assert np.isnan(y).sum() == 12
    q = y[~np.isnan(y)]
    assert q.min() >= 20 and q.max() <= 40 and np.all(q == np.round(q))
    assert len(np.unique(q)) > 5
    np.testing.assert_array_equal(groups, np.repeat(np.arange(6), 8))
    assert 0.0 <= X.min() and X.max() <= 1.0


def test_deterministic_with_random_state(gray):
    a = make_jpeg_images(gray, crop_size=16, n_crops=4, random_state=3)
    b = make_jpeg_images(gray, crop_size=16, n_crops=4, random_state=3)
    c = make_jpeg_images(gray, crop_size=16, n_crops=4, random_state=4)
    for first, second in zip(a, b):
        np.testing.assert_array_equal(first, second)
    assert not np.array_equal(a[1], c[1], equal_nan=True)


def test_explicit_list_and_single_quality(gray):
    _, y, _ = make_jpeg_images(
        gray,
        qualities=[10, 90],
        uncompressed_fraction=0,
        crop_size=8,
        n_crops=10,
        random_state=0,
    )
    assert set(y) == {10.0, 90.0}
    _, y, _ = make_jpeg_images(gray, qualities=75, uncompressed_fraction=0)
    np.testing.assert_array_equal(y, 75.0)
    _, y, _ = make_jpeg_images(gray, uncompressed_fraction=1)
    assert np.isnan(y).all()


def test_samples_are_decoded_jpegs(gray):
    X, y, _ = make_jpeg_images(
        gray, qualities=[30], uncompressed_fraction=0.5, random_state=0
    )
    for sample, quality, source in zip(X, y, gray):
        if np.isnan(quality):
            # Untouched, only rounded to 8 bits.
            np.testing.assert_allclose(sample, np.round(source * 255) / 255, atol=1e-6)
            continue
        # A decoded JPEG is nearly a fixed point of the same compression,
        # unlike the source it was made from.
        again = np.abs(jpeg_round_trip(sample, 30) - sample).mean()
        first = np.abs(jpeg_round_trip(source, 30) - source).mean()
        assert again < 0.5 * first


def test_low_quality_samples_are_blocky(rgb):
    X, y, _ = make_jpeg_images(
        make_test_images(8, 64, dtype=np.uint8, random_state=2),
        qualities=[10],
        uncompressed_fraction=0.5,
        random_state=0,
    )
    compressed = np.mean([_blockiness(x) for x, q in zip(X, y) if q == 10])
    clean = np.mean([_blockiness(x) for x, q in zip(X, y) if np.isnan(q)])
    assert clean < 1.1 < 1.3 < compressed


def test_colour_is_encoded_as_rgb_like_pillow(rgb):
    before = rgb.copy()
    X, y, _ = make_jpeg_images(rgb, qualities=[50], uncompressed_fraction=0)
    np.testing.assert_array_equal(rgb, before)  # input not modified
    assert X.shape == (3, 48, 48, 3)
    for sample, source in zip(X, rgb):
        expected = _pillow_round_trip(source, 50)
        np.testing.assert_array_equal(np.round(sample * 255).astype(np.uint8), expected)


@pytest.mark.parametrize("subsampling", ["4:2:0", "4:2:2", "4:4:4"])
def test_chroma_subsampling_like_pillow(rgb, subsampling):
    X, _, _ = make_jpeg_images(
        rgb, qualities=[90], uncompressed_fraction=0, subsampling=subsampling
    )
    for sample, source in zip(X, rgb):
        expected = _pillow_round_trip(source, 90, subsampling)
        np.testing.assert_array_equal(np.round(sample * 255).astype(np.uint8), expected)


def test_gray_is_encoded_as_gray_like_pillow():
    source = make_test_images(1, 40, dtype=np.uint8, random_state=5)
    X, _, _ = make_jpeg_images(source, qualities=[60], uncompressed_fraction=0)
    assert X.shape == (1, 40, 40)
    expected = _pillow_round_trip(source[0], 60)
    np.testing.assert_array_equal(np.round(X[0] * 255).astype(np.uint8), expected)


def test_single_channel_axis_is_kept():
    source = make_test_images(2, 24, n_channels=1, random_state=0)
    X, _, _ = make_jpeg_images(source, qualities=[50], uncompressed_fraction=0)
    assert X.shape == (2, 24, 24, 1)


def test_every_sample_is_8bit(gray):
    X, _, _ = make_jpeg_images(gray, uncompressed_fraction=0.5, random_state=0)
    np.testing.assert_allclose(X * 255, np.round(X * 255), atol=1e-3)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            {"qualities": (0, 50)},
            "The 'qualities' parameter of make_jpeg_images must be",
        ),
        ({"qualities": (60, 50)}, "The 'qualities' parameter"),
        ({"qualities": (5, 50, 90)}, "The 'qualities' parameter"),
        ({"qualities": []}, "The 'qualities' parameter"),
        ({"qualities": [10, 101]}, "The 'qualities' parameter"),
        ({"qualities": 12.5}, "The 'qualities' parameter"),
        (
            {"uncompressed_fraction": 1.5},
            "The 'uncompressed_fraction' parameter of make_jpeg_images must be "
            "a float in the range \\[0.0, 1.0\\]",
        ),
        ({"n_crops": 2}, "must be 1 when crop_size is None"),
        ({"subsampling": "4:1:1"}, "The 'subsampling' parameter of make_jpeg_images"),
        ({"crop_size": 100}, "at least 100x100"),
    ],
)
def test_bad_parameters(gray, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_jpeg_images(gray, **kwargs)
