"""The classical JPEG evidence (``inspection.jpeg_evidence``) on photographs.

On ``--n-crops`` random 256x256 crops (default 10) of never-compressed
photographs (a folder of PNG/TIFF files, ``--data``, default
``../shared/data/lossless``), prints

- single compression at qualities 20-100 (cropped by 3 and 5 pixels): the
  share called compressed, with the right grid phase, and the share whose
  table quality is exact; the never-compressed crops' false alarms;
- the 64-phase check: one JPEG per crop, cropped by every (dy, dx) in
  0..7, the share of the 64 phases found;
- double compression (libjpeg Q1 then Q2, aligned): per (Q1, Q2), the
  share where an earlier compression is detected, the primary quality's
  MAE where it is, and the share where the last quality is exact; single
  compressions at each Q2 give the false-alarm row;
- a JPEG resized by 0.8 and 1.3 after compression: the verdicts and what
  the resized-grid search finds (``benchmarks/bench_jpeg_resized.py`` has
  the whole grid);
- CPU seconds for one 1920x1080 image (one thread): a Q90 JPEG, and a
  never-compressed image with and without the resized-grid search.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/bench_jpeg_evidence.py
[--data FOLDER] [--n-crops N] [--seed S]``.
"""

import argparse
import glob
import os
import time

import numpy as np
from PIL import Image

from skforensics.datasets import jpeg_with_tables, libjpeg_tables
from skforensics.inspection import jpeg_evidence


def crops(folder, n, seed, size=256):
    files = sorted(
        p
        for p in glob.glob(os.path.join(folder, "**", "*"), recursive=True)
        if p.lower().endswith((".png", ".tif", ".tiff", ".bmp", ".ppm"))
    )
    rng = np.random.default_rng(seed)
    out = []
    for i in rng.choice(len(files), n, replace=False):
        image = np.asarray(Image.open(files[i]).convert("RGB"))
        y = rng.integers(0, image.shape[0] - size + 1)
        x = rng.integers(0, image.shape[1] - size + 1)
        out.append(image[y : y + size, x : x + size])
    return out


def jpeg(pixels, quality):
    return jpeg_with_tables(pixels, *libjpeg_tables(quality))


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/lossless")
    parser.add_argument("--n-crops", type=int, default=10)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    images = crops(args.data, args.n_crops, args.seed)
    n = len(images)

    print(f"Single compression, {n} crops of 256x256, cropped by (3, 5) after:")
    print("quality  compressed  right phase  exact table quality")
    for quality in (20, 50, 75, 90, 95, 97, 99, 100):
        found = [jpeg_evidence(jpeg(x, quality)[3:, 5:], double=False) for x in images]
        called = np.mean([f.verdict == "compressed" for f in found])
        phase = np.mean([f.grid_phase == (5, 3) for f in found])
        exact = np.mean([f.table_quality == quality for f in found])
        print(f"{quality:7d}  {called:10.0%}  {phase:11.0%}  {exact:19.0%}")
    never = [jpeg_evidence(x, double=False).verdict for x in images]
    print(
        f"never compressed: {never.count('never compressed')} called never "
        f"compressed, {never.count('unknown')} unknown, "
        f"{never.count('compressed')} compressed (false alarms)"
    )

    hits = 0
    for x in images:
        j = jpeg(x, 75)
        for dy in range(8):
            for dx in range(8):
                found = jpeg_evidence(j[dy:, dx:], double=False)
                hits += found.grid_phase == ((8 - dy) % 8, (8 - dx) % 8)
    print(f"\n64-phase check (Q75): {hits} of {64 * n} phases found")

    print(
        "\nDouble compression: detected share / primary MAE where detected / "
        "last quality exact"
    )
    q2s = (60, 75, 85, 95)
    print("Q1 \\ Q2 " + "".join(f"{q2:>22d}" for q2 in q2s))
    for q1 in (None, 50, 70, 90):
        cells = []
        for q2 in q2s:
            found = [
                jpeg_evidence(jpeg(x, q2) if q1 is None else jpeg(jpeg(x, q1), q2))
                for x in images
            ]
            detected = [f for f in found if f.double_compression == "detected"]
            share = len(detected) / n
            mae = (
                np.mean([abs(f.primary_quality - q1) for f in detected])
                if detected and q1
                else float("nan")
            )
            last = np.mean([f.table_quality == q2 for f in found])
            cells.append(f"{share:5.0%} / {mae:4.1f} / {last:4.0%}")
        name = "single" if q1 is None else str(q1)
        print(f"{name:8s}" + "".join(f"{c:>22s}" for c in cells))

    print("\nResized after compression (Q75):")
    for factor in (0.8, 1.3):
        verdicts = []
        for x in images:
            j = jpeg(x, 75)
            size = (int(256 * factor),) * 2
            r = np.asarray(Image.fromarray(j).resize(size, Image.BICUBIC))
            found = jpeg_evidence(r, double=False)
            grid = "" if found.resize_factor is None else f" {found.resize_factor:.2f}"
            verdicts.append(f"{found.verdict}, resized grid {found.resized_grid}{grid}")
        counts = {v: verdicts.count(v) for v in sorted(set(verdicts))}
        print(f"  x{factor}: {counts}")

    big = np.asarray(Image.fromarray(images[0]).resize((1920, 1080), Image.BICUBIC))
    big = jpeg(big, 90)
    jpeg_evidence(big)
    start = time.process_time()
    for _ in range(3):
        jpeg_evidence(big)
    print(f"\n1920x1080, Q90: {(time.process_time() - start) / 3:.2f} s CPU per image")
    never = np.asarray(Image.fromarray(images[0]).resize((1920, 1080), Image.BICUBIC))
    for resized in (False, True):
        start = time.process_time()
        for _ in range(3):
            jpeg_evidence(never, resized=resized)
        print(
            f"1920x1080, never compressed, resized-grid search {resized}: "
            f"{(time.process_time() - start) / 3:.2f} s CPU per image"
        )


if __name__ == "__main__":
    main()
