"""Tests that kill the mutants mutmut left alive in skforensics/feature/_patches.py
(issue 25, part 6).

mutmut 3.8 over the patch grids, with the patch tests, found behaviour no
test pinned: the messages of the public functions (each names the
parameter, the function and the fix), the boundaries (an image exactly the
size of a patch, of a centred block, of the smallest grid), the single
patch of an axis centred, the centred block of several patches, corners
that never let a patch leave the image, random corners over every valid
position, the default number of random patches, and ``n_jobs`` reaching the
workers. Each test checks public behaviour.
"""

import threading

import joblib
import numpy as np
import pytest

from skforensics.feature import (
    PatchGridExtractor,
    extract_patches,
    grid_strides,
    patch_corners,
)
from skforensics.utils import make_test_images


def _image(height, width, n_channels=None):
    """An image whose every pixel is different: its index."""
    shape = (height, width) if n_channels is None else (height, width, n_channels)
    return np.arange(np.prod(shape), dtype=np.float64).reshape(shape)


def _expected_patches(image, rows, cols, patch_size):
    ph, pw = patch_size
    return np.array(
        [[image[r : r + ph, c : c + pw] for c in cols] for r in rows]
    )


@pytest.mark.parametrize(
    "call, message",
    [
        (
            lambda: grid_strides((32, 32), 0, (2, 2)),
            "The 'patch_size' parameter of grid_strides must be",
        ),
        (
            lambda: grid_strides((32, 32), 8, (0, 2)),
            "The 'grid' parameter of grid_strides must be",
        ),
        (
            lambda: patch_corners((32, 32), (8, 0)),
            "The 'patch_size' parameter of patch_corners must be",
        ),
        (
            lambda: patch_corners((32, 32), 8, stride=0),
            "The 'stride' parameter of patch_corners must be",
        ),
        (
            lambda: patch_corners((32, 32), 8, sampling="center", grid=(0, 1)),
            "The 'grid' parameter of patch_corners must be",
        ),
        (
            lambda: extract_patches(np.zeros((32, 32)), (1, 2, 3)),
            "The 'patch_size' parameter of extract_patches must be",
        ),
    ],
)
def test_parameter_errors_name_the_parameter_and_the_function(call, message):
    with pytest.raises(ValueError) as exc:
        call()
    assert str(exc.value).startswith(message)


def test_function_errors_say_what_is_wrong_and_the_fix():
    cases = [
        (
            lambda: grid_strides((17, 40), 16, (3, 3)),
            "An image of 17x40 pixels cannot hold a grid of 3x3 distinct 16x16 "
            "patches; it must be at least 18x18. Pass larger images or a smaller "
            "grid or patch_size.",
        ),
        (
            lambda: patch_corners((7, 32), 8),
            "Images are 7x32 but patch_size is (8, 8); lower patch_size or pass "
            "larger images.",
        ),
        (
            lambda: patch_corners((32, 32), 8, sampling="center", grid=(5, 1)),
            "Images are 32x32 but a centred block of 5x1 patches of 8x8 needs "
            "40x8; lower grid or patch_size or pass larger images.",
        ),
        (
            lambda: patch_corners((32, 32), 8, sampling="diagonal"),
            "sampling must be one of 'grid', 'center' or 'random'; got 'diagonal'.",
        ),
        (
            lambda: extract_patches(np.zeros((3, 32, 32, 1)), 8),
            "image must have shape (height, width) or (height, width, n_channels);"
            " got an array of shape (3, 32, 32, 1). For a collection, use "
            "PatchGridExtractor.",
        ),
    ]
    for call, message in cases:
        with pytest.raises(ValueError) as exc:
            call()
        assert str(exc.value) == message


@pytest.mark.parametrize("shape", [(7, 32), (32, 7), (7, 7)])
def test_an_image_smaller_than_a_patch_on_either_side_is_refused(shape):
    with pytest.raises(ValueError, match="lower patch_size"):
        extract_patches(np.zeros(shape), 8)
    with pytest.raises(ValueError, match="lower patch_size"):
        grid_strides(shape, 8, (1, 1))


@pytest.mark.parametrize("sampling", ["grid", "center", "random"])
def test_an_image_the_size_of_a_patch_is_one_patch(sampling):
    image = _image(8, 6)
    patches = extract_patches(image, (8, 6), sampling=sampling)
    np.testing.assert_array_equal(patches.reshape(8, 6), image)


def test_grid_strides_of_a_colour_image_and_of_a_single_patch_axis():
    # The shape may carry channels; an axis with one patch has stride 0.
    assert grid_strides((100, 130, 3), 32, (3, 4)) == (34, 32)
    assert grid_strides((100, 130), 32, (1, 2)) == (0, 98)
    assert grid_strides((100, 130), 32, (2, 1)) == (68, 0)
    assert grid_strides((100, 130), 32, (1, 1)) == (0, 0)


def test_the_smallest_image_that_holds_a_grid_has_stride_1():
    # The message's "at least (patch + n - 1)" is the smallest valid size.
    assert grid_strides((18, 19), 16, (3, 4)) == (1, 1)
    rows, cols = patch_corners((18, 19), 16, grid=(3, 4))
    assert rows.tolist() == [0, 1, 2] and cols.tolist() == [0, 1, 2, 3]


