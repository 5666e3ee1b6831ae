#!/usr/bin/env python
"""Fake-4K benchmark: the patch CNN against the report and BRISQUE + SVM.

Reproduces the protocol of the CNN-based image re-scaling identification
report on never-compressed photographs and goes one step further:

- "real" = a native image; "fake" = the same image downscaled x0.5 and
  upscaled x2 with bicubic or Lanczos interpolation (plus Pillow's
  antialiased bicubic, bilinear, no-antialias downscaling, x1.5 and x3 for
  information);
- the detector is trained on patches of a subset of the source images and
  tested on the **other** source images (split by source, stratified by
  sub-folder), with the recipe of ``scripts/train_upscale_detector.py``;
- (a) the report's protocol: one centre 64x64 tile per test image;
  (b) all tiles pooled per image (mean probability); and per-tile accuracy;
- the baseline: BRISQUE features (:class:`skforensics.feature.BRISQUEExtractor`)
  and an RBF SVM, trained on the same training sources (whole images, one
  real and one fake per training setting) and tested on the same images;
- CPU figures: training time and patches/s, inference patches/s, and the
  time to score all 1,980 tiles of a 3840x2160 frame.

Targets (issue 3): centre-tile accuracy >= 96.3% (the report: 96.33%),
pooled accuracy >= 99.5% with <= 1% of real images called upscaled,
training <= 10 minutes and 4K inference <= 1 s on 2 CPU cores.

The report's 1080p -> 4K setting needs sources of at least 3840x2160; the
lossless set's largest images are 1024x1024, so it is run at the same x2
factor on the native sizes instead.

Usage::

    python benchmarks/bench_fake4k.py --data ../shared/data/lossless
    python benchmarks/bench_fake4k.py --data ... --pretrained   # no training

``--pretrained`` evaluates the shipped ``pretrained("upscale-detector")``
on the held-out sources recorded with its weights, instead of training.

Per condition (issue 13): the post-processing real fake-4K files go through,
applied to real and upscaled images alike (JPEG, H.264 and HEVC through
PyAV, an unsharp mask), plus real images blurred by a Gaussian (never
resampled: they must stay real); "upscales caught" and "real kept real"
per condition, pooled per image. ``--no-crops`` skips the 128x128 crops
comparison (it trains a BRISQUE + SVM); ``--no-conditions`` skips the
per-condition table. The generation speed of each operation of
:func:`skforensics.datasets.make_degraded_images` is measured too.
"""

import argparse
import importlib.util
import json
import os
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]


