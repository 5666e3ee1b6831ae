"""Peak memory and time of ``skforensics analyse`` on very large images.

Prints, for each case, the peak resident set size (RSS) and the wall and
CPU time (user + system) of one ``skforensics analyse`` run on one file:

- a 48-megapixel photograph (8000x6000, a current phone's full resolution);
- a 102-megapixel photograph (11648x8736, a medium-format camera), which
  is above the default decompression-bomb limit (89,478,485 pixels), so the
  run raises it (``--max-pixels`` when the command has it, else
  ``PIL.Image.MAX_IMAGE_PIXELS`` in the analysing process);
- an 8K video frame (7680x4320) as a PNG;

- ``48mp-jpeg``: the 48-megapixel photograph as a quality-90 JPEG, as a
  camera writes it (the pixels' JPEG evidence then reads its quantisation
  steps and tests for an earlier compression, which the PNGs skip);

each with the maps (the default) and with ``--no-maps``. The photographs
are synthetic, made by this script (smooth shapes, gradients and sensor
noise, RGB, saved as PNG with fast compression) in a temporary folder;
nothing is downloaded. Each run is a fresh Python process, so that its peak
RSS (``ru_maxrss``) counts the command alone: imports, the models, the
decoded image and whatever the models and maps allocate.

Usage::

    python benchmarks/bench_memory.py [--cases 48mp,102mp,8k,48mp-jpeg]
                                      [--maps both] [--models upscale,jpeg]
                                      [--keep DIR] [--timeout SECONDS]
                                      [--scale 1.0] [--threads N]

``--threads`` sets torch's threads (and OpenMP's) in the analysing process;
by default they are torch's default (the number of cores). Each line gives
the threads used and the load average of the machine when the run ended:
on a shared machine, read the CPU time rather than the wall time.

``--maps`` is ``both`` (default), ``yes`` or ``no``. The issue's targets
(issue 25): with maps, a 48 MP photograph in <= 1.5 GB and <= 30 s on 2
cores; a 102 MP one with the limit raised in <= 2 GB.

Measured on 2026-12-06 (a 2-core machine shared with another benchmark,
load average 2.0-2.7, ``--threads 1``; CPU is user + system time of the
analysing process, imports and model loading included; "before" is commit
249eb8a)::

    case       maps   before: peak RSS, CPU    after: peak RSS, wall, CPU
    48mp       yes    5666 MB, 168.5 s         1191 MB, 171.5 s, 148.8 s
    48mp       no     3138 MB, 148.7 s         1164 MB, 131.7 s, 131.9 s
    48mp-jpeg  yes    -                        1380 MB, 173.7 s, 166.0 s
    8k         yes    4116 MB, 114.5 s         1012 MB, 109.5 s, 109.5 s
    8k         no     2367 MB, 120.3 s          977 MB, 109.6 s,  87.9 s
    102mp      yes    -                        1844 MB, 341.3 s, 308.3 s
    102mp      no     -                        1781 MB, 265.2 s, 262.8 s

Again on 2026-12-06, after the JPEG net's dilated layers went to bfloat16,
the machine otherwise idle (load average 1.0), ``--cases 48mp --maps yes
--threads 2``: 1326 MB peak RSS, 82.0 s wall, 151.5 s CPU.

Again on 2026-12-06 evening, ``--threads 2``, with the JPEG net's tiles two
at a time (one torch thread each), 63 MB per tile in flight instead of 132,
the tiles' freed memory given back to the system (glibc's ``malloc_trim``)
and the resized-grid probe in 8 bits (commits 1cda9a2 to bb14ff3); a
helper's jobs queued behind each run (load average 1.7-2.0)::

    case       before (79047e9): RSS, wall, CPU   now: RSS, wall, CPU
    48mp       1326 MB, 82.0 s, 151.5 s (above)   1304-1358 MB, 54-59 s, 98-109 s
    48mp-jpeg  -                                  1368-1484 MB, 54-57 s, 100-106 s
    102mp      2108 MB, 141.6 s, 264.3 s          1903 MB, 111-126 s, 206-225 s

All with maps. With two threads the 102 MP run was over 2 GB before (its
peak was the probe's float copies of the image, with the maps held); 48 MP
in 30 s is still not met: the JPEG maps take 42 of the 59 s (cProfile).

Again on 2026-12-07 (``--cases 48mp --maps yes --threads 2``, idle
machine), commit cf7597c against the downscaled-JPEG search with the
4:2:2 and 4:4:4 chroma blocks and the faster scoring (63e6266 and
after): 1323 MB, 70.2 s, 124.3 CPU-s before; 1378 MB, 65.0 s, 116.6
CPU-s after.

Again on 2026-12-07 (stop 40), the same command on commit 7be79ab, idle
machine (load average 0.8 at the start): 1338 MB, 48.8 s, 86.8 CPU-s.
The gain since then is the machine's, not the code's, as far as we can
tell: the JPEG net, most of the time, did not change, and
``bench_analyse.py`` found stop 37's code as fast as this one when both
ran on this day. 30 s is still not met.

What is left at 48 MP: about 590 MB for the process before any image
(torch, the models, matplotlib, scipy, OpenCV), 137 MB for the image (kept
uint8), 366 MB for the two float32 maps that ``predict_maps`` returns, and
one tile of the JPEG net; at 102 MP the maps (816 MB) dominate. The JPEG
net is 87% of the time (0.63 CPU-s per megapixel on one thread): 30 s at
48 MP on 2 cores needs it near 1 s per 1080p frame.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

CASES = {
    "48mp": (6000, 8000),
    "102mp": (8736, 11648),
    "8k": (4320, 7680),
    "48mp-jpeg": (6000, 8000),
}


def make_photo(path, height, width, seed=0, quality=None):
    """Write a synthetic RGB photograph of ``height`` x ``width`` as PNG,
    or as a JPEG of ``quality``."""
    from PIL import Image

    rng = np.random.default_rng(seed)
    # Built in bands of rows so that the script itself stays small.
    image = Image.new("RGB", (width, height))
    band = 512
    x = np.arange(width, dtype=np.float32)
    for top in range(0, height, band):
        rows = min(band, height - top)
        y = np.arange(top, top + rows, dtype=np.float32)[:, None]
        r = 128 + 90 * np.sin(x / 97.0) * np.cos(y / 131.0)
        g = 255 * (x / width) * np.ones_like(y)
        b = np.where((y - height / 2) ** 2 + (x - width / 3) ** 2 < (height / 3) ** 2,
                     200.0, 60.0)
        pixels = np.stack(np.broadcast_arrays(r, g, b), axis=-1)
        pixels += rng.normal(0, 6, pixels.shape).astype(np.float32)
        chunk = np.clip(np.round(pixels), 0, 255).astype(np.uint8)
        image.paste(Image.fromarray(chunk), (0, top))
    if quality is None:
        image.save(path, compress_level=1)
    else:
        image.save(path, quality=quality)


_CHILD = r"""
import json, resource, sys, time
from PIL import Image
args = json.loads(sys.argv[1])
if args["raise_limit"]:
    Image.MAX_IMAGE_PIXELS = args["raise_limit"]
