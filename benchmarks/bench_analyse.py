"""Throughput of ``skforensics analyse``: images per second, start-up excluded.

Writes ``--n-images`` photographs of 1024x768 (default 20: crops of the
never-compressed photographs under ``--data``, or, without it, of
scikit-image's sample images enlarged to fit, with sensor-like noise) as PNG
to a temporary folder, then analyses them in this process with both models
(upscale and JPEG with its pixel evidence), with and without the maps, as
``skforensics analyse`` does (the same steps and record loop). The first
file of each run is analysed before the clock starts, so that importing
torch and loading the models are not counted. Prints images per second and
CPU-seconds per image, with torch's thread count and the load average.

Issue 24's target: >= 1 image/s on 2 CPU cores with both models and maps.
Measured on the idle development machine (2 cores, load average 0.3, torch
2 threads, ``--data ../shared/data/lossless/usc_sipi_aerials``): 0.54
images/s with maps (3.28 CPU-s per image), 0.77 without (2.54). Again on
2026-12-06, with the JPEG net's dilated layers in bfloat16, each pixel
validated once and the upscale verdict's second stage (load average 0.7):
0.53 images/s with maps (3.27 CPU-s), 0.80 without (2.44). On one thread a
record with maps costs 2.58 CPU-s: the JPEG maps 1.46, the two figures
0.46 (matplotlib's fixed cost per figure: drawing from 512-px instead of
1024-px images saved nothing), the upscale step 0.45.

Again on 2026-12-06 after the upscale net's single pass and the cheaper
figures (commit 622c6fa), idle machine, the same 20 aerial photographs:
with ``--jobs 2`` 1.02 and 1.05 images/s with maps in two runs (the
commit before: 0.88, measured between them with this script), 1.17-1.23
without; in process on 2 torch threads 0.64 images/s with maps (2.83
CPU-s per image), 0.78 without; on one thread 1.93 CPU-s per image with
maps (on a machine with a training run on the other core).

Again on 2026-12-06 evening, with the JPEG maps' tiles shared among the
torch threads (commits 1cda9a2, 8b73978), the same 20 photographs, each
version run twice alternately with a helper's benchmark jobs queued behind
the runs (load average 1.4-1.9): in process on 2 torch threads 0.79-0.80
images/s with maps (2.22-2.24 CPU-s per image; the commit before: 0.67-0.72,
2.52-2.72 CPU-s), 1.00-1.02 without (before: 0.87-0.89); with ``--jobs 2``
1.02 with maps and 1.30 without, as before (1.02 and 1.27: each worker
has one thread, so the tiles already ran one at a time on one thread).

Again on 2026-12-07, commit cf7597c ("before") against the day's changes
("after": the downscaled-JPEG search's operators cached per image size
and its cosines from their doubles', analyse's figures not cleared and
their titles placed without measuring the tick labels, then the chroma
blocks of 4:2:2 and 4:4:4 searched too), alternately on an otherwise idle
machine whose speed still drifted from run to run: with ``--jobs 2`` and
maps 0.74 and 0.81 images/s before, 0.76 and 0.88 after (30 photographs);
on one thread 2.60 and 2.33 CPU-s per image before, 2.64 and 2.50 after
(12). The savings (about 0.1 CPU-s on the figures, 0.13 on the search)
went to the two new chroma planes (0.2 on a never-compressed colour
photograph): still below the target of 1 image/s. The JPEG net's maps
are 1.3 of the 2.3-2.6 CPU-s of a record.

With ``--jobs J`` (J > 1) the files go through ``analyse``'s own worker
processes (``skforensics analyse -j J``, one torch thread each), as a user
gets the most of several cores; the clock starts when each worker has
returned its first record (its models loaded and warm) and the images/s
count the records after that. CPU-s per image are then not measured (the
workers' time is not this process's).

Again on 2026-12-07 (stop 37), ``--jobs 2`` with maps, the same 20 aerial
photographs, commit 8a9dc48 ("before") and the downscale search's second
window (55a9785; these photographs have no clipped middle, so the path is
the same) alternately, no other job running: before 1.00, 0.95, 0.87
images/s; after 1.04, 0.99, 0.82, 0.96, 0.94 (median 0.95-0.96 either
way); without maps 1.10-1.23. This session's first run (0.76) was taken
while a helper's tests ran. On an idle machine the target of 1 image/s is
met in some runs and missed in most, by up to 5% (one run 18%).

Again on 2026-12-07 (stop 40), the same 20 aerial photographs, ``--jobs
2`` with maps, nothing else running: 1.14, 1.25, 1.23, 1.15 and 1.16
images/s on commit 8b7d304, and 1.16 and 1.18 on stop 37's 55a9785 run
alternately with it (without maps 1.39-1.40): the target is met in every
run, and the gain since stop 37's figures is the machine's, not the
code's (the same code measured 0.95 then). In process on 2 torch threads
(``-j 1``, the default): 0.84 images/s with maps (2.11 CPU-s per image),
1.04 without.

Usage: ``python benchmarks/bench_analyse.py [--data FOLDER] [--n-images N]
[--threads T] [--jobs J]``.
"""

