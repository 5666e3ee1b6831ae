import argparse
import csv
import io
import json

import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("skorch")

from skforensics.inspection import upscale_verdict  # noqa: E402
from skforensics.inspection._upscale import (  # noqa: E402
    run_upscale_command,
    video_sample,
)
from skforensics.inspection._upscale_evidence import (  # noqa: E402
    FEATURES,
    TEXTURE_MIN,
    tile_texture,
)
from skforensics.models import pretrained  # noqa: E402
from skforensics.utils import make_test_images  # noqa: E402


@pytest.fixture(scope="module")
def factor_model():
    return pretrained("upscale-factor")


@pytest.fixture(scope="module")
def image():
    return np.round(make_test_images(1, 160, n_channels=3, random_state=0)[0] * 255
                    ).astype(np.uint8)


def test_verdict_of_an_array(image, factor_model):
    verdict = upscale_verdict(image, max_tiles=None, estimator=factor_model)
    assert verdict.kind == "image" and verdict.frames == [0]
    assert (verdict.height, verdict.width) == image.shape[:2]
    assert 0 <= verdict.p_upscaled <= 1
    assert verdict.frame_p_upscaled == pytest.approx([verdict.p_upscaled])
    assert set(verdict.factor_proba) == {1.0, 1.25, 1.5, 2.0, 2.4, 3.0}
    assert sum(verdict.factor_proba.values()) == pytest.approx(1, abs=1e-5)
    assert list(verdict.evidence) == list(FEATURES)
    assert all(np.isfinite(v) for v in verdict.evidence.values())
    if verdict.upscaled:
        assert verdict.factor > 1
    else:
        assert verdict.factor == 1.0 and verdict.native_height == image.shape[0]


def test_a_pil_image_is_an_array(image, factor_model):
    # As for the estimators and jpeg_evidence: a PIL image is one image (it
    # once reached os.fspath and failed with Python's own TypeError).
    from PIL import Image

    pil = Image.fromarray(image)
    verdict = upscale_verdict(pil, estimator=factor_model)
    expected = upscale_verdict(image, estimator=factor_model)
    assert verdict.kind == "image" and verdict.p_upscaled == expected.p_upscaled
    with pytest.raises(ValueError, match=r"shape \(\)"):
        upscale_verdict(5, estimator=factor_model)


@pytest.mark.parametrize("factor", [1.25, 1.5, 2.0, 3.0])
def test_nearest_neighbour_enlargement_is_read_from_its_repeated_pixels(
    factor, factor_model
):
    # The tile net never saw pixel replication and read x1.5 as native
    # (the combiner then gave x3, the period of the repeats) and missed
    # some x2; repeated rows and columns are read directly.
    import cv2
    from skimage import data

    camera = data.camera()
    small = cv2.resize(camera, (round(512 / factor),) * 2, interpolation=cv2.INTER_AREA)
    up = cv2.resize(small, (512, 512), interpolation=cv2.INTER_NEAREST)
    verdict = upscale_verdict(up, estimator=factor_model)
    assert verdict.p_upscaled == 1.0 and verdict.upscaled
    assert verdict.factor == pytest.approx(factor, abs=0.01)
    assert verdict.replication == pytest.approx((factor, factor), abs=0.01)
    assert verdict.native_height == small.shape[0]
    # Along one axis only: that axis's factor, the other native.
    wide = cv2.resize(small, (512, small.shape[0]), interpolation=cv2.INTER_NEAREST)
    verdict = upscale_verdict(wide, estimator=factor_model)
    assert verdict.replication[0] is None
    assert verdict.replication[1] == pytest.approx(factor, abs=0.01)
    assert (verdict.native_height, verdict.native_width) == small.shape


def test_no_replication_in_real_or_interpolated_images(camera, factor_model):
    import cv2

    small = cv2.resize(camera, (256, 256), interpolation=cv2.INTER_AREA)
    bicubic = cv2.resize(small, (512, 512), interpolation=cv2.INTER_CUBIC)
    for image in (camera, bicubic, np.pad(camera, 40)):  # black borders too
        assert upscale_verdict(image, estimator=factor_model).replication is None


