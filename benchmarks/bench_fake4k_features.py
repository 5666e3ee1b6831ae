#!/usr/bin/env python
"""Fake-4K bake-off, non-CNN rows: the descale curve and periodicity features.

Two designs of issue 23's front-end bake-off, on the protocol of
``bench_fake4k.py`` (imported, unchanged: its ``CONDITIONS``, ``FAKES``,
``SOFT``, ``FACTOR_RESAMPLERS``, ``degrade``, ``soften`` and the recipe of
``scripts/train_upscale_detector.py``):

- **descale** (:func:`skforensics.feature.descale_curve`): for each candidate factor (1.2
  to 3.2 in steps of 0.01) and kernel (OpenCV bilinear, bicubic and
  Lanczos-4, Pillow cubic and Lanczos-3, swscale cubic), the 64 most
  textured rows and columns are projected by least squares onto the span
  of the upscale matrix; the score is the depth of the deepest dip of the
  residual curve below its neighbours (log10), no learning; the factor is
  where it lies;
- **features + HGB**: the descale features (10) and the periodicity
  features of :func:`skforensics.feature.resampling_periodicity` (the
  second-derivative spectrum, codec grid frequencies masked: the largest z
  along rows and columns, z at x1.25, x1.5, x2.4, x3) fed to
  ``HistGradientBoostingClassifier``; ``periodicity + HGB`` uses the
  periodicity features alone.

Held-out: every other source of ``weights/upscale.json``'s
``test_sources`` (24 images, whole). Per condition, the real source and its
four ``FAKES``, post-processed alike; the five ``SOFT`` versions clean and
after H.264 CRF 23; for the factor, x1.25-x3 with ``FACTOR_RESAMPLERS``
(cycled over the sources) clean and after H.264 CRF 23.

Training: every fourth of the ``train_sources`` (48), each at most
1024x1024 (a random crop), as 2 real, 2 soft (a random ``SOFT``) and 6
upscaled images (the four ``FAKES`` plus x1.25 and x2.4 with a random
resampler of the recipe), each under a random condition of ``CONDITIONS``
(480 images). The one threshold per design is fixed on the training
images: the 99th percentile of the out-of-fold scores (GroupKFold by
source, 5 folds) of the training real and soft images.

Usage (each step caches under ``--cache``, /tmp/f4k-x by default)::

    python benchmarks/bench_fake4k_features.py heldout --sources 0:4
    python benchmarks/bench_fake4k_features.py train --sources 0:12
    python benchmarks/bench_fake4k_features.py evaluate

Measured on 2026-12-06 (one thread of a shared 2-core machine), on 20 of
the 24 held-out sources (11, 16, 22 and 23 were not generated in time: the
CPU lock was shared) and 42 of the 48 training sources (420 images).
ROC AUC of the four upscales against the real and soft images of each
condition / upscales caught at the one threshold fixed on training (1.2%
of training real and soft called upscaled out of fold):

=================  ===============  ===============  ===============
condition          descale dip      descale + HGB    descale+period.
                   (no learning)                     + HGB
=================  ===============  ===============  ===============
none               1.000 / 100%     1.000 / 98.8%    1.000 / 90.0%
JPEG Q90           0.999 / 81.2%    0.998 / 90.0%    0.999 / 90.0%
JPEG Q75           0.981 / 52.5%    0.999 / 65.0%    0.999 / 68.8%
H.264 CRF 18       1.000 / 90.0%    1.000 / 92.5%    1.000 / 91.2%
H.264 CRF 23       0.980 / 75.0%    0.999 / 86.2%    1.000 / 87.5%
H.264 CRF 28       0.983 / 42.5%    1.000 / 61.3%    1.000 / 68.8%
HEVC CRF 23        0.957 / 55.0%    0.980 / 61.3%    0.996 / 57.5%
unsharp r=1 100%   1.000 / 100%     1.000 / 100%     1.000 / 100%
unsharp r=2 150%   1.000 / 90.0%    1.000 / 95.0%    1.000 / 96.2%
=================  ===============  ===============  ===============

No held-out real image was called upscaled under any condition by any
design; soft images called upscaled: 4/100 clean (all Gaussian sigma 1.5)
by the descale dip alone, 0/100 by the HGB designs, 0/100 after H.264 CRF
23 by all. Periodicity features alone + HGB: AUC 0.73-0.82, at most 9% caught.
Native size right (the descale factor, counted when detected), clean /
H.264 CRF 23, descale + HGB: x1.25 95% / 75%, x1.5 100% / 65%, x2 95% /
95%, x2.4 95% / 75%, x3 100% / 80% (the descale factor alone, detected or
not: 100% clean; 90, 65, 100, 95, 100% after CRF 23). CPU: 1.16 s per
held-out image (0.51 Mpx on average; features, the HGB's predict is
negligible); a 1920x1080 frame 1.7 s (6.3 s the first time a frame size
is seen: the banded factorizations); HGB fit 0.1-0.2 s.
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))

PERIODICITY_FEATURES = ("period_zx_max", "period_zy_max", "period_z_max",
                        "period_z_125", "period_z_15", "period_z_24", "period_z_3")


# descale_features: the deepest dip and the dips at the five factors only rise
# with the evidence of an upscale.
DESCALE_MONOTONIC = [1, 0, 0, 0, 0, 1, 1, 1, 1, 1]


def _bench():
    import bench_fake4k

    return bench_fake4k


def _meta():
    return json.loads((ROOT / "skforensics/models/weights/upscale.json").read_text())


def periodicity_features(y):
    """Seven numbers from the package's second-derivative spectrum scan."""
    from skforensics.feature import resampling_periodicity

    r = resampling_periodicity(y)
    at = resampling_periodicity(y, factors=[1.25, 1.5, 2.4, 3.0]).z

    def clean(v):
        v = np.asarray(v, dtype=float)
        return np.log1p(np.clip(np.nan_to_num(v, nan=0.0), 0, None))

    zx = np.nanmax(r.z_x) if np.isfinite(r.z_x).any() else 0.0
    zy = np.nanmax(r.z_y) if np.isfinite(r.z_y).any() else 0.0
    return np.concatenate([clean([zx, zy, r.z_max]), clean(at)]), r.factor


