#!/usr/bin/env python
"""Train the shipped fake-upscale detector, ``pretrained("upscale-detector")``.

Reproducible recipe (fixed seed, CPU, about 10 minutes on 2 cores):

Data
    Real photographs that were never JPEG-compressed, one file per source
    image, read from ``--data`` (for the shipped weights:
    ``../shared/data/lossless`` next to the repository: 18 McMaster photographs 500x500 RGB, 37
    USC-SIPI aerials 512x512 / 1024x1024, 64 USC-SIPI textures 512x512 /
    1024x1024; 120 files, sorted by path). Colour files are converted to
    luminance (ITU-R BT.601) *after* resampling, as the detector sees them.

Split
    By source image, stratified by sub-folder: ``--test-size`` (20%) of the
    sources of each folder are held out and never seen in training; all
    figures below come from them.

Training set
    For every training source, :func:`skforensics.datasets.make_rescaled_images`
    gives real 128x128 crops and the same windows of the source downscaled
    and upscaled back (the whole source is resampled, then cropped, so the
    resampling phase is random and there are no border effects), 8-bit
    quantised like a saved frame:

    ========  ===========  =============================================  =====
    factor    downscale    upscaling kernels (one drawn per crop)        crops
    ========  ===========  =============================================  =====
    2         area         OpenCV cubic, Lanczos-4, linear; Pillow cubic  6
    2         same kernel  OpenCV cubic, Lanczos-4; Pillow cubic          3
    1.5       area         OpenCV cubic, Lanczos-4; Pillow cubic          2
    3         area         OpenCV cubic, Lanczos-4; Pillow cubic          2
    ========  ===========  =============================================  =====

    One real crop per fake crop (balanced classes).

Model
    :class:`skforensics.models.PatchCNNClassifier` with the report's
    :class:`skforensics.nn.PatchCNN` (six 3x3 convolutions of 16 filters,
    batch norm, leaky ReLU, two 4x4 max poolings, dense 64, 2 outputs) on
    64x64 luminance patches: 2 random patches per crop and epoch, random
    flips and 90-degree rotations, Adam (lr 2e-3, weight decay 1e-5) with
    cosine annealing, batch 64, ``--epochs`` epochs, seed ``--seed``.

Evaluation (held-out sources, whole images)
    real = the native image; fake = the image downscaled x0.5 (INTER_AREA)
    and upscaled x2 with OpenCV bicubic or Lanczos-4 (the report's
    kernels), plus Pillow bicubic, OpenCV linear, x1.5 and x3 for
    information. Protocol (a): the centre 64x64 tile; (b): all tiles, mean
    of the probabilities; per-tile accuracy over all tiles.

Usage::

    nice -n 10 python scripts/train_upscale_detector.py \\
        --data ../shared/data/lossless --out skforensics/models/weights

writes ``upscale-detector.pt`` (the module's ``state_dict``, float32) and
``upscale-detector.json`` (settings, split and held-out figures) into
``--out``. ``benchmarks/bench_fake4k.py`` imports this recipe.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

TRAIN_SETTINGS = (
    # (factor, downscale, kernels, n_crops)
    (2.0, "area", ("bicubic", "lanczos", "bilinear", "pillow"), 6),
    (2.0, "same", ("bicubic", "lanczos", "pillow"), 3),
    (1.5, "area", ("bicubic", "lanczos", "pillow"), 2),
    (3.0, "area", ("bicubic", "lanczos", "pillow"), 2),
)
TEST_SETTINGS = {
    # name: (factor, downscale, kernel); the first two are the report's.
    "bicubic x2": (2.0, "area", "bicubic"),
    "lanczos x2": (2.0, "area", "lanczos"),
    "pillow-bicubic x2": (2.0, "area", "pillow"),
    "bilinear x2": (2.0, "area", "bilinear"),
    "bicubic x2 (no antialias)": (2.0, "same", "bicubic"),
    "bicubic x1.5": (1.5, "area", "bicubic"),
    "bicubic x3": (3.0, "area", "bicubic"),
}
REPORT_KERNELS = ("bicubic x2", "lanczos x2")
CROP = 128
PATCH = 64
EXTENSIONS = {".png", ".tif", ".tiff", ".bmp", ".ppm", ".pgm"}


def load_sources(data_dir):
    """Read every lossless image under ``data_dir``; return images and folders."""
    from skforensics.utils import read_image

    data_dir = Path(data_dir)
    paths = sorted(p for p in data_dir.rglob("*") if p.suffix.lower() in EXTENSIONS)
    if not paths:
        sys.exit(f"No images found under {data_dir}.")
    images = [read_image(p) for p in paths]
    folders = np.array([p.parent.name for p in paths])
    return images, folders, [p.relative_to(data_dir).as_posix() for p in paths]


def split_sources(folders, test_size, seed):
    """Indices of training and test sources, stratified by folder."""
    rng = np.random.default_rng(seed)
    train, test = [], []
    for folder in np.unique(folders):
        idx = np.flatnonzero(folders == folder)
        idx = idx[rng.permutation(len(idx))]
        n_test = max(1, int(round(test_size * len(idx))))
        test += idx[:n_test].tolist()
        train += idx[n_test:].tolist()
    return np.sort(train), np.sort(test)


def make_training_set(images, seed):
    """Balanced real / upscaled 128x128 luminance crops of the given sources."""
    from skforensics.datasets import make_rescaled_images
    from skforensics.utils import to_grayscale

    X, y = [], []
    rng = np.random.RandomState(seed)
    for factor, downscale, kernels, n_crops in TRAIN_SETTINGS:
        for image in images:
            Xs, ys, _ = make_rescaled_images(
                [image], factor=factor, kernels=kernels, downscale=downscale,
                crop_size=CROP, n_crops=n_crops, random_state=rng,
            )
            X.append(to_grayscale(Xs).astype(np.float32))
            y.append(ys)
    return np.concatenate(X), np.concatenate(y)


def luminance(image):
    """One image as float32 luminance in [0, 1] (BT.601 for RGB)."""
    from skforensics.utils import to_grayscale

    image = np.asarray(image)
    if image.dtype == np.uint8:
        image = image.astype(np.float32) / np.float32(255)
    return np.asarray(to_grayscale([image])[0], dtype=np.float32)


def make_test_set(images, settings=TEST_SETTINGS):
    """Whole held-out images: real, and one fake per test setting."""
    from skforensics.datasets import make_rescaled_images

    real = [luminance(im) for im in images]
    fakes = {}
    for name, (factor, downscale, kernel) in settings.items():
        out = []
        for image in images:
            Xs, ys, _ = make_rescaled_images(
                [image], factor=factor, kernels=(kernel,), downscale=downscale,
                random_state=0,
            )
            out.append(luminance(Xs[1]))
        fakes[name] = out
    return real, fakes


def build_estimator(epochs, seed, verbose=1):
    """The detector's classifier, untrained."""
    import torch
    from skorch.callbacks import LRScheduler

    from skforensics.models import PatchCNNClassifier

    return PatchCNNClassifier(
        patch_size=PATCH,
        sampling="random",
        n_patches=2,
        augment=True,
        lr=2e-3,
        optimizer__weight_decay=1e-5,
        batch_size=64,
        max_epochs=epochs,
        callbacks=[(
            "lr_scheduler",
            LRScheduler(torch.optim.lr_scheduler.CosineAnnealingLR, T_max=epochs),
        )],
        random_state=seed,
        verbose=verbose,
    )


