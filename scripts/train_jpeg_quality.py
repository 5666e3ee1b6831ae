"""Train the pixelwise JPEG net on never-compressed photographs.

Reproducible and resumable training of
:class:`skforensics.models.PixelwiseJPEGRegressor` for the shipped
``jpeg-quality`` weights::

    python scripts/train_jpeg_quality.py --data ../shared/data/lossless \\
        --out skforensics/models/weights/jpeg-quality.pt --device cuda --workers 6

What it does, deterministically for a given ``--seed``:

- lists the images of ``--data`` (recursively) and splits them **by source
  file** with a hash of the relative path: ``--test-percent`` (default 20)
  are held out for ``benchmarks/bench_jpeg.py`` and never read here,
  ``--valid-percent`` (default 10) give a fixed validation set of patches,
  the rest is the training set. The split does not depend on the other files
  of the folder, so adding images never moves one from test to train;
- adds to the training set copies of the large images downscaled by 2 and 4
  (OpenCV INTER_AREA, down to a short side of ``--min-side``), for variety
  of scale (they share their source's side of the split);
- trains the lattice net (``front_end="lattice"``) with the pooled quality tests of
  ``--lattice-qualities`` (the shipped set by default; none with the bare
  option) with Adam and a cosine learning-rate decay over ``--epochs``
  epochs of ``--patches-per-epoch`` patches drawn online (random
  ``--patch-size`` crop and dihedral transform, JPEG at a uniform quality
  in 5..100 for 90% of them, chroma subsampling 4:2:0 for half of those
  and 4:2:2 or 4:4:4 for a quarter each, as ``--subsampling`` says), the
  estimator's own patch generator, seeded per epoch and patch. ``--init
  CKPT`` starts a new stage from a checkpoint's net, with zero weights on
  any inputs the new net has and the old one lacked;
- with ``--resized-fraction``, resizes that share of the training patches
  after their JPEG round trip (``--resize-range``, ``--resize-kernels``);
  ``--resize-pairs`` draws them as pairs of one crop, one compressed and
  one never compressed, so that half the resized patches are negatives;
- writes a checkpoint (net, optimizer, history) at the end of an epoch when
  ``--checkpoint-minutes`` have passed since the last one, on Ctrl-C or
  SIGTERM (after the current epoch), and when ``--max-minutes`` is spent;
  ``--resume CKPT`` continues from it and sees the same patches an
  uninterrupted run would have seen. Keep epochs short enough (a few
  minutes) for the checkpoints to be frequent. ``--resume CKPT --finish``
  writes the weights of a checkpoint without the remaining epochs, for
  when the time runs out;
- at the end, writes the weights (float16 by default, loaded back as
  float32) with the data, split, settings, timings and validation figures
  in their metadata, ready for ``load_pretrained_jpeg(path=...)``;
- then loads them back and fits their quality calibration
  (``PixelwiseJPEGRegressor.calibrate_quality``) on the validation images
  and their downscaled copies, each at ``--calibration-qualities`` random
  qualities, and writes it into the weights. ``--calibrate-only WEIGHTS``
  does just this step for an existing weights file (written to ``--out``).

On CUDA, convolution algorithms are not bitwise deterministic, so two GPU
runs agree only to rounding; on CPU with the same thread count they agree
exactly.
"""

import argparse
import json
import math
import os
import signal
import sys
import time
import zlib

import cv2
import numpy as np
import torch

SUFFIXES = (".png", ".tif", ".tiff", ".bmp", ".ppm", ".pgm", ".pnm", ".webp")


def list_images(folder):
    """Sorted relative paths of the lossless image files under ``folder``."""
    paths = []
    for root, _, files in os.walk(folder):
        for name in files:
            if name.lower().endswith(SUFFIXES):
                paths.append(os.path.relpath(os.path.join(root, name), folder))
    return sorted(paths)


def split_of(relpath, test_percent=20, valid_percent=10):
    """'test', 'valid' or 'train' for one source file, from a hash of its path.

    ``benchmarks/bench_jpeg.py`` uses this same rule to find the held-out
    images.
    """
    bucket = zlib.crc32(relpath.replace(os.sep, "/").encode("utf-8")) % 100
    if bucket < test_percent:
        return "test"
    if bucket < test_percent + valid_percent:
        return "valid"
    return "train"


def load_rgb(path):
    """One image as float32 RGB in [0, 1] (grayscale repeated)."""
    from skforensics.utils import check_images, read_image

    return check_images([read_image(path)], convert_to="rgb", check_range=True)[0]