@pytest.mark.parametrize(
    "shape, grid, rows, cols",
    [
        ((101, 131), (1, 1), [34], [49]),  # odd margins: rounded down
        ((101, 131), (1, 3), [34], [0, 49, 98]),
        ((101, 131), (3, 1), [0, 34, 68], [49]),
    ],
)
def test_a_single_patch_on_a_grid_axis_is_centred(shape, grid, rows, cols):
    got_rows, got_cols = patch_corners(shape, 32, grid=grid)
    assert got_rows.tolist() == rows and got_cols.tolist() == cols
    assert got_rows.dtype.kind == got_cols.dtype.kind == "i"
    image = _image(*shape)
    np.testing.assert_array_equal(
        extract_patches(image, 32, grid=grid),
        _expected_patches(image, rows, cols, (32, 32)),
    )


def test_stride_sets_the_step_between_grid_patches():
    rows, cols = patch_corners((20, 23), 8, stride=(4, 5))
    assert rows.tolist() == [0, 4, 8, 12] and cols.tolist() == [0, 5, 10, 15]
    image = _image(20, 23, 3)
    np.testing.assert_array_equal(
        extract_patches(image, 8, stride=(4, 5)),
        _expected_patches(image, rows, cols, (8, 8)),
    )


@pytest.mark.parametrize("size", range(8, 21))
@pytest.mark.parametrize("stride", [1, 3, 4, 5, 7])
def test_grid_patches_stay_inside_the_image_and_reach_its_end(size, stride):
    rows, cols = patch_corners((size, size + 3), 4, stride=stride)
    assert rows[0] == cols[0] == 0
    assert rows[-1] + 4 <= size and rows[-1] + 4 + stride > size
    assert cols[-1] + 4 <= size + 3 and cols[-1] + 4 + stride > size + 3
    assert np.all(np.diff(rows) == stride) and np.all(np.diff(cols) == stride)


@pytest.mark.parametrize("shape", [(2, 5), (5, 2), (2, 2)])
def test_two_patches_on_an_axis_are_one_stride_apart(shape):
    image = _image(40, 50)
    rows, cols = patch_corners(image.shape, 8, grid=shape)
    np.testing.assert_array_equal(
        extract_patches(image, 8, grid=shape),
        _expected_patches(image, rows, cols, (8, 8)),
    )


def test_centred_block_of_several_patches():
    image = _image(30, 41)
    rows, cols = patch_corners(image.shape, (6, 5), sampling="center", grid=(2, 3))
    # (30 - 12) // 2 = 9 and (41 - 15) // 2 = 13: contiguous patches from there.
    assert rows.tolist() == [9, 15] and cols.tolist() == [13, 18, 23]
    np.testing.assert_array_equal(
        extract_patches(image, (6, 5), sampling="center", grid=(2, 3)),
        _expected_patches(image, rows, cols, (6, 5)),
    )


def test_a_centred_block_may_fill_the_image_but_not_exceed_it():
    image = _image(16, 15)
    patches = extract_patches(image, (8, 5), sampling="center", grid=(2, 3))
    np.testing.assert_array_equal(patches.transpose(0, 2, 1, 3).reshape(16, 15), image)
    for grid in [(3, 1), (1, 4)]:  # too tall only, too wide only
        with pytest.raises(ValueError, match="centred block"):
            patch_corners(image.shape, (8, 5), sampling="center", grid=grid)


def test_random_corners_cover_every_valid_position():
    rows, cols = patch_corners((10, 9), (7, 7), sampling="random", n_patches=400,
                               random_state=0)  # fmt: skip
    assert sorted(set(rows.tolist())) == [0, 1, 2, 3]
    assert sorted(set(cols.tolist())) == [0, 1, 2]


def test_one_random_patch_by_default():
    rows, cols = patch_corners((20, 20), 4, sampling="random", random_state=0)
    assert rows.shape == cols.shape == (1,)
    X = make_test_images(2, 20)
    extractor = PatchGridExtractor(patch_size=4, sampling="random", random_state=0)
    out = extractor.fit_transform(X)
    assert out.shape == (2, 1, 4, 4)


def test_random_patches_are_the_image_at_their_corners():
    image = _image(23, 19, 2)
    patches = extract_patches(image, (5, 4), sampling="random", n_patches=6,
                              random_state=3)  # fmt: skip
    rows, cols = patch_corners(image.shape, (5, 4), sampling="random", n_patches=6,
                               random_state=3)  # fmt: skip
    expected = np.array([image[r : r + 5, c : c + 4] for r, c in zip(rows, cols)])
    np.testing.assert_array_equal(patches, expected)


def test_the_extractor_is_deterministic():
    assert PatchGridExtractor().__sklearn_tags__().non_deterministic is False


@pytest.mark.parametrize(
    "params, X",
    [
        ({"patch_size": 8}, [np.zeros((16, 16)), np.zeros((24, 16))] * 3),
        ({"patch_size": 8, "sampling": "random", "random_state": 0},
         make_test_images(6, 16)),  # fmt: skip
    ],
)
def test_n_jobs_reaches_the_workers(params, X, monkeypatch):
    # Under joblib's threading backend (one job unless told otherwise),
    # n_jobs=2 cuts the images in worker threads; the default cuts them in
    # the caller's thread. The patches are the same.
    from skforensics.feature import _patches

    threads = set()
    extract = _patches.extract_patches

    def recording(*args, **kwargs):
        threads.add(threading.get_ident())
        return extract(*args, **kwargs)

    monkeypatch.setattr(_patches, "extract_patches", recording)
    with joblib.parallel_backend("threading", n_jobs=1):
        one = PatchGridExtractor(**params).fit(X).transform(X)
        assert threads == {threading.get_ident()}
        threads.clear()
        two = PatchGridExtractor(**params, n_jobs=2).fit(X).transform(X)
        assert threads and threading.get_ident() not in threads
    assert type(one) is type(two) and len(one) == len(two) == len(X)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)