def image_features(y):
    """Descale and periodicity features of one luminance image, with timings."""
    import _descale

    t0 = time.process_time()
    d, factor, curve = _descale.descale_features(y, kernels=tuple(_descale.KERNELS))
    t1 = time.process_time()
    p, pfactor = periodicity_features(y)
    t2 = time.process_time()
    return {"descale": d, "factor": factor, "curve": curve.astype(np.float32),
            "periodicity": p, "period_factor": pfactor,
            "t_descale": t1 - t0, "t_periodicity": t2 - t1}


def heldout_variants(bench, recipe, source, j):
    """(label, image) of every held-out variant of source ``j``."""
    from skforensics.datasets import rescale_image

    fakes = {name: rescale_image(source, f, resampler=r)
             for name, (f, r) in bench.FAKES.items()}
    for cond, (kind, params) in bench.CONDITIONS.items():
        yield ("cond", cond, "real", 1.0), bench.degrade(source, kind, params)
        for name, image in fakes.items():
            yield ("cond", cond, name, bench.FAKES[name][0]), bench.degrade(image, kind, params)
    for name in bench.SOFT:
        for cond in ("none", "H.264 CRF 23"):
            yield ("soft", cond, name, 1.0), bench.degrade(
                bench.soften(source, name), *bench.CONDITIONS[cond])
    resampler = bench.FACTOR_RESAMPLERS[j % len(bench.FACTOR_RESAMPLERS)]
    for cond in ("none", "H.264 CRF 23"):
        for factor in recipe.FACTORS:
            yield ("factor", cond, resampler, factor), bench.degrade(
                rescale_image(source, factor, resampler=resampler), *bench.CONDITIONS[cond])