def _recipe():
    spec = importlib.util.spec_from_file_location(
        "train_upscale_detector", ROOT / "scripts" / "train_upscale_detector.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def brisque_baseline(recipe, train_images, real, fakes, seed, n_jobs):
    """BRISQUE + RBF SVM trained on whole training images; image accuracy."""
    from sklearn.model_selection import GridSearchCV, GroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from skforensics.datasets import make_rescaled_images
    from skforensics.feature import BRISQUEExtractor

    rng = np.random.RandomState(seed)
    X, y, groups = [], [], []
    for factor, downscale, kernels, _ in recipe.TRAIN_SETTINGS:
        for g, image in enumerate(train_images):
            Xs, ys, _ = make_rescaled_images(
                [image], factor=factor, kernels=kernels, downscale=downscale,
                random_state=rng,
            )
            X += [recipe.luminance(x) for x in Xs]
            y += list(ys)
            groups += [g] * len(ys)
    t0 = time.perf_counter()
    brisque = BRISQUEExtractor(n_jobs=n_jobs)
    F = brisque.fit_transform(X)
    feature_time = time.perf_counter() - t0
    search = GridSearchCV(
        make_pipeline(StandardScaler(), SVC(kernel="rbf")),
        {"svc__C": [1, 10, 100], "svc__gamma": ["scale", 0.01]},
        cv=GroupKFold(4),
    )
    t0 = time.perf_counter()
    search.fit(F, np.asarray(y), groups=np.asarray(groups))
    fit_time = time.perf_counter() - t0
    results = {}
    for name, images in [("real", real), *fakes.items()]:
        pred = search.predict(brisque.transform(images))
        results[name] = {
            "n_images": len(images),
            "accuracy": float(np.mean(pred == (name != "real"))),
        }
    n = results["real"]["n_images"]
    num = results["real"]["accuracy"] * n
    den = n
    for name in recipe.REPORT_KERNELS:
        num += results[name]["accuracy"] * results[name]["n_images"]
        den += results[name]["n_images"]
    results["report"] = {"accuracy": float(num / den)}
    return results, {
        "n_train_images": len(X),
        "feature_time_s": feature_time,
        "fit_time_s": fit_time,
        "best_params": search.best_params_,
    }


def crop_comparison(recipe, clf, train_images, test_images, seed, n_jobs):
    """CNN vs BRISQUE + SVM on 128x128 crops (the CNN's training crops).

    Small images are where one tile decides; both models are trained on the
    same crops of the training sources and tested on 128x128 crops of the
    held-out sources (real, bicubic x2, Lanczos x2), 4 tiles per crop.
    """
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from skforensics.datasets import make_rescaled_images
    from skforensics.feature import BRISQUEExtractor

    X_train, y_train = recipe.make_training_set(train_images, seed)
    rng = np.random.RandomState(seed)
    X_test, y_test = [], []
    for image in test_images:  # one by one: sources mix gray and RGB
        Xs, ys, _ = make_rescaled_images(
            [image], factor=2, kernels=("bicubic", "lanczos"), each_kernel=True,
            crop_size=recipe.CROP, n_crops=8, random_state=rng,
        )
        X_test += [recipe.luminance(x) for x in Xs]
        y_test += list(ys)
    X_test, y_test = np.stack(X_test), np.asarray(y_test)
    brisque = BRISQUEExtractor(n_jobs=n_jobs)
    svm = make_pipeline(StandardScaler(), SVC(C=10)).fit(
        brisque.fit_transform(X_train), y_train
    )
    base = svm.predict(brisque.transform(X_test))
    pooled = clf.predict(X_test)
    centre = clf.set_params(predict_sampling="center").predict(X_test)
    clf.set_params(predict_sampling="grid")
    real = y_test == 0
    out = {"n_crops": int(len(X_test))}
    for name, pred in [("cnn_pooled", pooled), ("cnn_centre", centre),
                       ("brisque_svm", base)]:
        out[name] = {
            "accuracy": float(np.mean(pred == y_test)),
            "real_called_upscaled": float(np.mean(pred[real] == 1)),
            "upscaled_missed": float(np.mean(pred[~real] == 0)),
        }
    return out


CONDITIONS = {
    # name: (kind, parameters); applied to the whole image (RGB or gray).
    "none": ("none", {}),
    "JPEG Q90": ("jpeg", {"quality": 90}),
    "JPEG Q75": ("jpeg", {"quality": 75}),
    "H.264 CRF 18": ("video", {"codec": "h264", "crf": 18}),
    "H.264 CRF 23": ("video", {"codec": "h264", "crf": 23}),
    "H.264 CRF 28": ("video", {"codec": "h264", "crf": 28}),
    "HEVC CRF 23": ("video", {"codec": "hevc", "crf": 23}),
    "unsharp r=1 100%": ("sharpen", {"radius": 1.0, "amount": 1.0}),
    "unsharp r=2 150%": ("sharpen", {"radius": 2.0, "amount": 1.5}),
}
BLUR_SIGMAS = (0.7, 1.0, 1.5)
CONDITION_FAKES = {
    # name: (factor, upscaling kernel of make_rescaled_images), area downscale
    "bicubic x2": (2.0, "bicubic"),
    "lanczos x2": (2.0, "lanczos"),
    "bicubic x1.5": (1.5, "bicubic"),
}


def _degrade(image, kind, params):
    from skforensics.datasets import unsharp_mask, video_round_trip
    from skforensics.datasets._jpeg import jpeg_round_trip

    image = np.asarray(image, dtype=np.float32)
    if kind == "jpeg":
        return jpeg_round_trip(image, params["quality"])
    if kind == "video":
        return video_round_trip(image, **params)
    if kind == "sharpen":
        out = unsharp_mask(image, **params)
        return np.round(out * 255) / np.float32(255)
    return image


def per_condition(recipe, clf, images):
    """Images caught per post-processing condition, pooled per image.

    Real and upscaled images (made from the same held-out sources, as the
    clean test set) go through the same post-processing; the blur rows are
    real images only.
    """
    import cv2

    from skforensics.datasets import make_rescaled_images

    def called_upscaled(batch):
        maps = clf.predict_patch_map([recipe.luminance(x) for x in batch])
        return np.array([m.mean() > 0.5 for m in maps])

    sources = [np.asarray(im, dtype=np.float32) for im in images]
    sources = [s / 255 if s.max() > 1 else s for s in sources]
    fakes = {}
    for name, (factor, kernel) in CONDITION_FAKES.items():
        fakes[name] = [
            make_rescaled_images([s], factor=factor, kernels=(kernel,),
                                 random_state=0)[0][1]
            for s in sources
        ]
    rows = {}
    for cond, (kind, params) in CONDITIONS.items():
        t0 = time.perf_counter()
        real = called_upscaled([_degrade(s, kind, params) for s in sources])
        row = {"real_kept_real": int(np.sum(~real)), "n_real": len(sources)}
        for name, fake in fakes.items():
            caught = called_upscaled([_degrade(f, kind, params) for f in fake])
            row[name] = int(np.sum(caught))
        row["n_fake"] = len(sources)
        row["time_s"] = time.perf_counter() - t0
        rows[cond] = row
    for sigma in BLUR_SIGMAS:
        blurred = [
            np.round(cv2.GaussianBlur(s, (0, 0), sigma) * 255) / np.float32(255)
            for s in sources
        ]
        real = called_upscaled(blurred)
        rows[f"real blurred, sigma {sigma:g}"] = {
            "real_kept_real": int(np.sum(~real)), "n_real": len(sources),
        }
    return rows


def print_conditions(rows):
    names = list(CONDITION_FAKES)
    print(f"\n{'condition':<26}" + "".join(f"{n:>14}" for n in names)
          + f"{'all upscales':>14}{'real kept real':>16}")
    for cond, row in rows.items():
        cells = ""
        if "n_fake" in row:
            n = row["n_fake"]
            cells = "".join(f"{row[k]:>10}/{n:<3}" for k in names)
            total = sum(row[k] for k in names)
            cells += f"{total:>10}/{n * len(names):<3}"
        else:
            cells = f"{'-':>14}" * (len(names) + 1)
        print(f"{cond:<26}{cells}{row['real_kept_real']:>12}/{row['n_real']:<3}")


def generation_speed(size=128, n=40):
    """Images per second of each operation of make_degraded_images."""
    from skforensics.datasets import (
        rescale_image,
        unsharp_mask,
        video_round_trip,
    )
    from skforensics.datasets._degrade import RESAMPLERS, _denoise
    from skforensics.datasets._jpeg import jpeg_round_trip
    from skforensics.utils import make_test_images

    images = make_test_images(n, size, n_channels=3, random_state=0)
    images = np.round(images * 255) / np.float32(255)
    ops = {f"rescale x2 {r}": (lambda x, r=r: rescale_image(x, 2.0, resampler=r))
           for r in RESAMPLERS if r != "opencv-area"}
    ops.update({
        "unsharp mask": lambda x: unsharp_mask(x, radius=1.0, amount=1.0),
        "bilateral denoise": lambda x: _denoise(x, 0.05, 1.0),
        "JPEG Q85": lambda x: jpeg_round_trip(x, 85),
        "H.264 CRF 23": lambda x: video_round_trip(x, codec="h264", crf=23),
        "HEVC CRF 23": lambda x: video_round_trip(x, codec="hevc", crf=23),
    })
    out = {}
    for name, op in ops.items():
        op(images[0])
        t0 = time.perf_counter()
        for x in images:
            op(x)
        out[name] = n / (time.perf_counter() - t0)
    return out


def time_4k(clf, repeats=3):
    """Median seconds to score all tiles of a 3840x2160 frame (gray and RGB)."""
    import cv2

    from skforensics.models import pretrained
    from skforensics.utils import make_test_images

    small = make_test_images(1, size=(540, 960), n_channels=3, random_state=0)[0]
    frame = cv2.resize(small, (3840, 2160), interpolation=cv2.INTER_CUBIC)
    frame = np.clip(frame, 0, 1)
    rgb8 = np.round(frame * 255).astype(np.uint8)[np.newaxis]
    gray = np.ascontiguousarray(frame.mean(axis=2, dtype=np.float32))[np.newaxis]
    pipe = pretrained("upscale-detector")
    pipe.steps[-1] = ("detector", clf)
    out = {}
    cases = [("gray float32", gray, clf), ("RGB uint8 (pipeline)", rgb8, pipe)]
    for name, X, model in cases:
        model.predict_proba(X)  # warm-up
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            model.predict_proba(X)
            times.append(time.perf_counter() - t0)
        out[name] = float(np.median(times))
    n_tiles = (2160 // 64) * (3840 // 64)
    out["tiles"] = n_tiles
    out["patches_per_s"] = n_tiles / out["gray float32"]
    return out


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared/data/lossless"))
    parser.add_argument("--epochs", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--test-size", type=float, default=0.2)
    parser.add_argument("--pretrained", action="store_true",
                        help="evaluate the shipped weights instead of training")
    parser.add_argument("--no-baseline", action="store_true")
    parser.add_argument("--no-crops", action="store_true",
                        help="skip the 128x128 crops comparison (trains an SVM)")
    parser.add_argument("--no-conditions", action="store_true",
                        help="skip the per-condition table (needs PyAV)")
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/fake4k.json"))
    args = parser.parse_args(argv)

    import torch

    torch.set_num_threads(max(1, min(args.threads, os.cpu_count() or 1)))
    recipe = _recipe()
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, "
          f"load average {load:.1f} on {os.cpu_count()} cores")

    if args.pretrained:
        from skforensics.models import pretrained

        meta = json.loads(
            (ROOT / "skforensics/models/weights/upscale-detector.json").read_text()
        )
        clf = pretrained("upscale-detector")[-1]
        images, folders, paths = recipe.load_sources(args.data)
        test_set = set(meta["test_sources"])
        test_idx = [i for i, p in enumerate(paths) if p in test_set]
        train_idx = [i for i, p in enumerate(paths) if p not in test_set]
        training = {"fit_time_s": meta["fit_time_s"], "source": "weights metadata"}
    else:
        run = recipe.train(args.data, epochs=args.epochs, seed=args.seed,
                           test_size=args.test_size, threads=args.threads)
        clf, images = run["clf"], run["images"]
        train_idx, test_idx = run["train_idx"], run["test_idx"]
        training = {
            "fit_time_s": run["fit_time"],
            "n_patches": run["n_patches"],
            "patches_per_s": run["n_patches"] / run["fit_time"],
            "n_train_crops": run["n_train_images"],
        }
        print(f"\nTraining: {run['fit_time']:.0f} s, {run['n_patches']} patches, "
              f"{training['patches_per_s']:.0f} patches/s")

    real, fakes = recipe.make_test_set([images[i] for i in test_idx])
    t0 = time.perf_counter()
    cnn = recipe.evaluate(clf, real, fakes)
    eval_time = time.perf_counter() - t0
    n_tiles = sum(r["n_tiles"] for k, r in cnn.items() if k != "report")
    recipe.print_results(cnn, f"Patch CNN on {len(test_idx)} held-out sources")
    print(f"(scored {n_tiles} tiles twice in {eval_time:.0f} s)")

    baseline = None
    if not args.no_baseline:
        base, info = brisque_baseline(
            recipe, [images[i] for i in train_idx], real, fakes, args.seed,
            n_jobs=args.threads,
        )
        baseline = {"results": base, **info}
        print(f"\nBRISQUE + SVM (whole images; {info['n_train_images']} training "
              f"images, features {info['feature_time_s']:.0f} s, "
              f"{info['best_params']})")
        print(f"{'images':<28}{'CNN pooled':>12}{'CNN centre':>12}{'BRISQUE+SVM':>13}")
        for name in ["real", *fakes, "report"]:
            print(f"{name:<28}{cnn[name]['pooled']:>12.2%}"
                  f"{cnn[name]['centre_tile']:>12.2%}{base[name]['accuracy']:>13.2%}")

    crops = None
    if not args.no_crops:
        crops = crop_comparison(
            recipe, clf, [images[i] for i in train_idx], [images[i] for i in test_idx],
            args.seed, n_jobs=args.threads,
        )
        print(f"\n{crops['n_crops']} held-out 128x128 crops (real, bicubic x2, "
              "Lanczos x2; models trained on the same training crops):")
        print(f"{'model':<24}{'accuracy':>10}{'real -> upscaled':>18}{'missed':>9}")
        for name in ("cnn_pooled", "cnn_centre", "brisque_svm"):
            r = crops[name]
            print(f"{name:<24}{r['accuracy']:>10.2%}{r['real_called_upscaled']:>18.2%}"
                  f"{r['upscaled_missed']:>9.2%}")

    conditions = None
    if not args.no_conditions:
        t0 = time.perf_counter()
        conditions = per_condition(recipe, clf, [images[i] for i in test_idx])
        print(f"\nPer condition, {len(test_idx)} held-out sources (pooled per "
              f"image; the same post-processing for real and upscaled; "
              f"{time.perf_counter() - t0:.0f} s):")
        print_conditions(conditions)
        generation = generation_speed()
        print("\nGeneration speed, 128x128 RGB, images/s on one core:")
        for name, rate in generation.items():
            print(f"  {name:<28}{rate:>8.0f}")
    else:
        generation = None

    speed = time_4k(clf)
    print(f"\n4K frame ({speed['tiles']} tiles of 64x64): "
          f"{speed['gray float32']:.2f} s gray float32, "
          f"{speed['RGB uint8 (pipeline)']:.2f} s RGB uint8 through the pipeline "
          f"({speed['patches_per_s']:.0f} patches/s)")

    report = cnn["report"]
    print("\nTargets:")
    print(f"  centre-tile accuracy {report['centre_tile']:.2%} (>= 96.3%), per-tile "
          f"{report['per_tile']:.2%}")
    print(f"  pooled accuracy {report['pooled']:.2%} (>= 99.5%), real called "
          f"upscaled {1 - cnn['real']['pooled']:.2%} (<= 1%)")
    print(f"  training {training['fit_time_s'] / 60:.1f} min (<= 10), 4K "
          f"{speed['gray float32']:.2f} s (<= 1 s)")

    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({
        "cnn": cnn, "baseline": baseline, "crops_128": crops, "training": training,
        "conditions": conditions, "generation_images_per_s": generation,
        "speed_4k": speed,
        "load_average": load, "threads": torch.get_num_threads(),
    }, indent=1, default=str))
    print(f"Wrote {out}")


if __name__ == "__main__":
    main()
