"""Time the JPEG maps of a 1920x1080 image: ours against Uchida's net.

::

    python benchmarks/bench_jpeg_speed.py [--repeats 3] [--threads 2]

Both nets are measured in the same run, on the same random 1920x1080 RGB
image, with the same number of torch threads:

- **ours**: :meth:`PixelwiseJPEGRegressor.predict_maps` of the shipped
  ``jpeg-quality`` weights (and ``jpeg-quality-fast``), the whole call, from
  the image to the clipped maps, as :func:`pretrained` loads them
  (``inference_precision="auto"``: bfloat16 dilated convolutions on CPUs
  with AVX512-BF16), and in float32 too where that differs;
- **Uchida**: the published architecture (seven 3x3 convolutions with
  dilations 1, 2, 3, 4, 3, 2, 1 and 64 filters on the RGB pixels, no batch
  norm: :meth:`JPEGQualityNet.paper`), randomly initialised, run eagerly in
  torch on the whole image at once (``torch.inference_mode``), which is the
  cheapest way to run it on CPU.

Each figure is the median of ``--repeats`` runs after one warm-up, as wall
seconds and as CPU seconds of this process (user + system): on a shared
machine the CPU seconds are the steadier figure.
"""

import argparse
import os
import resource
import time

import numpy as np


def _cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def measure(function, repeats):
    """Median wall and CPU seconds of ``function()`` after one warm-up."""
    function()
    walls, cpus = [], []
    for _ in range(repeats):
        wall, cpu = time.perf_counter(), _cpu_seconds()
        function()
        walls.append(time.perf_counter() - wall)
        cpus.append(_cpu_seconds() - cpu)
    return float(np.median(walls)), float(np.median(cpus))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--height", type=int, default=1080)
    parser.add_argument("--width", type=int, default=1920)
    args = parser.parse_args(argv)

    import torch

    from skforensics.models import pretrained
    from skforensics.nn import JPEGQualityNet

    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (args.height, args.width, 3), dtype=np.uint8)
    size = f"{args.width}x{args.height}"
    print(f"{size} maps, {args.threads} torch threads, median of {args.repeats}")

    paper = JPEGQualityNet.paper().eval()
    x = torch.from_numpy(image.transpose(2, 0, 1)[None].astype(np.float32) / 255.0)

    def uchida():
        with torch.inference_mode():
            paper(x)

    rows = [("Uchida et al. (eager torch, 64 filters)", *measure(uchida, args.repeats))]
    for name in ("jpeg-quality", "jpeg-quality-fast"):
        est = pretrained(name)
        precision = est._inference_module().layers[-1].weight.dtype
        label = f"ours, {name} ({str(precision).replace('torch.', '')})"
        rows.append((label, *measure(lambda: est.predict_maps([image]), args.repeats)))
        if precision != torch.float32:
            est = pretrained(name).set_params(inference_precision="float32")
            rows.append(
                (f"ours, {name} (float32)",
                 *measure(lambda: est.predict_maps([image]), args.repeats))
            )
    reference_wall, reference_cpu = rows[0][1], rows[0][2]
    print(f"{'net':44s} {'wall s':>8s} {'CPU s':>8s} {'x Uchida wall':>14s} {'CPU':>6s}")
    for name, wall, cpu in rows:
        print(
            f"{name:44s} {wall:8.3f} {cpu:8.3f} {wall / reference_wall:14.2f} "
            f"{cpu / reference_cpu:6.2f}"
        )
    print(
        f"(CPU s is user + system of this process; {os.cpu_count()} CPUs seen; "
        "on a shared machine compare the CPU seconds)"
    )


if __name__ == "__main__":
    main()
