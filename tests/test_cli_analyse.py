"""``skforensics analyse``: records, exit codes and every bad input of issue 14."""

import csv
import io
import json
import os
import sys

import numpy as np
import pytest
from PIL import Image

from skforensics.cli import main

pytest.importorskip("torch")
pytest.importorskip("skorch")

COLUMNS = [
    "path",
    "kind",
    "height",
    "width",
    "mode",
    "n_frames",
    "p_upscaled",
    "upscaled",
    "factor",
    "native_height",
    "native_width",
    "jpeg_verdict",
    "jpeg_confidence",
    "jpeg_quality",
    "p_compressed",
    "table_quality",
    "jpeg_disagreement",
    "resize_factor",
    "grid_period",
    "threshold",
    "seconds",
    "error",
    "file_size",
    "file_mtime",
    "skforensics_version",
    "model_versions",
]


def _photo(size=96):
    from skforensics.datasets import load_sample_images

    photo = load_sample_images(as_gray=False)[4][:size, :size]  # coffee
    return np.round(photo * 255).astype(np.uint8)


@pytest.fixture
def folder(tmp_path):
    """Two good 96x96 images, one in a sub-folder, plus a non-image file."""
    root = tmp_path / "photos"
    (root / "sub").mkdir(parents=True)
    Image.fromarray(_photo()).save(root / "a.png")
    Image.fromarray(_photo()[..., 0]).save(root / "sub" / "b.jpg", quality=70)
    (root / "notes.txt").write_text("not an image")
    return root


