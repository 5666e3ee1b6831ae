"""The demo behind ``skforensics demo``: detectors of upscaled images compared,
then the JPEG history of photographs read from their pixels.

Everything runs on data the package makes from scikit-image's bundled
photographs; nothing is downloaded. Every score is cross-validated by source
image, so crops of one photograph never sit on both sides of a split.

The printed numbers do not depend on the machine: every estimator and data
generator is seeded, and PyTorch runs on ``TORCH_THREADS`` threads whatever
the number of cores (a different thread count sums in a different order, and
training amplifies those rounding differences). Progress bars go to stderr,
the tables to stdout.
"""

import contextlib
import time

import numpy as np

__all__ = ["run_demo"]

# The README's tables were printed on 2 threads; any machine prints the same.
TORCH_THREADS = 2


@contextlib.contextmanager
def _fixed_torch_threads(n_threads=TORCH_THREADS):
    """Run PyTorch on ``n_threads`` intra-op threads, then restore the count."""
    try:
        import torch
    except ImportError:  # the numpy-only demo
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _contenders(n_jobs, quick):
    """(name, estimator) pairs; the CNNs join when torch is installed."""
    from sklearn.model_selection import GridSearchCV, GroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from .feature import BRISQUEExtractor

    brisque_svm = GridSearchCV(
        make_pipeline(BRISQUEExtractor(n_jobs=n_jobs), StandardScaler(), SVC()),
        {"svc__C": [1, 10, 100]},
        cv=GroupKFold(3),
    )
    yield "BRISQUE + SVM (C by inner CV)", brisque_svm

    try:
        from .models import (
            HyperImageClassifier,
            HyperImageNetClassifier,
            PatchCNNClassifier,
            PatchEmbedder,
        )
    except ImportError as exc:  # the torch extra is missing
        print(f"(skipping the CNNs: {exc})")
        return

    def patch_cnn():
        return PatchCNNClassifier(
            patch_size=32,
            sampling="random",
            n_patches=16,
            pooling="mean",
            max_epochs=3 if quick else 12,
            verbose=0,
            random_state=0,
        )

    yield "Patch CNN, 32x32 tiles, mean-pooled", patch_cnn()
    # Stage 2 trains on out-of-fold hyper-images; the inner folds are grouped
    # by source photograph too (run_demo passes groups to anything with cv).
    yield "Hyper-image CNN (4x4 grid of tiles)", HyperImageClassifier(
        PatchEmbedder(patch_cnn(), grid=(4, 4)),
        HyperImageNetClassifier(
            max_epochs=10 if quick else 30, verbose=0, random_state=0
        ),
        cv=GroupKFold(3),
        random_state=0,
    )


def _pretrained_row(X, y):
    """Score the shipped detector, which never saw these photographs."""
    try:
        from .models import pretrained
    except ImportError:
        return None
    from sklearn.metrics import accuracy_score, roc_auc_score

    start = time.perf_counter()
    detector = pretrained("upscale-detector")
    proba = detector.predict_proba(X)[:, 1]
    return {
        "name": "Shipped upscale-detector (no training)",
        "accuracy": accuracy_score(y, proba > 0.5),
        "accuracy_std": 0.0,
        "roc_auc": roc_auc_score(y, proba),
        "seconds": time.perf_counter() - start,
    }


def _jpeg_history(images, qualities=(20, 50, 80, 95)):
    """Ask the shipped JPEG model about PNG-like copies of known history."""
    try:
        from .models import pretrained
    except ImportError:
        return None
    from .datasets._jpeg import jpeg_round_trip

    start = time.perf_counter()
    estimator = pretrained("jpeg-quality")
    crops = [image[:256, :256] for image in images]
    print(
        f"\nJPEG history, shipped jpeg-quality model: {len(crops)} crops of "
        "256x256 from the same photographs, as shipped and decoded back to "
        "pixels after JPEG at each quality, as a PNG would keep them."
    )
    print(
        f"{'history':<16} {'estimated quality':>22} {'called compressed':>18} "
        f"{'time':>8}"
    )
    print("-" * 67)
    rows = []
    for quality in (None, *qualities):
        row_start = time.perf_counter()
        if quality is None:
            X = crops
        else:
            X = [jpeg_round_trip(crop, quality) for crop in crops]
        summary = estimator._summaries(X)
        estimate, p = summary[:, 0], summary[:, 1]
        label = "never JPEG" if quality is None else f"JPEG Q{quality}"
        shown = f"{estimate.mean():.1f} +/- {estimate.std():.1f}"
        if quality is None:
            shown = "-"
        seconds = time.perf_counter() - row_start
        print(
            f"{label:<16} {shown:>22} {np.mean(p > 0.5):>18.0%} {seconds:>7.1f}s",
            flush=True,
        )
        rows.append(
            {
                "quality": quality,
                "estimates": estimate,
                "p_compressed": p,
                "seconds": seconds,
            }
        )
    print(f"(model loaded and {len(rows)} rows in {time.perf_counter() - start:.1f}s)")
    return rows


