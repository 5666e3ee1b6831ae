"""Every example script runs to the end, as sphinx-gallery would run it."""

import os
import runpy
from pathlib import Path

import pytest

EXAMPLES = sorted((Path(__file__).parent.parent / "examples").glob("*/plot_*.py"))
# Examples that train nets for longer run only with -m slow.
SLOW = {"plot_hyper_image.py"}


@pytest.mark.parametrize(
    "path",
    [
        pytest.param(p, id=p.name, marks=[pytest.mark.slow] if p.name in SLOW else [])
        for p in EXAMPLES
    ],
)
def test_example_runs(path, tmp_path, monkeypatch):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)  # nothing an example writes lands in the repo
    monkeypatch.setenv("MPLBACKEND", "Agg")
    try:
        runpy.run_path(os.fspath(path), run_name="__main__")
    finally:
        plt.close("all")
