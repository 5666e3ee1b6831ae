#!/usr/bin/env python3
"""The project's two commands, for a fresh machine that only has python3.

    python3 tasks.py demo     # compare forensic detectors on data the package makes
    python3 tasks.py test     # the test suite, then the docs build, which runs the examples

Each command creates ``.venv`` next to this file on first use, installs
skforensics into it with the pins of ``constraints.txt`` (CPU-only
``torch==2.13.0``) and then runs. Later runs reuse the environment and only
reinstall when ``pyproject.toml`` or ``constraints.txt`` changed. Set
``SKF_VENV`` to use another location.
"""

import hashlib
import os
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = Path(os.environ.get("SKF_VENV", ROOT / ".venv"))
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PYTHON = BIN / "python"
EXTRAS = {"demo": "torch,video", "test": "torch,tests,docs"}


def _run(*args, **kwargs):
    print("+", " ".join(str(a) for a in args), flush=True)
    return subprocess.run([str(a) for a in args], check=True, **kwargs)


def ensure_env(extras):
    """Create the virtual environment and install the package if needed."""
    stamp = VENV / f".skforensics-{extras.replace(',', '-')}"
    digest = hashlib.sha256()
    for name in ("pyproject.toml", "constraints.txt"):
        digest.update((ROOT / name).read_bytes())
    digest = digest.hexdigest()
    if stamp.exists() and stamp.read_text() == digest and PYTHON.exists():
        return
    if not PYTHON.exists():
        print(f"Creating virtual environment in {VENV}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    pip = [PYTHON, "-m", "pip", "install", "--disable-pip-version-check"]
    constraints = ["-c", ROOT / "constraints.txt"]
    # torch first and alone, so that nothing can resolve it to a CUDA build.
    _run(*pip, *constraints, "torch==2.13.0")
    _run(*pip, *constraints, "-e", f"{ROOT}[{extras}]")
    stamp.write_text(digest)


def demo(argv):
    ensure_env(EXTRAS["demo"])
    _run(PYTHON, "-m", "skforensics", "demo", *argv, cwd=ROOT)


def test(argv):
    ensure_env(EXTRAS["test"])
    env = dict(os.environ, MPLBACKEND="Agg", PYTHONHASHSEED="0")
    _run(PYTHON, "-m", "pytest", "-q", *argv, cwd=ROOT, env=env)
    if not argv:
        # The docs build, warnings as errors. It runs every example script
        # (sphinx-gallery executes each plot_*.py once, fails the build if one
        # raises, and writes its time to docs/sg_execution_times.rst), so the
        # gallery pages show their figures and pytest does not run the
        # examples a second time (tests/test_examples.py runs them only with
        # -m slow). Everything it writes is ignored by git.
        _run(
            PYTHON, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
            ROOT / "docs", ROOT / "docs" / "_build" / "html",
            cwd=ROOT, env=env,
        )


COMMANDS = {"demo": demo, "test": test}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    try:
        COMMANDS[sys.argv[1]](sys.argv[2:])
    except subprocess.CalledProcessError as exc:
        sys.exit(exc.returncode)