def training_variants(bench, recipe, source, seed):
    """(label, image) of the training images of one source, random conditions."""
    from skforensics.datasets import rescale_image

    rng = np.random.RandomState(seed)
    h, w = source.shape[:2]
    if h > 1024 or w > 1024:
        top, left = rng.randint(0, max(h - 1024, 0) + 1), rng.randint(0, max(w - 1024, 0) + 1)
        source = source[top:top + 1024, left:left + 1024]
    conds = list(bench.CONDITIONS)

    def post(image):
        cond = conds[rng.randint(len(conds))]
        return cond, bench.degrade(image, *bench.CONDITIONS[cond])

    for _ in range(2):
        cond, image = post(source)
        yield ("real", cond, "real", 1.0), image
    for _ in range(2):
        name = bench.SOFT[rng.randint(len(bench.SOFT))]
        cond, image = post(bench.soften(source, name))
        yield ("soft", cond, name, 1.0), image
    todo = [(f, r) for f, r in bench.FAKES.values()]
    for factor in (1.25, 2.4):
        todo.append((factor, recipe.RESAMPLERS[rng.randint(len(recipe.RESAMPLERS))]))
    for factor, resampler in todo:
        cond, image = post(rescale_image(source, factor, resampler=resampler))
        yield ("fake", cond, f"{resampler} x{factor:g}", factor), image


def _chunk(spec, n):
    a, _, b = (spec or f"0:{n}").partition(":")
    return range(int(a or 0), min(int(b or n), n))


def generate(args, split, todo=None, deadline=None):
    """Images and features of the sources of one split, cached per source.

    Returns False when ``deadline`` (a ``time.monotonic()`` value) stopped it
    before the end.
    """
    from skforensics.utils import read_image

    bench = _bench()
    recipe = bench._recipe()
    meta = _meta()
    paths = meta["test_sources"][::2] if split == "heldout" else meta["train_sources"][::4]
    out_dir = Path(args.cache) / split
    out_dir.mkdir(parents=True, exist_ok=True)
    for j in (_chunk(args.sources, len(paths)) if todo is None else todo):
        out = out_dir / f"{j:03d}.npz"
        if out.exists():
            continue
        if deadline is not None and time.monotonic() > deadline:
            return False
        t0 = time.process_time()
        source = recipe.as_float(read_image(Path(args.data_root) / paths[j]))
        variants = (heldout_variants(bench, recipe, source, j) if split == "heldout"
                    else training_variants(bench, recipe, source, meta["seed"] + j))
        labels, images, feats = [], [], []
        for label, image in variants:
            y = recipe.luminance(image)
            labels.append(label)
            images.append(y.astype(np.float16))
            feats.append(image_features(y))
        np.savez(out_dir / f"{j:03d}-images.npz", *images)
        np.savez(out, labels=np.array(labels, dtype=object), path=paths[j],
                 descale=np.array([f["descale"] for f in feats]),
                 factor=np.array([f["factor"] for f in feats]),
                 curve=np.array([f["curve"] for f in feats]),
                 periodicity=np.array([f["periodicity"] for f in feats]),
                 period_factor=np.array([f["period_factor"] for f in feats]),
                 t_descale=np.array([f["t_descale"] for f in feats]),
                 t_periodicity=np.array([f["t_periodicity"] for f in feats]),
                 shape=np.array(source.shape[:2]), allow_pickle=True)
        print(f"{split} {j} {paths[j]} {source.shape[:2]}: {len(labels)} images in "
              f"{time.process_time() - t0:.0f} CPU-s "
              f"(descale {np.mean([f['t_descale'] for f in feats]):.2f} s/image)",
              flush=True)
    return True


def work(args):
    """Sources in the order of ``--plan`` until ``--budget`` seconds are spent.

    Exits with status 3 when some remain (so that a shell loop can queue
    again for the CPU lock).
    """
    deadline = time.monotonic() + args.budget
    for item in args.plan.split(","):
        split, j = item.split(":")
        if not generate(args, split, [int(j)], deadline):
            sys.exit(3)


def load(cache, split):
    rows = []
    for path in sorted((Path(cache) / split).glob("[0-9][0-9][0-9].npz")):
        z = np.load(path, allow_pickle=True)
        for i, label in enumerate(z["labels"]):
            rows.append({"group": int(path.stem), "label": tuple(label),
                         "descale": z["descale"][i], "periodicity": z["periodicity"][i],
                         "factor": float(z["factor"][i]),
                         "t": float(z["t_descale"][i] + z["t_periodicity"][i]),
                         "t_descale": float(z["t_descale"][i]),
                         "n_pixels": int(np.prod(z["shape"])),
                         "shape": tuple(int(v) for v in z["shape"])})
    return rows


