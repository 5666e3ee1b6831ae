import csv
import os

import numpy as np
import pytest
from PIL import Image

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from skforensics.inspection import jpeg_audit
from skforensics.inspection._jpeg_audit import CSV_FIELDS
from skforensics.models import PixelwiseJPEGRegressor


@pytest.fixture(autouse=True, scope="module")
def _no_onednn_jit():
    # oneDNN compiles kernels for every new input shape, seconds each on 2
    # shared cores; the tiny nets of the estimator run faster without it.
    enabled = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False
    yield
    torch.backends.mkldnn.enabled = enabled


@pytest.fixture(scope="module")
def estimator():
    return PixelwiseJPEGRegressor(
        module__n_filters=4, verbose=0, random_state=0
    ).initialize()


def _folder(root):
    folder = root / "photos"
    (folder / "sub").mkdir(parents=True)
    rng = np.random.default_rng(0)
    Image.fromarray(rng.integers(0, 256, (40, 50, 3), dtype=np.uint8)).save(
        folder / "a.png"
    )
    Image.fromarray(rng.integers(0, 256, (44, 44), dtype=np.uint8)).save(
        folder / "sub" / "b.jpg", quality=30
    )
    Image.fromarray(rng.integers(0, 65536, (42, 40), dtype=np.uint16)).save(
        folder / "sub" / "c16.png"
    )
    (folder / "broken.png").write_bytes(b"\x89PNG not really")
    (folder / "notes.txt").write_text("not an image")
    return folder


def test_audit_reports_corrupt_files_and_goes_on(
    estimator, tmp_path, monkeypatch, capsys
):
    folder = _folder(tmp_path)
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    report = jpeg_audit(folder, estimator=estimator)
    assert report.n_images == 4 and report.n_failed == 1
    assert [r["path"] for r in report.rows] == [
        "a.png",
        "broken.png",
        os.path.join("sub", "b.jpg"),
        os.path.join("sub", "c16.png"),
    ]
    broken = report.rows[1]
    assert "broken.png" in broken["error"] and broken["quality"] is None
    for row in report.rows[::2]:
        assert 0 <= row["quality"] <= 100 and 0 <= row["p_compressed"] <= 1
    # The rows are the estimator's own image-level answers.
    a = np.asarray(Image.open(folder / "a.png"))
    assert report.rows[0]["quality"] == pytest.approx(
        estimator.predict([a])[0], abs=0.006
    )
    assert report.rows[0]["p_compressed"] == pytest.approx(
        estimator.predict_proba([a])[0, 1], abs=6e-5
    )
    # Everything lands next to the folder, nothing in the working directory.
    assert report.output_dir == str(tmp_path / "photos-jpeg-audit")
    assert os.listdir(cwd) == []
    with open(report.csv_path, newline="") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 4 and rows[1]["error"] and rows[0]["height"] == "40"
    assert os.path.getsize(report.histogram_path) > 0
    assert len(report.map_paths) == 3 and all(
        os.path.exists(p) for p in report.map_paths
    )
    out = capsys.readouterr()
    assert "1 failed" in out.out and "broken.png: failed" in out.out
    assert "1 failed" in str(report)


def test_audit_options(estimator, tmp_path, capsys):
    folder = _folder(tmp_path)
    out_dir = folder / "report"  # inside the folder: skipped by the scan
    report = jpeg_audit(
        folder, estimator=estimator, output_dir=out_dir, save_maps=False, progress=False
    )
    assert report.map_paths == [] and not (out_dir / "maps").exists()
    assert capsys.readouterr().out == ""
    again = jpeg_audit(
        folder, estimator=estimator, output_dir=out_dir, save_maps=True, progress=False
    )
    assert again.n_images == 4  # the report's own PNGs are not audited


def test_empty_or_missing_folder(estimator, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "readme.txt").write_text("x")
    with pytest.raises(ValueError, match="No image files in"):
        jpeg_audit(empty, estimator=estimator)
    with pytest.raises(FileNotFoundError, match="Folder not found"):
        jpeg_audit(tmp_path / "nope", estimator=estimator)
    with pytest.raises(NotADirectoryError):
        jpeg_audit(empty / "readme.txt", estimator=estimator)
    assert not (tmp_path / "empty-jpeg-audit").exists()


