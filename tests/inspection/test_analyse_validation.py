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


def test_with_its_map_the_upscale_net_runs_once_and_answers_the_same(
    tmp_path, monkeypatch
):
    # The tile map scores every tile of the grid; the verdict reads its
    # tiles from that pass instead of running the net again.
    step = _analyse.UpscaleStep()
    _analyse.prepare([step], draw=True)
    path, _ = _file(tmp_path, np.uint8)
    plain = _analyse.analyse_one(0, path, steps=[step])
    net = _analyse.load_estimator(step.estimator)[-1]
    passes, outputs = [], type(net)._patch_outputs

    def counting(self, X, sampling):
        passes.append(sampling)
        return outputs(self, X, sampling)

    monkeypatch.setattr(type(net), "_patch_outputs", counting)
    mapped = _analyse.analyse_one(0, path, steps=[step], maps_dir=tmp_path)
    assert passes == ["grid"] and "map_upscale" in mapped
    for column in _analyse.UpscaleStep.columns:
        assert mapped[column] == plain[column]


@pytest.mark.parametrize("maps", [False, True], ids=["no maps", "maps"])
def test_a_16_bit_file_is_validated_once_with_both_models(
    tmp_path, checked_pixels, maps
):
    # The entry checks the whole image; the upscale and JPEG steps (with the
    # evidence in the pixels) read the validated pixels without a second check.
    steps = [_analyse.UpscaleStep(), _analyse.JPEGStep()]
    _analyse.prepare(steps, draw=maps)
    path, n_pixels = _file(tmp_path, np.uint16)
    checked_pixels.clear()
    record = _analyse.analyse_one(
        0, path, steps=steps, maps_dir=tmp_path if maps else None
    )
    assert not record["error"] and record["jpeg_verdict"]
    assert checked_pixels == [n_pixels]


def test_the_jpeg_steps_validated_path_answers_as_the_public_one():
    from skforensics.inspection._jpeg_audit import audit_image
    from skforensics.models import pretrained

    jpeg = pretrained("jpeg-quality").set_params(inference_precision="float32")
    rng = np.random.default_rng(1)
    raw = rng.integers(0, 65536, (120, 140), dtype=np.uint16)
    image = _analyse.validated_pixels(raw)
    public = audit_image(jpeg, image, raw=raw)
    private = audit_image(jpeg, image, raw=raw, validated=True)
    assert public[0] == private[0]
    np.testing.assert_array_equal(public[1], private[1])
    np.testing.assert_array_equal(public[2], private[2])
    with pytest.raises(ValueError, match="receptive field"):
        audit_image(jpeg, image[:30, :30], validated=True)
