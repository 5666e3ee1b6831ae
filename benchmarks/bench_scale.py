"""BRISQUE over a collection: one process, two processes and a Dask cluster.

Prints images per second for the BRISQUE features of ``--n-images``
grayscale uint8 images of 512x512 (default 200), extracted

- in this process (``BRISQUEExtractor(n_jobs=1)``);
- by two joblib (loky) worker processes (``n_jobs=2``);
- by a ``distributed.LocalCluster`` of two single-threaded worker processes
  on loopback, through ``with joblib.parallel_backend("dask"):``;

each on an ndarray and on a ``LazyImages`` of PNG files written to a
temporary folder (the workers read the files; only paths travel), with the
ratio of each to the one-process run, all measured in one run. Each
configuration is warmed up once (worker start-up and imports are not
counted), then timed ``--repeat`` times; the median is reported. The
machine's load average is printed with the figures: on a shared machine
the parallel ratios are bounded by the cores actually free.

Usage: ``python benchmarks/bench_scale.py [--n-images N] [--repeat R]
[--scheduler ADDRESS]``. With ``--scheduler tcp://host:8786`` the Dask row
uses an existing cluster instead of a LocalCluster (the workers must see the
temporary folder for the LazyImages row; pass ``--tmp`` on a shared disk).
"""

import argparse
import os
import statistics
import tempfile
import time

import numpy as np
from joblib import parallel_backend
from PIL import Image

from skforensics.feature import BRISQUEExtractor
from skforensics.utils import LazyImages, make_test_images


def _load():
    if not hasattr(os, "getloadavg"):
        return "n/a"
    return " / ".join(f"{v:.1f}" for v in os.getloadavg())


def _time(func, repeat):
    func()  # warm-up: worker start, imports, first allocations
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        func()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n-images", type=int, default=200)
    parser.add_argument("--size", type=int, default=512)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--scheduler", default=None, help="existing Dask scheduler")
    parser.add_argument("--tmp", default=None, help="folder for the image files")
    args = parser.parse_args(argv)

    X = make_test_images(args.n_images, args.size, dtype=np.uint8, random_state=0)
    folder = tempfile.mkdtemp(prefix="bench-scale-", dir=args.tmp)
    paths = []
    for i, image in enumerate(X):
        paths.append(os.path.join(folder, f"{i:04d}.png"))
        Image.fromarray(image).save(paths[-1])
    collections = {"ndarray": X, "LazyImages": LazyImages(paths)}

    print(f"BRISQUE features of {args.n_images} grayscale {args.size}x{args.size} "
          f"uint8 images; median of {args.repeat} runs after a warm-up")
    print(f"load average before (1/5/15 min): {_load()}  CPUs: {os.cpu_count()}")

    import distributed

    if args.scheduler:
        client = distributed.Client(args.scheduler)
        cluster = None
        where = f"Dask scheduler {args.scheduler}"
    else:
        cluster = distributed.LocalCluster(
            processes=True, n_workers=2, threads_per_worker=1,
            host="127.0.0.1", dashboard_address=None,
        )
        client = distributed.Client(cluster)
        where = "Dask LocalCluster, 2 workers x 1 thread"

    reference = BRISQUEExtractor(n_jobs=1).fit_transform(X)
    rows = []
    try:
        for kind, data in collections.items():
            base = _time(lambda: BRISQUEExtractor(n_jobs=1).fit_transform(data), args.repeat)
            loky = _time(lambda: BRISQUEExtractor(n_jobs=2).fit_transform(data), args.repeat)

            def on_dask():
                with parallel_backend("dask"):
                    return BRISQUEExtractor().fit_transform(data)

            dask = _time(on_dask, args.repeat)
            assert np.array_equal(on_dask(), reference)  # same features everywhere
            rows.append((kind, "n_jobs=1 (one process)", base, base))
            rows.append((kind, "n_jobs=2 (loky processes)", loky, base))
            rows.append((kind, where, dask, base))
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

    print(f"{'input':<11} {'configuration':<40} {'images/s':>9} {'vs n_jobs=1':>12}")
    for kind, name, seconds, base in rows:
        rate = args.n_images / seconds
        print(f"{kind:<11} {name:<40} {rate:9.1f} {base / seconds:11.2f}x")
    print(f"load average after (1/5/15 min): {_load()}")


if __name__ == "__main__":
    main()
