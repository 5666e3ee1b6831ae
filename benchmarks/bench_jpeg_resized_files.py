"""The JPEG audit's verdicts on whole files with a known history, resized or not.

``bench_jpeg_resized.py`` scores the evidence's resized-grid search on
crops; this one scores what a user reads: the held-out images of the
``jpeg-quality`` weights (the sources their training never read, listed in
their metadata), read from ``--data`` (default ``../shared/data/lossless``),
are each kept never compressed or saved by Pillow as a JPEG at qualities 75
and 90 (4:2:0, or ``--subsampling``) and decoded, then kept at their size or resized by
``--factors`` (default 0.8 and 1.3) with Pillow's bicubic filter, and saved
as PNG files in a temporary folder (one sub-folder per history). The public
:func:`~skforensics.inspection.jpeg_audit` (the pipeline of ``skforensics
analyse --models jpeg``) reads them; the script prints the count of each
verdict (and its confidence) per history, and the rows as JSON with
``--out``.

``--histories`` runs some of them (``never``, ``q75``, ``q90``, each with
``@<factor>`` for a resize, e.g. ``never@0.8``), so that the work can be
split; ``--rows FILE ...`` tabulates rows saved earlier, with
``--recombine`` after re-reading the evidence from the pixels (kept with
``--keep FOLDER``) and the verdict with today's code, the net's columns
taken from the file (the net is not run again).

2026-12-07 (stop 45), the net reading an enlargement at its native size
where the evidence undid it (``--histories never@1.3 q75@1.3 q90@1.3``,
before and after in one session, one thread each): never@1.3 16 "no JPEG
trace found" before and after; q75@1.3 "compressed, then resized" 2 high
+ 14 medium -> 15 high + 1 medium; q90@1.3 12 medium + 2 low + 2 "no JPEG
trace found" -> 10 high + 4 medium, 1 "no JPEG trace found", 1 "unknown"
(the net, reading the native pixels, says compressed where no grid shows);
64 and 95 -> 53 and 78 CPU-s for the 16 Q75 and Q90 files.

2026-12-07, JPEGs written with 4:4:4 chroma (``--subsampling 4:4:4
--factors 0.5 0.7 0.8 0.9``, the eight JPEG histories; 126 CPU-s with the
net, one thread), files called "compressed, then resized" of 16, before
(commit cf7597c, recombined from the same rows with ``--recombine``) ->
after the search of the 4:2:2 and 4:4:4 chroma blocks: Q75 x0.5 7 -> 9,
x0.7 10 -> 11, x0.8 12 -> 13, x0.9 14 -> 14; Q90 x0.5 0 -> 1, x0.7 3 -> 5,
x0.8 4 -> 6, x0.9 8 -> 8.

2026-12-07 (stop 37), 4:2:0 (the default; ``--factors 0.5 0.7 0.8 0.9``,
the eight JPEG histories, rows kept and recombined with the code before and
after the downscale search's second window, where clipping crowds the
middle): files called "compressed, then resized" of 16, Q75 x0.5 9 -> 9,
x0.7 11 -> 12, x0.8 12 -> 13, x0.9 14 -> 14 (one of low confidence now
medium); Q90 x0.7 3 -> 4, x0.8 4 -> 4, x0.9 7 -> 7, x0.5 0.

Measured (issue 26, part 3; shared 2-core machine, one thread, 211 CPU-s
for the 144 files with the net), counts of 16 per history; "never
compressed" before and after the rule that says it only where a resized
grid would have shown (``resized_visible``) or no periodicity hints at a
resize (``resampling_z`` under 5)::

    history      compressed(,     never compressed             no JPEG
                 then resized)    before -> after              trace found
    never        0                11 medium -> 3 med., 7 low   5 -> 6
    never@0.8    0                12 medium -> 1 medium        4 -> 15
    never@1.3    0                0                            16
    q75          16 (high)        0                            0
    q75@0.8      7                7 medium -> 1 low            2 -> 8
    q75@1.3      14               0                            2
    q90          16 (high)        0                            0
    q90@0.8      4                8 medium -> 2 low            4 -> 10
    q90@1.3      6                0                            10

Issue 26 part 1 (the resized-grid search with the two axes summed for a
period of 4 pixels), ``--factors 0.5 0.7 0.8 0.9 1.3``, 15 histories run
once with the net (``--keep``), the verdicts recombined from the same
files with the search before and after (``--rows ... --recombine``):
JPEG Q75 then 0.5 called compressed (then resized) 0 -> 3 of 16; every
other history as before: Q75 then 0.7 / 0.8 / 0.9 / 1.3: 7 / 7 / 11 / 14,
Q90 then 0.5 / 0.7 / 0.8 / 0.9: 0 / 1 / 4 / 5; never compressed (x1,
0.5, 0.7, 0.8, 0.9, 1.3): 0 of 96 called compressed.

Issue 26, the lattice of an enlarged JPEG read once the enlargement is
undone (``--factors 1.1 1.3 1.5 2.0``, histories never, never@f, q75@f and
q90@f, run once with the net, the verdicts recombined with the evidence
before and after): called compressed, then resized, with the factor within
5%, of 16, at 1.1 / 1.3 / 1.5 / 2: Q75 7 / 14 / 13 / 14 -> 15 / 16 / 15 /
15; Q90 5 / 6 / 7 / 6 -> 13 / 14 / 14 / 14. Never-compressed files called
compressed: enlarged, 4 of 64 -> 0 (the grid search read a doubling's
trace as a JPEG downscaled by 0.71 on three McMaster photographs, with the
net's agreement); unresized, 0 of 16 before and after.

Issue 26, the lattice of the blocks' DC coefficients of a downscaled JPEG
(``--factors 0.5 0.7 0.8 0.9``, histories never@f, q75@f and q90@f, run
once with the net, 205 CPU-s, the verdicts recombined with the evidence
before): called compressed, then resized, of 16, at 0.5 / 0.7 / 0.8 /
0.9: Q75 3 / 7 / 7 / 11 -> 7 / 11 / 12 / 14 (after: all with the factor
within 5%, 43 of 44 with medium or high confidence, against 2 of 28
before); Q90 0 / 1 / 4 / 5 -> 0 / 2 / 4 / 6. Never-compressed files
downscaled the same way: 0 of 64 called compressed, before and after.
With the chroma planes searched too (run again with the net, 216 CPU-s):
Q75 9 / 11 / 12 / 14 (45 of 46 medium or high), Q90 0 / 3 / 4 / 7, all
with the factor within 5%; never compressed 0 of 64.

Usage: ``OMP_NUM_THREADS=1 python benchmarks/bench_jpeg_resized_files.py
[--data FOLDER] [--factors 0.8 1.3] [--histories never q75@0.8 ...]
[--keep FOLDER] [--out rows.json] [--rows rows.json ... [--recombine]]``.
"""

