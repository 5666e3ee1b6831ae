#!/usr/bin/env python
"""Train the shipped upscale detector and factor estimator.

One net gives both ``pretrained("upscale-detector")`` (was the image
upscaled?) and ``pretrained("upscale-factor")`` (by which factor, hence from
which native size?): a :class:`skforensics.nn.PatchCNN` on 64x64 luminance
tiles with one output per class, "native" and the five factors of
:data:`skforensics.datasets.make_degraded_images`' default (x1.25, x1.5, x2,
x2.4, x3: 1728p, 1440p, 1080p, 900p and 720p to 2160p). The detector's
probability of an upscale is one minus the net's probability of "native".

Data
    Real photographs read from every ``--data`` folder (default: the
    project's ``lossless/`` and ``natural/`` sets next to the repository:
    film scans, USC-SIPI aerials, textures and video-sequence frames,
    and camera photographs downsampled from very large originals), one file
    per source image. None was ever upscaled. Colour files are converted
    to luminance (ITU-R BT.601) *after* every operation, as the detector
    sees them.

Split
    By source image, stratified by sub-folder: ``--test-size`` (20%) of the
    sources of each folder are held out and never seen in training.

Training set (per training source, ``n`` 128x128 windows, ``n`` growing with
the source's area from 8 to 48)
    :func:`skforensics.datasets.make_degraded_images`: the real window and
    the same window of the source downscaled (OpenCV area, or the
    upscaling kernel itself for a quarter of the windows) and upscaled back
    by a factor drawn from the five, with a resampler drawn from OpenCV's,
    Pillow's and FFmpeg's (swscale) bilinear, bicubic, Lanczos and spline
    kernels. Then **one** post-processing chain drawn per window and
    applied to the real and the fake window alike: no filter, an unsharp
    mask (radius 0.5-2 px, amount 50-200%) or a mild bilateral denoiser,
    followed by no codec, JPEG (Q70-98), H.264 or HEVC (CRF 16-32, one
    I-frame, yuv420p, through PyAV). Resampling is the only difference
    between the classes.

    Soft real windows, so that blur is not taken for an upscale: as many
    windows again, the real window blurred by a Gaussian (sigma 0.5-2 px,
    30% of them), a linear motion blur (3-11 px at a random angle, 15%), a
    defocus disc (radius 1-3 px, 15%), one of those over part of the
    window only (a defocused background, 20%), or a dim, noisy capture
    (exposure cut to 8-40%, shot and read noise, half of them through a
    bilateral or Gaussian denoiser, exposure pushed back up; 20%), then
    post-processed like the others. Labelled native.

    Frames of real video files (``--gop-share``): the windows above are
    each one image encoded alone, an I-frame at the "ultrafast" preset,
    while a video file is mostly P- and B-frames from a normal GOP at a
    slower preset (deblocking, B-frames, adaptive quantisation). So,
    per source, ``round(gop_share * n)`` real, soft and upscaled windows
    more, each from a six-frame integer-pixel pan (at the native size for an
    upscale, each frame then upscaled by a drawn factor and resampler)
    encoded by H.264 or HEVC (CRF 18-32, preset medium, fast or veryfast)
    with the encoder's normal GOP; one of the frames after the I-frame is
    kept. The shipped weights: ``--gop-share 0.5`` (the default; 11,619
    windows in all); ``--gop-share 0`` is the recipe before 2026-12-07.

Model
    :class:`skforensics.models.PatchCNNClassifier` with the report's
    :class:`skforensics.nn.PatchCNN` (six 3x3 convolutions of 16 filters)
    and six outputs on 64x64 luminance patches: 2 random patches per window
    and epoch, random flips and 90-degree rotations, Adam (lr 2e-3, weight
    decay 1e-5) with cosine annealing, batch 64, ``--epochs`` epochs,
    ``--seed``.

Usage::

    nice -n 10 python scripts/train_upscale_detector.py --out skforensics/models/weights

writes ``upscale.skf`` (the fitted six-class classifier as
``pretrained("upscale-factor")`` holds it, a :func:`skforensics.utils.save_model`
file: float32 weights in an ``.npz``, no pickle) and ``upscale.json``
(settings, split, data and held-out figures) into ``--out``. ``benchmarks/bench_fake4k.py`` imports this recipe.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DATA = [str(ROOT.parent / "shared/data/lossless"),
                str(ROOT.parent / "shared/data/natural")]
FACTORS = (1.25, 1.5, 2.0, 2.4, 3.0)
# Class k of the net: 0 = native, k = FACTORS[k - 1].
CLASSES = (1.0, *FACTORS)
RESAMPLERS = (
    "opencv-bilinear", "opencv-bicubic", "opencv-lanczos",
    "pillow-bilinear", "pillow-bicubic", "pillow-lanczos",
    "swscale-bilinear", "swscale-bicubic", "swscale-lanczos", "swscale-spline",
)
CODECS = ("none", "jpeg", "h264", "hevc")
FILTERS = ("none", "sharpen", "denoise")
BLURS = ("gaussian", "motion", "defocus", "partial", "lowlight")
BLUR_SHARES = (0.3, 0.15, 0.15, 0.2, 0.2)
CROP = 128
PATCH = 64
EXTENSIONS = {".png", ".tif", ".tiff", ".bmp", ".ppm", ".pgm"}


def load_sources(data_dirs):
    """Read every image under the folders; return images, folders and paths."""
    from skforensics.utils import read_image

    if isinstance(data_dirs, (str, Path)):
        data_dirs = [data_dirs]
    images, folders, names = [], [], []
    for data_dir in map(Path, data_dirs):
        paths = sorted(p for p in data_dir.rglob("*") if p.suffix.lower() in EXTENSIONS)
        if not paths:
            sys.exit(f"No images found under {data_dir}.")
        for p in paths:
            images.append(read_image(p))
            folders.append(f"{data_dir.name}/{p.parent.name}")
            names.append(f"{data_dir.name}/{p.relative_to(data_dir).as_posix()}")
    return images, np.array(folders), names


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


def as_float(image):
    """One image as float32 in [0, 1] (``uint8`` and ``uint16`` scaled)."""
    image = np.asarray(image)
    if image.dtype.kind == "u":
        return image.astype(np.float32) / np.float32(np.iinfo(image.dtype).max)
    return image.astype(np.float32, copy=False)


def luminance(image):
    """One image as float32 luminance in [0, 1] (BT.601 for RGB)."""
    from skforensics.utils import to_grayscale

    image = as_float(image)
    if image.ndim == 2:
        return image.astype(np.float32, copy=False)
    return np.asarray(to_grayscale([image])[0], dtype=np.float32)


def n_windows(image):
    """Windows per source: more for large photographs, 8 to 48."""
    h, w = np.asarray(image).shape[:2]
    return int(np.clip(round(h * w / (3 * CROP * CROP)), 8, 48))


def soften(image, kind, rng):
    """A real image blurred (never resampled): it must stay "native"."""
    import cv2

    if kind == "partial":
        inner = ("gaussian", "motion", "defocus")[rng.randint(3)]
        blurred = soften(image, inner, rng)
        h, w = image.shape[:2]
        # A smooth random mask: a blurred half-plane at a random angle.
        yy, xx = np.mgrid[0:h, 0:w].astype(np.float32)
        angle = rng.uniform(0, 2 * np.pi)
        d = (xx - rng.uniform(0, w)) * np.cos(angle) + (yy - rng.uniform(0, h)) * np.sin(angle)
        mask = 0.5 + 0.5 * np.tanh(d / rng.uniform(4, 24))
        if image.ndim == 3:
            mask = mask[..., np.newaxis]
        return (mask * blurred + (1 - mask) * image).astype(np.float32)
    if kind == "gaussian":
        return cv2.GaussianBlur(image, (0, 0), rng.uniform(0.5, 2.0))
    if kind == "lowlight":
        # A dim, noisy capture: exposure cut, shot and read noise, often a
        # camera's denoiser, then the exposure pushed back up.
        gain = rng.uniform(0.08, 0.4)
        dim = image * gain
        noise = rng.uniform(0.003, 0.015)
        dim = dim + rng.normal(0, 1, dim.shape).astype(np.float32) * np.sqrt(
            noise * 0.02 * np.clip(dim, 0, 1) + noise**2)
        dim = np.clip(dim, 0, 1).astype(np.float32)
        if rng.rand() < 0.5:
            dim = cv2.bilateralFilter(dim, 5, 4 * noise, 2.0)
        elif rng.rand() < 0.5:
            dim = cv2.GaussianBlur(dim, (0, 0), rng.uniform(0.5, 1.0))
        return np.clip(dim / gain * rng.uniform(0.6, 1.0), 0, 1).astype(np.float32)
    if kind == "motion":
        length = rng.randint(3, 12)
        kernel = np.zeros((length, length), np.float32)
        kernel[length // 2] = 1
        rot = cv2.getRotationMatrix2D(((length - 1) / 2, (length - 1) / 2),
                                      rng.uniform(0, 180), 1)
        kernel = cv2.warpAffine(kernel, rot, (length, length))
        return cv2.filter2D(image, -1, kernel / kernel.sum(),
                            borderType=cv2.BORDER_REFLECT)
    radius = rng.uniform(1, 3)
    size = 2 * int(np.ceil(radius)) + 1
    yy, xx = np.mgrid[:size, :size] - size // 2
    kernel = (np.hypot(yy, xx) <= radius).astype(np.float32)
    return cv2.filter2D(image, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REFLECT)


GOP_FRAMES = 6
GOP_PRESETS = ("medium", "fast", "veryfast")


def gop_window(image, kind, rng):
    """One 128x128 window from a P- or B-frame of a short pan: (window, class).

    ``kind`` is ``"real"``, ``"soft"`` (blurred like the soft windows) or
    ``"up"`` (a native pan at a lower resolution, each frame upscaled by a
    drawn factor and resampler, as a fake-4K video is made). The pan moves
    by whole native pixels, the clip is encoded by H.264 or HEVC (CRF
    18-32, a preset among ``GOP_PRESETS``) with its normal GOP, and one of
    the frames after the I-frame is kept, as luminance.
    """
    from skforensics.datasets import resize_image
    from skforensics.datasets._codecs import _frames_round_trip
    from skforensics.datasets._common import crop, crop_corners, to_uint8

    step = (rng.randint(0, 3), rng.randint(1, 4))
    label, factor = 0, 1.0
    if kind == "up":
        label = rng.randint(1, len(CLASSES))
        factor = CLASSES[label]
    native = int(round(CROP / factor))
    span = (native + step[0] * (GOP_FRAMES - 1), native + step[1] * (GOP_FRAMES - 1))
    # The region of the source that the native pan covers (area-downscaled
    # by the factor for an upscale), with a margin for the blur's edges.
    region_hw = tuple(min(int(np.ceil(s * factor)) + 32, n)
                      for s, n in zip(span, image.shape[:2]))
    corner = crop_corners(image.shape, region_hw, 1, rng)[0]
    region = crop(image, corner, region_hw)
    if kind == "soft":
        region = soften(region, BLURS[rng.choice(len(BLURS), p=BLUR_SHARES)], rng)
    if kind == "up":
        import cv2

        small_hw = (int(round(region.shape[0] / factor)),
                    int(round(region.shape[1] / factor)))
        region = cv2.resize(region, small_hw[::-1], interpolation=cv2.INTER_AREA)
    region = to_uint8(np.clip(region, 0, 1))
    if region.ndim == 2:
        region = np.repeat(region[..., np.newaxis], 3, axis=2)
    off = 16 // int(np.ceil(factor))  # the margin, in the region's pixels
    if kind == "up":
        resampler = RESAMPLERS[rng.randint(len(RESAMPLERS))]
    frames = []
    for i in range(GOP_FRAMES):
        y, x = off + i * step[0], off + i * step[1]
        window = region[y:y + native, x:x + native]
        if window.shape[:2] != (native, native):  # a source too small to pan
            short = (native - window.shape[0], native - window.shape[1])
            window = np.pad(window, ((0, short[0]), (0, short[1]), (0, 0)),
                            mode="reflect")
        if kind == "up":
            window = to_uint8(np.clip(resize_image(window, (CROP, CROP),
                                                   resampler=resampler), 0, 1))
        frames.append(np.ascontiguousarray(window))
    codec = ("h264", "hevc")[rng.randint(2)]
    # The encoder's normal GOP: one I-frame, then P- and B-frames, decoded
    # in presentation order as a real file's frames would be.
    decoded = _frames_round_trip(frames, codec, rng.randint(18, 33),
                                 GOP_PRESETS[rng.randint(len(GOP_PRESETS))])
    keep = decoded[rng.randint(1, GOP_FRAMES)]
    return luminance(keep.astype(np.float32) / 255), label


def windows_of_source(image, seed, gop_share=0.0):
    """Training windows of one source: (X, y) with y the class index.

    With ``gop_share``, ``round(gop_share * n)`` real, soft and upscaled
    windows more, each from a P- or B-frame of a short pan (:func:`gop_window`),
    drawn from their own random stream (the other windows are unchanged).
    """
    from skforensics.datasets import make_degraded_images
    from skforensics.datasets._common import crop, crop_corners, to_uint8
    from skforensics.datasets._degrade import _draw_post, _post_process

    rng = np.random.RandomState(seed)
    image = as_float(image)
    n = n_windows(image)
    X, y = [], []
    for downscale, share in (("opencv-area", 0.75), ("same", 0.25)):
        k = max(1, int(round(n * share)))
        Xs, ys, _ = make_degraded_images(
            [image], factors=FACTORS, resamplers=RESAMPLERS, downscale=downscale,
            filters=FILTERS, codecs=CODECS, crf=(16, 32), jpeg_quality=(70, 98),
            crop_size=CROP, n_crops=k, labels="factor", random_state=rng,
        )
        X += [luminance(x) for x in Xs]
        y += [CLASSES.index(round(float(f), 2)) for f in ys]
    # Soft real windows, as many as the pairs.
    for corner in crop_corners(image.shape, (CROP + 32, CROP + 32), n, rng):
        window = crop(image, corner, (CROP + 32, CROP + 32))
        soft = soften(window, BLURS[rng.choice(len(BLURS), p=BLUR_SHARES)], rng)
        soft = to_uint8(soft[16:-16, 16:-16]).astype(np.float32) / 255
        chain = _draw_post(rng, FILTERS, CODECS, (16, 32), (70, 98))
        X.append(luminance(_post_process(soft, chain, True, "ultrafast")))
        y.append(0)
    gop_rng = np.random.RandomState((seed + 1) % 2**32)
    for _ in range(int(round(gop_share * n))):
        for kind in ("real", "soft", "up"):
            window, label = gop_window(image, kind, gop_rng)
            X.append(window)
            y.append(label)
    return np.stack(X).astype(np.float32), np.asarray(y)


def make_training_set(images, seed, n_jobs=2, verbose=0, gop_share=0.0):
    """Windows of every training source, generated in parallel, in order."""
    from joblib import Parallel, delayed

    seeds = np.random.SeedSequence(seed).generate_state(len(images))
    parts = Parallel(n_jobs=n_jobs, verbose=verbose)(
        delayed(windows_of_source)(im, int(s), gop_share)
        for im, s in zip(images, seeds)
    )
    X = np.concatenate([p[0] for p in parts])
    y = np.concatenate([p[1] for p in parts])
    groups = np.concatenate([np.full(len(p[1]), i) for i, p in enumerate(parts)])
    return X, y, groups


def build_estimator(epochs, seed, verbose=1, lr=2e-3, init=None, front_end="pixels"):
    """The six-class patch net, untrained (or starting from ``init`` weights)."""
    import torch
    from skorch.callbacks import Callback, LRScheduler

    from skforensics.models import PatchCNNClassifier

    class StartFrom(Callback):
        """Load a state dict into the module when training begins."""

        def __init__(self, path):
            self.path = path

        def on_train_begin(self, net, **kwargs):
            from skforensics.utils import load_model

            start = load_model(self.path).module_.state_dict()
            net.module_.load_state_dict(start)

    extra = [("start_from", StartFrom(init))] if init else []
    return PatchCNNClassifier(
        patch_size=PATCH,
        module__front_end=front_end,
        sampling="random",
        n_patches=2,
        augment=True,
        lr=lr,
        optimizer__weight_decay=1e-5,
        batch_size=64,
        max_epochs=epochs,
        train_split=None,
        callbacks=[(
            "lr_scheduler",
            LRScheduler(torch.optim.lr_scheduler.CosineAnnealingLR, T_max=epochs),
        ), *extra],
        random_state=seed,
        verbose=verbose,
    )


def window_scores(clf, X):
    """P(upscaled) and the most probable factor of each window (all tiles)."""
    proba = clf.predict_proba(X)
    return 1 - proba[:, 0], np.asarray(CLASSES)[proba.argmax(axis=1)]


def evaluate_windows(clf, X, y):
    """Window-level detection accuracy, false alarms and factor accuracy."""
    p_up, factor = window_scores(clf, X)
    real = y == 0
    return {
        "n_windows": int(len(y)),
        "accuracy": float(np.mean((p_up > 0.5) == ~real)),
        "real_called_upscaled": float(np.mean(p_up[real] > 0.5)),
        "upscales_caught": float(np.mean(p_up[~real] > 0.5)),
        "factor_accuracy": float(np.mean(factor == np.asarray(CLASSES)[y])),
    }


def train(data_dirs, *, epochs, seed, test_size, max_sources=None, threads=2,
          verbose=1, cache=None, lr=2e-3, init=None, front_end="pixels",
          gop_share=0.0):
    """Load, split, build the training set and fit; returns everything."""
    import torch

    torch.set_num_threads(max(1, min(threads, os.cpu_count() or 1)))
    images, folders, paths = load_sources(data_dirs)
    train_idx, test_idx = split_sources(folders, test_size, seed)
    if max_sources:  # smoke tests only
        train_idx, test_idx = train_idx[:max_sources], test_idx[:max_sources]
    t0 = time.perf_counter()
    if cache and Path(cache).exists():
        data = np.load(cache)
        X, y = data["X"], data["y"]
    else:
        X, y, _ = make_training_set([images[i] for i in train_idx], seed,
                                    gop_share=gop_share)
        if cache:
            np.savez(cache, X=X, y=y)
    data_time = time.perf_counter() - t0
    if verbose:
        print(f"{len(train_idx)} training sources -> {len(X)} windows of "
              f"{CROP}x{CROP} ({X.nbytes / 2**20:.0f} MiB, classes "
              f"{np.bincount(y).tolist()}) in {data_time:.0f} s; "
              f"{len(test_idx)} held-out sources.", flush=True)
    clf = build_estimator(epochs, seed, verbose=verbose, lr=lr, init=init,
                          front_end=front_end)
    t0, cpu0 = time.perf_counter(), time.process_time()
    clf.fit(X, y)
    fit_time = time.perf_counter() - t0
    fit_cpu = time.process_time() - cpu0
    n_patches = epochs * len(X) * clf.n_patches
    return dict(
        clf=clf, images=images, paths=paths, folders=folders,
        train_idx=train_idx, test_idx=test_idx, n_train_windows=len(X),
        class_counts=np.bincount(y).tolist(),
        data_time=data_time, fit_time=fit_time, fit_cpu=fit_cpu, n_patches=n_patches,
    )


def save(run, out, args, held_out):
    from skforensics.models._pretrained import UPSCALE_FILE, upscale_factor_classifier
    from skforensics.utils import save_model

    clf = run["clf"]
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    state = {k: v.detach().cpu().clone() for k, v in clf.module_.state_dict().items()}
    shipped = upscale_factor_classifier(
        state, classes=CLASSES, patch_size=PATCH, seed=args.seed,
        front_end=args.front_end,
    )
    save_model(shipped, out / UPSCALE_FILE)
    meta = {
        "name": "upscale",
        "module": "skforensics.nn.PatchCNN",
        "module_params": {"in_channels": 1, "patch_size": PATCH,
                          "n_outputs": len(CLASSES), "front_end": args.front_end},
        "patch_size": PATCH,
        "classes": list(CLASSES),
        "seed": args.seed,
        "epochs": args.epochs,
        "crop_size": CROP,
        "factors": list(FACTORS),
        "resamplers": list(RESAMPLERS),
        "codecs": list(CODECS),
        "filters": list(FILTERS),
        "blurs": list(BLURS),
        "gop_share": args.gop_share,
        "gop_presets": list(GOP_PRESETS),
        "n_train_windows": run["n_train_windows"],
        "class_counts": run["class_counts"],
        "data": "lossless/ and natural/ sets; paths relative to their parent",
        "train_sources": [run["paths"][i] for i in run["train_idx"]],
        "test_sources": [run["paths"][i] for i in run["test_idx"]],
        "data_time_s": round(run["data_time"], 1),
        "fit_time_s": round(run["fit_time"], 1),
        "fit_cpu_s": round(run["fit_cpu"], 1),
        "n_patches": int(run["n_patches"]),
        "threads": args.threads,
        "held_out_windows": held_out,
    }
    (out / "upscale.json").write_text(json.dumps(meta, indent=1))
    print(f"Saved {out / UPSCALE_FILE}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", nargs="+", default=DEFAULT_DATA,
                        help="folders of real images (default: lossless/ natural/)")
    parser.add_argument("--out", default=None, help="folder for the weights")
    parser.add_argument("--epochs", type=int, default=22)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--test-size", type=float, default=0.2)
    parser.add_argument("--threads", type=int, default=2,
                        help="torch threads (1 is faster on a busy machine)")
    parser.add_argument("--lr", type=float, default=2e-3)
    parser.add_argument("--init", default=None,
                        help="start from these weights (upscale.skf) instead of "
                             "a random net: a second, fine-tuning run")
    parser.add_argument("--front-end", default="pixels",
                        choices=("pixels", "residual", "constrained"),
                        help="what the net's first convolution sees (PatchCNN's "
                             "front_end)")
    parser.add_argument("--gop-share", type=float, default=0.5,
                        help="real, soft and upscaled windows more from P- and "
                             "B-frames of short encoded pans, per source, as a "
                             "share of its pairs (gop_window; 0: the recipe before "
                             "2026-12-07)")
    parser.add_argument("--cache", default=None,
                        help=".npz file caching the training windows")
    parser.add_argument("--max-sources", type=int, default=None,
                        help="use only this many sources per side (smoke test)")
    args = parser.parse_args(argv)

    run = train(args.data, epochs=args.epochs, seed=args.seed,
                test_size=args.test_size, max_sources=args.max_sources,
                threads=args.threads, cache=args.cache, lr=args.lr,
                init=args.init, front_end=args.front_end, gop_share=args.gop_share)
    print(f"Training: {run['fit_time']:.0f} s for {run['n_patches']} patches "
          f"({run['n_patches'] / run['fit_time']:.0f} patches/s).", flush=True)
    X, y, _ = make_training_set([run["images"][i] for i in run["test_idx"]],
                                args.seed + 1)
    held_out = evaluate_windows(run["clf"], X, y)
    print("Held-out windows:", json.dumps(held_out))
    if args.out:
        save(run, args.out, args, held_out)


if __name__ == "__main__":
    main()