def downscaled(image, min_side):
    """Copies of ``image`` halved and quartered while the short side allows."""
    copies = []
    for factor in (2, 4):
        height, width = image.shape[0] // factor, image.shape[1] // factor
        if min(height, width) < min_side:
            break
        copies.append(cv2.resize(image, (width, height), interpolation=cv2.INTER_AREA))
    return copies


def cosine_lr(epoch, epochs, lr, final=0.01):
    """Learning rate of ``epoch``: cosine decay from lr to final * lr."""
    t = min(epoch / max(epochs - 1, 1), 1.0)
    return lr * (final + (1 - final) * 0.5 * (1 + math.cos(math.pi * t)))


def evaluate(est, dataset, batch_size):
    """MSE loss, quality MAE (patch centre, 16 px in) and flag accuracy."""
    loader = torch.utils.data.DataLoader(dataset, batch_size=batch_size)
    module = est.module_
    module.eval()
    sq, n_pix, abs_q, n_q, correct, n = 0.0, 0, 0.0, 0, 0, 0
    hits, n_top, false_alarms, n_never = 0, 0, 0, 0
    with torch.inference_mode():
        for x, y in loader:
            out = module(x.to(est.device)).float().cpu()
            sq += float(((out - y) ** 2).sum())
            n_pix += y.numel()
            c = slice(16, -16)
            q_pred = out[:, 0, c, c].clamp(0, 1).mean(dim=(1, 2))
            f_pred = out[:, 1, c, c].clamp(0, 1).mean(dim=(1, 2))
            q_true, f_true = y[:, 0, 0, 0], y[:, 1, 0, 0]
            compressed = f_true > 0.5
            called = f_pred > 0.5
            abs_q += float((100 * (q_pred - q_true)).abs()[compressed].sum())
            n_q += int(compressed.sum())
            correct += int((called == compressed).sum())
            n += len(y)
            # Q99 and Q100 (level <= 0.01) and never-compressed patches.
            top = compressed & (q_true <= 0.01 + 1e-6)
            hits += int(called[top].sum())
            n_top += int(top.sum())
            false_alarms += int(called[~compressed].sum())
            n_never += int((~compressed).sum())
    return {
        "valid_loss": sq / n_pix,
        "valid_quality_mae": abs_q / max(n_q, 1),
        "valid_flag_accuracy": correct / max(n, 1),
        "valid_detect_q99_100": hits / max(n_top, 1),
        "valid_false_positive": false_alarms / max(n_never, 1),
    }


def save_atomic(obj, path):
    tmp = f"{path}.tmp"
    torch.save(obj, tmp)
    os.replace(tmp, path)


