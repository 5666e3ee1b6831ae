"""Tests that kill the mutants mutmut left alive in utils/_validation.py
(issue 25, part 6).

mutmut 3.8 over ``check_images`` and its helpers, with tests/utils/
test_validation.py and tests/test_mutants.py, found behaviour no test
pinned: the edges of the float range and which hint the error gives, the
exact messages that name the fix, channel-first detection, RGB conversion
of one-channel images, ``copy=True`` on float arrays, ``image_shapes`` and
``apply_images``. Each test checks public behaviour.
"""

import re
import warnings

import numpy as np
import pytest
from joblib import parallel_backend

from skforensics.utils import apply_images, check_images, image_shapes
from skforensics.utils._validation import RANGE_TOLERANCE

EIGHT_BIT = " It looks like 8-bit data: divide it by 255 or pass it as uint8."
OTHER = (
    " Divide 8-bit data by 255 (or pass it as uint8), 16-bit data by 65535 (or "
    "pass it as uint16)."
)


def _range_error(low, high):
    X = np.full((1, 4, 4), 0.5)
    X[0, 0, 0], X[0, 0, 1] = low, high
    with pytest.raises(ValueError) as exc:
        check_images(X)
    return str(exc.value)


@pytest.mark.parametrize("low, high", [(-RANGE_TOLERANCE, 1 + RANGE_TOLERANCE)])
def test_float_range_edges_are_accepted(low, high):
    X = np.full((1, 4, 4), 0.5)
    X[0, 0, 0], X[0, 0, 1] = low, high
    assert check_images(X).dtype == np.float64


@pytest.mark.parametrize(
    "low, high, hint",
    [
        (0.0, 200.0, EIGHT_BIT),
        (0.0, 255 + RANGE_TOLERANCE, EIGHT_BIT),
        (0.5, 1.5, EIGHT_BIT),
        (0.0, 255.5, OTHER),
        (0.0, 300.0, OTHER),
        (-0.5, 200.0, OTHER),
        (-0.5, 0.5, OTHER),
    ],
)
def test_float_range_error_and_its_hint(low, high, hint):
    assert _range_error(low, high) == (
        f"Float images must lie in [0, 1]; got values in [{low:.4g}, {high:.4g}] "
        f"(image 0).{hint} Clip interpolation overshoot with np.clip(X, 0, 1)."
    )


@pytest.mark.parametrize("as_list", [False, True])
def test_one_channel_images_converted_to_rgb_and_gray(as_list):
    X = np.random.default_rng(0).random((2, 6, 5, 1))
    Y = list(X) if as_list else X
    rgb, gray = check_images(Y, convert_to="rgb"), check_images(Y, convert_to="gray")
    for i in range(2):
        assert rgb[i].shape == (6, 5, 3) and gray[i].shape == (6, 5)
        for c in range(3):
            np.testing.assert_array_equal(rgb[i][..., c], X[i, ..., 0])
        np.testing.assert_array_equal(gray[i], X[i, ..., 0])


@pytest.mark.parametrize(
    "shape, message",
    [
        (
            (2, 256),
            "X must have shape (n_images, height, width[, n_channels]); got an "
            "array of shape (2, 256). If your images are flattened, reshape them "
            "first, e.g. X.reshape(2, 16, 16); a single grayscale image needs a "
            "leading axis: image[np.newaxis] or [image].",
        ),
        (
            (2, 250),
            "X must have shape (n_images, height, width[, n_channels]); got an "
            "array of shape (2, 250). If your images are flattened, reshape them "
            "first; a single grayscale image needs a leading axis: "
            "image[np.newaxis] or [image].",
        ),
        (
            (12,),
            "X must have shape (n_images, height, width[, n_channels]); got an "
            "array of shape (12,). A single image needs a leading axis: "
            "X[np.newaxis].",
        ),
        (
            (1, 2, 3, 4, 5),
            "X must have shape (n_images, height, width[, n_channels]); got an "
            "array of shape (1, 2, 3, 4, 5).",
        ),
        (
            (20, 30, 3),
            "X has shape (20, 30, 3): one 20x30 image with 3 channels, where a "
            "collection of images is expected. Pass image[np.newaxis] (or "
            "[image]) for one image. For a collection of grayscale images 3 "
            "pixels wide, pass X[..., np.newaxis].",
        ),
    ],
)
def test_array_shape_messages(shape, message):
    with pytest.raises(ValueError, match=f"^{re.escape(message)}$"):
        check_images(np.zeros(shape))