def test_audit_refuses_an_estimator_it_cannot_use(tmp_path):
    from sklearn.exceptions import NotFittedError

    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(np.full((64, 64, 3), 128, np.uint8)).save(folder / "a.png")
    # Not a one-line failed row per file: refused before the first file.
    with pytest.raises(NotFittedError):
        jpeg_audit(folder, estimator=PixelwiseJPEGRegressor(), progress=False)
    for estimator in ("jpeg-quality", object()):
        with pytest.raises(TypeError, match="needs a pixelwise JPEG estimator"):
            jpeg_audit(folder, estimator=estimator, progress=False)
    assert not any(tmp_path.glob("*jpeg-audit*/*.csv"))


def test_cli(estimator, tmp_path, monkeypatch):
    import skforensics.models
    from skforensics.cli import main

    monkeypatch.setattr(skforensics.models, "load_pretrained_jpeg", lambda: estimator)
    folder = _folder(tmp_path)
    out = tmp_path / "out"
    assert main(["jpeg-audit", str(folder), "-o", str(out), "--no-maps", "-q"]) == 0
    assert (out / "jpeg_audit.csv").exists() and not (out / "maps").exists()
    assert main(["jpeg-audit", str(folder), "-o", str(out), "-q", "--strict"]) == 1


def test_figures_need_matplotlib_only_when_asked_for(estimator, tmp_path, monkeypatch):
    import sys

    for name in ("matplotlib", "matplotlib.figure", "matplotlib.pyplot"):
        monkeypatch.setitem(sys.modules, name, None)
    folder = _folder(tmp_path)
    out_dir = tmp_path / "report"
    for figures in ({}, {"save_maps": False}, {"save_histogram": False}):
        with pytest.raises(ImportError, match=r"pip install \"skforensics\[torch\]\""):
            jpeg_audit(folder, estimator=estimator, output_dir=out_dir, **figures)
        assert not out_dir.exists()  # raised before the first image
    report = jpeg_audit(
        folder,
        estimator=estimator,
        output_dir=out_dir,
        save_maps=False,
        save_histogram=False,
        progress=False,
    )
    assert report.n_images == 4 and report.histogram_path is None
    assert sorted(os.listdir(out_dir)) == ["jpeg_audit.csv"]


def _evidence_folder(root):
    from skforensics.datasets._jpeg_tables import jpeg_with_tables, libjpeg_tables
    from skforensics.utils import make_test_images

    folder = root / "evidence"
    folder.mkdir()
    photos = make_test_images(3, size=128, n_channels=3, dtype=np.uint8)
    Image.fromarray(photos[0]).save(folder / "never.png")
    decoded = jpeg_with_tables(photos[1], *libjpeg_tables(50))
    Image.fromarray(decoded[2:, 3:]).save(folder / "was_jpeg.png")
    Image.fromarray(photos[2]).convert("L").save(folder / "gray.jpg", quality=70)
    Image.fromarray(photos[2]).convert("CMYK").save(folder / "cmyk.jpg", quality=80)
    Image.fromarray(np.full((64, 64, 3), 200, np.uint8)).save(folder / "flat.png")
    return folder