def _read(out):
    with open(out / "report.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    with open(out / "report.json", encoding="utf-8") as f:
        records = json.load(f)
    return rows, records


def _by_name(records):
    return {os.path.basename(r["path"]): r for r in records}


def test_records_of_a_folder(folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["analyse", str(folder), "-q", "--out", str(out), "--no-maps"]) == 0
    rows, records = _read(out)
    assert list(rows[0]) == COLUMNS
    assert [os.path.basename(r["path"]) for r in records] == ["a.png", "b.jpg"]
    a, b = _by_name(records)["a.png"], _by_name(records)["b.jpg"]
    assert (a["height"], a["width"], a["mode"], b["mode"]) == (96, 96, "RGB", "gray")
    for record in records:
        assert 0 <= record["p_upscaled"] <= 1 and 0 <= record["p_compressed"] <= 1
        assert record["seconds"] > 0 and record["error"] == ""
        # The decisions, not only the scores.
        assert record["upscaled"] == (record["p_upscaled"] > 0.5)
        assert record["factor"] == 1.0 or record["upscaled"]
        assert record["threshold"] == 0.5 and record["kind"] == "image"
        assert record["skforensics_version"] and record["file_size"] > 0
        assert "upscale-factor:" in record["model_versions"]
        assert "jpeg-quality:" in record["model_versions"]
    # a.png was never compressed: no quality beside that verdict; b.jpg was
    # saved at quality 70, and the evidence reads the table.
    assert a["jpeg_verdict"] == "never compressed" and a["jpeg_quality"] is None
    assert b["jpeg_verdict"] == "compressed" and b["jpeg_confidence"] == "high"
    assert abs(b["jpeg_quality"] - 70) < 10 and b["table_quality"] == 70
    # The CSV holds the same values as the JSON.
    assert float(rows[0]["p_upscaled"]) == records[0]["p_upscaled"]
    assert sorted(os.listdir(out)) == ["report.csv", "report.json"]
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split()[:3] == ["path", "size", "mode"]
    assert len(lines) == 4 and "2 files, 0 failed" in lines[-1]


def test_json_to_stdout_brisque_and_one_model(folder, tmp_path, capsys):
    from skforensics.feature import BRISQUEExtractor

    out = tmp_path / "out"
    argv = ["analyse", str(folder / "a.png"), "-q", "--out", str(out), "--no-maps"]
    assert main(argv + ["--json", "--brisque", "--models", "jpeg"]) == 0
    captured = capsys.readouterr()
    (record,) = json.loads(captured.out)
    assert "path" in captured.err  # the table moved to stderr
    names = [f"brisque_{n}" for n in BRISQUEExtractor().get_feature_names_out()]
    assert list(record) == COLUMNS + names and len(names) == 36
    assert all(np.isfinite(record[n]) for n in names)
    assert record["p_upscaled"] is None and record["upscaled"] is None
    assert record["p_compressed"] is not None and record["jpeg_verdict"]
    assert _read(out)[1] == [record]


def test_maps_are_saved(folder, tmp_path):
    pytest.importorskip("matplotlib")
    out = tmp_path / "out"
    assert main(["analyse", str(folder / "a.png"), "-q", "--out", str(out)]) == 0
    maps = sorted(os.listdir(out / "maps"))
    assert maps == ["00000_a.png.jpeg.png", "00000_a.png.upscale.png"]
    for name in maps:
        with Image.open(out / "maps" / name) as img:
            assert img.format == "PNG" and min(img.size) > 100


def test_bad_files_are_reported_and_the_run_goes_on(tmp_path, capsys):
    root = tmp_path / "mixed"
    root.mkdir()
    Image.fromarray(_photo()).save(root / "good.png")
    png = (root / "good.png").read_bytes()
    (root / "corrupt.png").write_bytes(png[: len(png) // 2])
    (root / "text.jpg").write_text("hello, I am not a JPEG")
    Image.fromarray(_photo()[:70, :70]).save(root / "small.png")  # < 79 and >= 64
    Image.fromarray(_photo()[:40, :40]).save(root / "tiny.png")  # < 64: no model
    rgba = np.dstack([_photo(), np.full((96, 96), 200, np.uint8)])
    Image.fromarray(rgba).save(root / "rgba.png")
    Image.fromarray(_photo()[..., 1].astype(np.uint16) * 257).save(root / "deep.tif")
    out = tmp_path / "out"
    argv = ["analyse", str(root), "-q", "--out", str(out), "--no-maps"]
    assert main(argv) == 0
    table = capsys.readouterr().out
    assert "corrupt.png" in table and "cannot read" in table
    assert "7 files, 2 failed, 2 with a model that could not answer" in table
    rows, records = _read(out)
    assert len(rows) == 7
    by = _by_name(records)
    for name in ("corrupt.png", "text.jpg"):
        assert by[name]["error"].startswith("cannot read: Cannot read image file")
        assert name in by[name]["error"] and by[name]["height"] is None
    # Too small for the JPEG net only: its columns are empty, upscale answers.
    small = by["small.png"]
    assert small["jpeg_quality"] is None and small["p_compressed"] is None
    assert small["p_upscaled"] is not None
    assert small["error"].startswith("jpeg: Images must be at least 79x79")
    tiny = by["tiny.png"]
    assert tiny["p_upscaled"] is None and tiny["jpeg_quality"] is None
    assert "upscale: " in tiny["error"] and "jpeg: " in tiny["error"]
    assert by["rgba.png"]["mode"] == "RGBA" and by["rgba.png"]["error"] == ""
    assert by["deep.tif"]["mode"] == "gray 16-bit" and by["deep.tif"]["error"] == ""
    # The 16-bit file gives the answers of its 8-bit twin.
    Image.fromarray(_photo()[..., 1]).save(root / "eight.png")
    (root / "deep.tif").rename(tmp_path / "deep.tif")
    main(
        [
            "analyse",
            str(root / "eight.png"),
            str(tmp_path / "deep.tif"),
            "-q",
            "--out",
            str(out),
            "--no-maps",
        ]
    )
    eight, deep = _read(out)[1]
    for key in ("p_upscaled", "jpeg_quality", "p_compressed"):
        assert deep[key] == pytest.approx(eight[key], abs=0.02)
    # --strict turns failures into exit status 1.
    assert main(argv + ["--strict"]) == 1
    assert (
        main(
            [
                "analyse",
                str(root / "good.png"),
                "-q",
                "--out",
                str(out),
                "--no-maps",
                "--strict",
            ]
        )
        == 0
    )


def test_phone_and_web_formats(tmp_path):
    # A camera or web dump: a HEIC (which Pillow cannot decode) is listed
    # with one row that says so, not skipped unseen; a lossy WebP of a
    # never-compressed photograph is not called a JPEG, resized or not (its
    # 4x4 and 16x16 blocks read as a JPEG grid resized by 0.5 or 2), nor
    # "never compressed"; an AVIF is read where Pillow decodes it.
    from skimage import data

    root = tmp_path / "dump"
    root.mkdir()
    (root / "IMG_0001.HEIC").write_bytes(b"\x00\x00\x00\x18ftypheic" + bytes(200))
    photo = Image.fromarray(data.astronaut())
    photo.save(root / "web.webp", quality=50)
    photo.save(root / "lossless.webp", lossless=True)
    names = {"IMG_0001.HEIC", "web.webp", "lossless.webp"}
    if ".avif" in Image.registered_extensions():  # Pillow 11.2 and later
        photo.save(root / "photo.avif", quality=60)
        names.add("photo.avif")
    out = tmp_path / "out"
    argv = ["analyse", str(root), "-q", "--out", str(out), "--no-maps"]
    assert main([*argv, "--models", "jpeg"]) == 0
    by = _by_name(_read(out)[1])
    assert set(by) == names
    if "photo.avif" in names:
        avif = by["photo.avif"]
        assert (avif["height"], avif["width"]) == (512, 512)
        assert "lossy AVIF" in avif["jpeg_disagreement"]
    heic = by["IMG_0001.HEIC"]
    assert heic["height"] is None and "HEIC/HEIF image" in heic["error"]
    web = by["web.webp"]
    assert web["jpeg_verdict"] in ("unknown", "no JPEG trace found"), web
    assert web["jpeg_confidence"] == "low" and "lossy WebP" in web["jpeg_disagreement"]
    assert "lossy" not in by["lossless.webp"]["jpeg_disagreement"]


def test_paths_with_spaces_and_non_ascii_and_globs(tmp_path, capsys):
    root = tmp_path / "dossier été" / "prises de vue"
    root.mkdir(parents=True)
    Image.fromarray(_photo()).save(root / "café crème.png")
    Image.fromarray(_photo()).save(root / "zèbre.jpg")
    out = tmp_path / "rapport à rendre"
    pattern = str(tmp_path / "dossier été" / "**" / "*.png")
    argv = ["analyse", pattern, "-q", "--out", str(out), "--no-maps"]
    assert main(argv) == 0
    rows, records = _read(out)
    assert [r["path"] for r in records] == [str(root / "café crème.png")]
    assert rows[0]["path"] == records[0]["path"] and records[0]["error"] == ""
    assert "café crème.png" in capsys.readouterr().out


@pytest.mark.parametrize("kind", ["empty", "no_image", "missing", "no_match"])
def test_nothing_to_analyse_is_a_usage_error(kind, tmp_path, capsys):
    target = tmp_path / "in"
    if kind in ("empty", "no_image"):
        target.mkdir()
    if kind == "no_image":
        (target / "readme.txt").write_text("x")
        (target / "data.csv").write_text("1,2")
    if kind == "no_match":
        target = tmp_path / "*.png"
    out = tmp_path / "out"
    assert main(["analyse", str(target), "-q", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith("skforensics analyse: error:") and str(target) in err
    assert not out.exists()  # nothing done


def test_an_empty_folder_beside_images_is_a_warning(folder, tmp_path, capsys):
    empty = tmp_path / "empty"
    empty.mkdir()
    out = tmp_path / "out"
    argv = ["analyse", str(empty), str(folder / "a.png"), "-q", "--out", str(out)]
    assert main(argv + ["--no-maps"]) == 0
    assert "warning: no image or video file in folder" in capsys.readouterr().err
    assert len(_read(out)[1]) == 1


@pytest.mark.skipif(
    sys.platform == "win32" or getattr(os, "geteuid", lambda: 1)() == 0,
    reason="root can write into a read-only folder",
)
def test_unwritable_output_folder_fails_before_any_work(folder, tmp_path, capsys):
    locked = tmp_path / "locked"
    locked.mkdir()
    locked.chmod(0o500)
    try:
        argv = ["analyse", str(folder), "-q", "--out", str(locked / "out")]
        assert main(argv) == 2
    finally:
        locked.chmod(0o700)
    err = capsys.readouterr().err
    assert "Cannot write the report to" in err and "--out" in err


def test_output_folder_that_is_a_file(folder, tmp_path, capsys):
    # Also what an unwritable folder gives when the tests run as root.
    taken = tmp_path / "taken"
    taken.write_text("a file")
    argv = ["analyse", str(folder), "-q", "--out", str(taken), "--no-maps"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Cannot write the report to" in err


@pytest.mark.parametrize(
    "extra", [["--models", "upscale,oracle"], ["--models", ","], ["--jobs", "0"]]
)
def test_bad_options_are_usage_errors(extra, folder, tmp_path, capsys):
    out = tmp_path / "out"
    assert main(["analyse", str(folder), "-q", "--out", str(out)] + extra) == 2
    assert "error:" in capsys.readouterr().err and not out.exists()
    with pytest.raises(SystemExit) as exc:
        main(["analyse"])  # no PATH
    assert exc.value.code == 2


def test_no_maps_needs_no_matplotlib(folder, tmp_path, monkeypatch, capsys):
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.pyplot"):
        monkeypatch.setitem(sys.modules, name, None)
    out = tmp_path / "out"
    assert main(["analyse", str(folder), "-q", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "matplotlib" in err and "--no-maps" in err
    assert not out.exists()  # failed before the first image
    assert main(["analyse", str(folder), "-q", "--out", str(out), "--no-maps"]) == 0
    assert sorted(os.listdir(out)) == ["report.csv", "report.json"]


def test_jobs_2_gives_the_records_of_jobs_1(folder, tmp_path):
    Image.fromarray(_photo()[:, ::-1]).save(folder / "c.png")
    (folder / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    argv = ["analyse", str(folder), "-q", "--no-maps"]
    assert main(argv + ["--out", str(tmp_path / "one"), "--jobs", "1"]) == 0
    assert main(argv + ["--out", str(tmp_path / "two"), "--jobs", "2"]) == 0
    one, two = _read(tmp_path / "one")[1], _read(tmp_path / "two")[1]
    for record in one + two:
        record.pop("seconds")
    assert len(one) == 4
    assert two == one  # same values, in the same (input) order


def test_progress_bar_on_stderr_and_jpeg_audit_kept(folder, tmp_path, capsys):
    # tqdm's bar goes to stderr, the table to stdout; jpeg-audit is still there.
    from skforensics.cli import build_parser

    out = tmp_path / "out"
    assert main(["analyse", str(folder / "a.png"), "--out", str(out), "--no-maps"]) == 0
    captured = capsys.readouterr()
    assert "analyse" in captured.err and "1/1" in captured.err
    assert "a.png" in captured.out and "1/1" not in captured.out
    assert build_parser().parse_args(["jpeg-audit", "photos"]).folder == "photos"


def test_jpeg_model_chooses_the_weights(folder, tmp_path, capsys):
    from skforensics.models import pretrained

    argv = ["analyse", str(folder / "a.png"), "-q", "--no-maps", "--models", "jpeg"]
    out = tmp_path / "out"
    assert main(argv + ["--out", str(out), "--jpeg-model", "jpeg-quality-fast"]) == 0
    (record,) = _read(out)[1]
    image = _photo().astype(np.float32) / 255
    answers = {}
    for name in ("jpeg-quality", "jpeg-quality-fast"):
        _, _, summary = pretrained(name).predict_maps([image], return_summary=True)
        answers[name] = (float(summary["quality"][0]), float(summary["proba"][0, -1]))
    assert answers["jpeg-quality"] != pytest.approx(
        answers["jpeg-quality-fast"], abs=0.01
    )
    # Never compressed: the quality cell stays empty, P is the fast net's.
    assert record["jpeg_verdict"] == "never compressed"
    assert record["jpeg_quality"] is None
    assert record["p_compressed"] == pytest.approx(
        answers["jpeg-quality-fast"][1], abs=0.01
    )
    assert record["model_versions"].startswith("jpeg-quality-fast:")
    capsys.readouterr()
    argv += ["--out", str(tmp_path / "other"), "--jpeg-model", "jpeg-quality-tiny"]
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--jpeg-model must be one of" in err and "jpeg-quality-fast" in err
    assert not (tmp_path / "other").exists()  # refused before any work


def test_a_single_colour_image_has_an_unknown_jpeg_history(tmp_path, capsys):
    root = tmp_path / "flat"
    root.mkdir()
    Image.fromarray(np.full((96, 96, 3), (40, 120, 200), np.uint8)).save(
        root / "flat.png"
    )
    out = tmp_path / "out"
    assert (
        main(["analyse", str(root), "-q", "--out", str(out), "--models", "jpeg"]) == 0
    )
    rows, (record,) = _read(out)
    assert record["jpeg_quality"] is None and record["p_compressed"] == 0.5
    assert rows[0]["jpeg_quality"] == ""
    from skforensics.inspection._report import verdict_words

    assert record["jpeg_verdict"] == "unknown"
    assert verdict_words(record) == [
        "JPEG history unknown (low confidence): no texture, P(compressed) = 0.50"
    ]
    assert len(os.listdir(out / "maps")) >= 1  # the map figure is still drawn


def _video(path, n_frames, size=(96, 128)):
    """A short H.264 clip panning across noise, two keyframes."""
    pytest.importorskip("av")
    from skforensics.datasets import write_video

    rng = np.random.default_rng(0)
    base = rng.integers(0, 256, (size[0], size[1] + n_frames, 3), dtype=np.uint8)
    frames = [base[:, i : i + size[1]] for i in range(n_frames)]
    options = {"crf": "18", "g": "3", "keyint_min": "3", "bf": "0"}
    write_video(path, frames, options=options)


def test_videos_go_through_the_upscale_step(folder, tmp_path, capsys):
    # A folder's videos are found; a video's record is upscale_verdict's on
    # the frames it picks; the JPEG step reads images only, without an error.
    from skforensics.inspection import upscale_verdict
    from skforensics.models import pretrained

    _video(folder / "clip.mp4", 6)
    out = tmp_path / "out"
    argv = ["analyse", str(folder), "-q", "--out", str(out), "--frames", "2"]
    assert main(argv) == 0
    rows, records = _read(out)
    clip = _by_name(records)["clip.mp4"]
    verdict = upscale_verdict(
        str(folder / "clip.mp4"), n_frames=2, estimator=pretrained("upscale-factor")
    )
    assert (clip["kind"], clip["mode"], clip["n_frames"]) == ("video", "video", 2)
    assert (clip["height"], clip["width"]) == (96, 128)
    assert clip["p_upscaled"] == pytest.approx(verdict.p_upscaled, abs=1e-4)
    assert clip["upscaled"] == verdict.upscaled and clip["error"] == ""
    assert clip["jpeg_verdict"] is None and clip["p_compressed"] is None
    assert not [m for m in os.listdir(out / "maps") if "clip.mp4" in m]
    # --models jpeg alone has nothing for a video: said in its record.
    assert main(argv + ["--models", "jpeg", "--no-maps"]) == 0
    clip = _by_name(_read(out)[1])["clip.mp4"]
    assert "videos are read by the upscale model only" in clip["error"]


def test_max_pixels_is_the_decompression_bomb_limit(folder, tmp_path, capsys):
    out = tmp_path / "out"
    argv = ["analyse", str(folder / "a.png"), "-q", "-o", str(out), "--no-maps"]
    argv += ["--models", "upscale"]
    assert main(argv + ["--max-pixels", "5000"]) == 0  # a.png has 96x96 = 9,216
    (record,) = _read(out)[1]
    assert record["error"].startswith("cannot read:") and "5000" in record["error"]
    assert "--max-pixels" in record["error"] and record["p_upscaled"] is None
    for limit in ("9216", "0"):  # at the limit, and no limit
        assert main(argv + ["--max-pixels", limit]) == 0
        assert _read(out)[1][0]["error"] == ""
    capsys.readouterr()
    assert main(argv + ["--max-pixels", "-1"]) == 2
    assert "--max-pixels must be 0" in capsys.readouterr().err


def test_a_downscaled_jpeg_reports_its_factor_and_no_net_quality(tmp_path, capsys):
    from skimage import data

    from skforensics.datasets import jpeg_with_tables, libjpeg_tables

    root = tmp_path / "photos"
    root.mkdir()
    jpeg = jpeg_with_tables(data.coffee(), *libjpeg_tables(75))
    small = Image.fromarray(jpeg).resize((420, 280), Image.BICUBIC)
    small.save(root / "downscaled.png")
    Image.fromarray(data.coffee()).save(root / "never.png")
    out = tmp_path / "out"
    args = ["analyse", str(root), "-q", "--out", str(out), "--no-maps"]
    assert main([*args, "--models", "jpeg"]) == 0
    rows, records = _read(out)
    down, never = _by_name(records)["downscaled.png"], _by_name(records)["never.png"]
    assert down["jpeg_verdict"] == "compressed, then resized"
    assert down["resize_factor"] == pytest.approx(0.7, abs=0.005)
    assert down["grid_period"] == pytest.approx(5.6, abs=0.04)
    # The net misses the resized JPEG: its quality would say nothing of it.
    assert down["p_compressed"] < 0.5 and down["jpeg_quality"] is None
    assert not never["jpeg_verdict"].startswith("compressed")
    assert never["resize_factor"] is None and never["grid_period"] is None
    assert {r["resize_factor"] for r in rows} == {"", str(down["resize_factor"])}
    # The terminal table gives each verdict whole, with its confidence (the
    # verdict column once cut "compressed, then resized" to its first words).
    table = {
        line.split()[0].rsplit(os.sep, 1)[-1]: line
        for line in capsys.readouterr().out.splitlines()[1:-1]
    }
    for name, record in (("downscaled.png", down), ("never.png", never)):
        words = f"{record['jpeg_verdict']} {record['jpeg_confidence']}"
        assert words in " ".join(table[name].split())
    # Sizes as width x height, as `skforensics upscale` prints them.
    assert table["never.png"].split()[1] == "600x400"


def test_rendered_pages_are_not_judged_as_photographs(tmp_path, capsys, text_page):
    root = tmp_path / "screens"
    root.mkdir()
    page = Image.fromarray(text_page())
    page.save(root / "page.png")
    page.save(root / "page.jpg", quality=75)
    out = tmp_path / "out"
    assert main(["analyse", str(root), "-q", "--no-maps", "--out", str(out)]) == 0
    rows, records = _read(out)
    png, jpg = _by_name(records)["page.png"], _by_name(records)["page.jpg"]
    assert png["p_upscaled"] is None and png["upscaled"] is None
    assert png["error"].startswith("upscale: not judged: the pixels look rendered")
    assert (png["height"], png["width"]) == (240, 320)
    assert rows[1]["p_upscaled"] == "" and rows[1]["error"] == png["error"]
    # No JPEG lattice in the PNG: the net's word is not taken for it.
    assert png["jpeg_verdict"] in ("unknown", "no JPEG trace found")
    assert png["jpeg_confidence"] == "low"
    assert "the pixels look rendered" in png["jpeg_disagreement"]
    # JPEG's ringing breaks the flat areas: the file is judged as any other.
    assert jpg["jpeg_verdict"] == "compressed" and jpg["p_upscaled"] is not None
    assert "1 with a model that could not answer" in capsys.readouterr().out


def test_a_jpeg_resized_on_its_grid_reports_the_table_quality(tmp_path):
    # Resized by 0.75 on its block grid, the JPEG's table is read through the
    # resize: its quality is shown, not the net's (which misreads it).
    from skimage import data

    root = tmp_path / "photos"
    root.mkdir()
    buffer = io.BytesIO()
    Image.fromarray(data.coffee()).save(buffer, "JPEG", quality=75)
    Image.open(buffer).resize((450, 300), Image.LANCZOS).save(root / "web.png")
    out = tmp_path / "out"
    args = ["analyse", str(root), "-q", "--out", str(out), "--no-maps"]
    assert main([*args, "--models", "jpeg"]) == 0
    record = _read(out)[1][0]
    assert record["jpeg_verdict"] == "compressed, then resized"
    assert record["resize_factor"] == 0.75 and record["grid_period"] == 6.0
    assert record["table_quality"] in (74, 75)
    assert record["jpeg_quality"] == record["table_quality"]
