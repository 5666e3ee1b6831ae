"""Training patches that went through a JPEG round trip and then a resize
(JPEGPatchDataset's resize option, for training the pixelwise net on
JPEG-then-resize chains)."""

import numpy as np
import pytest

pytest.importorskip("torch")

from skforensics.models._jpeg_datasets import JPEGPatchDataset  # noqa: E402
from skforensics.utils import make_test_images  # noqa: E402


def _dataset(**kwargs):
    images = list(make_test_images(3, size=160, n_channels=3, dtype=np.uint8))
    params = dict(
        n_patches=24,
        patch_size=48,
        quality_range=(30, 90),
        uncompressed_fraction=0.3,
        subsampling=("4:2:0",),
        augment=True,
        seed=0,
    )
    params.update(kwargs)
    return JPEGPatchDataset(images, None, **params)


def test_no_resize_by_default_keeps_the_patches():
    plain = _dataset()
    off = _dataset(resize_fraction=0.0, resize_range=(0.5, 0.6))
    for i in range(len(plain)):
        for a, b in zip(plain.draw(i), off.draw(i)):
            np.testing.assert_array_equal(a, b)


def test_resized_patches_keep_their_labels():
    resized = _dataset(resize_fraction=1.0, resize_range=(0.6, 1.8))
    plain = _dataset()
    n_differ = 0
    for i in range(len(resized)):
        patch, quality_map, flag_map = resized.draw(i)
        assert patch.shape == (48, 48, 3) and patch.dtype == np.uint8
        assert quality_map.shape == flag_map.shape == (48, 48)
        # One label per patch: compressed (quality 30-90) or not (0).
        assert np.unique(flag_map).size == 1 and np.unique(quality_map).size == 1
        if flag_map[0, 0]:
            assert 0.1 - 1e-6 <= quality_map[0, 0] <= 0.7 + 1e-6
        else:
            assert quality_map[0, 0] == 0
        n_differ += not np.array_equal(patch, plain.draw(i)[0])
    assert n_differ >= len(resized) - 2  # the resize changes the patches


@pytest.mark.parametrize("kernel", ["cubic", "lanczos", "area", "linear"])
def test_every_kernel(kernel):
    data = _dataset(resize_fraction=1.0, resize_kernels=(kernel,), n_patches=4)
    for i in range(4):
        assert data.draw(i)[0].shape == (48, 48, 3)


def test_too_small_images_are_not_resized():
    # 160-pixel images cannot give a 48-pixel patch (and its margin) at 0.3.
    small = _dataset(resize_fraction=1.0, resize_range=(0.3, 0.31), n_patches=4)
    for i in range(4):
        assert small.draw(i)[0].shape == (48, 48, 3)


