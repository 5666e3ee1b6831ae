"""Benchmark the pixelwise JPEG estimator on held-out never-compressed images.

::

    python benchmarks/bench_jpeg.py --data ../shared/data/lossless \\
        [--weights skforensics/models/weights/jpeg-quality.skf] [--device cuda] \\
        [--precision {auto,float32,bfloat16}]

Each held-out image (split by source file, the rule of
``scripts/train_jpeg_quality.py``, or the list stored in the weights) is
seen uncompressed and as a JPEG (OpenCV in memory, 4:2:0 unless
``--subsampling`` says otherwise) at quality 10, 20, ..., 90, 95, 97, 98,
99 and 100. The script prints, per condition, the
quality-factor MAE and the detection rate (pooled flag map > 0.5, with the
estimator's ``pooling`` and quality calibration; the summaries of the other
pooling, and of both uncalibrated, follow), then the
issue's targets: MAE averaged over Q10-95, detection of Q97-100, false
positives on uncompressed images, and the time of a 512x512 and a 1920x1080
map. Last, collages (a JPEG region pasted into a never-compressed image):
IoU of the thresholded flag map and AUROC of the flag map against the mask.

Without weights it warns and measures a freshly initialised net, so the
script runs end to end before any training (its accuracy is then
meaningless, its speed is not).
"""

import argparse
import importlib.util
import json
import os
import sys
import time
import warnings

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
CONDITIONS = [None, 10, 20, 30, 40, 50, 60, 70, 80, 90, 95, 97, 98, 99, 100]
TARGETS = {
    "mae_q10_95": 2.0,
    "detect_q97_100": 0.98,
    "false_positive_rate": 0.02,
    "seconds_1080p": 5.0,
}