def run_demo(*, n_jobs=2, quick=False):
    """Cross-validate upscaling detectors by source image and print a table.

    Parameters
    ----------
    n_jobs : int, default=2
        Parallel workers for feature extraction.
    quick : bool, default=False
        Fewer crops and epochs, for a smoke run.

    Returns
    -------
    results : list of dict
        One row per detector: name, accuracy (mean and std over folds),
        ROC AUC and the time spent (seconds, the table's time column).

    Notes
    -----
    PyTorch runs on ``TORCH_THREADS`` (2) threads during the demo, whatever
    the number of cores, so that the printed scores are the same on every
    machine; only the times differ.
    """
    from sklearn.model_selection import GroupKFold

    from .datasets import load_sample_images, make_rescaled_images

    with _fixed_torch_threads():
        images = load_sample_images()
        n_crops = 2 if quick else 6
        X, y, groups = make_rescaled_images(
            images,
            factor=2,
            kernels=("bicubic", "lanczos"),
            crop_size=128,
            n_crops=n_crops,
            random_state=0,
        )
        n_sources = len(np.unique(groups))
        print(
            f"Data: {len(X)} grayscale 128x128 crops from {n_sources} scikit-image "
            f"photographs; half real, half downscaled x0.5 and upscaled x2 "
            f"(bicubic or Lanczos). Scores: 4-fold CV grouped by source "
            f"photograph.\n",
            flush=True,
        )
        cv = GroupKFold(n_splits=4)
        rows = []
        _print_table([], header=True)
        for name, estimator in _contenders(n_jobs, quick):
            rows.append(_cross_validate(name, estimator, X, y, groups, cv))
            _print_table(rows[-1:], header=False)
        row = _pretrained_row(X, y)
        if row is not None:
            rows.append(row)
            _print_table([row], header=False)
            print(
                "\nThe shipped detector was trained on other photographs (64x64 "
                "tiles); its row scores all crops at once, the others are "
                "cross-validated."
            )
        _upscaled_clips(load_sample_images(as_gray=False), quick=quick)
        _jpeg_history(load_sample_images(as_gray=False))
    return rows


