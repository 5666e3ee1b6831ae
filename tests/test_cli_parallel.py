"""``analyse -j``: the records of a serial run, without worker warnings (issue 25, part 5).

joblib's workers (loky) measure their memory after their first task and
restart themselves, warning "A worker stopped while some jobs were given to
the executor ... memory leak", when it later grows by more than 300 MB, and
loky reuses its workers from one ``Parallel`` call to the next. Workers left
by an earlier call (another test's, or a user's ``n_jobs`` feature
extraction) had measured themselves before torch and the models were loaded
(a few hundred MB), so the first file analysed in them restarted them. The
analysis now asks joblib for workers that loaded the models in their
initializer (:func:`skforensics.utils._parallel.prepared_parallel`), so loky
starts new ones. The test leaves such workers behind on purpose, then runs
``-j 2`` in this process: 40 files with the fast JPEG net by default,
1,000 with both models behind the slow marker. Unreadable files come first,
so the first task of each worker fails to read (loading the models then was
the earlier cause of the warning).
"""

import json
import os
import warnings

import numpy as np
import pytest
from joblib import Parallel, delayed
from PIL import Image

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
    [(40, "jpeg"), pytest.param(1000, "upscale,jpeg", marks=pytest.mark.slow)],
)
def test_jobs_2_equals_jobs_1_on_many_files_without_warnings(
    n_files, models, tmp_path
):
    folder = _many_small_files(tmp_path / "photos", n_files)
    argv = ["analyse", str(folder), "--models", models, *CHEAP]
    assert main(argv + ["-o", str(tmp_path / "one")]) == 0

    # Workers that ran a task without the models, left for the next call.
    assert len(Parallel(n_jobs=2)(delayed(os.getpid)() for _ in range(4))) == 4
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(argv + ["-o", str(tmp_path / "two"), "-j", "2"]) == 0
    assert [str(w.message) for w in caught] == []
    one, two = _records(tmp_path / "one"), _records(tmp_path / "two")
    assert len(one) == len(two) == n_files + 4
    for serial, parallel in zip(one, two):
        # The same answers in the same (input) order. The workers' torch runs
        # on one thread, this process's on two: the JPEG net's P may differ
        # in its third decimal (its dilated convolutions run in bfloat16 on
        # CPUs that have it, and their rounding follows the thread count),
        # nothing else.
        p, q = serial.pop("p_compressed"), parallel.pop("p_compressed")
        assert (p is None) == (q is None) and abs((p or 0) - (q or 0)) <= 2e-3
        assert parallel == serial