import argparse
import io
import json
import os
import tempfile
import time
from collections import Counter

import numpy as np
from PIL import Image

QUALITIES = (None, 75, 90)


def history_name(quality, factor):
    """``never``/``q75``/``q90``, with ``@<factor>`` if resized."""
    name = "never" if quality is None else f"q{quality}"
    return name if factor is None else f"{name}@{factor:g}"


# Pillow's codes of the chroma subsamplings.
SUBSAMPLINGS = {"4:4:4": 0, "4:2:2": 1, "4:2:0": 2}


def make_file(image, quality, factor, path, subsampling="4:2:0"):
    """Save one history of one image as a PNG file."""
    picture = Image.fromarray(image)
    if quality is not None:
        buffer = io.BytesIO()
        code = SUBSAMPLINGS[subsampling]
        picture.save(buffer, format="JPEG", quality=quality, subsampling=code)
        buffer.seek(0)
        picture = Image.open(buffer)
        picture.load()
    if factor is not None:
        width, height = picture.size
        size = (round(width * factor), round(height * factor))
        picture = picture.resize(size, Image.BICUBIC)
    picture.save(path)


def verdict_words(row):
    if row.get("error"):
        return "error"
    return f"{row['verdict']} ({row['confidence']})"


def tabulate(rows):
    """Print the count of each verdict (confidence) per history."""
    histories = list(dict.fromkeys(row["history"] for row in rows))
    counts = {h: Counter(verdict_words(r) for r in rows if r["history"] == h) for h in histories}
    verdicts = sorted({v for c in counts.values() for v in c})
    width = max(len(h) for h in histories) + 2
    print("history".ljust(width) + " | ".join(verdicts))
    for history in histories:
        n = sum(counts[history].values())
        cells = " | ".join(f"{counts[history][v]:>{len(v)}d}" for v in verdicts)
        print(f"{history:<{width}}{cells}   (of {n})")


