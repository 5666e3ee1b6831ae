import os
import sys

import numpy as np
import pytest
from PIL import Image

from skforensics.cli import build_parser, main


def test_parser_knows_both_commands():
    parser = build_parser()
    assert parser.parse_args(["demo", "--quick"]).quick
    assert parser.parse_args(["jpeg-audit", "photos"]).folder == "photos"
    assert parser.parse_args(["jpeg-audit", "photos"]).model == "jpeg-quality"
    assert parser.parse_args(["jpeg-audit", "photos", "-o", "x"]).out == "x"
    assert parser.parse_args(["jpeg-audit", "photos", "--output", "x"]).out == "x"
    with pytest.raises(SystemExit):
        parser.parse_args([])


def test_jpeg_weights_are_checked_once_by_the_pipeline(tmp_path, capsys):
    # The parser keeps no copy of the weight names: the pipeline refuses any
    # name that is not a shipped JPEG model, naming them all, before any work.
    pytest.importorskip("torch")
    pytest.importorskip("skorch")
    from skforensics.models._pretrained import JPEG_MODELS

    (tmp_path / "photos").mkdir()
    Image.fromarray(np.zeros((80, 80), np.uint8)).save(tmp_path / "photos" / "a.png")
    for argv in (
        ["jpeg-audit", str(tmp_path / "photos"), "--model", "upscale-detector"],
        ["analyse", str(tmp_path / "photos"), "--jpeg-model", "oracle"],
    ):
        assert main(argv + ["-o", str(tmp_path / "out"), "-q"]) == 2
        err = capsys.readouterr().err
        assert err.count("\n") == 1 and all(name in err for name in JPEG_MODELS)
        assert not (tmp_path / "out").exists()


def test_version_and_usage(capsys):
    from skforensics import __version__

    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.strip() == f"skforensics {__version__}"
    # Every command's help shows examples.
    for command in ("analyse", "upscale", "jpeg-audit", "demo"):
        with pytest.raises(SystemExit):
            main([command, "--help"])
        out = capsys.readouterr().out
        assert "examples:" in out and f"skforensics {command} " in out