def build_parser():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", required=True, help="folder of never-compressed images")
    p.add_argument("--out", required=True, help="weights file to write (.pt)")
    p.add_argument("--device", default="cpu", help="cpu or cuda")
    p.add_argument("--n-filters", type=int, default=32)
    p.add_argument(
        "--lattice-qualities",
        type=int,
        nargs="*",
        default=list(LATTICE_QUALITIES),
        help="qualities the net's lattice front end tests, pooled (none: off)",
    )
    p.add_argument("--lattice-pool", type=int, default=2)
    p.add_argument("--patch-size", type=int, default=64)
    p.add_argument("--epochs", type=int, default=60)
    p.add_argument("--patches-per-epoch", type=int, default=20000)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=1e-3)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--workers", type=int, default=0, help="data-loader workers")
    p.add_argument(
        "--threads",
        type=int,
        default=None,
        help="torch and OpenCV threads of this process (default: theirs)",
    )
    p.add_argument("--valid-patches", type=int, default=2000)
    p.add_argument("--test-percent", type=int, default=20)
    p.add_argument("--valid-percent", type=int, default=10)
    p.add_argument("--min-side", type=int, default=256, help="of downscaled copies")
    p.add_argument("--max-images", type=int, default=None, help="first N train images")
    p.add_argument("--checkpoint", default=None, help="default: OUT.ckpt")
    p.add_argument("--checkpoint-minutes", type=float, default=10.0)
    p.add_argument("--max-minutes", type=float, default=None, help="stop (resumable)")
    p.add_argument("--resume", default=None, help="checkpoint to continue from")
    p.add_argument(
        "--subsampling",
        nargs="+",
        default=["4:2:0", "4:2:0", "4:2:2", "4:4:4"],
        help="chroma subsamplings drawn per patch (repeat one to weight it)",
    )
    p.add_argument(
        "--quality-boost",
        nargs="*",
        default=[],
        metavar="Q:W",
        help="draw quality Q W times as often as the others (e.g. 99:8 100:8)",
    )
    p.add_argument("--uncompressed-fraction", type=float, default=0.1)
    p.add_argument(
        "--tables",
        nargs="+",
        default=["libjpeg:1"],
        metavar="FAMILY:W",
        help="quantisation-table families drawn per patch with weights W "
        "(families of skforensics.datasets.draw_quantization_tables; e.g. "
        "libjpeg:4 mozjpeg:1 jpegli:1 perturbed:1 monotone:1)",
    )
    p.add_argument(
        "--blurred-copies",
        type=int,
        default=0,
        help="add this many Gaussian-blurred copies (sigma 0.8-2) of every "
        "training image: smooth never-compressed content, the hardest case "
        "at Q97-100",
    )
    p.add_argument(
        "--init",
        default=None,
        help="checkpoint whose net weights start this run (a new stage with "
        "a fresh optimizer and schedule; its budget is added to this one's)",
    )
    p.add_argument("--dtype", choices=["float16", "float32"], default="float16")
    p.add_argument(
        "--finish",
        action="store_true",
        help="with --resume: write the weights of the checkpoint now, without "
        "training the remaining epochs (the metadata says how many were done)",
    )
    p.add_argument(
        "--calibration-qualities",
        type=int,
        default=24,
        help="random qualities per validation image for the quality "
        "calibration of the weights (0: none)",
    )
    p.add_argument(
        "--calibrate-only",
        default=None,
        metavar="WEIGHTS",
        help="calibrate this weights file on the validation images, write --out",
    )
    p.add_argument(
        "--release",
        action="store_true",
        help="mark the weights as final, not preliminary",
    )
    p.add_argument(
        "--resized-fraction",
        type=float,
        default=0.0,
        help="share of training patches resized after their JPEG round trip "
        "(or without one: uncompressed patches stay negatives), by a factor "
        "drawn log-uniformly from --resize-range (0: none, as before)",
    )
    p.add_argument(
        "--resize-range",
        type=float,
        nargs=2,
        default=[0.5, 2.0],
        metavar=("LOW", "HIGH"),
    )
    p.add_argument(
        "--resize-kernels",
        nargs="+",
        default=["cubic", "lanczos", "area"],
        choices=["cubic", "lanczos", "area", "linear"],
        help="OpenCV interpolations of the resize",
    )
    p.add_argument(
        "--resize-pairs",
        action="store_true",
        help="draw the resized patches as pairs of one crop, resized alike, "
        "one JPEG-compressed and one never compressed (JPEGPatchDataset's "
        "resize_pairs), so that half the resized patches are negatives",
    )
    return p


# The repository root: recorded paths are relative to it.
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

# Settings that must not change when resuming, with their values in
# checkpoints made before they existed.
FIXED = (
    "n_filters",
    "lattice_qualities",
    "lattice_pool",
    "patch_size",
    "epochs",
    "patches_per_epoch",
    "batch_size",
    "lr",
    "seed",
    "test_percent",
    "valid_percent",
    "min_side",
    "max_images",
    "subsampling",
    "quality_boost",
    "uncompressed_fraction",
    "tables",
    "blurred_copies",
    "init",
    "resized_fraction",
    "resize_range",
    "resize_kernels",
    "resize_pairs",
)
BEFORE_OPTION = {
    "lattice_qualities": [],
    "lattice_pool": 2,
    "patch_size": 60,
    "tables": ["libjpeg:1"],
    "blurred_copies": 0,
    "resized_fraction": 0.0,
    "resize_range": [0.5, 2.0],
    "resize_kernels": ["cubic", "lanczos", "area"],
    "resize_pairs": False,
}

# The front end's pooled quality tests: the lattice of any integer steps
# (100) and the qualities whose low-frequency steps set them apart.
LATTICE_QUALITIES = (100, 90, 80, 70, 60, 50, 45, 40, 35, 30, 25, 20, 15, 10)


def load_widened(module, state):
    """Load ``state`` into ``module``, zero-padding inputs the net gained.

    A net whose front end has more channels than the one ``state`` came
    from (new ``--lattice-qualities``) starts with zero weights on them, so
    it computes exactly what the old net did and learns to use them.
    """
    own = module.state_dict()
    state = dict(state)
    for key, value in state.items():
        target = own.get(key)
        if (
            target is not None
            and value.ndim == 4
            and target.shape[0] == value.shape[0]
            and target.shape[2:] == value.shape[2:]
            and target.shape[1] > value.shape[1]
        ):
            widened = torch.zeros_like(target)
            widened[:, : value.shape[1]] = value
            state[key] = widened
            print(f"{key}: {target.shape[1] - value.shape[1]} new inputs start at 0")
    module.load_state_dict(state)


