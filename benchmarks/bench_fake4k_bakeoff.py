#!/usr/bin/env python
"""Fake-4K front-end bake-off: what the tile net sees, at one training budget.

Issue 23 asks which evidence survives the codec. This script trains the
tile net of ``scripts/train_upscale_detector.py`` several ways on the *same*
cached training windows, each for the *same* CPU budget, and scores every
design on the *same* held-out images, made the way ``bench_fake4k.py``
makes them (its conditions, upscales and soft real images, the held-out
sources listed in ``weights/upscale.json``):

- ``pixels``: today's net (``PatchCNN``, six 3x3 convolutions of 16
  filters) on the luminance, as shipped;
- ``residual``: the same net behind four fixed second derivatives
  (``PatchCNN(front_end="residual")``);
- ``constrained``: the same net behind three learnt 5x5 prediction-error
  filters (Bayar & Stamm, ``PatchCNN(front_end="constrained")``);
- ``wide``: today's net with 32 filters (four times the compute per patch,
  so fewer patches in the same budget);
- ``shipped``: the shipped weights (342k patches), for scale.

Every design is judged the same way: the mean, over the textured tiles of
the image (at most 256, the most textured first:
:func:`skforensics.inspection._upscale_evidence.frame_evidence`), of the
tile probabilities; called upscaled above P = 0.5; the factor is the
class of the largest mean probability. The shipped file verdict (the
combiner fitted on the shipped net's evidence) is the last row.

Each design's number of epochs is set so that its training takes the
budget: a short timing of forward and backward passes per patch, then
``epochs = budget / (seconds per patch x patches per epoch)``.

Usage::

    python benchmarks/bench_fake4k_bakeoff.py train --budget 600
    python benchmarks/bench_fake4k_bakeoff.py evaluate

Measured (2026-12-06, one torch thread, the other core busy; 24 held-out
sources; upscales caught / real called upscaled, in percent; soft real
images called upscaled; ROC AUC of the upscales against them)::

    design         training      clean     JPEG Q75  H.264 23  H.264 28  HEVC 23   soft  AUC
    pixels         412 CPU-s     95.8/0    77.1/0    67.7/0    74.0/0    57.3/4.2  24.2% 0.871
    residual       627 CPU-s     97.9/4.2  89.6/0    79.2/4.2  74.0/4.2  67.7/4.2   8.3% 0.955
    constrained    441 CPU-s     97.9/0    79.2/0    70.8/0    67.7/0    59.4/0    15.4% 0.929
    wide           446 CPU-s     56.2/0    30.2/0    16.7/0     8.3/0    39.6/0    15.4% 0.676
    previous net   342k patches  96.9/0    96.9/8.3  86.5/0    74.0/0    54.2/0     6.7% 0.971
    residual, 342k 1,211 CPU-s   97.9/0    92.7/0    85.4/0    74.0/0    59.4/0     5.8% 0.974

The last row (``--extra``, the full run of ``scripts/train_upscale_detector.py
--front-end residual``) ships.

``train`` writes the fitted nets (and their training CPU seconds) to
``--cache``; ``evaluate`` prints the table and writes
``benchmarks/results/fake4k_bakeoff.json``. Both take ``--threads`` (1
by default: give each the same share of a shared machine).
"""

import argparse
import hashlib
import json
import resource
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
DESIGNS = {
    # name: module parameters of the PatchCNN
    "pixels": {"module__front_end": "pixels"},
    "residual": {"module__front_end": "residual"},
    "constrained": {"module__front_end": "constrained"},
    "wide": {"module__front_end": "pixels", "module__n_filters": 32},
}


