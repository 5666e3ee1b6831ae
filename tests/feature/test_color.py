import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

from skforensics.feature import GrayscaleTransformer
from skforensics.utils import to_grayscale


def test_colour_becomes_bt601_luminance():
    X = np.random.RandomState(0).rand(2, 8, 8, 3).astype(np.float32)
    out = GrayscaleTransformer().fit_transform(X)
    expected = X @ np.array([0.298936021293775, 0.587043074451121, 0.114020904255103])
    np.testing.assert_allclose(out, expected, rtol=1e-6)


def test_gray_passes_through_after_fitting_on_colour():
    gt = GrayscaleTransformer().fit(np.zeros((1, 8, 8, 3)))
    gray = np.random.RandomState(0).rand(2, 8, 8)
    np.testing.assert_array_equal(gt.transform(gray), gray)


def test_a_list_mixing_gray_and_colour_is_refused():
    images = [np.zeros((8, 8), np.uint8), np.full((6, 5, 3), 255, np.uint8)]
    gt = GrayscaleTransformer().fit(images[:1])
    with pytest.raises(ValueError, match="mixes grayscale and colour.*to_grayscale"):
        gt.transform(images)
    # The explicit conversion takes mixed lists.
    out = gt.transform(to_grayscale(images))
    assert [o.shape for o in out] == [(8, 8), (6, 5)]
    np.testing.assert_allclose(out[1], 1.0, rtol=1e-6)


def test_lists_of_one_kind_keep_their_sizes():
    images = [np.zeros((8, 8, 3), np.uint8), np.full((6, 5, 3), 255, np.uint8)]
    out = GrayscaleTransformer().fit(images[:1]).transform(images)
    assert [o.shape for o in out] == [(8, 8), (6, 5)]
    np.testing.assert_allclose(out[1], 1.0, rtol=1e-6)


def test_float_range_and_single_image_refused():
    gt = GrayscaleTransformer().fit(np.zeros((1, 8, 8, 3)))
    X = np.random.RandomState(0).rand(2, 32, 32, 3)
    with pytest.raises(ValueError, match="divide it by 255"):
        gt.transform(X * 255)
    with pytest.raises(ValueError, match=r"image\[np.newaxis\]"):
        gt.transform(X[0])


def test_bad_input_still_refused():
    gt = GrayscaleTransformer().fit(np.zeros((1, 8, 8)))
    with pytest.raises(ValueError, match=r"NaN or infinity.*image 1"):
        gt.transform([np.zeros((8, 8)), np.full((8, 8), np.nan)])
    with pytest.raises(NotFittedError):
        GrayscaleTransformer().transform(np.zeros((1, 8, 8)))


def test_to_grayscale_refuses_non_collections():
    with pytest.raises(ValueError, match="image collection"):
        to_grayscale(np.zeros((8, 8)))