def evaluate(clf, real, fakes):
    """Centre-tile, pooled and per-tile accuracy per fake setting.

    Returns a dict: for ``"real"`` and every fake setting, the accuracy of
    each protocol on those images (for real images, 1 - false-positive
    rate), plus ``"report"``: both protocols on real + the report's kernels.
    """
    def scores(images):
        maps = clf.predict_patch_map(images)
        pooled = np.array([m.mean() for m in maps])
        tiles = np.concatenate([m.ravel() for m in maps])
        centre = clf.set_params(predict_sampling="center").predict_proba(images)[:, 1]
        clf.set_params(predict_sampling="grid")
        return centre, pooled, tiles

    results = {}
    for name, images in [("real", real), *fakes.items()]:
        positive = name != "real"
        centre, pooled, tiles = scores(images)
        results[name] = {
            "n_images": len(images),
            "n_tiles": int(tiles.size),
            "centre_tile": float(np.mean((centre > 0.5) == positive)),
            "pooled": float(np.mean((pooled > 0.5) == positive)),
            "per_tile": float(np.mean((tiles > 0.5) == positive)),
        }
    for key in ("centre_tile", "pooled", "per_tile"):
        # Accuracy over real + fake images of the report's two kernels.
        count = "n_tiles" if key == "per_tile" else "n_images"
        num, den = 0.0, 0
        for name in ("real", *REPORT_KERNELS):
            num += results[name][key] * results[name][count]
            den += results[name][count]
        results.setdefault("report", {})[key] = float(num / den)
    return results