def _cpu_seconds():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _bench():
    import importlib.util

    spec = importlib.util.spec_from_file_location(
        "bench_fake4k", ROOT / "benchmarks" / "bench_fake4k.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def seconds_per_patch(params, n_steps=40, batch=64):
    """CPU seconds of one training patch (forward, backward, Adam step)."""
    import torch

    from skforensics.nn import PatchCNN

    kwargs = {k.removeprefix("module__"): v for k, v in params.items()}
    net = PatchCNN(n_outputs=6, **kwargs)
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    x = torch.rand(batch, 1, 64, 64)
    y = torch.randint(0, 6, (batch,))
    for step in range(n_steps + 3):
        if step == 3:
            t0 = _cpu_seconds()
        opt.zero_grad()
        torch.nn.functional.cross_entropy(net(x), y).backward()
        opt.step()
    return (_cpu_seconds() - t0) / (n_steps * batch)


def train(args):
    import torch

    torch.set_num_threads(args.threads)
    recipe = _bench()._recipe()
    cache = Path(args.cache)
    cache.mkdir(parents=True, exist_ok=True)
    windows = cache / "windows.npz"
    meta = json.loads((ROOT / "skforensics/models/weights/upscale.json").read_text())
    if windows.exists():
        data = np.load(windows)
        X, y = data["X"], data["y"]
    else:
        data_root = Path(args.data_root)
        from skforensics.utils import read_image

        images = [read_image(data_root / p) for p in meta["train_sources"]]
        t0 = time.perf_counter()
        X, y, _ = recipe.make_training_set(images, meta["seed"], n_jobs=1)
        np.savez(windows, X=X, y=y)
        print(f"{len(X)} windows from {len(images)} training sources in "
              f"{time.perf_counter() - t0:.0f} s", flush=True)
    per_epoch = 2 * len(X)
    for name in args.designs:
        out = cache / f"{name}.pt"
        if out.exists():
            print(f"{name}: cached", flush=True)
            continue
        params = DESIGNS[name]
        sec = seconds_per_patch(params)
        epochs = max(1, int(round(args.budget / (1.15 * sec * per_epoch))))
        clf = recipe.build_estimator(epochs, meta["seed"], verbose=0)
        clf.set_params(**params)
        print(f"{name}: {sec * 1e3:.2f} CPU-ms per patch -> {epochs} epochs "
              f"({epochs * per_epoch} patches)", flush=True)
        t0 = _cpu_seconds()
        clf.fit(X, y)
        cpu = _cpu_seconds() - t0
        torch.save({k: v.detach().clone() for k, v in clf.module_.state_dict().items()},
                   out)
        (cache / f"{name}.json").write_text(json.dumps(
            {"cpu_s": cpu, "epochs": epochs, "patches": epochs * per_epoch,
             "threads": args.threads, **{k: v for k, v in params.items()}}))
        print(f"{name}: trained in {cpu:.0f} CPU-s", flush=True)


class TexturedMean:
    """P(upscaled) and factor from the mean probabilities of textured tiles."""

    def __init__(self, clf):
        self.clf = clf
        self.classes = np.asarray(clf.classes_, dtype=float)

    def __call__(self, luma):
        from skforensics.inspection._upscale_evidence import frame_evidence

        q = frame_evidence(self.clf, luma).textured_proba().mean(axis=0)
        return 1.0 - q[0], float(self.classes[1 + int(np.argmax(q[1:]))])


class FileVerdict:
    """The shipped verdict (textured tiles, periodicity and the combiner)."""

    def __init__(self, clf):
        self.clf = clf

    def __call__(self, luma):
        from skforensics.inspection import upscale_verdict

        v = upscale_verdict(luma, estimator=self.clf)
        return v.p_upscaled, v.factor


def _auc(pos, neg):
    from sklearn.metrics import roc_auc_score

    pos, neg = np.asarray(pos), np.asarray(neg)
    y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
    return float(roc_auc_score(y, np.r_[pos, neg]))


def load_design(cache, name, recipe):
    """A trained design as a fitted six-class PatchCNNClassifier."""
    import torch

    from skforensics.models import PatchCNNClassifier
    from skforensics.models._pretrained import _upscale_params

    state = torch.load(cache / f"{name}.pt", weights_only=True)
    clf = PatchCNNClassifier(**_upscale_params(64, 0), **DESIGNS[name])
    return clf._load_fitted(state, n_channels=1, classes=list(recipe.CLASSES))


def held_out_cases(bench, recipe, sources, folder):
    """Every held-out image of the protocol, as luminance, cached on disk.

    Returns a dict of case name -> a function loading the case's images
    (a list of float32 luminance arrays).
    """
    from skforensics.datasets import rescale_image

    folder.mkdir(parents=True, exist_ok=True)
    makers = {}
    for cond, (kind, params) in bench.CONDITIONS.items():
        makers[f"real|{cond}"] = (lambda kind=kind, params=params: [
            bench.degrade(s, kind, params) for s in sources])
        for name, (f, r) in bench.FAKES.items():
            makers[f"{name}|{cond}"] = (lambda f=f, r=r, kind=kind, params=params: [
                bench.degrade(rescale_image(s, f, resampler=r), kind, params)
                for s in sources])
    for soft in bench.SOFT:
        for cond in ("none", "H.264 CRF 23"):
            kind, params = bench.CONDITIONS[cond]
            makers[f"soft {soft}|{cond}"] = (lambda soft=soft, kind=kind, params=params: [
                bench.degrade(bench.soften(s, soft), kind, params) for s in sources])
    for cond in ("none", "H.264 CRF 23"):
        kind, params = bench.CONDITIONS[cond]
        for factor in recipe.FACTORS:
            makers[f"factor x{factor:g}|{cond}"] = (
                lambda factor=factor, kind=kind, params=params: [
                    bench.degrade(rescale_image(
                        s, factor, resampler=bench.FACTOR_RESAMPLERS[k % 3]), kind, params)
                    for k, s in enumerate(sources)])
    cases = {}
    for i, (case, make) in enumerate(makers.items()):
        path = folder / f"{i:03d}.npz"
        if not path.exists():
            lumas = [recipe.luminance(im) for im in make()]
            np.savez(path, *lumas)
        cases[case] = (lambda path=path: [a for _, a in sorted(
            np.load(path).items(), key=lambda kv: int(kv[0].split("_")[1]))])
    return cases


def evaluate(args):
    import torch

    from skforensics.models import pretrained
    from skforensics.utils import load_model, read_image

    torch.set_num_threads(args.threads)
    bench = _bench()
    recipe = bench._recipe()
    cache = Path(args.cache)
    meta = json.loads((ROOT / "skforensics/models/weights/upscale.json").read_text())
    test = meta["test_sources"][:: args.step]
    sources = [recipe.as_float(read_image(Path(args.data_root) / p)) for p in test]
    shipped = pretrained("upscale-factor")[-1]
    weights = ROOT / "skforensics/models/weights"
    # design -> (scorer, the files its scores depend on: their cache key)
    scorers, files, info = {}, {}, {}
    for name in DESIGNS:
        if name in args.designs and (cache / f"{name}.pt").exists():
            scorers[name] = TexturedMean(load_design(cache, name, recipe))
            files[name] = [cache / f"{name}.pt"]
            info[name] = json.loads((cache / f"{name}.json").read_text())
    for extra in args.extra:
        name, path = extra.split("=", 1)
        scorers[name] = TexturedMean(load_model(path))
        files[name] = [Path(path)]
        train_json = Path(path).with_suffix(".json")
        info[name] = {}
        if train_json.exists():
            trained = json.loads(train_json.read_text())
            info[name] = {"cpu_s": trained.get("fit_cpu_s", float("nan")),
                          "patches": trained.get("n_patches", 0)}
    scorers["shipped"] = TexturedMean(shipped)
    files["shipped"] = [weights / "upscale.skf"]
    info["shipped"] = {"cpu_s": meta.get("fit_cpu_s", float("nan")),
                       "patches": meta.get("n_patches", 0)}
    scorers["shipped file verdict"] = FileVerdict(shipped)
    files["shipped file verdict"] = [weights / "upscale.skf",
                                     weights / "upscale-pooling.json"]
    info["shipped file verdict"] = info["shipped"]
    print(f"{len(sources)} held-out sources; designs: {', '.join(scorers)}", flush=True)

    t0 = time.perf_counter()
    cases = held_out_cases(bench, recipe, sources, cache / f"images-{args.step}")
    print(f"images ready in {time.perf_counter() - t0:.0f} s", flush=True)
    # scores[design][case] = list of (p, factor), cached per design and
    # per content of its weight files (retrained weights are scored again).
    scores = {}
    for name, scorer in scorers.items():
        digest = hashlib.sha256(b"".join(f.read_bytes() for f in files[name]))
        slug = name.replace(" ", "_").replace("/", "_")
        path = cache / f"scores-{args.step}-{slug}-{digest.hexdigest()[:12]}.json"
        if path.exists():
            scores[name] = json.loads(path.read_text())
            continue
        t0 = time.perf_counter()
        scores[name] = {case: [scorer(luma) for luma in images()]
                        for case, images in cases.items()}
        path.write_text(json.dumps(scores[name]))
        print(f"  {name} scored in {time.perf_counter() - t0:.0f} s", flush=True)
    # Rows kept from earlier runs (e.g. the weights shipped before these).
    for cached in args.cached:
        name, path = cached.split("=", 1)
        scores[name] = json.loads(Path(path).read_text())
        info[name] = {"note": "scores cached by an earlier run"}
    report(scores, info, bench, recipe, len(sources))


def report(scores, info, bench, recipe, n, out="fake4k_bakeoff.json"):
    results = {}
    conds = list(bench.CONDITIONS)
    print(f"\nUpscales caught (all four kinds, P > 0.5) / real called upscaled / "
          f"ROC AUC (upscales vs real), {n} held-out sources per cell")
    print(f"{'design':<22}{'train CPU-s':>12}{'patches':>9}  "
          + "".join(f"{c[:14]:>22}" for c in conds))
    for name, by_case in scores.items():
        row = {}
        cells = []
        for cond in conds:
            real = np.array([p for p, _ in by_case[f"real|{cond}"]])
            fake = np.array([p for k in bench.FAKES for p, _ in by_case[f"{k}|{cond}"]])
            per_kind = {k: float(np.mean([p > 0.5 for p, _ in by_case[f"{k}|{cond}"]]))
                        for k in bench.FAKES}
            row[cond] = {"caught": float(np.mean(fake > 0.5)),
                         "real_called": float(np.mean(real > 0.5)),
                         "auc": _auc(fake, real), "per_kind": per_kind}
            cells.append(f"{row[cond]['caught']:>7.1%} {row[cond]['real_called']:>5.1%}"
                         f" {row[cond]['auc']:.3f}")
        soft = {}
        for s in bench.SOFT:
            for cond in ("none", "H.264 CRF 23"):
                soft[f"{s}|{cond}"] = float(np.mean(
                    [p > 0.5 for p, _ in by_case[f"soft {s}|{cond}"]]))
        row["soft_called"] = soft
        row["soft_called_all"] = float(np.mean(list(soft.values())))
        factors = {}
        for cond in ("none", "H.264 CRF 23"):
            for f in recipe.FACTORS:
                pf = by_case[f"factor x{f:g}|{cond}"]
                factors[f"x{f:g}|{cond}"] = float(np.mean(
                    [(p > 0.5) and (abs(g - f) < 1e-6) for p, g in pf]))
        row["factor_right"] = factors
        fake_soft = [p for k in bench.FAKES for c in conds for p, _ in by_case[f"{k}|{c}"]]
        soft_p = [p for key, v in by_case.items() if key.startswith("soft") for p, _ in v]
        row["auc_upscales_vs_soft"] = _auc(fake_soft, soft_p)
        info_row = info.get(name, {})
        row["train"] = info_row
        results[name] = row
        print(f"{name:<22}{info_row.get('cpu_s', float('nan')):>12.0f}"
              f"{info_row.get('patches', 0):>9}  " + "".join(f"{c:>22}" for c in cells))
    print("\nSoft real images called upscaled (all soft kinds, clean and H.264 CRF 23), "
          "ROC AUC of all upscales against them, and factor right")
    fkeys = list(next(iter(results.values()))["factor_right"])
    print(f"{'design':<22}{'soft called':>12}{'AUC vs soft':>12}  "
          + "".join(f"{k.replace('|H.264 CRF 23', ' h264'):>13}" for k in fkeys))
    for name, row in results.items():
        print(f"{name:<22}{row['soft_called_all']:>12.1%}{row['auc_upscales_vs_soft']:>12.3f}  "
              + "".join(f"{row['factor_right'][k]:>13.1%}" for k in fkeys))
    out = ROOT / "benchmarks/results" / out
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=1))
    print(f"Wrote {out}")


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("train", "evaluate"))
    parser.add_argument("--designs", nargs="+", default=list(DESIGNS),
                        choices=list(DESIGNS))
    parser.add_argument("--budget", type=float, default=600.0,
                        help="training CPU seconds per design")
    parser.add_argument("--cache", default="/tmp/f4k-bakeoff")
    parser.add_argument("--data-root", default=str(ROOT.parent / "shared/data"))
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--extra", nargs="*", default=[], metavar="NAME=PATH",
                        help="also score these fitted factor models (a model file "
                             "of scripts/train_upscale_detector.py)")
    parser.add_argument("--cached", nargs="*", default=[], metavar="NAME=SCORES",
                        help="also report these rows from a scores file of an "
                             "earlier run (designs no longer at hand, such as "
                             "earlier shipped weights)")
    parser.add_argument("--step", type=int, default=2,
                        help="every step-th held-out source (2: 24 of 48)")
    args = parser.parse_args(argv)
    train(args) if args.command == "train" else evaluate(args)


if __name__ == "__main__":
    main()
