import itertools

import numpy as np
import pytest
from sklearn.model_selection import GroupKFold

from skforensics.datasets import make_rescaled_images
from skforensics.utils import make_test_images

ALL_KERNELS = ("nearest", "bilinear", "bicubic", "lanczos", "pillow")


@pytest.fixture(scope="module")
def sources():
    """Four gray 48x48 float images, not on the 8-bit grid."""
    return make_test_images(4, 48, random_state=0)


def test_deterministic_with_random_state(sources):
    kwargs = dict(crop_size=16, n_crops=3, kernels=ALL_KERNELS, labels="kernel")
    a = make_rescaled_images(sources, random_state=0, **kwargs)
    b = make_rescaled_images(sources, random_state=0, **kwargs)
    c = make_rescaled_images(sources, random_state=1, **kwargs)
    for first, second in zip(a, b):
        np.testing.assert_array_equal(first, second)
    assert not np.array_equal(a[0], c[0])


def test_real_then_fake_per_source_with_groups(sources):
    X, y, groups = make_rescaled_images(sources, random_state=0)
    assert X.shape == (8, 48, 48) and X.dtype == np.float32
    np.testing.assert_array_equal(y, [0, 1] * 4)
    np.testing.assert_array_equal(groups, [0, 0, 1, 1, 2, 2, 3, 3])
    np.testing.assert_array_equal(X[0::2], sources)  # reals are untouched
    for real, fake in zip(X[0::2], X[1::2]):
        assert np.abs(real - fake).mean() > 1e-3
    assert 0.0 <= X.min() and X.max() <= 1.0


def test_crops_are_balanced_and_grouped_by_source(sources):
    X, y, groups = make_rescaled_images(
        sources, crop_size=(16, 24), n_crops=5, random_state=0
    )
    assert X.shape == (40, 16, 24)
    assert y.mean() == 0.5
    np.testing.assert_array_equal(np.bincount(groups), [10] * 4)
    # Each fake is cut from the same window as the real before it.
    for real, fake in zip(X[0::2], X[1::2]):
        assert np.abs(real - fake).mean() < 0.1
    for train, test in GroupKFold(n_splits=2).split(X, y, groups):
        assert not set(groups[train]) & set(groups[test])


def test_crops_come_from_their_source(sources):
    X, _, groups = make_rescaled_images(
        sources, crop_size=16, n_crops=2, random_state=0
    )
    for real, group in zip(X[0::2], groups[0::2]):
        windows = np.lib.stride_tricks.sliding_window_view(sources[group], (16, 16))
        assert (windows == real).all(axis=(2, 3)).any()


def test_constant_image_stays_constant():
    flat = np.full((2, 40, 40), 0.3, dtype=np.float32)
    for downscale in ("area", "same"):
        X, _, _ = make_rescaled_images(
            flat, kernels=ALL_KERNELS, each_kernel=True, downscale=downscale
        )
        np.testing.assert_allclose(X, 0.3, atol=1e-6)


def test_kernels_give_different_pixels(sources):
    X, y, _ = make_rescaled_images(
        sources[:1], kernels=ALL_KERNELS, each_kernel=True, labels="kernel"
    )
    assert y.tolist() == ["original", *ALL_KERNELS]
    for a, b in itertools.combinations(range(1, 6), 2):
        assert np.abs(X[a] - X[b]).max() > 1e-3, (y[a], y[b])


def test_nearest_upscale_of_an_area_downscale_is_the_block_mean(sources):
    X, _, _ = make_rescaled_images(sources[:1], factor=2, kernels="nearest")
    real, fake = X
    block_mean = real.reshape(24, 2, 24, 2).mean(axis=(1, 3))
    np.testing.assert_allclose(fake[0::2, 0::2], block_mean, atol=1e-6)
    np.testing.assert_array_equal(fake[0::2, 0::2], fake[1::2, 1::2])


def test_factor_sets_the_resampling_period(sources):
    # Downscaled and upscaled by 4 with replication: constant 4x4 blocks.
    X, _, _ = make_rescaled_images(
        sources[:1], factor=4, kernels="nearest", downscale="same"
    )
    blocks = X[1].reshape(12, 4, 12, 4)
    assert np.ptp(blocks, axis=(1, 3)).max() == 0
    assert np.ptp(X[0].reshape(12, 4, 12, 4), axis=(1, 3)).max() > 0


