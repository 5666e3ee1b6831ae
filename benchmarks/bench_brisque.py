"""Time BRISQUE feature extraction against its peers, measured in one run.

Prints the median time of extracting the 36 BRISQUE features from one
grayscale uint8 image at 512x512, 1920x1080 and 3840x2160 for

- ``skforensics.feature.brisque_features`` (this package);
- ``cv2.quality.QualityBRISQUE_computeFeatures`` (OpenCV-contrib);
- the feature part of the PyPI ``brisque`` package (``BRISQUE`` minus its
  SVM: MSCN features, ``cv2.resize`` to half scale, features again);

and the ratio of each peer's median to skforensics'. It then times
``skforensics.feature.mscn`` on a 4K frame, next to a plain float32 OpenCV
version (``cv2.GaussianBlur`` moments) for scale. A peer that is not
installed is reported as such.

Runs are interleaved (each repeat runs every implementation once, in turn),
so that a busy machine slows them alike, and each is warmed up once first.
The features of the three implementations differ by design (see the Notes of
``brisque_features``); only speed is compared here.

The peers are not dependencies of skforensics. ``opencv-contrib-python-headless``
provides its own ``cv2`` and conflicts with the ``opencv-python-headless``
skforensics installs, so use a separate environment::

    python -m venv /tmp/benchvenv && . /tmp/benchvenv/bin/activate
    pip install -c constraints.txt -e . -r benchmarks/requirements.txt
    # keep only the contrib build of cv2 (both wheels write cv2/):
    pip uninstall -y opencv-python-headless opencv-contrib-python-headless
    pip install --no-deps -r benchmarks/requirements.txt
    python benchmarks/bench_brisque.py

Usage: ``python benchmarks/bench_brisque.py [--repeat N] [--max-seconds S]
[--sizes 512 1080p 4k]``.
"""

import argparse
import os
import statistics
import time

import numpy as np

from skforensics.feature import brisque_features, mscn
from skforensics.utils import make_test_images

SIZES = {"512": (512, 512), "1080p": (1080, 1920), "4k": (2160, 3840)}


def _skforensics(image):
    return brisque_features(image)


def _load_cv2_quality():
    try:
        import cv2
    except ImportError:
        return None, "not installed (pip install opencv-contrib-python-headless)"
    if not hasattr(cv2, "quality"):
        return None, (
            "not installed (this cv2 has no contrib modules; install "
            "opencv-contrib-python-headless alone)"
        )

    def run(image):
        return cv2.quality.QualityBRISQUE_computeFeatures(image)

    return run, f"OpenCV {cv2.__version__}"


def _load_pypi_brisque():
    try:
        import brisque as brisque_module
        import cv2
        from brisque import BRISQUE
    except ImportError:
        return None, "not installed (pip install brisque)"
    model = BRISQUE(url=False)

    def run(image):
        # BRISQUE.score() without its rgb2gray (the images are gray already)
        # and without the SVM: the 36 features.
        gray = image.astype(np.float64) / 255.0
        first = model.calculate_brisque_features(gray, kernel_size=7, sigma=7 / 6)
        half = cv2.resize(gray, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_CUBIC)
        second = model.calculate_brisque_features(half, kernel_size=7, sigma=7 / 6)
        return np.concatenate((first, second))

    version = getattr(brisque_module, "__version__", "")
    return run, f"brisque {version}".strip()


def _time_interleaved(funcs, arg, repeat, max_seconds):
    """Median seconds of each function, runs interleaved; None if absent."""
    present = {name: f for name, f in funcs.items() if f is not None}
    for f in present.values():  # warm-up (imports, caches, first allocations)
        f(arg)
    times = {name: [] for name in present}
    start = time.perf_counter()
    for i in range(repeat):
        for name, f in present.items():
            t0 = time.perf_counter()
            f(arg)
            times[name].append(time.perf_counter() - t0)
        if i >= 2 and time.perf_counter() - start > max_seconds:
            break
    return {
        name: (statistics.median(times[name]) if name in times else None)
        for name in funcs
    }


def _mscn_opencv_float32(frame):
    # The usual float32 one-liner (as in cv2.quality), for scale only: it
    # loses about 7 digits in the variance and uses replicated borders.
    import cv2

    mu = cv2.GaussianBlur(frame, (7, 7), 7 / 6)
    var = cv2.GaussianBlur(frame * frame, (7, 7), 7 / 6) - mu * mu
    return (frame - mu) / (np.sqrt(np.abs(var)) + np.float32(1 / 255))


def _load():
    if not hasattr(os, "getloadavg"):
        return "unknown"
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=11)
    parser.add_argument(
        "--max-seconds",
        type=float,
        default=60.0,
        help="stop repeating a size after this long (at least 3 runs)",
    )
    parser.add_argument("--sizes", nargs="+", default=list(SIZES), choices=SIZES)
    args = parser.parse_args(argv)

    cv2_quality, cv2_note = _load_cv2_quality()
    pypi, pypi_note = _load_pypi_brisque()
    funcs = {
        "skforensics": _skforensics,
        "cv2.quality": cv2_quality,
        "brisque (PyPI)": pypi,
    }
    print(f"{os.cpu_count()} CPUs, load average {_load()} (1 / 5 / 15 min)")
    print("BRISQUE, 36 features of one grayscale uint8 image; median ms")
    print(f"  cv2.quality: {cv2_note}")
    print(f"  brisque (PyPI): {pypi_note}")
    print()
    header = f"{'size':>10} | " + " | ".join(f"{name:>14}" for name in funcs)
    header += " | " + " | ".join(f"{name + ' / skf':>20}" for name in list(funcs)[1:])
    print(header)
    print("-" * len(header))
    for key in args.sizes:
        height, width = SIZES[key]
        image = make_test_images(1, (height, width), dtype=np.uint8, random_state=0)[0]
        medians = _time_interleaved(funcs, image, args.repeat, args.max_seconds)
        ours = medians["skforensics"]
        cells = [
            f"{m * 1e3:14.1f}" if m is not None else f"{'not installed':>14}"
            for m in medians.values()
        ]
        ratios = [
            (
                f"{medians[name] / ours:19.2f}x"
                if medians[name] is not None
                else f"{'-':>20}"
            )
            for name in list(funcs)[1:]
        ]
        size = f"{width}x{height}"
        print(f"{size:>10} | " + " | ".join(cells) + " | " + " | ".join(ratios))

    print()
    frame = make_test_images(1, (2160, 3840), random_state=1)[0]
    mscn_funcs = {"skforensics.mscn (float64 moments)": mscn}
    try:
        import cv2  # noqa: F401

        mscn_funcs["OpenCV float32 GaussianBlur"] = _mscn_opencv_float32
    except ImportError:
        mscn_funcs["OpenCV float32 GaussianBlur"] = None
    medians = _time_interleaved(mscn_funcs, frame, args.repeat, args.max_seconds)
    print("MSCN of a 3840x2160 float32 frame; median ms")
    for name, m in medians.items():
        print(
            f"  {name:<36} {m * 1e3:8.1f}"
            if m is not None
            else f"  {name:<36} not installed"
        )
    print(f"load average at the end: {_load()}")


if __name__ == "__main__":
    main()
