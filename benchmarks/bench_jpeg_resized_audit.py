"""The JPEG audit's verdicts (net and evidence) on resized crops.

``bench_jpeg_resized.py`` scores the evidence alone; this one scores what
the audit says (``inspection._jpeg_audit.audit_image``, the JPEG step of
``skforensics analyse`` and ``jpeg-audit``): the same held-out photograph
crops (``--split held-out --crops-per-image 2``: 18 crops of 384x384 from
the 9 McMaster and USC-SIPI photographs the JPEG net held out), never
compressed or JPEG (libjpeg tables, 4:2:0) at ``--qualities``, resized by
``--factors`` with ``--kernel``. Per history it prints how many of the
crops the audit calls ``compressed`` or ``compressed, then resized``, and
the count of each verdict with its confidence.

Measured at stop 45 (shared 2-core machine, one thread each, the code
before and after run side by side, about 400 CPU-s a run), called
compressed of 18, before -> after the net read enlargements at their
native size and decided where the undone pixels show no lattice,
``--factors 1.1 1.3 1.6 2.0``:

=========  =====================  =====================  =====================
history    Pillow bicubic         Pillow Lanczos         OpenCV area
=========  =====================  =====================  =====================
never      0 / 0 / 0 / 0 -> same  0 / 0 / 0 / 0 -> same  0 / 0 / 2 / 0 -> same
Q50        16/18/17/18 -> 18 all  16/18/16/18 -> 18 all  17/18/18/18 -> 18 all
Q75        17/15/16/18 -> 17/18s  16/17/16/18 -> 18 all  17/17/18/18 -> 18 all
Q90        18/9/17/18 -> 18 all   11/11/15/16 -> 18 all  17/10/17/18 -> 17/18/17/18
=========  =====================  =====================  =====================

("17/18s": 17 at x1.1, 18 at the others.) Downscaled (``--factors 0.5 0.7
0.9``, after; the audit reads downscales as before), at x0.5, x0.7 and
x0.9, each bicubic / Lanczos / area: never 0 everywhere; Q50 18/18/18,
18/18/17, 18/18/18; Q75 16/16/18, 16/16/16, 18/18/17 (the Pillow misses:
one high-contrast photograph's two crops, "never compressed", low); Q90
0/0/0, 6/7/4, 12/11/9, where the traces are mostly gone
(``bench_jpeg_resized_bound.py``). The never-compressed crops the
net called compressed where no grid was found ("unknown") went from 13 and
14 of 18 at x1.6 and x2 (bicubic) to none. The two never-compressed crops
called compressed with OpenCV's area at x1.6 are one high-contrast
photograph whose enlargement's own periodic pattern fits a grid resized by
0.66 and whose native size the descale search does not find: the net,
reading the enlarged pixels, agrees (P 0.90 and 0.95).

Stop 46 (the resized-grid search leaves an enlargement trace's
subharmonic out, and the descale search tries OpenCV's area kernel from a
factor of 1.1): never compressed with OpenCV's area at x1.6, 2 -> 0 of 18
called compressed, and 14 "unknown" (the net alone calling the enlarged
pixels compressed) -> 0, all 18 undone and "no JPEG trace found"; Q90
area x1.6 17 -> 18; every other cell of the three kernels at x0.5, 0.7,
0.9, 1.1, 1.3, 1.6 and 2 as above (185, 343 and 333 CPU-s for the area,
bicubic and Lanczos runs, two at a time on the 2 cores).

Usage: ``OMP_NUM_THREADS=1 python benchmarks/bench_jpeg_resized_audit.py
[--data FOLDER] [--kernel pil-bicubic|pil-lanczos|cv2-area] [--factors F
...] [--qualities Q ...] [--weights FILE]``.
"""

import argparse
import collections
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from bench_jpeg_resized import KERNELS, crops, resize  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/lossless")
    parser.add_argument("--kernel", choices=KERNELS, default="pil-bicubic")
    parser.add_argument(
        "--factors", type=float, nargs="+", default=[1.1, 1.3, 1.6, 2.0]
    )
    parser.add_argument("--qualities", type=int, nargs="+", default=[50, 75, 90])
    parser.add_argument("--weights", default=None, help="default: the shipped net")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)

    import torch

    from skforensics.datasets import jpeg_with_tables, libjpeg_tables
    from skforensics.inspection._jpeg_audit import audit_image
    from skforensics.models import load_pretrained_jpeg

    torch.set_num_threads(args.threads)
    estimator = load_pretrained_jpeg(path=args.weights)
    folders = [
        os.path.normpath(os.path.join(args.data, name))
        for name in ("mcmaster", "usc_sipi_aerials")
    ]
    images = crops(folders, 16, 0, 384, "held-out", 2)
    start = time.process_time()
    print(f"{len(images)} held-out crops, {args.kernel}; called compressed")
    for quality in [None, *args.qualities]:
        for factor in args.factors:
            counts = collections.Counter()
            for image in images:
                if quality is not None:
                    image = jpeg_with_tables(image, *libjpeg_tables(quality))
                row, _, _ = audit_image(estimator, resize(image, factor, args.kernel))
                counts[f"{row['verdict']} ({row['confidence']})"] += 1
            called = sum(
                n for verdict, n in counts.items() if verdict.startswith("compressed")
            )
            name = "never" if quality is None else f"Q{quality}"
            print(
                f"{name:>5} x{factor:<4} {called:2d}/{len(images)}  {dict(counts)}",
                flush=True,
            )
    print(f"{time.process_time() - start:.0f} CPU-s")


if __name__ == "__main__":
    main()