@pytest.fixture(scope="module")
def camera():
    from skimage import data

    return data.camera()


@pytest.mark.parametrize("factor, interpolation", [
    (1.5, "INTER_LANCZOS4"), (2.0, "INTER_CUBIC"), (2.4, "INTER_CUBIC"), (3.0, "INTER_LINEAR"),
])
def test_clean_upscales_are_caught_with_their_factor(camera, factor_model, factor,
                                                     interpolation):
    import cv2

    size = round(512 * factor)
    up = cv2.resize(camera, (size, size), interpolation=getattr(cv2, interpolation))
    verdict = upscale_verdict(up, estimator=factor_model)
    assert verdict.upscaled and verdict.p_upscaled > 0.9
    assert verdict.factor == factor
    assert verdict.native_height == pytest.approx(512, abs=2)


@pytest.mark.parametrize("sigma", [0, 1.0])
def test_native_and_blurred_photographs_stay_native(camera, factor_model, sigma):
    import cv2

    image = camera if sigma == 0 else cv2.GaussianBlur(camera, (0, 0), sigma)
    verdict = upscale_verdict(image, estimator=factor_model)
    assert not verdict.upscaled and verdict.factor == 1.0


def test_flat_areas_do_not_dilute_the_evidence(camera, factor_model):
    import cv2

    # An upscaled photograph inside a large flat frame: three quarters of the
    # tiles carry nothing, and only the textured ones are scored.
    up = cv2.resize(camera, (1024, 1024), interpolation=cv2.INTER_CUBIC)[256:768, 256:768]
    framed = np.full((1024, 1024), 128, np.uint8)
    framed[256:768, 256:768] = up
    alone = upscale_verdict(up, estimator=factor_model)
    inside = upscale_verdict(framed, estimator=factor_model)
    assert alone.upscaled and inside.upscaled
    texture = tile_texture(framed.astype(np.float32) / 255, 64)
    assert np.mean(texture > TEXTURE_MIN) <= 0.3
    # The tiles at the photograph's border see some flat frame: close, not equal.
    assert inside.evidence["logit_mean"] > 0.75 * alone.evidence["logit_mean"] > 0


def test_max_tiles_bounds_the_tiles_scored(camera, factor_model, monkeypatch):
    model = factor_model[-1]
    seen = []
    original = type(model).predict_proba

    def spy(self, X, *args, **kwargs):
        seen.append(len(X))
        return original(self, X, *args, **kwargs)

    monkeypatch.setattr(type(model), "predict_proba", spy)
    upscale_verdict(camera, max_tiles=10, estimator=factor_model)
    assert seen == [10]
    with pytest.raises(ValueError, match="max_tiles"):
        upscale_verdict(camera, max_tiles=0, estimator=factor_model)


def test_caller_array_is_not_modified(image, factor_model):
    before = image.copy()
    upscale_verdict(image, estimator=factor_model)
    np.testing.assert_array_equal(image, before)


def test_the_estimator_is_left_as_it_was(image, factor_model):
    big = np.zeros((640, 640), dtype=np.uint8)
    before = factor_model[-1].get_params()
    upscale_verdict(big, max_tiles=10, estimator=factor_model)
    assert factor_model[-1].get_params().keys() == before.keys()
    assert factor_model[-1].stride is None


def test_image_file_and_bad_files(tmp_path, image, factor_model):
    from PIL import Image

    path = tmp_path / "a.png"
    Image.fromarray(image).save(path)
    verdict = upscale_verdict(path, estimator=factor_model)
    direct = upscale_verdict(image, estimator=factor_model)
    assert verdict.p_upscaled == pytest.approx(direct.p_upscaled, abs=1e-6)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not a png")
    with pytest.raises(OSError, match="broken.png"):
        upscale_verdict(broken, estimator=factor_model)
    other = tmp_path / "notes.txt"
    other.write_text("x")
    with pytest.raises(ValueError, match="notes.txt"):
        upscale_verdict(other, estimator=factor_model)
    with pytest.raises(ValueError, match="64"):
        upscale_verdict(np.zeros((32, 200), np.uint8), estimator=factor_model)
    with pytest.raises(ValueError, match="n_frames"):
        upscale_verdict(image, n_frames=0, estimator=factor_model)


