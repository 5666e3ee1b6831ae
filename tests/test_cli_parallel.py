"""``analyse -j``: the records of a serial run, without worker warnings (issue 25, part 5).

joblib's workers (loky) measure their memory after their first task and
restart themselves, warning "A worker stopped while some jobs were given to
the executor ... memory leak", when it later grows by more than 300 MB. A
worker whose first file could not be read loaded torch and the models in a
later task, and was restarted: the pipeline now loads them before reading
the first file of each process (loading torch and the JPEG model grows a
process by about 290 MB, measured: at the edge of loky's limit). The run goes
in a fresh process, so that its workers are fresh too. 120 files by default
(about 30 CPU-s, most of it upscale_verdict's per-file work), 1,000 with both
models behind the slow marker.
"""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

import skforensics
from skforensics.cli import main

pytest.importorskip("torch")
pytest.importorskip("skorch")

CHEAP = ["--no-maps", "-q", "--jpeg-model", "jpeg-quality-fast", "--no-evidence"]


def _many_small_files(root, n_files):
    root.mkdir()
    # Unreadable files first: the first task of each worker fails to read.
    for i in range(4):
        (root / f"a{i}_broken.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")
    rng = np.random.default_rng(0)
    for i in range(n_files):
        size = 80 + (i % 3) * 8  # the JPEG net needs 79x79
        pixels = rng.integers(0, 256, (size, size, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(root / f"b{i:04d}.png")
    return root


def _records(out):
    with open(out / "report.json", encoding="utf-8") as f:
        records = json.load(f)
    for record in records:
        record.pop("seconds")
    return records


@pytest.mark.parametrize(
    "n_files, models",
    [(120, "upscale"), pytest.param(1000, "upscale,jpeg", marks=pytest.mark.slow)],
)
def test_jobs_2_equals_jobs_1_on_many_files_without_warnings(n_files, models, tmp_path):
    folder = _many_small_files(tmp_path / "photos", n_files)
    argv = ["analyse", str(folder), "--models", models, *CHEAP]
    assert main(argv + ["-o", str(tmp_path / "one")]) == 0

    env = dict(os.environ, PYTHONWARNINGS="default")
    root = os.path.dirname(os.path.dirname(skforensics.__file__))
    env["PYTHONPATH"] = root + os.pathsep + env.get("PYTHONPATH", "")
    result = subprocess.run(
        [sys.executable, "-m", "skforensics", *argv, "-o", str(tmp_path / "two"),
         "-j", "2"],
        env=env, capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "worker stopped" not in result.stderr
    assert "Warning" not in result.stderr, result.stderr
    one, two = _records(tmp_path / "one"), _records(tmp_path / "two")
    assert len(one) == len(two) == n_files + 4
    for serial, parallel in zip(one, two):
        # The same answers in the same (input) order. The workers' torch runs
        # on one thread, this process's on two: the JPEG net's P may differ
        # in its last (fourth) decimal, nothing else.
        p, q = serial.pop("p_compressed"), parallel.pop("p_compressed")
        assert (p is None) == (q is None) and abs((p or 0) - (q or 0)) <= 2e-4
        assert parallel == serial