@pytest.mark.parametrize(
    "argv, usage, hint",
    [
        (["analyse", "x.png", "--jbos", "2"], "skforensics analyse", "--jobs"),
        (["analyse", "x.png", "--htlm"], "skforensics analyse", "--html"),
        (["jpeg-audit", "photos", "--no-mpas"], "skforensics jpeg-audit", "--no-maps"),
        (["upscale", "x.mp4", "--frmaes", "3"], "skforensics upscale", "--frames"),
    ],
)
def test_a_mistyped_option_gets_the_commands_usage(argv, usage, hint, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith(f"usage: {usage} ")
    assert "unrecognized arguments" in err and f"did you mean {hint}?" in err


def test_audit_of_a_missing_folder_is_one_clear_line(capsys):
    assert main(["jpeg-audit", "/nonexistent/folder", "-q"]) == 2
    err = capsys.readouterr().err
    assert "jpeg-audit: error:" in err and "/nonexistent/folder" in err
    assert "Traceback" not in err


@pytest.mark.parametrize("model", ["jpeg-quality", "jpeg-quality-fast"])
def test_audit_with_the_shipped_weights(model, tmp_path, capsys):
    # Two PNGs of the same photograph: one never compressed, one that went
    # through JPEG at quality 20 first. The audit must tell them apart.
    import csv

    from skforensics.datasets import load_sample_images
    from skforensics.datasets._jpeg import jpeg_round_trip

    photo = load_sample_images(as_gray=False)[4][:160, :160]  # coffee
    photo = np.round(photo * 255).astype(np.uint8)
    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(photo).save(folder / "never.png")
    jpeg = np.round(jpeg_round_trip(photo, 20) * 255).astype(np.uint8)
    Image.fromarray(jpeg).save(folder / "was_jpeg.png")
    out = tmp_path / "out"
    argv = ["jpeg-audit", str(folder), "-q", "-o", str(out), "--no-maps"]
    assert main(argv + ["--model", model]) == 0
    with open(out / "jpeg_audit.csv", newline="") as f:
        rows = {os.path.basename(r["path"]): r for r in csv.DictReader(f)}
    assert set(rows) == {"never.png", "was_jpeg.png"}
    assert float(rows["was_jpeg.png"]["p_compressed"]) > 0.5
    assert float(rows["never.png"]["p_compressed"]) < 0.5
    assert abs(float(rows["was_jpeg.png"]["quality"]) - 20) < 10


def _two_photographs(folder):
    """A small never-compressed PNG and its JPEG-Q20 twin, for the audit."""
    from skforensics.datasets import load_sample_images
    from skforensics.datasets._jpeg import jpeg_round_trip

    photo = load_sample_images(as_gray=False)[4][:96, :96]  # coffee
    photo = np.round(photo * 255).astype(np.uint8)
    folder.mkdir()
    Image.fromarray(photo).save(folder / "never.png")
    jpeg = np.round(jpeg_round_trip(photo, 20) * 255).astype(np.uint8)
    Image.fromarray(jpeg).save(folder / "was_jpeg.png")
    return folder


def test_audit_lines_show_a_quality_only_beside_a_jpeg_history(tmp_path, capsys):
    # The line of a file with no JPEG trace once read "quality 99.6" beside
    # "no JPEG trace found": the net's quality of an image it calls never
    # compressed says nothing. analyse's table leaves it out too.
    pytest.importorskip("torch")
    pytest.importorskip("skorch")
    folder = _two_photographs(tmp_path / "photos")
    argv = ["jpeg-audit", str(folder), "-o", str(tmp_path / "out"), "--no-maps"]
    assert main(argv) == 0
    lines = {
        line.split(":")[0]: line
        for line in capsys.readouterr().out.splitlines()
        if line.endswith(")")
    }
    never, jpeg = lines["never.png"], lines["was_jpeg.png"]
    assert "P(ever JPEG)" in never and "quality" not in never
    assert not never.split("; ")[-1].startswith("compressed")
    assert jpeg.startswith("was_jpeg.png: quality ") and "; compressed" in jpeg


def test_audit_without_matplotlib(tmp_path, monkeypatch, capsys):
    # The environment of `tasks.py demo` (the torch extra of an older
    # release) had no matplotlib: the audit must say so before the first
    # image, and --no-maps must need no plotting at all.
    pytest.importorskip("torch")
    pytest.importorskip("skorch")
    for name in ("matplotlib", "matplotlib.figure", "matplotlib.pyplot"):
        monkeypatch.setitem(sys.modules, name, None)
    folder = _two_photographs(tmp_path / "photos")
    out = tmp_path / "out"

    assert main(["jpeg-audit", str(folder), "-q", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "matplotlib" in err and 'pip install "skforensics[torch]"' in err
    assert "--no-maps" in err
    assert not out.exists()  # failed before the first image

    argv = ["jpeg-audit", str(folder), "-q", "-o", str(out), "--no-maps"]
    assert main(argv + ["--model", "jpeg-quality-fast"]) == 0
    assert sorted(os.listdir(out)) == ["jpeg_audit.csv"]


def test_audit_without_torch_is_one_clear_line(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "torch", None)
    folder = _two_photographs(tmp_path / "photos")
    assert main(["jpeg-audit", str(folder), "-q", "--no-maps"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert "needs torch" in err and 'pip install "skforensics[torch]"' in err


def test_torch_extra_brings_what_the_command_needs():
    # `pip install skforensics[torch]` must give a working `skforensics`
    # command, maps included: the extra lists every module the command checks.
    from pathlib import Path

    tomllib = pytest.importorskip("tomllib")  # Python 3.11+

    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    extras = tomllib.loads(pyproject.read_text())["project"]["optional-dependencies"]
    names = {req.split(">")[0].split("=")[0].split("[")[0] for req in extras["torch"]}
    assert {"torch", "skorch", "matplotlib"} <= names


def test_demo_cross_validation_matches_scikit_learn(capsys):
    # The demo's fold loop (with its progress bar) gives cross_validate's
    # numbers, groups routed to estimators that cross-validate inside.
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, GroupKFold, cross_validate

    from skforensics._demo import _cross_validate

    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 3))
    y = (X[:, 0] + 0.5 * rng.normal(size=40) > 0).astype(int)
    groups = np.repeat(np.arange(8), 5)
    cv = GroupKFold(4)
    for estimator in (
        LogisticRegression(),
        GridSearchCV(LogisticRegression(), {"C": [0.01, 1]}, cv=GroupKFold(3)),
    ):
        row = _cross_validate("contender", estimator, X, y, groups, cv)
        expected = cross_validate(
            estimator,
            X,
            y,
            groups=groups,
            cv=cv,
            scoring=("accuracy", "roc_auc"),
            params={"groups": groups} if hasattr(estimator, "cv") else None,
        )
        assert row["accuracy"] == pytest.approx(expected["test_accuracy"].mean())
        assert row["accuracy_std"] == pytest.approx(expected["test_accuracy"].std())
        assert row["roc_auc"] == pytest.approx(expected["test_roc_auc"].mean())
        assert row["seconds"] > 0


def test_demo_fixes_torch_threads():
    torch = pytest.importorskip("torch")
    from skforensics._demo import TORCH_THREADS, _fixed_torch_threads

    before = torch.get_num_threads()
    with _fixed_torch_threads():
        assert torch.get_num_threads() == TORCH_THREADS
    assert torch.get_num_threads() == before


def test_demo_tables_have_a_time_column(capsys):
    from skforensics._demo import _print_table

    _print_table(
        [{"name": "x", "accuracy": 0.5, "accuracy_std": 0.1, "roc_auc": 0.6,
          "seconds": 12.34}]
    )
    header, rule, row = capsys.readouterr().out.splitlines()
    assert header.split()[-1] == "time" and row.endswith("12.3s")
    assert len(header) == len(row) <= len(rule)