def _training_script():
    path = os.path.join(HERE, os.pardir, "scripts", "train_jpeg_quality.py")
    spec = importlib.util.spec_from_file_location("train_jpeg_quality", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def load_estimator(args):
    from skforensics.models import PixelwiseJPEGRegressor, load_pretrained_jpeg

    try:
        est = load_pretrained_jpeg(
            path=args.weights,
            device=args.device,
            inference_precision=args.precision,
        )
        source = args.weights or "packaged jpeg-quality weights"
        return est, source
    except FileNotFoundError as exc:
        if args.weights:
            raise
        warnings.warn(
            f"{exc}\nBenchmarking a freshly initialised net with "
            f"{args.n_filters} filters: the accuracy figures mean nothing.",
            UserWarning,
            stacklevel=2,
        )
    est = PixelwiseJPEGRegressor(
        module__n_filters=args.n_filters,
        random_state=0,
        verbose=0,
        device=args.device,
        inference_precision=args.precision,
    ).initialize()
    est.pretrained_info_ = {}
    return est, f"UNTRAINED net, {args.n_filters} filters"


def held_out_paths(args, est):
    train = _training_script()
    relpaths = train.list_images(args.data)
    stored = est.pretrained_info_.get("test_images")
    if stored:
        chosen = [r for r in stored if os.path.exists(os.path.join(args.data, r))]
        if len(chosen) != len(stored):
            warnings.warn(
                f"{len(stored) - len(chosen)} held-out images of the weights' "
                f"metadata are missing from {args.data}.",
                stacklevel=2,
            )
    else:
        chosen = [r for r in relpaths if train.split_of(r) == "test"]
    return chosen[: args.max_images], train


def centre_crop(image, size):
    if size is None:
        return image
    h, w = image.shape[:2]
    top, left = max(0, (h - size) // 2), max(0, (w - size) // 2)
    return image[top : top + size, left : left + size]


def summaries(est, images):
    """{answer: (n_images, 2) array of (quality, p_compressed)}, maps once.

    One answer per pooling; with a quality calibration in the estimator,
    each pooling uncalibrated too.
    """
    from skforensics.models._calibration import _POOLINGS

    calibrated = bool(getattr(est, "quality_calibration_", None))
    pooled = {}
    for quality, flag, _ in est._iter_maps(images):
        for name, pool in _POOLINGS.items():
            answer = est._summary(quality, flag, pooling=name)
            pooled.setdefault(name, []).append(answer)
            if calibrated:
                raw = (pool(quality), pool(flag))
                pooled.setdefault(f"{name}, uncalibrated", []).append(raw)
    return {name: np.asarray(rows, dtype=np.float64) for name, rows in pooled.items()}


def bench_accuracy(est, images, subsampling="4:2:0"):
    """{pooling: rows}: one row of figures per condition, for both poolings."""
    from skforensics.datasets._common import from_uint8, to_uint8
    from skforensics.datasets._jpeg import jpeg_round_trip

    rows = {}
    for condition in CONDITIONS:
        if condition is None:
            X = [from_uint8(to_uint8(img)) for img in images]
        else:
            X = [jpeg_round_trip(img, condition, subsampling) for img in images]
        for name, out in summaries(est, X).items():
            quality, p = out[:, 0], out[:, 1]
            row = {
                "condition": "uncompressed" if condition is None else f"Q{condition}",
                "quality": condition,
                "n": len(X),
                "mean_estimate": float(quality.mean()),
                "detection_rate": float((p > 0.5).mean()),
                "mean_p": float(p.mean()),
            }
            if condition is not None:
                row["mae"] = float(np.abs(quality - condition).mean())
            rows.setdefault(name, []).append(row)
    return rows


def target_figures(rows):
    by_q = {r["quality"]: r for r in rows}
    return {
        "mae_q10_95": float(np.mean([by_q[q]["mae"] for q in CONDITIONS[1:11]])),
        "detect_q97_100": float(
            np.mean([by_q[q]["detection_rate"] for q in (97, 98, 99, 100)])
        ),
        "false_positive_rate": by_q[None]["detection_rate"],
    }


def bench_speed(est, repeats):
    rng = np.random.default_rng(0)
    results = {}
    for name, shape in (("512x512", (512, 512, 3)), ("1920x1080", (1080, 1920, 3))):
        image = rng.integers(0, 256, shape, dtype=np.uint8)
        est.predict_maps([image])  # warm-up
        times = []
        for _ in range(repeats):
            tic = time.perf_counter()
            est.predict_maps([image])
            times.append(time.perf_counter() - tic)
        results[name] = float(np.median(times))
    return results


def bench_collages(est, images, seed=0):
    from skforensics.datasets import make_collages
    from skforensics.metrics import mask_auroc, mask_iou

    X, y, _, masks = make_collages(
        images,
        qualities=[10, 30, 50, 70, 90],
        area_range=(0.15, 0.35),
        random_state=seed,
    )
    _, flag_maps = est.predict_maps(list(X))
    return {
        "n": len(X),
        "qualities": sorted(set(y.tolist())),
        "iou": mask_iou(list(masks), flag_maps),
        "auroc": mask_auroc(list(masks), flag_maps, random_state=seed),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", required=True, help="folder of never-compressed images"
    )
    parser.add_argument(
        "--weights", default=None, help="weights file (default: packaged)"
    )
    parser.add_argument("--device", default="cpu")
    parser.add_argument(
        "--precision",
        default="auto",
        choices=["auto", "float32", "bfloat16"],
        help="inference_precision of the estimator (auto, as pretrained() ships it)",
    )
    parser.add_argument("--max-images", type=int, default=None)
    parser.add_argument(
        "--crop", type=int, default=None, help="centre-crop held-out images (faster)"
    )
    parser.add_argument("--n-filters", type=int, default=32, help="of an untrained net")
    parser.add_argument("--repeats", type=int, default=3, help="timed runs per size")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument(
        "--subsampling",
        default="4:2:0",
        choices=["4:2:0", "4:2:2", "4:4:4"],
        help="chroma subsampling of the test JPEGs (4:2:0 is Pillow's default)",
    )
    parser.add_argument("--json", default=None, help="also write the results here")
    args = parser.parse_args(argv)

    import torch

    est, source = load_estimator(args)
    paths, train = held_out_paths(args, est)
    if not paths:
        sys.exit(f"No held-out images under {args.data}.")
    images = [
        centre_crop(train.load_rgb(os.path.join(args.data, r)), args.crop)
        for r in paths
    ]
    sizes = sorted({f"{im.shape[1]}x{im.shape[0]}" for im in images})
    print(
        f"model: {source}; {est.module_.n_filters} filters; device {args.device}; "
        f"inference precision {est.inference_precision}; "
        f"torch {torch.__version__}, {torch.get_num_threads()} threads"
    )
    print(f"held-out images: {len(images)} from {args.data} (sizes {', '.join(sizes)})")
    print(f"test JPEGs: OpenCV in memory, chroma subsampling {args.subsampling}")

    tic = time.perf_counter()
    by_pooling = bench_accuracy(est, images, args.subsampling)
    rows = by_pooling[est.pooling]
    calibration = (
        "with" if getattr(est, "quality_calibration_", None) else "without"
    )
    print(
        f"image-level answers: {est.pooling} of the maps (the estimator's "
        f"pooling), {calibration} the estimator's quality calibration"
    )
    print(f"\n{'condition':>13s} {'n':>4s} {'MAE':>7s} {'est. Q':>7s} {'detected':>9s}")
    for r in rows:
        mae = f"{r['mae']:7.2f}" if "mae" in r else "      -"
        print(
            f"{r['condition']:>13s} {r['n']:4d} {mae} {r['mean_estimate']:7.1f} "
            f"{100 * r['detection_rate']:8.1f}%"
        )
    summary = target_figures(rows)
    for name, other_rows in by_pooling.items():
        if name != est.pooling:
            other = target_figures(other_rows)
            print(
                f"with {name}: quality MAE Q10-95 {other['mae_q10_95']:.2f}, "
                f"Q97-100 detected {100 * other['detect_q97_100']:.1f}%, false "
                f"positives {100 * other['false_positive_rate']:.1f}%"
            )
    accuracy_seconds = time.perf_counter() - tic
    if not args.skip_speed:
        speed = bench_speed(est, args.repeats)
        summary["seconds_512"] = speed["512x512"]
        summary["seconds_1080p"] = speed["1920x1080"]
        small, large = speed["512x512"], speed["1920x1080"]
        print(
            f"\nmaps: 512x512 {small:.3f} s ({1 / small:.2f} maps/s), "
            f"1920x1080 {large:.3f} s ({1 / large:.2f} maps/s)"
        )
    collages = bench_collages(est, images)
    summary["collage_iou"] = collages["iou"]
    summary["collage_auroc"] = collages["auroc"]
    print(
        f"collages ({collages['n']}, region Q in {collages['qualities']}): "
        f"IoU {collages['iou']:.3f}, AUROC {collages['auroc']:.3f}"
    )

    print("\ntarget                          measured   target   met")
    checks = [
        ("quality MAE, Q10-95", "mae_q10_95", "<="),
        ("detected, Q97-100", "detect_q97_100", ">="),
        ("false positives, uncompressed", "false_positive_rate", "<="),
        ("seconds per 1080p map", "seconds_1080p", "<="),
    ]
    for label, key, op in checks:
        if key not in summary:
            continue
        value, target = summary[key], TARGETS[key]
        met = value <= target if op == "<=" else value >= target
        print(f"{label:30s} {value:9.3f} {op}{target:7.3g}   {'yes' if met else 'NO'}")
    print(f"(accuracy part took {accuracy_seconds:.0f} s)")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {
                    "model": source,
                    "pooling": est.pooling,
                    "rows": rows,
                    "rows_by_pooling": by_pooling,
                    "summary": summary,
                    "collages": collages,
                },
                f,
                indent=1,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
