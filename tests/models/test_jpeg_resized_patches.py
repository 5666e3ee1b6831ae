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
