"""The demo behind ``skforensics demo``: detectors of upscaled images compared,
then the JPEG history of photographs read from their pixels.

Everything runs on data the package makes from scikit-image's bundled
photographs; nothing is downloaded. Every score is cross-validated by source
image, so crops of one photograph never sit on both sides of a split.
"""

import time

import numpy as np

__all__ = ["run_demo"]


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
    print(f"{'history':<16} {'estimated quality':>22} {'called compressed':>18}")
    print("-" * 58)
    rows = []
    for quality in (None, *qualities):
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
        print(f"{label:<16} {shown:>22} {np.mean(p > 0.5):>17.0%}", flush=True)
        rows.append({"quality": quality, "estimates": estimate, "p_compressed": p})
    print(f"({time.perf_counter() - start:.1f}s)")
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
        ROC AUC and the time spent.
    """
    from sklearn.model_selection import GroupKFold, cross_validate

    from .datasets import load_sample_images, make_rescaled_images

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
        f"(bicubic or Lanczos). Scores: 4-fold CV grouped by source photograph.\n"
    )
    cv = GroupKFold(n_splits=4)
    rows = []
    for name, estimator in _contenders(n_jobs, quick):
        start = time.perf_counter()
        scores = cross_validate(
            estimator,
            X,
            y,
            groups=groups,
            cv=cv,
            scoring=("accuracy", "roc_auc"),
            params={"groups": groups} if hasattr(estimator, "cv") else None,
        )
        rows.append(
            {
                "name": name,
                "accuracy": scores["test_accuracy"].mean(),
                "accuracy_std": scores["test_accuracy"].std(),
                "roc_auc": scores["test_roc_auc"].mean(),
                "seconds": time.perf_counter() - start,
            }
        )
        _print_table(rows[-1:], header=len(rows) == 1)
    row = _pretrained_row(X, y)
    if row is not None:
        rows.append(row)
        _print_table([row], header=False)
        print(
            "\nThe shipped detector was trained on other photographs (64x64 "
            "tiles); its row scores all crops at once, the others are "
            "cross-validated."
        )
    _jpeg_history(load_sample_images(as_gray=False))
    return rows


def _print_table(rows, header=True):
    if header:
        print(f"{'detector':<40} {'accuracy':>17} {'ROC AUC':>8} {'time':>8}")
        print("-" * 76)
    for row in rows:
        acc = f"{row['accuracy']:.3f} +/- {row['accuracy_std']:.3f}"
        print(
            f"{row['name']:<40} {acc:>17} {row['roc_auc']:>8.3f} "
            f"{row['seconds']:>7.1f}s",
            flush=True,
        )