def quality_weights(boosts, low=5, high=100):
    """Sampling weights of the qualities low..high from ``Q:W`` strings."""
    if not boosts:
        return None
    weights = np.ones(high - low + 1)
    for item in boosts:
        quality, _, weight = item.partition(":")
        if not quality.isdigit() or not low <= int(quality) <= high:
            sys.exit(f"--quality-boost {item!r}: Q must be an int in {low}..{high}.")
        try:
            weights[int(quality) - low] = float(weight)
        except ValueError:
            sys.exit(f"--quality-boost {item!r}: expected Q:W with W a number.")
    return weights


def table_weights(items):
    """``{family: weight}`` from ``FAMILY:W`` strings."""
    from skforensics.datasets import TABLE_FAMILIES

    weights = {}
    for item in items:
        family, _, weight = item.partition(":")
        if family not in TABLE_FAMILIES:
            sys.exit(f"--tables {item!r}: FAMILY must be one of {TABLE_FAMILIES}.")
        try:
            weights[family] = float(weight or 1)
        except ValueError:
            sys.exit(f"--tables {item!r}: expected FAMILY:W with W a number.")
    return weights


def blurred(image, n_copies, rng):
    """``n_copies`` Gaussian-blurred copies of ``image`` (sigma 0.8-2)."""
    import cv2

    return [
        cv2.GaussianBlur(image, (0, 0), float(rng.uniform(0.8, 2.0)))
        for _ in range(n_copies)
    ]


def write_model_file(weights):
    """Write the weights again as a save_model file beside them (``.skf``).

    That is the form the package ships (``weights/jpeg-quality.skf``), read
    by ``load_model``: no pickle, no ``torch.load``.
    """
    from skforensics.models import load_pretrained_jpeg
    from skforensics.utils import save_model

    target = os.path.splitext(weights)[0] + ".skf"
    save_model(load_pretrained_jpeg(path=weights), target)
    print(f"model file: {target} ({os.path.getsize(target) / 1024:.0f} KiB)")
    return target


def calibrate(path, out, images, args):
    """Fit the quality calibration of the weights at ``path``, write ``out``.

    The weights are read back from the file, so that the calibration is that
    of the stored (float16) net.
    """
    from skforensics.models import load_pretrained_jpeg
    from skforensics.models._serialization import save_jpeg_weights

    est = load_pretrained_jpeg(path=path, device=args.device)
    tic = time.perf_counter()
    est.calibrate_quality(
        images, n_qualities=args.calibration_qualities, random_state=args.seed
    )
    metadata = dict(est.pretrained_info_)
    metadata["quality_calibration"] = {
        "images": len(images),
        "qualities_per_image": args.calibration_qualities,
        "seed": args.seed,
        "seconds": round(time.perf_counter() - tic, 1),
    }
    dtype = torch.float16 if args.dtype == "float16" else torch.float32
    save_jpeg_weights(est, out, metadata=metadata, dtype=dtype)
    knots = est.quality_calibration_[est.pooling]
    seconds = metadata["quality_calibration"]["seconds"]
    print(
        f"quality calibration ({len(images)} validation images x "
        f"{args.calibration_qualities} qualities, {seconds} s): "
        + ", ".join(
            f"{x:.1f} -> {np.interp(x, *knots):.1f}" for x in (10, 30, 50, 70, 90, 99)
        ),
        flush=True,
    )


