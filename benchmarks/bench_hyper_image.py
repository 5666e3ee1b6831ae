"""Hyper-image vs patch averaging on the synthetic localized-artifact task.

Reproduces the two synthetic experiments of Chandakkar & Li, "Capturing
Localized Image Artifacts through a CNN-based Hyper-image Representation"
(arXiv:1711.04945), with one first stage shared by both models:

- experiment 1: ``make_localized_artifacts`` (1 to 5 scrambled patches of
  random contrast at random positions; each patch counts by its contrast
  times a Gaussian of its distance to the image centre). Paper: hyper-image
  SROCC 0.9611 / PLCC 0.9586, patch averaging 0.9132 / 0.8982.
- experiment 2: only the positions vary: ``make_localized_artifacts(...,
  vary="position")`` gives every patch the same two shades on the same
  background, so within a number of patches the score depends on the
  positions alone, which patch averaging cannot see; the "per-count SROCC"
  (mean SROCC within each number of patches) measures exactly that.

The first stage is Kang et al.'s patch network (:class:`KangCNN` with a
5x5 kernel, 16 filters and 64 hidden units instead of 7x7/50/800, so that
it trains on a CPU) on 16x16 patches labelled with their image's score.
Patch averaging is that network's mean over an image's 8x8 tiles
(``PatchCNNRegressor`` with ``pooling="mean"``); the hyper-image model feeds
the same network's penultimate activations on the 8x8 grid to a
second-stage CNN trained on out-of-fold hyper-images (``cv=3``). The
patch-averaging model *is* ``model.embedder_.estimator_``, the first stage
fitted on all training images. Three hyper-image rows are printed: the
default (new images embedded by the fold embedders, ``ensemble=True``), the
same fitted model embedding with ``embedder_`` (``ensemble=False``, as
stacking would), and ``cv="prefit"`` (second stage on in-sample
hyper-images of ``embedder_``).

Run ``python benchmarks/bench_hyper_image.py`` (``--quick`` for a smoke run,
``--n-train``/``--n-test`` to change the size, ``--threads`` for torch's
thread count, 1 by default). Figures are SROCC and PLCC
(after the standard logistic mapping) on held-out images; times are wall
clock, so they grow with the machine's load (printed too).

Measured on 2 CPU cores (load average 1-2), torch 2.13 CPU, 1 thread,
default size (2000 training / 500 test images), 155 s in all::

    experiment 1            SROCC   PLCC   per-count SROCC   fit
    patch averaging         0.430   0.484   0.478
    hyper-image cv=3        0.985   0.977   0.973            45 s
      ensemble=False        0.884   0.872   0.831
    hyper-image prefit      0.983   0.975   0.969            +28 s
    experiment 2 (vary="position")
    patch averaging         0.543   0.557  -0.074
    hyper-image cv=3        0.991   0.991   0.983            43 s
      ensemble=False        0.990   0.989   0.979
    hyper-image prefit      0.991   0.990   0.983            +28 s
"""

import argparse
import os
import time
import warnings

import numpy as np


def make_position_task(n_samples, *, random_state=None):
    """Experiment 2: fixed shades and background, only positions (and count) vary."""
    from skforensics.datasets import make_localized_artifacts

    X, y, groups, positions = make_localized_artifacts(
        n_samples, vary="position", return_positions=True, random_state=random_state
    )
    return X, y, groups, np.array([len(p) for p in positions])


def per_count_srocc(y_true, y_pred, counts):
    """Mean SROCC within each number of patches (positions only)."""
    from skforensics.metrics import srocc

    values = [
        srocc(y_true[counts == k], y_pred[counts == k])
        for k in np.unique(counts)
        if (counts == k).sum() > 2
    ]
    return float(np.mean(values))


def build_model(args):
    from skforensics.models import (
        HyperImageNetRegressor,
        HyperImageRegressor,
        PatchCNNRegressor,
        PatchEmbedder,
    )

    stage1 = PatchCNNRegressor(
        patch_size=16,
        n_patches=args.n_patches,
        max_epochs=args.epochs1,
        batch_size=128,
        lr=1e-3,
        pooling="mean",
        verbose=0,
        random_state=0,
        module__kernel_size=5,
        module__n_filters=16,
        module__n_hidden=64,
        module__dropout=0.0,
    )
    stage2 = HyperImageNetRegressor(
        max_epochs=args.epochs2,
        batch_size=32,
        lr=1e-3,
        verbose=0,
        random_state=0,
        module__n_filters=(32, 32),
        module__n_hidden=(64, 32),
        module__dropout=0.1,
    )
    return HyperImageRegressor(
        PatchEmbedder(stage1, grid=(8, 8), batch_size=256), stage2, cv=args.cv
    )