def print_results(results, title):
    print(f"\n{title}")
    print(f"{'images':<28}{'n':>5}{'centre tile':>13}{'pooled':>9}{'per tile':>10}")
    for name, r in results.items():
        if name == "report":
            continue
        print(f"{name:<28}{r['n_images']:>5}{r['centre_tile']:>13.2%}"
              f"{r['pooled']:>9.2%}{r['per_tile']:>10.2%}")
    r = results["report"]
    print(f"{'real + bicubic/lanczos x2':<28}{'':>5}{r['centre_tile']:>13.2%}"
          f"{r['pooled']:>9.2%}{r['per_tile']:>10.2%}")


def train(data_dir, *, epochs, seed, test_size, max_sources=None, threads=2,
          verbose=1):
    """Load, split, build the training set and fit; returns everything."""
    import torch

    torch.set_num_threads(max(1, min(threads, os.cpu_count() or 1)))
    images, folders, paths = load_sources(data_dir)
    train_idx, test_idx = split_sources(folders, test_size, seed)
    if max_sources:  # smoke tests only
        train_idx, test_idx = train_idx[:max_sources], test_idx[:max_sources]
    t0 = time.perf_counter()
    X, y = make_training_set([images[i] for i in train_idx], seed)
    data_time = time.perf_counter() - t0
    if verbose:
        print(f"{len(train_idx)} training sources -> {len(X)} crops of "
              f"{CROP}x{CROP} ({X.nbytes / 2**20:.0f} MiB) in {data_time:.1f} s; "
              f"{len(test_idx)} held-out sources.")
    clf = build_estimator(epochs, seed, verbose=verbose)
    t0 = time.perf_counter()
    clf.fit(X, y)
    fit_time = time.perf_counter() - t0
    n_patches = epochs * len(X) * clf.n_patches
    return dict(
        clf=clf, images=images, paths=paths, folders=folders,
        train_idx=train_idx, test_idx=test_idx, n_train_images=len(X),
        data_time=data_time, fit_time=fit_time, n_patches=n_patches,
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--data",
        default=str(Path(__file__).resolve().parents[2] / "shared/data/lossless"),
        help="never-JPEG photographs (default: ../shared/data/lossless)",
    )
    parser.add_argument("--out", default=None, help="folder for the weights")
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--test-size", type=float, default=0.2)
    parser.add_argument("--threads", type=int, default=2,
                        help="torch threads (1 is faster on a busy machine)")
    parser.add_argument("--max-sources", type=int, default=None,
                        help="use only this many sources per side (smoke test)")
    args = parser.parse_args(argv)

    run = train(args.data, epochs=args.epochs, seed=args.seed,
                test_size=args.test_size, max_sources=args.max_sources,
                threads=args.threads)
    clf = run["clf"]
    print(f"Training: {run['fit_time']:.0f} s for {run['n_patches']} patches "
          f"({run['n_patches'] / run['fit_time']:.0f} patches/s).")
    real, fakes = make_test_set([run["images"][i] for i in run["test_idx"]])
    results = evaluate(clf, real, fakes)
    print_results(results, "Held-out sources")

    if args.out:
        import torch

        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        state = {
            k: v.detach().cpu().clone() for k, v in clf.module_.state_dict().items()
        }
        torch.save(state, out / "upscale-detector.pt")
        meta = {
            "name": "upscale-detector",
            "estimator": "PatchCNNClassifier",
            "module": "skforensics.nn.PatchCNN",
            "module_params": {"in_channels": 1, "patch_size": PATCH, "n_outputs": 2},
            "estimator_params": {"patch_size": PATCH, "pooling": "mean",
                                 "predict_sampling": "grid"},
            "classes": [0, 1],
            "n_channels": 1,
            "seed": args.seed,
            "epochs": args.epochs,
            "train_settings": [list(map(str, s[:2])) + [list(s[2]), s[3]]
                               for s in TRAIN_SETTINGS],
            "crop_size": CROP,
            "n_train_crops": run["n_train_images"],
            "data": "lossless set; paths relative to --data",
            "train_sources": [run["paths"][i] for i in run["train_idx"]],
            "test_sources": [run["paths"][i] for i in run["test_idx"]],
            "fit_time_s": round(run["fit_time"], 1),
            "held_out": results,
        }
        (out / "upscale-detector.json").write_text(json.dumps(meta, indent=1))
        print(f"Saved {out / 'upscale-detector.pt'}")


if __name__ == "__main__":
    main()
