"""How much of a JPEG's block lattice a downscale leaves: the search's ceiling.

``jpeg_evidence`` finds a downscaled JPEG by bringing the image back to each
candidate native size and reading the lattice of its 8x8 blocks' means (see
``skforensics/inspection/_jpeg_downscaled.py``): a block's DC coefficient,
``8 * (mean - 128)``, is a multiple of the table's first step ``q`` (16 at
libjpeg's quality 50, 8 at 75, 3 at 90), so the means lie on a lattice of
spacing ``q / 8`` grey levels (the chroma's, in 16x16 blocks with 4:2:0,
likewise with the chroma table's step). This script measures, on the
held-out photographs of ``bench_jpeg_resized.py`` (the same 18 crops of
384x384), what is left of that lattice when the **true** native size,
kernel and step are given, so that no search is involved:

- ``exact``: the resized 8-bit pixels brought back by the pseudo-inverse
  of the resize itself (its matrix is the resize of the identity): the
  block means of the smallest image that the resize takes to these
  pixels, the most a reader with no prior on the image recovers;
- ``lanczos``: brought back by Lanczos 3, whatever the kernel, as the
  search does.

Each is scored by the lattice coherence of the central block means (the
magnitude of the mean of ``exp(2 pi i 8 (m - 128) / q)``, offset left
free) as a z against chance, the median over the crops. Chance gives about
1.2 (the never-compressed crops' figure is printed); the search declares a
resized grid at a robust z of 12 against the other candidate sizes (a
different scale, but also far above chance).

Measured on 2026-12-07 (``--data ../shared/data/lossless``, 15 CPU-s),
exact / lanczos, luminance then chroma, in z::

    Q50 (steps 16, 17): before the resize 55, 30; never compressed 1.3, 1.2
    kernel         0.5            0.6            0.7            0.8            0.9
    pil-bicubic    41/34 30/29    38/35 30/29    43/40 30/29    47/44 30/30    51/48 30/30
    pil-lanczos    38/35 29/29    37/36 29/29    45/41 30/30    48/46 30/30    51/48 30/30
    cv2-area       52/42 30/29    34/28 29/28    41/32 30/29    46/36 30/29    51/40 30/29
    Q75 (steps 8, 9): before 45, 21; never compressed 1.3, 1.3
    pil-bicubic    26/17 21/19    21/18 20/19    28/24 20/20    33/29 20/20    39/34 20/20
    pil-lanczos    22/18 20/19    21/20 20/20    29/26 20/20    34/31 20/20    39/36 20/20
    cv2-area       42/22 21/19    19/14 20/19    25/17 20/19    32/20 20/19    40/23 21/19
    Q90 (steps 3, 3): before 27, 9; never compressed 1.2, 1.1
    pil-bicubic     2/2   8/6      3/2   7/6      3/3   8/7      6/4   8/7     10/6   8/8
    pil-lanczos     3/2   7/7      2/1   7/7      4/3   8/8      6/5   8/8     10/7   8/8
    cv2-area       18/3   8/6      3/1   6/5      3/2   8/5      7/2   8/6     11/4   8/6

What it says:

- **Quality 90, luminance, x0.5-0.7: gone from the pixels.** Even the
  exact inverse reads z 2-4, next to chance (1.2): the means' lattice is
  0.375 grey levels apart, and what a downscale by 0.7 or less loses of
  each block mean is larger. Only a prior on the image (what its lost
  detail is likely to be) could bring it back; no search can. (OpenCV's area halving is the exception, z 18: it
  is itself a mean of 2x2 pixels, so the 8x8 means come back whole; its
  rounding shifts them by 0.125 grey levels, which the search's cosine,
  offset 0, reads as anti-correlated.) At x0.8-0.9 a weak z of 6-11 is
  left.
- **Quality 90, chroma: the downscale costs little, the quality much.**
  The 4:2:0 chroma blocks (16x16 pixels, a lower frequency) keep z 6-8
  after every resize against 9 before it: at quality 90 the chroma
  lattice of a 384-pixel crop is weak before anything happens to it. The z
  grows with the square root of the number of blocks, so a whole
  photograph keeps more (a 1024x768 one has about 6 times the blocks:
  about 2.5 times the z).
- **Quality 75: the search's kernel costs up to half the evidence.** The
  exact inverse reads z 19-42 where Lanczos 3 reads 14-36, most lost after
  OpenCV's area (x0.5 42 against 22, x0.7 25 against 17) and Pillow's
  bicubic halving (26 against 17): the cells where the search misses
  most (``bench_jpeg_resized.py``: 78-89% called at x0.5-0.8). Matching the
  kernel when rescoring the best candidates is where the missing quality-75
  catches are, not in the thresholds.
- **Quality 50** keeps z 28-52 everywhere.

Usage: ``python benchmarks/bench_jpeg_resized_bound.py [--data FOLDER]
[--n-photos N] [--crops-per-image N] [--size S]``.
"""

import argparse
import functools
import os
import sys
import time

import numpy as np
from PIL import Image

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_jpeg_resized import KERNELS, QUALITIES, crops, resize  # noqa: E402

from skforensics.datasets import jpeg_with_tables, libjpeg_tables  # noqa: E402

FACTORS = (0.5, 0.6, 0.7, 0.8, 0.9)
MARGIN = 24  # pixels left out along each border (ringing, wrap-around)
# JPEG's YCbCr of RGB pixels (the level shift of Cb and Cr is added below).
YCBCR = np.array([[0.299, -0.168736, 0.5], [0.587, -0.331264, -0.418688],
                  [0.114, 0.5, -0.081312]])


