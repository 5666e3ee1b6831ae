"""The example scripts: their shape always, their run with ``-m slow``.

The docs build of ``python3 tasks.py test`` executes every example through
sphinx-gallery (which fails the build if one raises) and shows its figures,
so pytest does not run them a second time by default. ``pytest -m slow``
runs each script to the end as sphinx-gallery would, for a check without
the docs build.
"""

import ast
import os
import runpy
from pathlib import Path

import pytest

EXAMPLES_DIR = Path(__file__).parent.parent / "examples"
EXAMPLES = sorted(EXAMPLES_DIR.glob("*/plot_*.py"))


def test_examples_are_found():
    assert len(EXAMPLES) >= 5
    assert (EXAMPLES_DIR / "README.txt").exists()
    for folder in {p.parent for p in EXAMPLES}:
        assert (folder / "README.txt").exists(), f"{folder} needs a README.txt"


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
def test_example_tells_a_story(path):
    # As the style guide asks: an RST-titled docstring, # %% cells with
    # prose, a number printed and a figure.
    source = path.read_text(encoding="utf-8")
    tree = ast.parse(source)
    doc = ast.get_docstring(tree)
    assert doc, f"{path.name} needs a docstring with an RST title"
    title = doc.strip().splitlines()
    assert set(title[0]) == {"="} and set(title[2]) == {"="}, path.name
    assert source.count("\n# %%") >= 2, f"{path.name} needs # %% cells"
    assert "print(" in source, f"{path.name} should print a number"
    assert "plt.show()" in source, f"{path.name} should show a figure"


@pytest.mark.slow
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.name for p in EXAMPLES])
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