import argparse
import glob
import os
import tempfile
import time

import numpy as np
from PIL import Image

SIZE = (768, 1024)


def photographs(folder, n, seed=0):
    """``n`` RGB uint8 crops of 768x1024."""
    rng = np.random.default_rng(seed)
    if folder:
        files = sorted(
            p for p in glob.glob(os.path.join(folder, "**", "*"), recursive=True)
            if p.lower().endswith((".png", ".tif", ".tiff"))
        )
        images = [np.asarray(Image.open(f).convert("RGB")) for f in files]
        images = [im for im in images if min(np.subtract(im.shape[:2], SIZE)) >= 0]
    else:
        from skforensics.datasets import load_sample_images

        images = []
        for image in load_sample_images(as_gray=False):
            pixels = Image.fromarray(np.round(image * 255).astype(np.uint8))
            scale = max(SIZE[0] / pixels.height, SIZE[1] / pixels.width)
            size = tuple(int(np.ceil(side * scale)) for side in pixels.size)
            big = np.asarray(pixels.resize(size, Image.LANCZOS), dtype=np.float32)
            big += rng.normal(0, 2.0, big.shape)
            images.append(np.clip(np.rint(big), 0, 255).astype(np.uint8))
    if not images:
        raise SystemExit(f"no image of at least {SIZE[1]}x{SIZE[0]} under {folder}")
    crops = []
    for k in range(n):
        image = images[k % len(images)]
        y = rng.integers(0, image.shape[0] - SIZE[0] + 1)
        x = rng.integers(0, image.shape[1] - SIZE[1] + 1)
        crops.append(image[y : y + SIZE[0], x : x + SIZE[1]])
    return crops


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default=None, help="folder of photographs")
    parser.add_argument("--n-images", type=int, default=20)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--jobs", type=int, default=1)
    args = parser.parse_args(argv)

    import torch

    from skforensics.inspection._analyse import JPEGStep, UpscaleStep, analyse_one

    torch.set_num_threads(args.threads)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"torch {torch.__version__}, {args.threads} threads, load average {load:.1f}")
    with tempfile.TemporaryDirectory() as tmp:
        paths = []
        for k, crop in enumerate(photographs(args.data, args.n_images + 1)):
            paths.append(os.path.join(tmp, f"{k:03d}.png"))
            Image.fromarray(crop).save(paths[-1], compress_level=1)
        for maps in (True, False):
            steps = [UpscaleStep(), JPEGStep()]
            maps_dir = os.path.join(tmp, f"maps-{maps}") if maps else None
            if maps_dir:
                os.makedirs(maps_dir)
            if args.jobs > 1:
                _parallel_run(paths, steps, maps_dir, args.jobs, maps)
                continue
            analyse_one(0, paths[0], steps=steps, maps_dir=maps_dir)  # warm-up
            wall, cpu = time.perf_counter(), time.process_time()
            for index, path in enumerate(paths[1:], start=1):
                record = analyse_one(index, path, steps=steps, maps_dir=maps_dir)
                if record["error"]:
                    raise SystemExit(f"{path}: {record['error']}")
            wall = time.perf_counter() - wall
            cpu = time.process_time() - cpu
            n = len(paths) - 1
            print(
                f"{'with maps' if maps else 'no maps':<10} {n / wall:5.2f} images/s, "
                f"{cpu / n:5.2f} CPU-s per image ({n} images of {SIZE[1]}x{SIZE[0]})"
            )


def _parallel_run(paths, steps, maps_dir, jobs, maps):
    """Images/s of ``analyse -j jobs``, after each worker's first record."""
    from skforensics.inspection._analyse import iter_records

    records = iter_records(
        enumerate(paths), steps=steps, maps_dir=maps_dir, n_jobs=jobs
    )
    n, start = 0, None
    for k, record in enumerate(records, start=1):
        if record["error"]:
            raise SystemExit(f"{record['path']}: {record['error']}")
        if k == jobs:
            start = time.perf_counter()
        elif k > jobs:
            n += 1
    wall = time.perf_counter() - start
    print(
        f"{'with maps' if maps else 'no maps':<10} {n / wall:5.2f} images/s with "
        f"{jobs} worker processes ({n} images of {SIZE[1]}x{SIZE[0]} timed)"
    )


if __name__ == "__main__":
    main()