import torch
if args["threads"]:
    torch.set_num_threads(args["threads"])
from skforensics.cli import main
t0 = time.perf_counter()
code = main(args["argv"])
wall = time.perf_counter() - t0
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({"code": code, "wall": wall, "cpu": usage.ru_utime + usage.ru_stime,
                  "peak_mb": usage.ru_maxrss / 1024,
                  "threads": torch.get_num_threads()}))
"""


def _has_max_pixels_flag():
    from skforensics.cli import build_parser

    parser = build_parser()
    help_text = parser._subparsers._group_actions[0].choices["analyse"].format_help()
    return "--max-pixels" in help_text


def run_case(path, n_pixels, *, maps, models, out_dir, timeout=None, threads=None):
    argv = ["analyse", path, "-q", "--out", out_dir, "--models", models]
    if not maps:
        argv.append("--no-maps")
    raise_limit = None
    from PIL import Image

    if n_pixels > Image.MAX_IMAGE_PIXELS:
        if _has_max_pixels_flag():
            argv += ["--max-pixels", str(n_pixels)]
        else:
            raise_limit = n_pixels
    payload = json.dumps({"argv": argv, "raise_limit": raise_limit, "threads": threads})
    env = {**os.environ, "MPLBACKEND": "Agg"}
    if threads:
        env["OMP_NUM_THREADS"] = str(threads)
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, payload],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    # The peak RSS so far (VmHWM), polled, so that a run stopped by
    # --timeout still reports how much memory it had reached.
    start, peak_kb = time.perf_counter(), 0
    while child.poll() is None:
        peak_kb = max(peak_kb, _vm_hwm_kb(child.pid))
        if timeout is not None and time.perf_counter() - start > timeout:
            child.kill()
            child.wait()
            return {"code": None, "wall": time.perf_counter() - start, "cpu": None,
                    "peak_mb": peak_kb / 1024, "threads": threads,
                    "error": f"stopped after {timeout:.0f} s (--timeout)"}
        time.sleep(0.5)
    stdout, stderr = child.communicate()
    if child.returncode != 0:
        raise RuntimeError(f"analyse failed:\n{stdout}\n{stderr}")
    figures = json.loads(stdout.strip().splitlines()[-1])
    with open(os.path.join(out_dir, "report.json"), encoding="utf-8") as f:
        record = json.load(f)[0]
    figures["error"] = record.get("error", "")
    return figures


def _vm_hwm_kb(pid):
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", default="48mp,102mp,8k")
    parser.add_argument("--maps", choices=("both", "yes", "no"), default="both")
    parser.add_argument("--models", default="upscale,jpeg")
    parser.add_argument("--keep", default=None, help="folder for the images (kept)")
    parser.add_argument("--timeout", type=float, default=None,
                        help="stop each run after this many seconds (its peak RSS "
                        "so far is still reported)")
    parser.add_argument("--scale", type=float, default=1.0,
                        help="shrink each side by this factor (a quick smoke run)")
    parser.add_argument("--threads", type=int, default=None,
                        help="torch and OpenMP threads of the analysing process")
    args = parser.parse_args(argv)
    cases = [c.strip() for c in args.cases.split(",") if c.strip()]
    maps_options = {"both": (True, False), "yes": (True,), "no": (False,)}[args.maps]
    folder = args.keep or tempfile.mkdtemp(prefix="skf-bench-memory-")
    os.makedirs(folder, exist_ok=True)
    print(f"cores: {os.cpu_count()}, load average: {os.getloadavg()}")
    print(f"{'case':<10} {'size':>12} {'maps':>5} {'peak RSS':>10} {'wall':>8} "
          f"{'CPU':>8} {'threads':>7} {'load':>5}  note")
    for case in cases:
        height, width = (round(n * args.scale) for n in CASES[case])
        jpeg = case.endswith("-jpeg")
        suffix = "jpg" if jpeg else "png"
        path = os.path.join(folder, f"{case}-{width}x{height}.{suffix}")
        if not os.path.exists(path):
            t0 = time.perf_counter()
            make_photo(path, height, width, quality=90 if jpeg else None)
            print(f"  (made {path}, {os.path.getsize(path) / 2**20:.0f} MiB, in "
                  f"{time.perf_counter() - t0:.1f} s)")
        for maps in maps_options:
            out_dir = tempfile.mkdtemp(prefix=f"skf-bench-{case}-")
            figures = run_case(path, height * width, maps=maps, models=args.models,
                               out_dir=out_dir, timeout=args.timeout,
                               threads=args.threads)
            cpu = "-" if figures["cpu"] is None else f"{figures['cpu']:.1f} s"
            print(
                f"{case:<10} {f'{width}x{height}':>12} {'yes' if maps else 'no':>5} "
                f"{figures['peak_mb']:>7.0f} MB {figures['wall']:>6.1f} s "
                f"{cpu:>8} {figures['threads'] or '-':>7} {os.getloadavg()[0]:>5.1f}  "
                f"{figures['error'][:60]}",
                flush=True,
            )


if __name__ == "__main__":
    main()