def _write_clip(photo, path, rng, *, factor=None, size=(256, 384), n_frames=16, crf=23):
    """A slow pan across ``photo`` as an H.264 file with a normal GOP.

    With ``factor``, the photograph is first downscaled by it (area) and each
    frame is upscaled back to ``size`` by OpenCV's bicubic kernel: a fake.
    """
    from fractions import Fraction

    import av
    import cv2

    rgb = np.clip(np.rint(photo * 255), 0, 255).astype(np.uint8)
    h, w = size
    if factor:
        rgb = cv2.resize(rgb, (round(rgb.shape[1] / factor), round(rgb.shape[0] / factor)),
                         interpolation=cv2.INTER_AREA)
        h, w = round(h / factor), round(w / factor)
    step = max(1, (rgb.shape[1] - w) // n_frames)
    y0 = int(rng.integers(0, rgb.shape[0] - h + 1))
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=25)
        stream.height, stream.width = size
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, 25)
        stream.options = {"crf": str(crf), "g": "250"}
        for i in range(n_frames):
            frame = np.ascontiguousarray(rgb[y0:y0 + h, i * step:i * step + w])
            if factor:
                frame = cv2.resize(frame, size[::-1], interpolation=cv2.INTER_CUBIC)
            for packet in stream.encode(av.VideoFrame.from_ndarray(frame, format="rgb24")):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def _upscaled_clips(photos, *, quick=False):
    """The shipped verdict on video files, native and upscaled x2, after H.264."""
    try:
        import av  # noqa: F401

        from .inspection import upscale_verdict
        from .models import pretrained
    except ImportError as exc:
        print(f"\n(skipping the video files: {exc})")
        return None
    import tempfile
    from pathlib import Path

    from .datasets._samples import SAMPLE_FILES

    start = time.perf_counter()
    estimator = pretrained("upscale-factor")
    photos = photos[:4] if quick else photos
    names = [name.split(".")[0] for name in SAMPLE_FILES]
    print(
        f"\nVideo files, shipped upscale_verdict: for each of the {len(photos)} "
        "photographs a 16-frame 384x256 pan, native and upscaled x2 (bicubic), "
        "written by H.264 CRF 23 with a normal GOP (one I-frame, then P- and "
        "B-frames), judged per file on 8 frames."
    )
    print(f"{'clip':<28} {'P(upscaled)':>12} {'verdict':>16}")
    print("-" * 58)
    rng = np.random.default_rng(0)
    caught = false_alarms = 0
    with tempfile.TemporaryDirectory() as tmp:
        for k, photo in enumerate(photos):
            for factor in (None, 2.0):
                path = Path(tmp) / f"{k}-{factor}.mp4"
                _write_clip(photo, path, rng, factor=factor)
                v = upscale_verdict(path, estimator=estimator)
                said = f"upscaled x{v.factor:g}" if v.upscaled else "native"
                label = f"{names[k]}, " + ("upscaled x2" if factor else "native")
                print(f"{label:<28} {v.p_upscaled:>12.2f} {said:>16}", flush=True)
                caught += bool(factor) and v.upscaled
                false_alarms += (not factor) and v.upscaled
    print(
        f"(upscaled clips caught: {caught} of {len(photos)}; native clips called "
        f"upscaled: {false_alarms} of {len(photos)}; {time.perf_counter() - start:.1f}s)"
    )
    return caught, false_alarms


def _cross_validate(name, estimator, X, y, groups, cv):
    """``cross_validate`` of one contender, with a progress bar over the folds.

    The same numbers as :func:`~sklearn.model_selection.cross_validate` with
    ``scoring=("accuracy", "roc_auc")`` and the groups routed to ``fit`` of
    estimators that cross-validate inside (their inner folds are grouped by
    source photograph too); the folds run one after the other, so the bar
    (on stderr) moves as each ends.
    """
    from sklearn.base import clone
    from sklearn.metrics import get_scorer
    from sklearn.utils import _safe_indexing
    from tqdm.auto import tqdm

    scorers = {metric: get_scorer(metric) for metric in ("accuracy", "roc_auc")}
    scores = {metric: [] for metric in scorers}
    start = time.perf_counter()
    splits = list(cv.split(X, y, groups))
    bar = tqdm(splits, desc=name, unit="fold", leave=False)
    for train, test in bar:
        fitted = clone(estimator)
        fit_params = {"groups": groups[train]} if hasattr(estimator, "cv") else {}
        fitted.fit(_safe_indexing(X, train), y[train], **fit_params)
        X_test, y_test = _safe_indexing(X, test), y[test]
        for metric, scorer in scorers.items():
            scores[metric].append(scorer(fitted, X_test, y_test))
        bar.set_postfix(accuracy=f"{np.mean(scores['accuracy']):.3f}")
    bar.close()
    return {
        "name": name,
        "accuracy": np.mean(scores["accuracy"]),
        "accuracy_std": np.std(scores["accuracy"]),
        "roc_auc": np.mean(scores["roc_auc"]),
        "seconds": time.perf_counter() - start,
    }


def _print_table(rows, header=True):
    if header:
        print(f"{'detector':<40} {'accuracy':>17} {'ROC AUC':>8} {'time':>8}")
        print("-" * 76, flush=True)
    for row in rows:
        acc = f"{row['accuracy']:.3f} +/- {row['accuracy_std']:.3f}"
        print(
            f"{row['name']:<40} {acc:>17} {row['roc_auc']:>8.3f} "
            f"{row['seconds']:>7.1f}s",
            flush=True,
        )