def test_random_kernel_draws_cover_the_kernels(sources):
    _, y, _ = make_rescaled_images(
        sources, crop_size=8, n_crops=10, labels="kernel", random_state=0
    )
    fakes = y[y != "original"]
    assert set(fakes) == {"bicubic", "lanczos"}
    assert (y == "original").sum() == 40


def test_each_kernel_gives_one_fake_per_kernel(sources):
    X, y, groups = make_rescaled_images(
        sources,
        kernels=("bilinear", "pillow"),
        each_kernel=True,
        crop_size=16,
        n_crops=2,
        random_state=0,
    )
    assert len(X) == 4 * 2 * 3
    assert np.bincount(y).tolist() == [8, 16]


def test_8bit_sources_give_8bit_fakes():
    sources = make_test_images(2, 32, n_channels=3, dtype=np.uint8, random_state=0)
    before = sources.copy()
    X, y, _ = make_rescaled_images(sources, kernels=ALL_KERNELS, each_kernel=True)
    np.testing.assert_array_equal(sources, before)  # input not modified
    assert X.shape == (12, 32, 32, 3)
    scaled = X * 255
    np.testing.assert_allclose(scaled, np.round(scaled), atol=1e-3)


def test_float_sources_are_not_quantised(sources):
    X, _, _ = make_rescaled_images(sources[:1], kernels="bicubic")
    scaled = X[1] * 255
    assert np.abs(scaled - np.round(scaled)).max() > 0.1


def test_different_sizes_give_a_list():
    images = [make_test_images(1, 32)[0], make_test_images(1, (40, 24))[0]]
    X, y, groups = make_rescaled_images(images, random_state=0)
    assert isinstance(X, list) and len(X) == 4
    assert [x.shape for x in X] == [(32, 32), (32, 32), (40, 24), (40, 24)]


def test_input_list_not_modified(sources):
    images = [s.copy() for s in sources]
    make_rescaled_images(images, crop_size=16, random_state=0)
    for image, source in zip(images, sources):
        np.testing.assert_array_equal(image, source)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            {"factor": 1},
            r"The 'factor' parameter of make_rescaled_images must be a float in "
            r"the range \(1.0, inf\)",
        ),
        (
            {"kernels": ("bicubic", "cubic")},
            "The 'kernels' parameter of make_rescaled_images must be",
        ),
        ({"kernels": ()}, "The 'kernels' parameter"),
        ({"kernels": ("bicubic", "bicubic")}, "distinct"),
        ({"downscale": "max"}, "The 'downscale' parameter"),
        ({"labels": "multi"}, "The 'labels' parameter"),
        (
            {"crop_size": 0},
            "The 'crop_size' parameter of make_rescaled_images must be an int >= 1",
        ),
        ({"crop_size": (8, 8, 8)}, "The 'crop_size' parameter"),
        (
            {"n_crops": 3},
            "The 'n_crops' parameter of make_rescaled_images must be 1 when "
            "crop_size is None",
        ),
        (
            {"crop_size": 64},
            r"at least 64x64 pixels \(height x width\) for crop_size=64",
        ),
    ],
)
def test_bad_parameters(sources, kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_rescaled_images(sources, **kwargs)


def test_bad_images():
    with pytest.raises(ValueError, match=r"Float images must lie in \[0, 1\]"):
        make_rescaled_images(np.full((1, 8, 8), 2.0))
    with pytest.raises(ValueError, match="images must have shape"):
        make_rescaled_images(np.zeros((4, 8)))


def test_lazy_images_from_files(tmp_path):
    from PIL import Image

    from skforensics.utils import LazyImages

    sources = make_test_images(3, 32, n_channels=3, dtype=np.uint8, random_state=0)
    paths = []
    for i, image in enumerate(sources):
        paths.append(tmp_path / f"{i}.png")
        Image.fromarray(image).save(paths[-1])
    X, y, groups = make_rescaled_images(LazyImages(paths), crop_size=16, random_state=0)
    eager = make_rescaled_images(sources, crop_size=16, random_state=0)
    np.testing.assert_array_equal(X, eager[0])
    np.testing.assert_array_equal(groups, [0, 0, 1, 1, 2, 2])
