import csv
import os

import numpy as np
import pytest
from PIL import Image

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from skforensics.inspection import jpeg_audit  # noqa: E402
from skforensics.models import PixelwiseJPEGRegressor  # noqa: E402


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
