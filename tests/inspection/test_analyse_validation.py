"""Each pixel of a file is validated once per ``analyse`` record (issue 24).

The record's entry (:func:`~skforensics.inspection._analyse.validated_pixels`)
checks the pixels as read: a 16-bit or float image whole, an 8-bit one on
its top-left corner (8-bit values need no check). The steps then read those
validated pixels through private paths that do not check them again: the
upscale step's luminance, the tiles its net scores and its tile map.
``check_image`` is the one function every check goes through (public
entry points and private ones); here it counts the pixels it is given.
"""

import numpy as np
import pytest
from PIL import Image

from skforensics.inspection import _analyse
from skforensics.utils import _validation


@pytest.fixture
def checked_pixels(monkeypatch):
    """The number of pixels (height x width) of each array ``check_image`` checks."""
    seen = []
    check_image = _validation.check_image

    def counting(image, **kwargs):
        shape = np.shape(image)
        seen.append(int(np.prod(shape[:2])))
        return check_image(image, **kwargs)

    monkeypatch.setattr(_validation, "check_image", counting)
    return seen


def _file(tmp_path, dtype):
    rng = np.random.default_rng(0)
    height, width = 150, 200
    if dtype == np.uint8:
        pixels = rng.integers(0, 256, (height, width, 3), dtype=np.uint8)
    else:
        pixels = rng.integers(0, 65536, (height, width), dtype=np.uint16)
    path = tmp_path / "image.png"
    Image.fromarray(pixels).save(path)
    return path, height * width


@pytest.mark.parametrize("maps", [False, True], ids=["no maps", "maps"])
@pytest.mark.parametrize("dtype", [np.uint8, np.uint16], ids=["8-bit", "16-bit"])
def test_each_pixel_validated_once_per_record(tmp_path, checked_pixels, dtype, maps):
    steps = [_analyse.UpscaleStep()]
    _analyse.prepare(steps, draw=maps)
    path, n_pixels = _file(tmp_path, dtype)
    checked_pixels.clear()
    record = _analyse.analyse_one(
        0, path, steps=steps, maps_dir=tmp_path if maps else None
    )
    assert not record["error"] and record["p_upscaled"] is not None
    assert ("map_upscale" in record) == maps
    if dtype == np.uint8:
        # The entry's corner check, and nothing after it.
        assert checked_pixels == [8 * 8]
    else:
        # The whole image, once: the entry's check.
        assert checked_pixels == [n_pixels]


def test_the_jpeg_step_checks_an_8_bit_file_on_a_corner(tmp_path, checked_pixels):
    # The JPEG net reads 8-bit pixels as they are: after the entry, it
    # checks the corner its receptive field covers, not the whole image.
    steps = [_analyse.JPEGStep(evidence=False)]
    _analyse.prepare(steps, draw=False)
    path, n_pixels = _file(tmp_path, np.uint8)
    checked_pixels.clear()
    record = _analyse.analyse_one(0, path, steps=steps)
    assert not record["error"]
    assert checked_pixels[0] == 8 * 8 and sum(checked_pixels) < n_pixels / 4


def test_validated_paths_answer_as_the_public_ones(tmp_path):
    # The upscale step's verdict and map through the private paths equal
    # upscale_verdict's and predict_patch_map's on the same luminance.
    from skforensics.inspection import upscale_verdict
    from skforensics.inspection._upscale import frame_luminance

    step = _analyse.UpscaleStep()
    estimator = _analyse.load_estimator(step.estimator)
    net = estimator[-1]  # the tile net, after the pipeline's grey conversion
    path, _ = _file(tmp_path, np.uint8)
    record = _analyse.analyse_one(0, path, steps=[step])
    source, _ = _analyse.read_source(path)
    frame = frame_luminance(source.image, net)
    verdict = upscale_verdict(frame, estimator=estimator)
    assert record["p_upscaled"] == round(verdict.p_upscaled, 4)
    assert record["factor"] == verdict.factor
    maps = net._patch_maps([frame], False, validated=True)
    np.testing.assert_array_equal(maps[0], net.predict_patch_map([frame])[0])