def test_audit_evidence_columns(estimator, tmp_path):
    folder = _evidence_folder(tmp_path)
    report = jpeg_audit(
        folder,
        estimator=estimator,
        save_maps=False,
        save_histogram=False,
        progress=False,
    )
    rows = {r["path"]: r for r in report.rows}
    assert report.n_failed == 0 and all(
        set(r) == set(CSV_FIELDS) for r in rows.values()
    )
    never, was = rows["never.png"], rows["was_jpeg.png"]
    assert never["evidence"] == "never compressed" and never["table_quality"] is None
    assert was["evidence"] == "compressed" and was["grid_phase"] == "6,5"
    assert was["table_quality"] == 50 and was["libjpeg_like"] is True
    assert was["lattice_share"] > was["lattice_share_null"] + 0.3
    assert was["verdict"] == "compressed"  # a lattice, whatever the net says
    assert rows["gray.jpg"]["evidence"] == "compressed"
    assert rows["gray.jpg"]["table_quality"] == 70
    # CMYK: the net answers on the RGB conversion, the evidence says why not.
    cmyk = rows["cmyk.jpg"]
    assert cmyk["evidence"] == "unknown" and "CMYK" in cmyk["evidence_reason"]
    assert cmyk["p_compressed"] is not None and not cmyk["error"]
    flat = rows["flat.png"]
    assert flat["evidence"] == "unknown" and flat["table_quality"] is None
    for row in rows.values():
        assert row["verdict"] in ("compressed", "never compressed", "unknown")
        assert row["confidence"] in ("high", "medium", "low")
    with open(report.csv_path, newline="") as f:
        header = next(csv.reader(f))
    assert tuple(header) == CSV_FIELDS
    # Without the evidence, its columns stay empty.
    quick = jpeg_audit(
        folder,
        estimator=estimator,
        save_maps=False,
        save_histogram=False,
        progress=False,
        evidence=False,
    )
    assert all(r["evidence"] is None and r["verdict"] is None for r in quick.rows)


def test_audit_n_jobs_gives_the_same_rows(estimator, tmp_path):
    import joblib

    folder = _evidence_folder(tmp_path)
    kwargs = {
        "estimator": estimator,
        "save_maps": False,
        "save_histogram": False,
        "progress": False,
    }
    one = jpeg_audit(folder, n_jobs=1, **kwargs)
    # Threads keep the test fast; the chunking is the same as with processes.
    with joblib.parallel_backend("threading"):
        two = jpeg_audit(folder, n_jobs=2, **kwargs)
    assert one.rows == two.rows
    with pytest.raises(ValueError, match="n_jobs"):
        jpeg_audit(folder, n_jobs=0, **kwargs)


def _row(**changes):
    row = {
        "p_compressed": 0.97,
        "quality": 80.0,
        "quality_iqr": 4.0,
        "evidence": "compressed",
        "table_quality": 82,
        "libjpeg_like": True,
        "phase_z": 30.0,
    }
    row.update(changes)
    return row


