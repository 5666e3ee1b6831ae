"""The pixelwise JPEG net on resized JPEGs: what its P(compressed) still sees.

``bench_jpeg_resized.py`` scores the pixel evidence's resized-grid search;
this one scores the net alone. The held-out images of the weights (the
sources their training never read, listed in their metadata), read from
``--data`` (default ``../shared/data/lossless``), are each kept never
compressed or JPEG-compressed in memory at qualities 50, 75 and 90 (OpenCV,
4:2:0, as ``bench_jpeg.py`` does), then resized by 0.5, 0.8 and 1.3 with
Pillow's bicubic filter. Per (history, factor) it prints how many the net
calls compressed (``predict_proba(X)[:, 1] > 0.5``), their mean probability
and, for the JPEGs, the mean absolute error of the predicted quality against
the quality before the resize.

Measured on one thread (issue 26, part 2), 16 held-out images, shipped
``jpeg-quality`` weights (about 190 CPU-s)::

    history      x0.5          x0.8          x1.3
    never JPEG   0/16 (0.02)   0/16 (0.01)   0/16 (0.01)
    Q50          1/16 (0.10)   1/16 (0.11)   5/16 (0.32)
    Q75          0/16 (0.05)   1/16 (0.07)   3/16 (0.22)
    Q90          0/16 (0.02)   0/16 (0.02)   1/16 (0.14)

A fine-tune of the same net with a third of its training patches resized
after their JPEG round trip (``scripts/train_jpeg_quality.py --init
skforensics/models/weights/jpeg-quality.skf --resized-fraction 0.3``, 56,000
patches, about 2,100 CPU-s) called 9-16 of 16 resized Q50-Q75 JPEGs
compressed, but also 2, 3 and 6 of 16 resized never-compressed images
(mean P 0.42-0.45), 3 of 16 unresized ones, and its collage IoU fell from
0.87 to 0.63: it was not shipped (see the jpeg-quality model card). The
same fine-tune with the resized patches in pairs, one JPEG and one never
compressed (``--resize-pairs``, 64,000 patches, 2,139 s), called none of
the 48 resized never-compressed images compressed (mean P 0.19-0.21) and
3/4/13 of 16 Q50, 1/1/12 Q75 and 0/0/0 Q90 JPEGs (x0.5/x0.8/x1.3), but its
unresized quality error rose from 1.63 to 1.84: not shipped either.

Read as the audit reads them (``--as-audited``: an enlargement that
``jpeg_evidence`` undid is read at its native size), against the pixels as
they are, one session (about 850 and 560 CPU-s), ``--factors 1.1 1.3 1.6
2.0``, called compressed (mean P) and quality MAE::

    history     as they are: x1.1 / x1.3 / x1.6 / x2   as audited
    never JPEG  0 / 0 / 4 / 6  (0.01-0.36)             0 / 0 / 0 / 0  (0.01)
    Q50         4 / 5 / 9 / 11 (MAE 25-41)              15 / 16 / 16 / 15 (MAE 4.0-6.7)
    Q75         1 / 3 / 8 / 9  (MAE 10-21)              14 / 16 / 16 / 15 (MAE 2.3-3.5)
    Q90         1 / 1 / 5 / 7  (MAE 6.6-9.2)            9 / 13 / 14 / 9   (MAE 0.8-3.1)

Usage: ``python benchmarks/bench_jpeg_resized_net.py [--weights FILE]
[--data FOLDER] [--factors F ...] [--as-audited] [--out results.json]``;
``--as-audited`` reads each image as the audit's net does: where
``jpeg_evidence`` undid an enlargement (``native_size``), at its native
size (``inspection._jpeg_net_view``).
"""

import argparse
import json
import os
import time

import numpy as np
from PIL import Image

QUALITIES = (None, 50, 75, 90)
FACTORS = (0.5, 0.8, 1.3)


def as_audited(estimator, image):
    """The pixels the audit's net reads of ``image`` (an enlargement that
    jpeg_evidence undid is read at its native size)."""
    from skforensics.inspection import jpeg_evidence
    from skforensics.inspection._jpeg_net_view import net_view

    field = int(estimator.module_.receptive_field)
    return net_view(image, jpeg_evidence(image), field)[0]


def resized(image, factor):
    height, width = image.shape[:2]
    size = (round(width * factor), round(height * factor))
    return np.asarray(Image.fromarray(image).resize(size, Image.BICUBIC))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weights", default=None, help="default: the shipped net")
    parser.add_argument("--data", default="../shared/data/lossless")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--factors", type=float, nargs="+", default=FACTORS)
    parser.add_argument(
        "--as-audited", action="store_true",
        help="read each image as the audit's net does (net_view), not as it is",
    )
    parser.add_argument("--out", default=None, help="JSON file of the results")
    args = parser.parse_args(argv)

    import torch

    from skforensics.datasets._jpeg import jpeg_round_trip
    from skforensics.models import load_pretrained_jpeg
    from skforensics.utils import check_images, read_image
    from skforensics.utils._color import to_uint8

    torch.set_num_threads(args.threads)
    estimator = load_pretrained_jpeg(path=args.weights)
    names = estimator.pretrained_info_["test_images"]
    images = []
    for name in names:
        image = read_image(os.path.join(args.data, name))
        images.append(to_uint8(check_images([image], convert_to="rgb")[0]))
    start = time.process_time()
    rows = []
    print(f"{len(images)} held-out images; called compressed (mean P), quality MAE")
    for quality in QUALITIES:
        if quality is None:
            base = images
        else:
            base = [to_uint8(jpeg_round_trip(im, quality, "4:2:0")) for im in images]
        for factor in args.factors:
            X = [resized(image, factor) for image in base]
            if args.as_audited:
                X = [as_audited(estimator, x) for x in X]
            p = estimator.predict_proba(X)[:, 1]
            row = {"quality": quality, "factor": factor, "n": len(X),
                   "called_compressed": int(np.sum(p > 0.5)),
                   "mean_p": float(np.mean(p))}
            line = (f"{'never JPEG' if quality is None else f'Q{quality}':>10} "
                    f"x{factor:<4} {row['called_compressed']:2d}/{len(X)} "
                    f"({row['mean_p']:.2f})")
            if quality is not None:
                estimated = np.asarray(estimator.predict(X), dtype=float)
                row["quality_mae"] = float(np.nanmean(np.abs(estimated - quality)))
                line += f"  MAE {row['quality_mae']:.1f}"
            rows.append(row)
            print(line, flush=True)
    cpu = time.process_time() - start
    print(f"{cpu:.0f} CPU-s")
    if args.out:
        with open(args.out, "w") as handle:
            json.dump({"weights": args.weights, "as_audited": args.as_audited,
                       "rows": rows, "cpu_seconds": cpu},
                      handle, indent=1)


if __name__ == "__main__":
    main()