def _video(path, n, gop, size=(96, 128), black=0):
    """``n`` frames of noise panning, after ``black`` black frames."""
    av = pytest.importorskip("av")
    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (size[0], size[1] + n, 3), dtype=np.uint8)
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.height, stream.width = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"crf": "18", "g": str(gop), "keyint_min": str(gop),
                          "sc_threshold": "0", "bf": "0"}
        for i in range(n):
            pixels = base[:, i:i + size[1]] * (i >= black)
            frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(pixels), format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def test_video_frames_are_keyframes_first(tmp_path, factor_model):
    many = tmp_path / "many_keys.mp4"
    _video(many, 12, gop=2)
    assert video_sample(many, 3).tolist() == [0, 4, 10]  # keyframes 0, 2, ..., 10
    one = tmp_path / "one_key.mp4"
    _video(one, 12, gop=250)
    assert video_sample(one, 3).tolist() == [0, 1, 2]
    assert video_sample(one, 50).tolist() == list(range(12))
    verdict = upscale_verdict(one, n_frames=3, estimator=factor_model)
    assert verdict.kind == "video" and verdict.frames == [0, 1, 2]
    assert verdict.frame_p_upscaled.shape == (3,)
    assert (verdict.height, verdict.width) == (96, 128)
    # The file's verdict pools the frames' evidence: it is not the verdict
    # of any one frame, and judging one frame gives that frame's.
    first = upscale_verdict(one, n_frames=1, estimator=factor_model)
    assert first.frames == [0]
    assert first.p_upscaled == pytest.approx(verdict.frame_p_upscaled[0])


def test_a_black_lead_in_sends_the_verdict_further(tmp_path, factor_model):
    # One keyframe: the sample is the first frames, all black here.
    path = tmp_path / "fade_in.mp4"
    _video(path, 40, gop=250, black=10)
    assert video_sample(path, 4).tolist() == [0, 1, 2, 3]
    verdict = upscale_verdict(path, n_frames=4, estimator=factor_model)
    assert verdict.frames == [8, 16, 23, 31]  # spread over the 40 frames
    assert not verdict.rendered and verdict.p_upscaled >= 0
    assert np.isnan(verdict.frame_p_upscaled).tolist() == [True, False, False, False]


def test_command_streams_a_csv_and_goes_on_after_a_bad_file(
    tmp_path, image, text_page
):
    from PIL import Image

    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(image).save(folder / "a.png")
    (folder / "b.png").write_bytes(b"broken")
    _video(folder / "c.mp4", 4, gop=250)
    Image.fromarray(text_page()).save(folder / "d.png")
    report = tmp_path / "report.csv"
    args = argparse.Namespace(inputs=[str(folder)], frames=2, max_tiles=512,
                              csv=str(report), quiet=True, json=False)
    out = io.StringIO()
    assert run_upscale_command(args, out=out) == 0
    rows = list(csv.DictReader(report.open()))
    names = [r["path"].rsplit("/", 1)[-1] for r in rows]
    assert names == ["a.png", "b.png", "c.mp4", "d.png"]
    assert rows[1]["error"] and "b.png" in out.getvalue()
    assert rows[2]["kind"] == "video" and rows[2]["n_frames"] == "2"
    assert 0 <= float(rows[0]["p_upscaled"]) <= 1
    assert rows[3]["p_upscaled"] == "" and "look rendered" in rows[3]["error"]
    assert "d.png: not judged: the pixels look rendered" in out.getvalue()
    assert "2 of 4 files could not be judged" in out.getvalue()

    args.json, args.csv = True, None
    out = io.StringIO()
    assert run_upscale_command(args, out=out) == 0
    assert len(json.loads(out.getvalue())) == 4

    args.inputs = [str(folder / "*.png")]  # patterns, as analyse takes them
    out = io.StringIO()
    assert run_upscale_command(args, out=out) == 0
    assert len(json.loads(out.getvalue())) == 3

    args.inputs = [str(tmp_path / "missing")]
    assert run_upscale_command(args, out=io.StringIO()) == 2