@pytest.mark.parametrize("channels", [1, 3, 4])
def test_channel_first_arrays_are_refused(channels):
    shape = (2, channels, 16, 16)
    with pytest.raises(ValueError) as exc:
        check_images(np.zeros(shape))
    assert str(exc.value) == (
        f"X has shape {shape}, which looks channel-first; skforensics takes "
        "channel-last images: use np.moveaxis(X, 1, -1)."
    )


@pytest.mark.parametrize("shape", [(2, 3, 16, 1), (2, 4, 16, 3), (2, 3, 16, 4)])
def test_channel_last_stacks_of_narrow_images_are_accepted(shape):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # RGBA: alpha dropped
        assert check_images(np.zeros(shape)).shape[:3] == shape[:3]


def test_warnings_of_an_array_are_given_once_with_their_text():
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_images(np.zeros((3, 8, 8, 4)))
        check_images(np.full((3, 8, 8), 200, dtype=np.uint16))
    assert [str(w.message) for w in caught] == [
        "Dropping the alpha channel of RGBA images; pass RGB images to silence "
        "this warning.",
        "uint16 images are scaled by 65535, but these never exceed 200: 8-bit "
        "data stored as uint16 would be read as nearly black (at most 0.0031). "
        "Pass 8-bit data as X.astype(np.uint8); ignore this warning for truly "
        "dark 16-bit images.",
    ]


def test_copy_true_gives_a_new_array():
    X = np.zeros((2, 8, 8), dtype=np.float32)
    assert np.shares_memory(check_images(X), X)  # no copy needed, none made
    assert not np.shares_memory(check_images(X, copy=True), X)


def test_the_offending_image_is_named_in_a_stack():
    X = np.zeros((4, 2, 16))
    X[3, 0, 0] = np.nan
    with pytest.raises(ValueError, match=r"non-finite pixels \(image 3\)\.$"):
        check_images(X)


def test_channels_checked_on_a_one_image_stack():
    assert check_images(np.zeros((1, 8, 8)), n_channels=1).shape == (1, 8, 8)
    with pytest.raises(ValueError, match="Expected 3-channel images"):
        check_images(np.zeros((1, 8, 8)), n_channels=3)


def test_image_shapes():
    assert image_shapes(np.zeros((3, 8, 6, 3))) == [(8, 6)] * 3
    assert image_shapes([np.zeros((4, 6, 3)), np.zeros((5, 7))]) == [(4, 6), (5, 7)]


def test_apply_images_keeps_the_form_and_passes_kwargs():
    X = np.arange(2 * 4 * 6, dtype=np.float32).reshape(2, 4, 6)
    expected = np.stack([np.rot90(x, k=3) for x in X])
    np.testing.assert_array_equal(apply_images(np.rot90, X, k=3), expected)
    with parallel_backend("threading"):
        threads = apply_images(np.rot90, X, n_jobs=2, k=3)
    np.testing.assert_array_equal(threads, expected)
    as_list = apply_images(np.rot90, [X[0], X[1][:2]], k=1)
    assert isinstance(as_list, list)
    assert [x.shape for x in as_list] == [(6, 4), (6, 2)]


def _message(X, error=ValueError, **kwargs):
    with pytest.raises(error) as exc:
        check_images(X, **kwargs)
    return str(exc.value)


def test_messages_of_one_image_of_a_list():
    wrap = "Wrap file paths in skforensics.utils.LazyImages(paths)."
    assert _message(["a.png"], TypeError) == (
        f"Got a file path (image 0) where an image array was expected. {wrap}"
    )
    assert _message([np.array(["a.png"])], TypeError) == (
        f"Got text (image 0) where an image array was expected. {wrap}"
    )
    assert _message([np.array([[None]])], TypeError) == (
        "Images must hold numbers; got dtype object (image 0). Images of "
        "different sizes go in a list of arrays, not an object array."
    )
    assert _message([np.zeros((4, 4), complex)], TypeError) == (
        "Images must be real-valued; got dtype complex128 (image 0)."
    )
    assert _message([np.zeros((4, 4), np.int32)], TypeError) == (
        "Integer images must be uint8 or uint16, so that their range is known; "
        "got int32 (image 0). Use X.astype(np.uint8) for 0..255 data, or pass "
        "floats scaled to [0, 1]."
    )
    assert _message([np.zeros(4)]) == (
        "Each image must have shape (height, width) or (height, width, "
        "n_channels); got an array of shape (4,) (image 0)."
    )


