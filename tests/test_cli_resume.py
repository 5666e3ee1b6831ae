"""``analyse --resume`` and reports that survive a kill (issue 25, part 4).

A real ``skforensics analyse`` process is killed mid-run by a signal; the
report it leaves must be valid (CSV and JSON both parse, no partial line),
and ``--resume`` must complete it without losing or duplicating a row.
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image

import skforensics
from skforensics.cli import main

pytest.importorskip("torch")
pytest.importorskip("skorch")

# The cheapest run that still loads a model and writes every column.
CHEAP = ["--models", "jpeg", "--jpeg-model", "jpeg-quality-fast", "--no-evidence"]


def _folder(root, n_files):
    root.mkdir()
    rng = np.random.default_rng(0)
    for i in range(n_files):
        pixels = rng.integers(0, 256, (80, 80), dtype=np.uint8)
        Image.fromarray(pixels).save(root / f"img{i:03d}.png")
    (root / "img999_broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    return sorted(str(p) for p in root.iterdir())


def _report(out):
    """The CSV rows and the JSON records; both files must parse whole."""
    with open(out / "report.csv", newline="", encoding="utf-8") as f:
        text = f.read()
    assert text.endswith("\n")  # no partial last line
    rows = list(csv.DictReader(text.splitlines()))
    with open(out / "report.json", encoding="utf-8") as f:
        records = json.load(f)
    return rows, records


def _kill_mid_run(folder, out, sig, min_rows, extra=()):
    """Start analyse in a subprocess and send it ``sig`` once ``min_rows`` rows exist."""
    env = dict(os.environ)
    root = os.path.dirname(os.path.dirname(skforensics.__file__))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    argv = [sys.executable, "-m", "skforensics", "analyse", str(folder), "-q"]
    argv += ["-o", str(out), "--no-maps", *CHEAP, *extra]
    process = subprocess.Popen(
        argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    csv_path = out / "report.csv"
    try:
        while process.poll() is None and time.monotonic() < deadline:
            if csv_path.exists():
                with open(csv_path, "rb") as f:
                    if f.read().count(b"\n") > min_rows:
                        break
            time.sleep(0.02)
        killed = process.poll() is None
        process.send_signal(sig)
        process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    return killed, process.stderr.read().decode()


@pytest.mark.parametrize(
    "sig", [signal.SIGKILL, pytest.param(signal.SIGINT, marks=pytest.mark.slow)]
)
def test_a_killed_run_leaves_a_valid_report_and_resumes(sig, tmp_path, capsys):
    paths = _folder(tmp_path / "photos", 40)
    out = tmp_path / "out"
    killed, err = _kill_mid_run(tmp_path / "photos", out, sig, min_rows=3)
    assert killed, f"the run ended before it could be killed: {err}"
    rows, records = _report(out)
    # Every record is whole, the JSON holds those of the CSV or one fewer.
    assert 3 <= len(rows) < len(paths)
    assert len(records) in (len(rows), len(rows) - 1)
    assert [r["path"] for r in records] == [r["path"] for r in rows[: len(records)]]
    before = {r["path"]: r for r in records}

    assert main(["analyse", str(tmp_path / "photos"), "-q", "-o", str(out),
                 "--no-maps", "--resume", *CHEAP]) == 0  # fmt: skip
    assert f"resuming: {len(records)} files already in the report" in (
        capsys.readouterr().err
    )
    rows, records = _report(out)
    # One row per file, none lost, none twice, the same in both files.
    assert sorted(r["path"] for r in records) == paths
    assert [r["path"] for r in rows] == [r["path"] for r in records]
    # The records of the first run were kept as they were, not recomputed.
    for record in records:
        if record["path"] in before:
            assert record == before[record["path"]]
    broken = [r for r in records if r["path"].endswith("broken.png")]
    assert len(broken) == 1 and broken[0]["error"].startswith("cannot read")


def test_resume_redoes_changed_files_only(tmp_path, capsys):
    paths = _folder(tmp_path / "photos", 4)
    out = tmp_path / "out"
    argv = ["analyse", str(tmp_path / "photos"), "-q", "-o", str(out), "--no-maps"]
    assert main(argv + CHEAP) == 0
    _, first = _report(out)
    # Nothing to do: the report is unchanged.
    assert main(argv + CHEAP + ["--resume"]) == 0
    assert _report(out)[1] == first
    # A file that changed (size and time) is analysed again, in one row.
    changed = paths[1]
    Image.fromarray(np.zeros((90, 90), np.uint8)).save(changed)
    os.utime(changed, (1e9, 1e9))
    assert main(argv + CHEAP + ["--resume"]) == 0
    rows, records = _report(out)
    assert sorted(r["path"] for r in records) == paths and len(rows) == len(paths)
    (again,) = [r for r in records if r["path"] == changed]
    assert (again["height"], again["file_mtime"]) == (90, 1e9)
    assert [r for r in records if r["path"] != changed] == [
        r for r in first if r["path"] != changed
    ]
    # A report of other options is not resumed; the message says why.
    capsys.readouterr()
    assert main(argv + CHEAP + ["--resume", "--brisque"]) == 2
    assert "other options" in capsys.readouterr().err
    assert _report(out)[1] == records


def test_resume_rebuilds_the_html_report(tmp_path):
    pytest.importorskip("matplotlib")
    _folder(tmp_path / "photos", 3)
    out = tmp_path / "out"
    argv = ["analyse", str(tmp_path / "photos"), "-q", "-o", str(out), "--html"]
    assert main(argv + CHEAP + ["--no-maps"]) == 0
    os.remove(out / "report.html")  # as a kill before the page was assembled
    assert main(argv + CHEAP + ["--no-maps", "--resume"]) == 0
    text = (out / "report.html").read_text(encoding="utf-8")
    assert text.count("<tr><td") == 4 and "4 files, 1 failed" in text


def test_the_json_file_is_whole_after_every_record(tmp_path):
    # What a kill between two records leaves: the writer's files, read after
    # each write, before it is closed.
    from skforensics.inspection._records import ReportWriter

    columns = ["path", "score"]
    with ReportWriter(str(tmp_path), columns, records=[{"path": "old", "score": 1}]) as w:
        assert json.loads((tmp_path / "report.json").read_text()) == [
            {"path": "old", "score": 1}
        ]
        for i in range(5):
            w.write({"path": f"p{i}", "score": float(i), "extra": "ignored"})
            records = json.loads((tmp_path / "report.json").read_text())
            assert [r["path"] for r in records] == ["old"] + [f"p{k}" for k in range(i + 1)]
            with open(tmp_path / "report.csv", newline="") as f:
                assert len(list(csv.DictReader(f))) == i + 2
    assert sorted(os.listdir(tmp_path)) == ["report.csv", "report.json"]


@pytest.mark.slow
def test_ten_kills_at_random_moments(tmp_path):
    # Issue 25's target: no row lost or duplicated over 10 kills.
    paths = _folder(tmp_path / "photos", 60)
    out = tmp_path / "out"
    rng = np.random.default_rng(0)
    for kill in range(10):
        done = len(_report(out)[0]) if (out / "report.csv").exists() else 0
        extra = ["--resume"] if kill else []
        _kill_mid_run(
            tmp_path / "photos", out, signal.SIGKILL, done + int(rng.integers(1, 5)),
            extra,
        )
        rows, records = _report(out)
        assert len({r["path"] for r in records}) == len(records)  # none twice
    assert main(["analyse", str(tmp_path / "photos"), "-q", "-o", str(out),
                 "--no-maps", "--resume", *CHEAP]) == 0  # fmt: skip
    rows, records = _report(out)
    assert sorted(r["path"] for r in records) == paths
    assert [r["path"] for r in rows] == [r["path"] for r in records]