def test_training_script_options():
    import importlib.util
    import os

    root = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir)
    script = os.path.join(root, "scripts", "train_jpeg_quality.py")
    spec = importlib.util.spec_from_file_location("train_jpeg_quality", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    argv = ["--data", "d", "--out", "o", "--resized-fraction", "0.3"]
    argv += ["--resize-range", "0.6", "1.8", "--resize-kernels", "area"]
    args = module.build_parser().parse_args(argv)
    assert args.resized_fraction == 0.3 and args.resize_range == [0.6, 1.8]
    assert args.resize_kernels == ["area"]
    defaults = module.build_parser().parse_args(["--data", "d", "--out", "o"])
    # Off by default, and checkpoints made before the option read as off.
    assert defaults.resized_fraction == 0.0
    assert module.BEFORE_OPTION["resized_fraction"] == 0.0
    assert "resized_fraction" in module.FIXED
    # --resize-pairs: off by default and in older checkpoints, fixed on resume.
    assert not defaults.resize_pairs and module.BEFORE_OPTION["resize_pairs"] is False
    assert module.build_parser().parse_args(argv + ["--resize-pairs"]).resize_pairs
    assert "resize_pairs" in module.FIXED


def _pairs(**kwargs):
    params = dict(resize_fraction=0.5, resize_range=(0.6, 1.8), resize_pairs=True)
    params.update(kwargs)
    return _dataset(**params)


def test_resize_pairs_off_keeps_the_patches():
    # resize_pairs=False is today's dataset, with or without resizing;
    # resize_pairs=True without resizing draws nothing more either.
    for fraction in (0.0, 0.5):
        plain = _dataset(resize_fraction=fraction)
        off = _dataset(resize_fraction=fraction, resize_pairs=False)
        for i in range(len(plain)):
            for a, b in zip(plain.draw(i), off.draw(i)):
                np.testing.assert_array_equal(a, b)
    plain, unused = _dataset(), _pairs(resize_fraction=0.0)
    for i in range(len(plain)):
        for a, b in zip(plain.draw(i), unused.draw(i)):
            np.testing.assert_array_equal(a, b)


def test_resize_pairs_share_their_geometry_and_differ_in_the_flag():
    # At Q100 4:4:4 the JPEG round trip moves pixels by a level or two, so
    # the two members of a pair must be the same resized crop. Unpaired
    # items are all compressed here, so an uncompressed one is a pair's.
    kw = dict(quality_range=(100, 100), subsampling=("4:4:4",), n_patches=40)
    data = _pairs(uncompressed_fraction=0.0, **kw)
    plain = _dataset(uncompressed_fraction=0.0, **kw)
    n_pairs = 0
    for j in range(len(data) // 2):
        (a, qa, fa), (b, qb, fb) = data.draw(2 * j), data.draw(2 * j + 1)
        if fa[0, 0] == 1 and fb[0, 0] == 0:  # a resized pair
            n_pairs += 1
            assert np.abs(a.astype(int) - b.astype(int)).mean() < 1.5
            assert (qa == 0).all() and (qb == 0).all() and (fb == 0).all()
            # ... and not the patches a dataset without pairs draws there
            assert not np.array_equal(a, plain.draw(2 * j)[0])
        else:  # both drawn on their own, as without the option
            for i in (2 * j, 2 * j + 1):
                for x, y in zip(data.draw(i), plain.draw(i)):
                    np.testing.assert_array_equal(x, y)
    assert 4 <= n_pairs <= 16  # about half of the 20 pairs


def test_resize_pairs_with_other_tables():
    # A pair's tables come from a generator of its own, so
    # both members still draw the same offsets.
    kw = dict(quality_range=(100, 100), subsampling=("4:4:4",), n_patches=40)
    tables = (("libjpeg", "perturbed"), (0.5, 0.5))
    data = _pairs(tables=tables, uncompressed_fraction=0.0, **kw)
    n_pairs = 0
    for j in range(len(data) // 2):
        (a, _, fa), (b, _, fb) = data.draw(2 * j), data.draw(2 * j + 1)
        if fa[0, 0] == 1 and fb[0, 0] == 0:
            n_pairs += 1
            assert np.abs(a.astype(int) - b.astype(int)).mean() < 3
    assert n_pairs >= 4


def test_resize_pairs_negatives_take_the_quality_of_their_positives_table():
    # With a foreign table the positive's target is the table's closest
    # libjpeg quality, not the drawn one; its negative reads the same table.
    tables = (("mozjpeg",), (1.0,))  # its Q37 table is libjpeg's Q28
    data = _pairs(tables=tables, resize_fraction=1.0, quality_range=(37, 37),
                  n_patches=24)
    targets = [data.draw(i)[1][0, 0] for i in range(len(data))]
    np.testing.assert_array_equal(targets[0::2], targets[1::2])
    assert any(t != np.float32(1 - 37 / 100) for t in targets[0::2])


def test_resize_pairs_are_balanced_and_negatives_stay_negative():
    data = _pairs(resize_fraction=1.0, uncompressed_fraction=0.0, n_patches=24)
    flags = np.array([data.draw(i)[2][0, 0] for i in range(len(data))])
    # Every item is resized in a pair: even items compressed, odd ones not,
    # although no unresized patch would be left uncompressed.
    np.testing.assert_array_equal(flags, np.tile([1.0, 0.0], 12))
    for i in range(1, len(data), 2):
        # The negative's flag says never compressed; its quality target is
        # its positive's (the two look alike where the resize erased the
        # trace), not Q100's 0.
        _, quality_map, flag_map = data.draw(i)
        _, positive_quality, _ = data.draw(i - 1)
        assert not flag_map.any() and positive_quality.min() > 0
        np.testing.assert_array_equal(quality_map, positive_quality)


def test_training_loader_keeps_every_pair():
    # The estimator's loader draws every item of the epoch (none dropped),
    # so both members of each pair are trained on.
    from skforensics.models import PixelwiseJPEGRegressor

    est = PixelwiseJPEGRegressor(batch_size=8, random_state=0).initialize()
    data = _pairs(n_patches=20)
    loader = est.get_iterator(data, training=True)
    assert sum(len(x) for x, _ in loader) == 20
