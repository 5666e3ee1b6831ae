"""JPEG histories that survive resizing: ``jpeg_evidence``'s resized-grid search.

On ``--n-images`` never-compressed photographs (default 12; random
``--size`` crops, default 384, of the PNG/TIFF files under ``--data``,
default ``../shared/data/lossless``), JPEG-compressed at libjpeg qualities
50, 75 and 90, then resized by 0.5-0.9 and 1.1-2.0 with Pillow's bicubic
and Lanczos filters and OpenCV's INTER_AREA, prints per (quality, kernel,
factor):

- ``found``: the share where a resized block grid is found
  (``resized_grid == "found"``);
- ``factor ok``: the share where it is found with the factor within 5%;

and, for the same never-compressed crops resized the same way (and not
resized), the share where a resized grid is found (false positives) and
the share the evidence calls ``"compressed"`` (the 8x8 path).

Usage: ``OMP_NUM_THREADS=1 python benchmarks/bench_jpeg_resized.py
[--data FOLDER] [--n-images N] [--size S] [--seed S]``.
"""

import argparse
import glob
import os
import time

import numpy as np
from PIL import Image

from skforensics.datasets import jpeg_with_tables, libjpeg_tables
from skforensics.inspection import jpeg_evidence

FACTORS = (0.5, 0.6, 0.7, 0.8, 0.9, 1.1, 1.3, 1.5, 2.0)
QUALITIES = (50, 75, 90)
KERNELS = ("pil-bicubic", "pil-lanczos", "cv2-area")


def crops(folder, n, seed, size):
    files = sorted(
        p
        for p in glob.glob(os.path.join(folder, "**", "*"), recursive=True)
        if p.lower().endswith((".png", ".tif", ".tiff"))
    )
    rng = np.random.default_rng(seed)
    out = []
    for i in rng.choice(len(files), n, replace=False):
        image = np.asarray(Image.open(files[i]).convert("RGB"))
        s = min(size, *image.shape[:2])
        y = rng.integers(0, image.shape[0] - s + 1)
        x = rng.integers(0, image.shape[1] - s + 1)
        out.append(np.ascontiguousarray(image[y : y + s, x : x + s]))
    return out


def resize(pixels, factor, kernel):
    height, width = pixels.shape[:2]
    size = (round(width * factor), round(height * factor))
    if kernel == "cv2-area":
        import cv2

        return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    method = {"pil-bicubic": Image.BICUBIC, "pil-lanczos": Image.LANCZOS}[kernel]
    return np.asarray(Image.fromarray(pixels).resize(size, method))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/lossless")
    parser.add_argument("--n-images", type=int, default=12)
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    images = crops(args.data, args.n_images, args.seed, args.size)
    n = len(images)
    start = time.process_time()
    print(f"{n} crops of {args.size}x{args.size}; share found / factor within 5%")
    header = "quality kernel       " + " ".join(f"{f:>9}" for f in FACTORS)
    print(header)
    for quality in QUALITIES:
        jpegs = [jpeg_with_tables(x, *libjpeg_tables(quality)) for x in images]
        for kernel in KERNELS:
            cells = []
            for factor in FACTORS:
                found = [
                    jpeg_evidence(resize(x, factor, kernel), double=False)
                    for x in jpegs
                ]
                hit = np.mean([f.resized_grid == "found" for f in found])
                ok = np.mean(
                    [
                        f.resized_grid == "found"
                        and abs(f.resize_factor / factor - 1) <= 0.05
                        for f in found
                    ]
                )
                cells.append(f"{hit:4.0%}/{ok:4.0%}")
            print(f"Q{quality:<6d} {kernel:12s} " + " ".join(cells), flush=True)
    print("never compressed: share with a resized grid found / called compressed")
    never = [jpeg_evidence(x, double=False) for x in images]
    print(
        f"not resized: {np.mean([e.resized_grid == 'found' for e in never]):.0%} / "
        f"{np.mean([e.verdict == 'compressed' for e in never]):.0%}"
    )
    for kernel in KERNELS:
        cells = []
        for factor in FACTORS:
            found = [
                jpeg_evidence(resize(x, factor, kernel), double=False)
                for x in images
            ]
            fp = np.mean([f.resized_grid == "found" for f in found])
            called = np.mean([f.verdict == "compressed" for f in found])
            cells.append(f"{fp:4.0%}/{called:4.0%}")
        print(f"never  {kernel:12s} " + " ".join(cells), flush=True)
    print(f"{time.process_time() - start:.0f} CPU-s")


if __name__ == "__main__":
    main()