@pytest.mark.parametrize("first", [1, 2, 3, 4, 5])
def test_two_channel_message_and_the_channel_first_hint(first):
    shape = (first, 8, 8)
    hint = (
        " It looks channel-first: skforensics takes channel-last images, use "
        "np.moveaxis(image, 0, -1)."
        if first in (1, 3, 4)
        else ""
    )
    assert _message([np.zeros(shape)]) == (
        "Images must be grayscale (H, W) or (H, W, 1), or RGB (H, W, 3) "
        f"channel-last; got shape {shape} (image 0).{hint}"
    )


def test_alpha_warning_of_one_image():
    with pytest.warns(UserWarning) as record:
        check_images([np.zeros((8, 8, 4))])
    assert str(record[0].message) == (
        "Dropping the alpha channel of an RGBA image (image 0); pass RGB images "
        "to silence this warning."
    )


def test_channel_count_messages():
    assert _message([np.zeros((8, 8, 3))], n_channels=1) == (
        "Expected 1-channel images; got a 3-channel image (image 0): convert "
        "them with skforensics.utils.to_grayscale, or put a "
        "skforensics.feature.GrayscaleTransformer step first."
    )
    assert _message([np.zeros((8, 8))], n_channels=3) == (
        "Expected 3-channel images; got a 1-channel image (image 0): convert "
        "grayscale images with np.repeat(image[..., None], 3, -1)."
    )


def test_min_size_messages():
    assert _message([np.zeros((8, 9))], min_size=16) == (
        "Images must be at least 16x16 pixels (height x width); got a 8x9 "
        "image (image 0). Pass larger images."
    )
    hint = " for patch_size (16, 16)"
    assert _message([np.zeros((8, 9))], min_size=16, min_size_hint=hint) == (
        f"Images must be at least 16x16 pixels (height x width){hint}; got a "
        "8x9 image (image 0). Pass larger images, or lower the size the "
        "estimator needs."
    )


@pytest.mark.parametrize(
    "high, warns", [(0, False), (1, True), (255, True), (256, False)]
)
def test_low_uint16_warning_edges(high, warns):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        check_images([np.full((4, 4), high, dtype=np.uint16)])
    messages = [str(w.message) for w in caught]
    if not warns:
        assert messages == []
        return
    assert messages == [
        f"uint16 images are scaled by 65535, but these never exceed {high}: 8-bit "
        "data stored as uint16 would be read as nearly black (at most "
        f"{high / 65535:.4f}). Pass 8-bit data as X.astype(np.uint8); ignore "
        "this warning for truly dark 16-bit images."
    ]


def test_copy_true_gives_new_images_in_a_list():
    images = [np.zeros((8, 8), dtype=np.float32)]
    assert np.shares_memory(check_images(images)[0], images[0])
    assert not np.shares_memory(check_images(images, copy=True)[0], images[0])


def test_messages_of_the_collection():
    import scipy.sparse

    from skforensics.utils import LazyImages

    assert _message(np.zeros((2, 8, 8, 3)), allow_color=False, n_channels=3) == (
        "allow_color=False conflicts with n_channels > 1."
    )
    assert check_images(np.zeros((2, 8, 8)), allow_color=False, n_channels=1).shape
    assert _message(LazyImages([])) == "X is an empty collection of images."
    assert _message(scipy.sparse.csr_matrix(np.eye(4)), TypeError) == (
        "X must be an image collection: an ndarray of shape (n_images, height, "
        "width[, n_channels]), a list of 2-D/3-D arrays, or "
        "skforensics.utils.LazyImages; got csr_matrix. Sparse input is not "
        "supported: images are dense arrays."
    )
    assert _message(5, TypeError).endswith("LazyImages; got int.")
    assert _message([np.zeros((8, 8)), np.zeros((8, 8, 3))]) == (
        "X mixes grayscale and colour images (image 0 is grayscale, image 1 is "
        "colour); convert them to one kind first, for example with "
        "skforensics.utils.to_grayscale(X)."
    )


def test_array_likes_are_read_as_arrays():
    class Frames:
        def __array__(self, dtype=None, copy=None):
            return np.full((2, 8, 8), 128, dtype=np.uint8)

    checked = check_images(Frames())
    assert isinstance(checked, np.ndarray) and checked.shape == (2, 8, 8)
    assert checked[0, 0, 0] == np.float32(128 / 255)


def test_min_size_checked_on_a_one_image_stack():
    assert check_images(np.zeros((1, 16, 16)), min_size=8).shape == (1, 16, 16)
    with pytest.raises(ValueError, match="at least 32x32 pixels"):
        check_images(np.zeros((1, 16, 16)), min_size=32)
