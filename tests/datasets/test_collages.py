import numpy as np
import pytest

from skforensics.datasets import make_collages
from skforensics.datasets._jpeg import jpeg_round_trip
from skforensics.utils import make_test_images


@pytest.mark.parametrize("n_channels", [None, 3])
def test_region_comes_from_the_jpeg_copy(n_channels):
    images = make_test_images(3, (40, 56), n_channels=n_channels, random_state=1)
    X, y, groups, masks = make_collages(images, qualities=(10, 20), random_state=0)
    assert X.shape == images.shape and X.dtype == np.float32
    assert masks.shape == (3, 40, 56) and masks.dtype == bool
    assert groups.tolist() == [0, 1, 2]
    assert ((y >= 10) & (y <= 20)).all()
    for i in range(3):
        source = np.round(images[i] * 255) / 255
        compressed = jpeg_round_trip(images[i], int(y[i]))
        m = masks[i]
        np.testing.assert_array_equal(X[i][m], compressed[m])
        np.testing.assert_allclose(X[i][~m], source[~m], atol=1e-6)
        share = m.mean()
        assert 0.05 < share < 0.5
        # The region really differs from the source (Q <= 20 is coarse).
        assert np.abs(X[i][m] - source[m]).mean() > 1e-3


def test_chroma_subsampling_of_the_region():
    images = make_test_images(2, 48, n_channels=3, random_state=2)
    X, y, _, masks = make_collages(
        images, qualities=[80], subsampling="4:4:4", random_state=0
    )
    for i in range(2):
        m = masks[i]
        full = jpeg_round_trip(images[i], 80, "4:4:4")
        np.testing.assert_array_equal(X[i][m], full[m])
        assert not np.array_equal(X[i][m], jpeg_round_trip(images[i], 80)[m])


def test_deterministic_and_ellipse():
    images = make_test_images(2, 48)
    a = make_collages(images, mask="ellipse", n_per_image=2, random_state=3)
    b = make_collages(images, mask="ellipse", n_per_image=2, random_state=3)
    for left, right in zip(a, b):
        np.testing.assert_array_equal(left, right)
    X, y, groups, masks = a
    assert len(X) == 4 and groups.tolist() == [0, 0, 1, 1]
    # An ellipse leaves the corners of its box out: no mask is a rectangle.
    for m in masks:
        rows, cols = np.nonzero(m)
        box = (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
        assert m.sum() < box


def test_given_masks_and_quality_list():
    images = [make_test_images(1, 32)[0], make_test_images(1, (40, 24))[0]]
    given = [np.zeros((32, 32), bool), np.zeros((40, 24), bool)]
    given[0][:8] = True
    given[1][:, :4] = True
    X, y, _, masks = make_collages(
        images, qualities=[30, 60], mask=given, random_state=0
    )
    assert isinstance(X, list) and set(y.tolist()) <= {30, 60}
    np.testing.assert_array_equal(masks[1], given[1])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"qualities": (0, 50)}, "'qualities' parameter of make_collages"),
        ({"qualities": (60, 50)}, "'qualities'"),
        ({"qualities": 101}, "'qualities'"),
        ({"area_range": (0.0, 0.5)}, "'area_range' parameter of make_collages"),
        ({"area_range": (0.5, 0.2)}, "'area_range'"),
        ({"mask": "star"}, "'mask' parameter"),
        ({"subsampling": "4:2"}, "'subsampling' parameter of make_collages"),
        ({"mask": np.ones((5, 5), bool)}, "mask 0 must be a boolean array of shape"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_collages(make_test_images(2, 16), **kwargs)


def test_bad_images():
    bad = make_test_images(2, 16)
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        make_collages(bad)