def run_experiment(name, X, y, counts, args):
    from sklearn.base import clone
    from sklearn.frozen import FrozenEstimator

    from skforensics.metrics import plcc, srocc

    n_train = args.n_train
    X_train, y_train = X[:n_train], y[:n_train]
    X_test, y_test, c_test = X[n_train:], y[n_train:], counts[n_train:]
    model = build_model(args)
    # Both stages regress the distortion 5 - y, which is 0 for a clean image:
    # a freshly initialised network outputs about 0, so the patch network
    # does not spend its first epochs learning the offset 5 (it has no
    # target scaling of its own). Predictions are mapped back to scores.
    start = time.perf_counter()
    model.fit(X_train, 5.0 - y_train)
    fit_time = time.perf_counter() - start
    start = time.perf_counter()
    hyper_pred = 5.0 - model.predict(X_test)
    predict_time = time.perf_counter() - start
    # Patch averaging with the very same first stage.
    averaging = model.embedder_.estimator_
    avg_pred = 5.0 - averaging.predict(X_test)
    # The same fitted model, embedding new images with the first stage
    # refitted on all images instead of the fold embedders (stacking style).
    model.set_params(ensemble=False)
    single_pred = 5.0 - model.predict(X_test)
    model.set_params(ensemble=True)
    # The same two stages without cross-fitting: stage 2 on hyper-images of
    # the images stage 1 was trained on (cv="prefit"; costs a stage 2 only).
    start = time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        prefit = clone(model).set_params(
            embedder=FrozenEstimator(model.embedder_), cv="prefit"
        )
        prefit.fit(X_train, 5.0 - y_train)
    prefit_time = time.perf_counter() - start
    prefit_pred = 5.0 - prefit.predict(X_test)
    stage1_epochs = args.epochs1 * (_n_splits(args.cv) + 1)
    rows = []
    for label, pred in (
        ("patch averaging", avg_pred),
        (f"hyper-image cv={args.cv}", hyper_pred),
        ("  ensemble=False", single_pred),
        ("hyper-image prefit", prefit_pred),
    ):
        row = {
            "experiment": name,
            "model": label,
            "srocc": srocc(y_test, pred),
            "plcc": plcc(y_test, pred, mapping="logistic"),
            "per_count_srocc": per_count_srocc(y_test, pred, c_test),
        }
        rows.append(row)
    print(
        f"\n{name}: {n_train} training / {len(X_test)} test images; fit "
        f"{fit_time:.0f} s (first stage {stage1_epochs} epochs over "
        f"{_n_splits(args.cv) + 1} fits, second stage {args.epochs2} epochs), "
        f"predict {predict_time:.1f} s; prefit stage 2 {prefit_time:.0f} s; "
        f"load average {_load()}",
        flush=True,
    )
    print(f"{'model':<21} {'SROCC':>7} {'PLCC':>7} {'per-count SROCC':>16}")
    for row in rows:
        print(
            f"{row['model']:<21} {row['srocc']:>7.4f} {row['plcc']:>7.4f} "
            f"{row['per_count_srocc']:>16.4f}",
            flush=True,
        )
    return rows, fit_time


def _n_splits(cv):
    return cv if isinstance(cv, int) else 0


def _load():
    try:
        return "%.1f %.1f %.1f" % os.getloadavg()
    except OSError:  # pragma: no cover
        return "n/a"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-train", type=int, default=2000)
    parser.add_argument("--n-test", type=int, default=500)
    parser.add_argument("--epochs1", type=int, default=4, help="first-stage epochs")
    parser.add_argument("--epochs2", type=int, default=40, help="second-stage epochs")
    parser.add_argument("--n-patches", type=int, default=8)
    parser.add_argument("--cv", type=int, default=3)
    parser.add_argument("--experiment", choices=("1", "2", "both"), default="both")
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument(
        "--threads",
        type=int,
        default=1,
        help="torch threads (0: torch's choice). The nets are small; with 2 "
        "threads on 2 shared cores the run was over 10x slower than with 1",
    )
    args = parser.parse_args(argv)
    if args.quick:
        args.n_train, args.n_test, args.epochs1, args.epochs2 = 120, 40, 1, 2

    import torch

    from skforensics.datasets import make_localized_artifacts

    if args.threads:
        torch.set_num_threads(args.threads)

    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"load average {_load()}"
    )
    n = args.n_train + args.n_test
    total = time.perf_counter()
    results = []
    if args.experiment in ("1", "both"):
        X, y, _, positions = make_localized_artifacts(
            n, return_positions=True, random_state=0
        )
        counts = np.array([len(p) for p in positions])
        results += run_experiment("experiment 1 (contrast)", X, y, counts, args)[0]
    if args.experiment in ("2", "both"):
        X, y, _, counts = make_position_task(n, random_state=1)
        name = "experiment 2 (positions only)"
        results += run_experiment(name, X, y, counts, args)[0]
    print(f"\ntotal {time.perf_counter() - total:.0f} s; load average {_load()}")
    print(
        "paper (experiment 1): hyper-image 0.9611 / 0.9586, "
        "averaging 0.9132 / 0.8982"
    )
    return results


if __name__ == "__main__":
    main()