def main(argv=None):
    args = build_parser().parse_args(argv)
    from skorch.history import History

    from skforensics.models import PixelwiseJPEGRegressor
    from skforensics.models._serialization import save_jpeg_weights

    start = time.perf_counter()
    if args.threads:
        torch.set_num_threads(args.threads)
        cv2.setNumThreads(args.threads)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    checkpoint_path = args.checkpoint or f"{args.out}.ckpt"
    resumed = None
    if args.resume:
        resumed = torch.load(args.resume, map_location="cpu", weights_only=False)
        defaults = build_parser().parse_args(["--data", "", "--out", ""])
        for key in FIXED:
            made_with = resumed["args"].get(
                key, BEFORE_OPTION.get(key, getattr(defaults, key))
            )
            if made_with != getattr(args, key):
                sys.exit(
                    f"--{key.replace('_', '-')} is {getattr(args, key)!r} but the "
                    f"checkpoint was made with {made_with!r}."
                )

    relpaths = list_images(args.data)
    if not relpaths:
        sys.exit(f"No lossless images ({', '.join(SUFFIXES)}) under {args.data}.")
    split = {r: split_of(r, args.test_percent, args.valid_percent) for r in relpaths}
    train_paths = [r for r in relpaths if split[r] == "train"][: args.max_images]
    valid_paths = [r for r in relpaths if split[r] == "valid"]
    test_paths = [r for r in relpaths if split[r] == "test"]
    print(
        f"{len(relpaths)} images: {len(train_paths)} train, {len(valid_paths)} "
        f"valid, {len(test_paths)} test (held out for the benchmark)",
        flush=True,
    )
    valid_images = [load_rgb(os.path.join(args.data, r)) for r in valid_paths]
    calibration_images = []
    for image in valid_images:
        calibration_images += [image] + downscaled(image, args.min_side)
    if args.calibrate_only:
        if not valid_images or args.calibration_qualities < 1:
            sys.exit(
                "--calibrate-only needs validation images and "
                "--calibration-qualities >= 1."
            )
        calibrate(args.calibrate_only, args.out, calibration_images, args)
        write_model_file(args.out)
        return 0
    train_images = []
    blur_rng = np.random.default_rng((args.seed, 7))
    for r in train_paths:
        image = load_rgb(os.path.join(args.data, r))
        copies = [image] + downscaled(image, args.min_side)
        train_images += copies + blurred(copies[-1], args.blurred_copies, blur_rng)
    print(
        f"{len(train_images)} training images with the downscaled and blurred copies",
        flush=True,
    )

    est = PixelwiseJPEGRegressor(
        module__n_filters=args.n_filters,
        module__lattice_qualities=tuple(args.lattice_qualities),
        module__lattice_pool=args.lattice_pool,
        patch_size=args.patch_size,
        chroma_subsampling=tuple(args.subsampling),
        quality_weights=quality_weights(args.quality_boost),
        quantization_tables=table_weights(args.tables),
        uncompressed_fraction=args.uncompressed_fraction,
        lr=args.lr,
        batch_size=args.batch_size,
        patches_per_epoch=args.patches_per_epoch,
        max_epochs=1,
        random_state=args.seed,
        device=args.device,
        verbose=0,
        iterator_train__num_workers=args.workers,
        iterator_train__persistent_workers=False,
    ).initialize()
    train_set = est.get_dataset(train_images)
    # JPEG-then-resize chains (training patches only; the validation patches
    # stay as before, so that validation losses compare across runs).
    train_set.resize_fraction = args.resized_fraction
    train_set.resize_range = tuple(args.resize_range)
    train_set.resize_kernels = tuple(args.resize_kernels)
    train_set.resize_pairs = args.resize_pairs
    valid_set = None
    if valid_images:
        valid_uint8, _ = est._check_fit_data(valid_images, None)
        valid_set = est._patch_dataset(
            valid_uint8, None, n_patches=args.valid_patches, stream=1
        )
    train_seconds = 0.0
    stages = []
    if args.init:
        if args.init.endswith(".skf"):  # a shipped model file
            from skforensics.utils import load_model

            shipped = load_model(args.init)
            init = {
                "state_dict": shipped.module_.state_dict(),
                "metadata": shipped.pretrained_info_,
            }
        else:
            init = torch.load(args.init, map_location="cpu", weights_only=False)
        if "history" in init:  # a checkpoint
            load_widened(est.module_, init["module"])
            stages = init.get("stages", []) + [
                {
                    "settings": init["args"],
                    "epochs": len(init["history"]),
                    "train_seconds": round(init["train_seconds"], 1),
                }
            ]
        else:  # a weights file this script wrote
            state = {k: v.float() for k, v in init["state_dict"].items()}
            load_widened(est.module_, state)
            meta = init["metadata"]
            stages = meta.get("earlier_stages", []) + [
                {
                    "settings": meta["settings"],
                    "epochs": meta["epochs"],
                    "train_seconds": meta["train_seconds"],
                }
            ]
        print(f"initialised from {args.init} ({stages[-1]['epochs']} epochs)")
    if resumed is not None:
        est.module_.load_state_dict(resumed["module"])
        est.optimizer_.load_state_dict(resumed["optimizer"])
        est.history = History(resumed["history"])
        train_seconds = resumed["train_seconds"]
        print(f"resumed from {args.resume} after epoch {len(est.history)}", flush=True)

    stop = {"now": False}

    def request_stop(signum, frame):
        print("stopping after this epoch (checkpoint follows)", flush=True)
        stop["now"] = True

    signal.signal(signal.SIGINT, request_stop)
    signal.signal(signal.SIGTERM, request_stop)

    def checkpoint():
        save_atomic(
            {
                "module": est.module_.state_dict(),
                "optimizer": est.optimizer_.state_dict(),
                "history": est.history.to_list(),
                "args": vars(args),
                "train_seconds": train_seconds,
                "stages": stages,
            },
            checkpoint_path,
        )
        print(f"checkpoint: {checkpoint_path} (epoch {len(est.history)})", flush=True)

    last_checkpoint = time.perf_counter()
    if args.finish and resumed is None:
        sys.exit("--finish needs --resume CKPT.")
    while len(est.history) < args.epochs and not stop["now"] and not args.finish:
        epoch = len(est.history)
        lr = cosine_lr(epoch, args.epochs, args.lr)
        for group in est.optimizer_.param_groups:
            group["lr"] = lr
        tic = time.perf_counter()
        est.partial_fit(train_set, epochs=1)
        seconds = time.perf_counter() - tic
        train_seconds += seconds
        row = {"lr": lr, "samples_per_s": args.patches_per_epoch / seconds}
        if valid_set is not None:
            row.update(evaluate(est, valid_set, args.batch_size))
        for key, value in row.items():
            est.history.record(key, value)
        print(
            f"epoch {epoch + 1}/{args.epochs}  train_loss "
            f"{est.history[-1, 'train_loss']:.5f}  "
            + "  ".join(f"{k} {v:.4g}" for k, v in row.items())
            + f"  {seconds:.1f}s",
            flush=True,
        )
        elapsed_min = (time.perf_counter() - start) / 60
        out_of_time = args.max_minutes is not None and elapsed_min >= args.max_minutes
        if out_of_time:
            stop["now"] = True
        if (
            stop["now"]
            or len(est.history) == args.epochs
            or time.perf_counter() - last_checkpoint >= 60 * args.checkpoint_minutes
        ):
            checkpoint()
            last_checkpoint = time.perf_counter()

    if len(est.history) < args.epochs and not args.finish:
        print(
            f"stopped after epoch {len(est.history)} of {args.epochs}; continue with "
            f"--resume {checkpoint_path}",
            flush=True,
        )
        return 0

    rates = [r["samples_per_s"] for r in est.history.to_list()]
    metadata = {
        # Relative to the repository (``../shared/data/lossless`` for the
        # shipped weights), not a path of the machine that trained them.
        "data": os.path.relpath(os.path.abspath(args.data), REPO),
        "train_images": train_paths,
        "valid_images": valid_paths,
        "test_images": test_paths,
        "settings": {k: v for k, v in vars(args).items() if k not in ("resume",)},
        "epochs": len(est.history),
        "epochs_planned": args.epochs,
        "train_seconds": round(train_seconds, 1),
        "earlier_stages": stages,
        "train_seconds_all_stages": round(
            train_seconds + sum(stage["train_seconds"] for stage in stages), 1
        ),
        "samples_per_s_median": float(np.median(rates)),
        "final": {
            k: v
            for k, v in est.history[-1].items()
            if isinstance(v, (int, float)) and k != "epoch"
        },
        "torch": torch.__version__,
        "device": str(args.device),
        "trained_at": time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime()),
        "preliminary": not args.release,
    }
    dtype = torch.float16 if args.dtype == "float16" else torch.float32
    save_jpeg_weights(est, args.out, metadata=metadata, dtype=dtype)
    if valid_images:
        # The cost of storing float16: largest change of the quality factor map.
        from skforensics.models import load_pretrained_jpeg

        reloaded = load_pretrained_jpeg(path=args.out, device=args.device)
        probe = [valid_images[0][:256, :256]]
        diff = np.abs(
            reloaded.predict_maps(probe)[0][0] - est.predict_maps(probe)[0][0]
        )
        print(f"{args.dtype} weights change the quality map by <= {diff.max():.3g}")
    if valid_images and args.calibration_qualities > 0:
        calibrate(args.out, args.out, calibration_images, args)
    print(json.dumps({k: metadata[k] for k in ("epochs", "train_seconds", "final")}))
    print(f"weights: {args.out} ({os.path.getsize(args.out) / 1024:.0f} KiB)")
    write_model_file(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