def recombine(rows, keep):
    """Re-read the evidence from the kept files and recombine the verdicts."""
    from skforensics.inspection._jpeg_audit import _evidence_columns
    from skforensics.inspection._jpeg_verdict import combine_verdicts
    from skforensics.utils import read_image

    for row in rows:
        path = os.path.join(keep, row["history"], row["path"])
        row.update(_evidence_columns(path, read_image(path)))
        row["verdict"], row["confidence"], row["disagreement"] = combine_verdicts(row)
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="../shared/data/lossless")
    parser.add_argument("--factors", type=float, nargs="+", default=[0.8, 1.3])
    parser.add_argument("--histories", nargs="+", default=None)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--keep", default=None, help="write the files here")
    parser.add_argument("--out", default=None, help="JSON file of the rows")
    parser.add_argument("--rows", nargs="+", default=None, help="tabulate these")
    parser.add_argument("--recombine", action="store_true")
    parser.add_argument(
        "--subsampling", choices=tuple(SUBSAMPLINGS), default="4:2:0",
        help="chroma subsampling of the JPEGs",
    )
    args = parser.parse_args(argv)
    if args.rows:
        rows = [row for name in args.rows for row in json.load(open(name))]
        if args.recombine:
            rows = recombine(rows, args.keep)
        tabulate(rows)
        if args.out:
            with open(args.out, "w") as f:
                json.dump(rows, f, indent=1, default=str)
        return

    import torch

    from skforensics.inspection import jpeg_audit
    from skforensics.models import load_pretrained_jpeg
    from skforensics.utils import check_images, read_image
    from skforensics.utils._color import to_uint8

    torch.set_num_threads(args.threads)
    estimator = load_pretrained_jpeg()
    names = estimator.pretrained_info_["test_images"]
    histories = [
        (quality, factor)
        for quality in QUALITIES
        for factor in (None, *args.factors)
    ]
    if args.histories:
        histories = [h for h in histories if history_name(*h) in args.histories]
    folder = args.keep or tempfile.mkdtemp(prefix="bench-jpeg-resized-files-")
    start = time.process_time()
    rows = []
    for quality, factor in histories:
        name = history_name(quality, factor)
        sub = os.path.join(folder, name)
        os.makedirs(sub, exist_ok=True)
        for source in names:
            image = to_uint8(check_images([read_image(os.path.join(args.data, source))])[0])
            stem = source.replace("/", "_").rsplit(".", 1)[0]
            make_file(
                np.squeeze(image), quality, factor, os.path.join(sub, stem + ".png"),
                args.subsampling,
            )
        report = jpeg_audit(
            sub,
            estimator=estimator,
            output_dir=os.path.join(folder, name + "-audit"),
            save_maps=False,
            save_histogram=False,
            progress=False,
        )
        for row in report.rows:
            rows.append({"history": name, **row})
        print(f"{name}: {time.process_time() - start:.0f} CPU-s", flush=True)
    tabulate(rows)
    if args.out:
        with open(args.out, "w") as f:
            json.dump(rows, f, indent=1, default=str)
    print(f"{time.process_time() - start:.0f} CPU-s; files in {folder}")


if __name__ == "__main__":
    main()