def test_cli_upscale(tmp_path, image, capsys):
    from PIL import Image

    from skforensics.cli import main

    Image.fromarray(image).save(tmp_path / "a.png")
    report = tmp_path / "r.csv"
    assert main(["upscale", str(tmp_path / "a.png"), "-q", "--csv", str(report)]) == 0
    out = capsys.readouterr().out
    assert "a.png: 160x160, " in out and ("native" in out or "upscaled" in out)
    assert len(list(csv.DictReader(report.open()))) == 1
    assert main(["upscale", str(tmp_path / "nothing.png")]) == 2
    assert main(["upscale", str(tmp_path / "a.png"), "--frames", "0"]) == 2
    assert "--frames" in capsys.readouterr().err


def test_rendered_pixels_get_no_probability(factor_model, text_page):
    page = text_page(text="the quick brown fox jumps over the lazy dog")
    verdict = upscale_verdict(page, estimator=factor_model)
    assert verdict.rendered
    assert np.isnan(verdict.p_upscaled) and np.isnan(verdict.frame_p_upscaled).all()
    assert not verdict.upscaled and verdict.factor == 1.0
    assert (verdict.native_height, verdict.native_width) == (240, 320)
    # Its lines, 14 pixels apart, repeat rows as regularly as an enlargement
    # by 7/6 would (along one axis only): not counted in rendered frames.
    from skforensics.feature._resampling import replicated_factors

    rows, cols = replicated_factors(page @ np.array([0.299, 0.587, 0.114]))
    assert rows is not None and cols is None
    assert verdict.replication is None
    from skforensics.inspection._upscale import factor_words

    assert factor_words(verdict) == "not judged"


@pytest.mark.parametrize(
    "replication, square",
    [((2.0, 2.0), True), ((2.0, 2.06), True), ((2.0, 2.2), False),
     ((1.165, None), False), ((None, 2.0), False), (None, False)],
)
def test_rendered_frames_count_only_the_same_repeats_along_both_axes(
    replication, square
):
    from skforensics.inspection._upscale import _square

    assert _square(replication) is square


def test_an_rgba_file_is_read_without_a_warning(tmp_path, image, factor_model):
    import warnings

    from PIL import Image

    rgba = np.dstack([image, np.full(image.shape[:2], 255, np.uint8)])
    Image.fromarray(rgba).save(tmp_path / "a.png")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        verdict = upscale_verdict(tmp_path / "a.png", estimator=factor_model)
    expected = upscale_verdict(image, estimator=factor_model).p_upscaled
    assert verdict.p_upscaled == expected
    # An array with alpha is the caller's: it is told.
    with pytest.warns(UserWarning, match="alpha channel"):
        upscale_verdict(rgba, estimator=factor_model)


def test_a_videos_rendered_frames_are_left_out(image, factor_model, text_page):
    from skforensics.inspection._upscale import frame_luminance, frames_verdict

    net = factor_model[-1]
    photo = frame_luminance(image, net)
    card = frame_luminance(text_page()[:160, :160], net)  # a title card
    alone = frames_verdict(net, [photo])
    mixed = frames_verdict(net, [card, photo, np.zeros_like(photo)])
    assert not mixed.rendered and mixed.p_upscaled == alone.p_upscaled
    assert mixed.evidence == alone.evidence
    np.testing.assert_array_equal(
        np.isnan(mixed.frame_p_upscaled), [True, False, True]
    )
    cards = frames_verdict(net, [card, card])
    assert cards.rendered and np.isnan(cards.p_upscaled)