@pytest.mark.parametrize(
    "changes, expected, says",
    [
        ({}, ("compressed", "high"), ""),
        ({"quality_iqr": 30.0}, ("compressed", "medium"), ""),
        ({"quality": 60.0}, ("compressed", "medium"), "differ by more than 10"),
        ({"quality": 60.0, "libjpeg_like": False}, ("compressed", "high"), ""),
        ({"p_compressed": 0.2}, ("compressed", "medium"), "never compressed"),
        (
            {"evidence": "never compressed", "p_compressed": 0.03},
            ("never compressed", "high"),
            "",
        ),
        (
            {"evidence": "never compressed", "p_compressed": 0.3},
            ("never compressed", "medium"),
            "",
        ),
        ({"evidence": "never compressed"}, ("unknown", "low"), "no 8x8 JPEG lattice"),
        (
            {"evidence": "never compressed", "p_compressed": 0.3, "flagged_share": 0.4},
            ("unknown", "low"),
            "40% of the net's flag map",
        ),
        (
            {
                "evidence": "never compressed",
                "p_compressed": 0.03,
                "flagged_share": 0.1,
            },
            ("never compressed", "high"),
            "",
        ),
        ({"evidence": "unknown"}, ("compressed", "low"), ""),
        ({"evidence": "unknown", "p_compressed": 0.6}, ("unknown", "low"), ""),
        (
            {"evidence": "unknown", "p_compressed": 0.5, "quality": float("nan")},
            ("unknown", "low"),
            "",
        ),
        # A lossy WebP or AVIF file: only an 8x8 JPEG lattice keeps its
        # verdict; the codec's own blocks explain any other grid.
        ({"lossy_codec": "WebP"}, ("compressed", "high"), ""),
        (
            {"lossy_codec": "WebP", "resized_grid": "found", "resize_factor": 0.5},
            ("unknown", "low"),
            "resized by 0.50, but the file is a lossy WebP",
        ),
        (
            {"lossy_codec": "AVIF", "evidence": "unknown"},
            ("unknown", "low"),
            "the net says compressed; the file is a lossy AVIF",
        ),
        (
            {"lossy_codec": "WebP", "evidence": "never compressed", "p_compressed": 0.03},
            ("no JPEG trace found", "low"),
            "can hide an earlier JPEG's traces",
        ),
        (
            {"lossy_codec": "WebP", "evidence": "never compressed"},
            ("unknown", "low"),
            "no 8x8 JPEG lattice is in the pixels",
        ),
        (
            {"lossy_codec": "AVIF", "evidence": "unknown", "p_compressed": 0.6},
            ("unknown", "low"),
            "the file is a lossy AVIF",
        ),
        # Rendered pixels (text, charts): the same rule, for its own reason.
        ({"rendered": True}, ("compressed", "high"), ""),
        (
            {"rendered": True, "resized_grid": "found", "resize_factor": 0.67},
            ("unknown", "low"),
            "resized by 0.67, but the pixels look rendered",
        ),
        (
            # The DC lattice of a downscale, read after undoing it: not kept.
            {"rendered": True, "resized_grid": "found", "resize_factor": 0.67,
             "evidence": "compressed"},
            ("unknown", "low"),
            "the pixels look rendered",
        ),
        (
            {"rendered": True, "evidence": "unknown", "p_compressed": 0.95},
            ("unknown", "low"),
            "the net says compressed; the pixels look rendered",
        ),
        (
            {"rendered": True, "evidence": "never compressed", "p_compressed": 0.03},
            ("no JPEG trace found", "low"),
            "the pixels look rendered",
        ),
        (
            {"rendered": True, "lossy_codec": "WebP", "evidence": "unknown"},
            ("unknown", "low"),
            "lossy WebP, whose own blocks leave grids like a JPEG's and the pixels",
        ),
        ({"rendered": False, "evidence": "unknown"}, ("compressed", "low"), ""),
    ],
)
def test_combined_verdict(changes, expected, says):
    from skforensics.inspection._jpeg_audit import combine_verdicts

    verdict, confidence, disagreement = combine_verdicts(_row(**changes))
    assert (verdict, confidence) == expected
    assert (says in disagreement) if says else disagreement == ""


def test_quality_spread_over_flagged_pixels():
    from skforensics.inspection._jpeg_audit import _quality_spread

    quality = np.tile(np.linspace(0, 100, 100), (100, 1))
    flag = np.zeros_like(quality)
    flag[:, 50:] = 1  # qualities 50.5..100 flagged
    assert _quality_spread(quality, flag) == pytest.approx(24.75, abs=0.5)
    assert _quality_spread(quality, np.zeros_like(quality)) is None


def test_cli_evidence_and_jobs_options(estimator, tmp_path, monkeypatch, capsys):
    import skforensics.models
    from skforensics.cli import main

    monkeypatch.setattr(skforensics.models, "load_pretrained_jpeg", lambda: estimator)
    folder = _evidence_folder(tmp_path)
    out = tmp_path / "out"
    assert main(["jpeg-audit", str(folder), "-o", str(out), "--jobs", "0"]) == 2
    assert "--jobs" in capsys.readouterr().err and not out.exists()
    argv = ["jpeg-audit", str(folder), "-o", str(out), "--no-maps", "-q"]
    assert main(argv + ["--no-evidence"]) == 0
    with open(out / "jpeg_audit.csv", newline="") as f:
        assert {r["evidence"] for r in csv.DictReader(f)} == {""}
    assert main(argv + ["--jobs", "1"]) == 0
    with open(out / "jpeg_audit.csv", newline="") as f:
        rows = {r["path"]: r for r in csv.DictReader(f)}
    assert rows["was_jpeg.png"]["evidence"] == "compressed"
    assert rows["was_jpeg.png"]["table_quality"] == "50"
