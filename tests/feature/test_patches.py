import numpy as np
import pytest

from skforensics.feature import (
    PatchGridExtractor,
    extract_patches,
    grid_strides,
    patch_corners,
)
from skforensics.utils import make_test_images


def test_tiles_cover_the_image_in_order():
    image = np.arange(12 * 16, dtype=np.float32).reshape(12, 16)
    patches = extract_patches(image, 4)
    assert patches.shape == (3, 4, 4, 4)
    rebuilt = patches.transpose(0, 2, 1, 3).reshape(12, 16)
    np.testing.assert_array_equal(rebuilt, image)


def test_patches_are_read_only_views():
    image = make_test_images(1, 32)[0]
    patches = extract_patches(image, 8, stride=4)
    assert np.shares_memory(patches, image)
    with pytest.raises(ValueError):
        patches[0, 0, 0, 0] = 1


def test_grid_strides_follow_eq2():
    # stride = floor((size - patch) / (n - 1))
    assert grid_strides((128, 128), 16, (8, 8)) == (16, 16)
    assert grid_strides((100, 257), 32, (3, 4)) == (34, 75)
    rows, cols = patch_corners((100, 257), 32, grid=(3, 4))
    assert rows[-1] + 32 <= 100 and cols[-1] + 32 <= 257
    assert rows[-1] + 32 + 34 > 100


def test_fixed_grid_maps_any_size_to_same_shape():
    ext = PatchGridExtractor(patch_size=16, grid=(3, 5))
    X = [make_test_images(1, (48, 80))[0], make_test_images(1, (200, 120))[0]]
    out = ext.fit_transform(X)
    assert out.shape == (2, 3, 5, 16, 16)


def test_grid_too_small_for_distinct_patches():
    with pytest.raises(ValueError, match=r"at least 18x18"):
        grid_strides((17, 40), 16, (3, 3))


def test_center_patch_is_centred():
    image = np.zeros((10, 12))
    image[3:7, 4:8] = 1
    patch = extract_patches(image, 4, sampling="center")
    assert patch.shape == (1, 1, 4, 4) and patch.min() == 1


def test_random_patches_reproducible_and_inside():
    X = make_test_images(3, 40)
    ext = PatchGridExtractor(patch_size=8, sampling="random", n_patches=5, random_state=1)
    a, b = ext.fit_transform(X), ext.fit_transform(X)
    np.testing.assert_array_equal(a, b)
    assert a.shape == (3, 5, 8, 8)
    other = PatchGridExtractor(
        patch_size=8, sampling="random", n_patches=5, random_state=2
    ).fit_transform(X)
    assert not np.array_equal(a, other)


def test_stack_view_matches_per_image_extraction_with_color():
    X = make_test_images(3, (20, 24), n_channels=3)
    out = PatchGridExtractor(patch_size=(4, 6), stride=(3, 5)).fit_transform(X)
    assert np.shares_memory(out, X)
    expected = np.stack([extract_patches(x, (4, 6), stride=(3, 5)) for x in X])
    np.testing.assert_array_equal(out, expected)


def test_varying_grids_give_a_list():
    X = [np.zeros((16, 16)), np.zeros((24, 16))]
    out = PatchGridExtractor(patch_size=8).fit_transform(X)
    assert [p.shape for p in out] == [(2, 2, 8, 8), (3, 2, 8, 8)]


def test_image_smaller_than_patch():
    with pytest.raises(ValueError, match=r"at least 64x64.*got a 32x32"):
        PatchGridExtractor().fit(np.zeros((2, 32, 32)))
    ext = PatchGridExtractor(patch_size=16).fit(np.zeros((2, 32, 32)))
    with pytest.raises(ValueError, match=r"patch_size=\(16, 16\).*got a 8x8"):
        ext.transform(np.zeros((2, 8, 8)))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"patch_size": (8, 8, 8)}, "The 'patch_size' parameter of PatchGridExtractor"),
        ({"patch_size": 0}, "The 'patch_size' parameter of PatchGridExtractor"),
        ({"grid": (0, 2)}, "The 'grid' parameter of PatchGridExtractor"),
        ({"sampling": "diagonal"}, "The 'sampling' parameter of PatchGridExtractor"),
        ({"n_patches": 0}, "The 'n_patches' parameter of PatchGridExtractor"),
    ],
)
def test_bad_parameters(params, match):
    with pytest.raises(ValueError, match=match):
        PatchGridExtractor(**params).fit(np.zeros((1, 32, 32)))


def test_transform_checks_channels_and_fit():
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        PatchGridExtractor(patch_size=4).transform(np.zeros((1, 8, 8)))
    ext = PatchGridExtractor(patch_size=4).fit(np.zeros((1, 8, 8)))
    with pytest.raises(ValueError, match="fitted on 1-channel"):
        ext.transform(np.zeros((1, 8, 8, 3)))


@pytest.mark.parametrize(
    "params",
    [
        {"patch_size": 8},  # a list of images of different sizes
        {"patch_size": 8, "grid": (2, 2)},
        {"patch_size": 8, "sampling": "random", "n_patches": 3, "random_state": 0},
    ],
)
def test_n_jobs_gives_the_one_process_answer(params, tmp_path):
    from PIL import Image

    from skforensics.utils import LazyImages

    X = [
        make_test_images(1, size, random_state=i)[0]
        for i, size in enumerate([16, 24, 20, 32, 16])
    ]
    one = PatchGridExtractor(**params, n_jobs=1).fit(X).transform(X)
    two = PatchGridExtractor(**params, n_jobs=2).fit(X).transform(X)
    assert type(one) is type(two) and len(one) == len(two) == len(X)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)
    # Files read by the workers: the same patches again.
    paths = []
    for i, image in enumerate(X):
        paths.append(tmp_path / f"{i}.png")
        Image.fromarray(np.round(image * 255).astype(np.uint8)).save(paths[-1])
    lazy = LazyImages(paths)
    one = PatchGridExtractor(**params, n_jobs=1).fit(lazy).transform(lazy)
    two = PatchGridExtractor(**params, n_jobs=2).fit(lazy).transform(lazy)
    for a, b in zip(one, two):
        np.testing.assert_array_equal(a, b)


def test_n_jobs_zero_is_refused():
    with pytest.raises(ValueError, match="'n_jobs' parameter of PatchGridExtractor"):
        PatchGridExtractor(patch_size=8, n_jobs=0).fit(make_test_images(2, 16))


@pytest.mark.parametrize("n_patches", [2.5, "3", 0, -1])
def test_random_patches_refuse_a_count_that_is_not_a_positive_int(n_patches):
    # 2.5 was truncated to 2 and "3" parsed as 3.
    image = make_test_images(1, 40)[0]
    for func in (extract_patches, patch_corners):
        with pytest.raises(ValueError, match="'n_patches' parameter of patch_corners"):
            func(image if func is extract_patches else image.shape, 8,
                 sampling="random", n_patches=n_patches)
    assert extract_patches(image, 8, sampling="random", n_patches=np.int64(3)).shape == (
        3, 8, 8)
