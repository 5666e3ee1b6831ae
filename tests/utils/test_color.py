"""The one home of the pixel conversions: BT.601 grey and the 8-bit grid."""

import numpy as np
import pytest

from skforensics.utils import check_images, to_grayscale
from skforensics.utils._color import BT601_WEIGHTS, bt601_luma, from_uint8, to_uint8


def test_bt601_luma_is_matlab_rgb2gray_weights():
    pixels = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])
    np.testing.assert_allclose(bt601_luma(pixels), BT601_WEIGHTS)
    np.testing.assert_allclose(BT601_WEIGHTS, [0.298936, 0.587043, 0.114021], atol=1e-6)
    assert bt601_luma(pixels.astype(np.float32)).dtype == np.float32


def test_both_grey_paths_agree_bit_for_bit():
    rng = np.random.default_rng(0)
    X = rng.random((3, 9, 7, 3), dtype=np.float32)
    np.testing.assert_array_equal(check_images(X, convert_to="gray"), to_grayscale(X))
    as_list = [X[0], X[1, :5]]
    for a, b in zip(check_images(as_list, convert_to="gray"), to_grayscale(as_list)):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_uint8_round_trip(dtype):
    k = np.arange(256, dtype=np.uint8)
    np.testing.assert_array_equal(to_uint8(from_uint8(k).astype(dtype)), k)
    assert from_uint8(k).dtype == np.float32
    # Clipped, and rounded half to even (numpy's rule) on the 0..255 scale.
    values = np.array([-0.2, 1.3, 0.5 / 255, 1.5 / 255], dtype=dtype)
    np.testing.assert_array_equal(to_uint8(values), [0, 255, 0, 2])
