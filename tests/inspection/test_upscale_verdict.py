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
    _tile_stride,
    run_upscale_command,
    video_sample,
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


def test_verdict_of_an_array_matches_the_detector(image, factor_model):
    verdict = upscale_verdict(image, max_tiles=None, estimator=factor_model)
    assert verdict.kind == "image" and verdict.frames == [0]
    assert (verdict.height, verdict.width) == image.shape[:2]
    p = pretrained("upscale-detector").predict_proba(image[np.newaxis])[0, 1]
    assert verdict.p_upscaled == pytest.approx(p, abs=1e-5)
    assert set(verdict.factor_proba) == {1.0, 1.25, 1.5, 2.0, 2.4, 3.0}
    assert sum(verdict.factor_proba.values()) == pytest.approx(1, abs=1e-5)
    if verdict.upscaled:
        assert verdict.factor > 1
    else:
        assert verdict.factor == 1.0 and verdict.native_height == image.shape[0]


def test_caller_array_is_not_modified(image, factor_model):
    before = image.copy()
    upscale_verdict(image, estimator=factor_model)
    np.testing.assert_array_equal(image, before)


def test_stride_keeps_the_tile_count_bounded():
    assert _tile_stride((2160, 3840), 64, 512) == 128  # 16 x 30 = 480 tiles
    assert _tile_stride((2160, 3840), 64, None) == 64
    assert _tile_stride((256, 256), 64, 512) == 64
    stride = _tile_stride((4000, 6000), 64, 100)
    n = ((4000 - 64) // stride + 1) * ((6000 - 64) // stride + 1)
    assert n <= 100 and stride % 64 == 0


def test_the_estimators_stride_is_restored(image, factor_model):
    big = np.zeros((640, 640), dtype=np.uint8)
    upscale_verdict(big, max_tiles=10, estimator=factor_model)
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


def _video(path, n, gop, size=(96, 128)):
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
            frame = av.VideoFrame.from_ndarray(
                np.ascontiguousarray(base[:, i:i + size[1]]), format="rgb24")
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
    assert verdict.p_upscaled == pytest.approx(verdict.frame_p_upscaled.mean())
    assert (verdict.height, verdict.width) == (96, 128)


def test_command_streams_a_csv_and_goes_on_after_a_bad_file(tmp_path, image):
    from PIL import Image

    folder = tmp_path / "in"
    folder.mkdir()
    Image.fromarray(image).save(folder / "a.png")
    (folder / "b.png").write_bytes(b"broken")
    _video(folder / "c.mp4", 4, gop=250)
    report = tmp_path / "report.csv"
    args = argparse.Namespace(inputs=[str(folder)], frames=2, max_tiles=512,
                              csv=str(report), quiet=True, json=False)
    out = io.StringIO()
    assert run_upscale_command(args, out=out) == 0
    rows = list(csv.DictReader(report.open()))
    assert [r["path"].rsplit("/", 1)[-1] for r in rows] == ["a.png", "b.png", "c.mp4"]
    assert rows[1]["error"] and "b.png" in out.getvalue()
    assert rows[2]["kind"] == "video" and rows[2]["n_frames"] == "2"
    assert 0 <= float(rows[0]["p_upscaled"]) <= 1
    assert "1 of 3 files could not be judged" in out.getvalue()

    args.json, args.csv = True, None
    out = io.StringIO()
    assert run_upscale_command(args, out=out) == 0
    assert len(json.loads(out.getvalue())) == 3

    args.inputs = [str(folder / "*.png")]  # patterns, as analyse takes them
    out = io.StringIO()
    assert run_upscale_command(args, out=out) == 0
    assert len(json.loads(out.getvalue())) == 2

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