def planes_of(pixels):
    """The luminance and the two chroma planes of RGB pixels, float64."""
    ycbcr = np.asarray(pixels, dtype=np.float64) @ YCBCR + [0.0, 128.0, 128.0]
    return [ycbcr[..., k] for k in range(3)]


def block_means(plane, size=8):
    """Means of the central ``size`` x ``size`` blocks of the grid at the corner."""
    rows, cols = plane.shape[0] // size, plane.shape[1] // size
    means = plane[: rows * size, : cols * size].reshape(rows, size, cols, size)
    means = means.mean(axis=(1, 3))
    m = MARGIN // size
    return means[m:-m, m:-m]


def coherence(means, step):
    """How strongly the block means lie on a lattice of spacing ``step / 8``,
    whatever its offset, and the z of that against chance.

    The magnitude of the mean of ``exp(2 pi i 8 (m - 128) / step)``: 1 on a
    lattice, about ``1 / sqrt(N)`` off it for ``N`` blocks. The offset is
    left free because rounding can shift the means by a fixed fraction of a
    grey level (OpenCV's INTER_AREA rounds halves up: +0.125 on average
    after halving, a third of quality 90's spacing). Times ``sqrt(2 N)`` it
    is Rayleigh-distributed under chance, median 1.18.
    """
    response = np.abs(np.exp(2j * np.pi * 8 * (means - 128) / step).mean())
    return response, response * np.sqrt(2 * means.size)


@functools.lru_cache(maxsize=None)
def inverse(n, factor, kernel):
    """The pseudo-inverse of the resize of a length-``n`` axis by ``kernel``.

    The resize is linear and separable: its matrix is the resize of the
    identity, one row at a time, in floating point.
    """
    n_out = round(n * factor)
    eye = np.eye(n, dtype=np.float32)
    if kernel == "cv2-area":
        import cv2

        rows = cv2.resize(eye, (n_out, n), interpolation=cv2.INTER_AREA)
    else:
        method = {"pil-bicubic": Image.BICUBIC, "pil-lanczos": Image.LANCZOS}[kernel]
        rows = np.asarray(Image.fromarray(eye, mode="F").resize((n_out, n), method))
    return np.linalg.pinv(rows.T.astype(np.float64))


def brought_back(plane, size):
    """A plane of the resized 8-bit image, Lanczos 3 back to ``size``."""
    plane = Image.fromarray(plane.astype(np.float32), mode="F")
    return np.asarray(plane.resize(size[::-1], Image.LANCZOS), dtype=np.float64)


def lattice(planes, steps, transform=lambda plane: plane):
    """Coherence and z of the luminance's 8x8 blocks (``steps[0]``) and of
    the chroma planes' 16x16 blocks together (4:2:0, ``steps[1]``)."""
    luma = coherence(block_means(transform(planes[0])), steps[0])
    chroma = np.concatenate(
        [block_means(transform(p), 16).ravel() for p in planes[1:]]
    )
    return luma, coherence(chroma, steps[1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/lossless")
    parser.add_argument("--n-photos", type=int, default=16)
    parser.add_argument("--crops-per-image", type=int, default=2)
    parser.add_argument("--size", type=int, default=384)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    folders = [
        os.path.normpath(os.path.join(args.data, folder))
        for folder in ("mcmaster", "usc_sipi_aerials")
    ]
    images = crops(
        folders, args.n_photos, args.seed, args.size, "held-out", args.crops_per_image
    )
    start = time.process_time()
    print(
        f"{len(images)} held-out photograph crops of {args.size}x{args.size} "
        "(JPEG 4:2:0); per cell the median over the crops of the lattice z at "
        "the true native size and DC step, exact / lanczos, of the luminance's "
        "8x8 blocks, then of the chroma's 16x16 blocks"
    )
    never = [planes_of(x) for x in images]
    for quality in QUALITIES:
        tables = libjpeg_tables(quality)
        steps = [int(table[0, 0]) for table in tables]
        jpegs = [jpeg_with_tables(x, *tables) for x in images]
        planes = [planes_of(j) for j in jpegs]

        def median_z(cases, transforms=None):
            transforms = transforms or [lambda plane: plane] * len(cases)
            zs = [[z for _, z in lattice(c, steps, t)] for c, t in zip(cases, transforms)]
            return np.median(zs, axis=0)

        before, null = median_z(planes), median_z(never)
        print(
            f"\nQ{quality}, DC steps {steps[0]} (luminance: block means on a lattice "
            f"of {steps[0] / 8:.3f} grey levels) and {steps[1]} (chroma, "
            f"{steps[1] / 8:.3f}): z before the resize {before[0]:.0f} and "
            f"{before[1]:.0f}; never-compressed crops |z| {null[0]:.1f} and "
            f"{null[1]:.1f}"
        )
        print("kernel       " + " ".join(f"{f:>19}" for f in FACTORS))
        for kernel in KERNELS:
            cells = []
            for factor in FACTORS:
                resized = [planes_of(resize(j, factor, kernel)) for j in jpegs]
                exact, lanczos = [], []
                for (height, width) in (j.shape[:2] for j in jpegs):
                    down = inverse(height, factor, kernel)
                    across = inverse(width, factor, kernel)
                    exact.append(lambda plane, d=down, a=across: d @ plane @ a.T)
                    lanczos.append(
                        lambda plane, s=(height, width): brought_back(plane, s)
                    )
                best, read = median_z(resized, exact), median_z(resized, lanczos)
                cells.append(
                    f"{best[0]:3.0f}/{read[0]:3.0f}  {best[1]:3.0f}/{read[1]:3.0f}"
                )
            print(f"{kernel:12s} " + " ".join(f"{c:>19}" for c in cells), flush=True)
    print(f"\n{time.process_time() - start:.0f} CPU-s")


if __name__ == "__main__":
    main()