def native_size_right(row, factor):
    """Whether the factor found gives the true native size along both axes.

    On a small image neighbouring factors of the scan (e.g. 2.99 and 3.00
    for 500 rows) give one native size and the same dip.
    """
    return all(max(1, round(n / row["factor"])) == max(1, round(n / factor))
               for n in row["shape"])


def design_matrix(rows, design):
    if design == "periodicity + HGB":
        return np.array([r["periodicity"] for r in rows])
    if design == "descale + HGB":
        return np.array([r["descale"] for r in rows])
    return np.array([np.concatenate([r["descale"], r["periodicity"]]) for r in rows])


def fit_designs(train):
    """Scores on training (out of fold) and fitted models, per design."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import GroupKFold, cross_val_predict

    y = np.array([r["label"][0] == "fake" for r in train])
    groups = np.array([r["group"] for r in train])
    designs = {"descale dip": None}
    oof = {"descale dip": np.array([r["descale"][0] for r in train])}
    cpu = {"descale dip": 0.0}
    for name in ("periodicity + HGB", "descale + HGB", "descale + periodicity + HGB"):
        X = design_matrix(train, name)
        # Deeper dips mean an upscale: the boosting may not learn otherwise
        # where training images are few (clean upscales with very deep dips).
        monotonic = ([] if name.startswith("periodicity") else DESCALE_MONOTONIC)
        monotonic = monotonic + ([0] * len(PERIODICITY_FEATURES)
                                 if name.endswith("periodicity + HGB") else [])
        clf = HistGradientBoostingClassifier(max_iter=200, learning_rate=0.05,
                                             max_leaf_nodes=15, l2_regularization=1.0,
                                             monotonic_cst=monotonic, random_state=0)
        oof[name] = cross_val_predict(clf, X, y, groups=groups, cv=GroupKFold(5),
                                      method="predict_proba")[:, 1]
        t0 = time.process_time()
        designs[name] = clf.fit(X, y)
        cpu[name] = time.process_time() - t0
    thresholds = {name: float(np.quantile(s[~y], 0.99)) for name, s in oof.items()}
    return designs, oof, thresholds, cpu, y


def scores(designs, name, rows):
    if designs[name] is None:
        return np.array([r["descale"][0] for r in rows])
    return designs[name].predict_proba(design_matrix(rows, name))[:, 1]


def evaluate(args):
    from sklearn.metrics import roc_auc_score

    bench = _bench()
    train, held = load(args.cache, "train"), load(args.cache, "heldout")
    designs, oof, thresholds, cpu, y_train = fit_designs(train)
    print(f"{len(train)} training images from {len({r['group'] for r in train})} sources, "
          f"{len(held)} held-out images from {len({r['group'] for r in held})} sources")
    result = {"thresholds": thresholds, "train_cpu_s": cpu, "designs": {}}
    for name in designs:
        s_train = oof[name]
        print(f"\n== {name}: threshold {thresholds[name]:.3f} (out-of-fold training: "
              f"{np.mean(s_train[y_train] > thresholds[name]):.1%} of upscales caught, "
              f"{np.mean(s_train[~y_train] > thresholds[name]):.1%} of real+soft called "
              f"upscaled, AUC {roc_auc_score(y_train, s_train):.3f}); fit {cpu[name]:.1f} CPU-s")
        s = scores(designs, name, held)
        t = thresholds[name]
        table = {}
        print(f"{'condition':<22}{'AUC':>7}" + "".join(f"{n:>14}" for n in bench.FAKES)
              + f"{'caught':>10}{'real up':>9}{'soft up':>9}")
        for cond in bench.CONDITIONS:
            idx = [i for i, r in enumerate(held) if r["label"][0] == "cond" and r["label"][1] == cond]
            soft = [i for i, r in enumerate(held) if r["label"][0] == "soft" and r["label"][1] == cond]
            real = [i for i in idx if held[i]["label"][2] == "real"]
            fake = [i for i in idx if held[i]["label"][2] != "real"]
            neg = real + soft
            auc = roc_auc_score(np.r_[np.ones(len(fake)), np.zeros(len(neg))],
                                np.r_[s[fake], s[neg]])
            per = {k: int(np.sum(s[[i for i in fake if held[i]["label"][2] == k]] > t))
                   for k in bench.FAKES}
            row = {"auc": auc, "caught": float(np.mean(s[fake] > t)), "per_kernel": per,
                   "n_per_kernel": len(fake) // len(bench.FAKES),
                   "real_up": int(np.sum(s[real] > t)), "n_real": len(real),
                   "soft_up": int(np.sum(s[soft] > t)) if soft else None, "n_soft": len(soft)}
            table[cond] = row
            n = row["n_per_kernel"]
            soft_cell = f"{row['soft_up']}/{len(soft)}" if soft else "-"
            print(f"{cond:<22}{auc:>7.3f}" + "".join(f"{per[k]:>11}/{n:<2}" for k in bench.FAKES)
                  + f"{row['caught']:>10.1%}{row['real_up']:>6}/{len(real):<2}{soft_cell:>9}")
        for name_soft in bench.SOFT:
            for cond in ("none", "H.264 CRF 23"):
                idx = [i for i, r in enumerate(held) if r["label"][:3] == ("soft", cond, name_soft)]
                table[f"soft {name_soft}, {cond}"] = int(np.sum(s[idx] > t))
        print("soft called upscaled: " + ", ".join(
            f"{k[5:]} {v}" for k, v in table.items() if k.startswith("soft "))
              + f" (of {len({r['group'] for r in held})} each)")
        # Factor right: detected, and the descale factor gives the true
        # native size.
        fac = {}
        for cond in ("none", "H.264 CRF 23"):
            cells = []
            for factor in (1.25, 1.5, 2.0, 2.4, 3.0):
                idx = [i for i, r in enumerate(held)
                       if r["label"][0] == "factor" and r["label"][1] == cond
                       and abs(r["label"][3] - factor) < 1e-6]
                det = s[idx] > t
                right = np.array([native_size_right(held[i], factor) for i in idx])
                fac[f"x{factor:g}, {cond}"] = {"detected": float(det.mean()),
                                              "factor_right": float(np.mean(det & right)),
                                              "descale_factor_right": float(right.mean())}
                cells.append(f"x{factor:g} {np.mean(det & right):.0%} ({right.mean():.0%})")
            print(f"factor right, {cond}: " + ", ".join(cells)
                  + "   [detected and right (descale factor right regardless)]")
        result["designs"][name] = {"conditions": table, "factors": fac,
                                   "oof_auc": roc_auc_score(y_train, s_train)}
    t_img = np.array([r["t"] for r in held])
    px = np.array([r["n_pixels"] for r in held])
    print(f"\nFeature CPU-s per held-out image: mean {t_img.mean():.2f} "
          f"(descale {np.mean([r['t_descale'] for r in held]):.2f}); "
          f"{np.mean(px) / 1e6:.2f} Mpx on average")
    result["cpu_s_per_image"] = float(t_img.mean())
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, default=float))
    print(f"Wrote {out}")


def speed(args):
    """CPU seconds of the features of one 1920x1080 frame, first and second call."""
    import _descale

    from skforensics.utils import make_test_images

    frame = make_test_images(1, size=(1080, 1920), random_state=0)[0].astype(np.float32)
    for label in ("first call (upscale matrices factored)", "second call (cached)"):
        t0 = time.process_time()
        _descale.descale_features(frame, kernels=tuple(_descale.KERNELS))
        t1 = time.process_time()
        periodicity_features(frame)
        t2 = time.process_time()
        print(f"1080p frame, {label}: descale {t1 - t0:.2f} CPU-s, "
              f"periodicity {t2 - t1:.2f} CPU-s", flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("step", choices=("heldout", "train", "work", "evaluate", "speed"))
    parser.add_argument("--sources", default=None, help="a:b, the sources of this chunk")
    parser.add_argument("--plan", default="",
                        help="work: split:index items, comma-separated, in order")
    parser.add_argument("--budget", type=float, default=420,
                        help="work: start no new source after this many seconds")
    parser.add_argument("--data-root", default=str(ROOT.parent / "shared/data"))
    parser.add_argument("--cache", default="/tmp/f4k-x")
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/fake4k_features.json"))
    args = parser.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.step == "evaluate":
        evaluate(args)
    elif args.step == "speed":
        speed(args)
    elif args.step == "work":
        work(args)
    else:
        generate(args, args.step)


if __name__ == "__main__":
    main()
