#!/usr/bin/env python
"""Fake-4K on whole video files: ``upscale_verdict(path)`` per clip.

Clips are made by ``benchmarks/_video_clips.py`` from the *held-out* sources
of the shipped upscale net (``upscale.json``'s ``test_sources``, those large
enough to pan a 640x360 window across): per source one real clip, two soft
ones (Gaussian sigma 0.7-1.5, defocus, motion or low light with noise, in
turn) and four upscaled ones (x2 OpenCV bicubic, x1.5 OpenCV Lanczos, x1.25
Pillow bicubic, x2.4 swscale Lanczos), 16 frames each, written by PyAV with
the encoder's normal GOP (one I-frame, then P- and B-frames; keyint 250,
yuv420p) by H.264 CRF 23 and 28 and HEVC CRF 28 (``--codecs`` for more).

Each clip is judged by three designs on the same frames (the default 8):

- **v2**: the previous verdict, the tile net's class probabilities averaged
  over every tile of each frame, then over the frames;
- **textured mean**: the same net, its P(upscaled) averaged over textured
  tiles only;
- **v3**: ``upscale_verdict`` as shipped (textured tiles, periodicity,
  pooled over frames, learned combiner).

Prints caught / called upscaled per codec and per kind, the factor found,
and writes ``benchmarks/results/fake4k_video.json``.

Usage::

    python benchmarks/bench_fake4k_video.py --data-root ../shared/data
"""

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

UPSCALES = ((2.0, "opencv-bicubic"), (1.5, "opencv-lanczos"),
            (1.25, "pillow-bicubic"), (2.4, "swscale-lanczos"))


def make_clips(sources, data_root, cache, codecs):
    import _video_clips as vc

    from skforensics.utils import read_image

    cache.mkdir(parents=True, exist_ok=True)
    rows = []
    for si, name in enumerate(sources):
        photo = np.asarray(read_image(Path(data_root) / name))
        if vc.clip_size(photo.shape) is None:
            continue
        kinds = [("real", None, None)]
        kinds += [(vc.SOFT_KINDS[(si + j) % len(vc.SOFT_KINDS)], None, None) for j in range(2)]
        kinds += [("up", f, r) for f, r in UPSCALES]
        for ki, (kind, factor, resampler) in enumerate(kinds):
            frames = None
            for codec, crf in codecs:
                path = cache / f"{si:03d}-{ki}-{codec}{crf}.mp4"
                if not path.exists():
                    if frames is None:
                        rng = np.random.default_rng([si, ki])
                        frames = vc.make_frames(photo, kind, rng, factor=factor,
                                                resampler=resampler)
                    vc.write_clip(frames, path, codec=codec, crf=crf)
                rows.append(dict(path=str(path), source=name, kind=kind,
                                 factor=factor or 1.0, resampler=resampler,
                                 codec=f"{'H.264' if codec == 'h264' else 'HEVC'} CRF {crf}"))
    return rows


def judge(row, model, n_frames, v3_only=False):
    """The three designs' verdicts on one clip (``v3_only``: the shipped one)."""
    from skforensics.datasets import LazyVideoFrames
    from skforensics.inspection import upscale_verdict
    from skforensics.inspection._upscale import video_sample
    from skforensics.inspection._upscale_evidence import TEXTURE_MIN, tile_texture

    t0 = time.process_time()
    v3 = upscale_verdict(row["path"], n_frames=n_frames, estimator=model)
    v3_s = time.process_time() - t0
    shipped = {"v3": v3.p_upscaled, "v3_factor": v3.factor, "v3_cpu_s": v3_s,
               "v3_descaled": v3.descaled, "evidence": v3.evidence}
    if v3_only:
        return shipped
    frames = video_sample(row["path"], n_frames).tolist()
    lazy = LazyVideoFrames(row["path"], mode="gray")[frames]
    v2, textured = [], []
    try:
        for i in range(len(lazy)):
            y = np.asarray(lazy[i], np.float32) / 255
            patch = model.patch_size_[0]
            tiles = model.predict_patch_map(y[np.newaxis])[0]
            U, V = tiles.shape[:2]
            tex = tile_texture(y, patch)[:U, :V]
            v2.append(tiles.reshape(-1, tiles.shape[-1]).mean(axis=0))
            keep = tex.ravel() > TEXTURE_MIN
            textured.append(1 - tiles.reshape(-1, tiles.shape[-1])[keep, 0])
    finally:
        lazy.close()
    v2 = np.mean(v2, axis=0)
    classes = np.asarray(model.classes_, dtype=float)
    textured = np.concatenate(textured)
    return {
        "v2": float(1 - v2[0]),
        "v2_factor": float(classes[1 + np.argmax(v2[1:])]),
        "textured mean": float(textured.mean()) if textured.size else float(1 - v2[0]),
        **shipped,
    }


def report(rows, designs=("v2", "textured mean", "v3")):
    fake = np.array([r["kind"] == "up" for r in rows])
    out = {}
    print(f"\n{'codec':<14}{'design':<22}{'fakes caught':>7}{'real called up':>16}"
          f"{'soft called up':>16}{'factor right':>14}")
    for codec in sorted({r["codec"] for r in rows}):
        sel = np.array([r["codec"] == codec for r in rows])
        real = sel & np.array([r["kind"] == "real" for r in rows])
        soft = sel & ~fake & ~real
        for d in designs:
            p = np.array([r[d] for r in rows])
            caught = p[sel & fake] > 0.5
            fkey = "v3_factor" if d == "v3" else "v2_factor"
            right = np.array([r[fkey] == r["factor"] for r in rows])[sel & fake] & caught
            cell = {"caught": float(caught.mean()), "real_up": float(np.mean(p[real] > 0.5)),
                    "soft_up": float(np.mean(p[soft] > 0.5)),
                    # Only v2 and v3 name a factor; the other designs say yes or no.
                    "factor_right": float(right.mean()) if d in ("v2", "v3") else None,
                    "n_fake": int(caught.size), "n_real": int(real.sum()),
                    "n_soft": int(soft.sum())}
            out[f"{codec}, {d}"] = cell
            fr = f"{cell['factor_right']:.0%}" if cell["factor_right"] is not None else "-"
            print(f"{codec:<14}{d:<22}{cell['caught']:>7.0%}{cell['real_up']:>16.0%}"
                  f"{cell['soft_up']:>16.0%}{fr:>14}")
    print("\nv3 per kind (all codecs): share called upscaled")
    kinds = sorted({(r["kind"], r["factor"], r["resampler"] or "") for r in rows}, key=str)
    for kind in kinds:
        sel = [r for r in rows if (r["kind"], r["factor"], r["resampler"] or "") == kind]
        share = np.mean([r["v3"] > 0.5 for r in sel])
        label = kind[0] if kind[0] != "up" else f"x{kind[1]:g} {kind[2]}"
        out[f"kind {label}"] = float(share)
        print(f"  {label:<28}{share:>6.0%}  (n={len(sel)})")
    return out


def bakeoff(rows, train_cache):
    """Combiners on subsets of the evidence, fitted on the training clips.

    Each design is a logistic regression (standardised, C = 1) fitted on
    the training rows of ``scripts/train_upscale_pooling.py`` (its
    ``--cache``), scored on these held-out clips' evidence: the tile net's
    pooled numbers alone, the periodicity alone, both (what ships, refitted
    with C = 1), and a gradient-boosted stack on both.
    """
    import pickle

    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from skforensics.inspection._upscale_evidence import FEATURES, pool, pooled_features

    classes = np.array([1.0, 1.25, 1.5, 2.0, 2.4, 3.0])
    labels = json.loads((Path(train_cache) / "labels.json").read_text())
    X, y = [], []
    for path in sorted(Path(train_cache).glob("*.pkl")):
        with open(path, "rb") as handle:
            frames = pickle.load(handle)
        X.append(pooled_features(pool(frames), classes)[0])
        y.append(labels[path.stem])
    X, y = np.array(X), np.array(y, dtype=bool)
    Xt = np.array([[r["evidence"][f] for f in FEATURES] for r in rows])
    cnn, period = list(range(6)), [6, 7, 8]
    designs = {
        "tile net pooled (LR)": (cnn, make_pipeline(StandardScaler(), LogisticRegression())),
        "periodicity (LR)": (period, make_pipeline(StandardScaler(), LogisticRegression())),
        "both (LR, C=1)": (cnn + period + [9], make_pipeline(StandardScaler(),
                                                            LogisticRegression())),
        "both (HGB)": (cnn + period + [9], HistGradientBoostingClassifier(
            max_iter=200, learning_rate=0.05, max_leaf_nodes=15, random_state=0)),
    }
    for name, (cols, model) in designs.items():
        model.fit(X[:, cols], y)
        p = model.predict_proba(Xt[:, cols])[:, 1]
        for r, pi in zip(rows, p):
            r[name] = float(pi)
    return list(designs)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-root", default=str(ROOT.parent / "shared/data"))
    parser.add_argument("--cache", default="/tmp/fake4k-video-clips")
    parser.add_argument("--codecs", default="h264:23,h264:28,hevc:28")
    parser.add_argument("--frames", type=int, default=8)
    parser.add_argument("--bakeoff", default=None, metavar="TRAIN_CACHE",
                        help="also fit combiners on subsets of the evidence of the "
                             "training clips in this cache (train_upscale_pooling.py "
                             "--cache, with its labels.json) and score them here")
    parser.add_argument("--every", type=int, default=1,
                        help="judge the clips of every n-th source only (quicker)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", default=str(ROOT / "benchmarks/results/fake4k_video.json"))
    parser.add_argument("--v3-only", action="store_true",
                        help="judge with the shipped verdict only (quicker)")
    parser.add_argument("--make-only", action="store_true",
                        help="make (and cache) the clips, judge nothing")
    args = parser.parse_args(argv)

    import torch

    from skforensics.models import pretrained

    torch.set_num_threads(args.threads)
    codecs = [(c, int(q)) for c, q in (item.split(":") for item in args.codecs.split(","))]
    meta = json.loads((ROOT / "skforensics/models/weights/upscale.json").read_text())
    load = os.getloadavg()[0]
    t0 = time.process_time()
    rows = make_clips(meta["test_sources"], args.data_root, Path(args.cache), codecs)
    print(f"{len(rows)} clips of {len({r['source'] for r in rows})} held-out sources "
          f"({time.process_time() - t0:.0f} CPU-s to make); load average {load:.1f}")
    if args.make_only:
        return
    keep = sorted({r["source"] for r in rows})[:: args.every]
    rows = [r for r in rows if r["source"] in keep]
    print(f"judging {len(rows)} clips of {len(keep)} sources")
    model = pretrained("upscale-factor")[-1]
    for k, row in enumerate(rows):
        row.update(judge(row, model, args.frames, v3_only=args.v3_only))
        if k % 25 == 0:
            print(f"  judged {k + 1}/{len(rows)}", flush=True)
    designs = ["v3"] if args.v3_only else ["v2", "textured mean", "v3"]
    if args.bakeoff:
        designs[2:2] = bakeoff(rows, args.bakeoff)
    summary = report(rows, designs)
    cpu = [r["v3_cpu_s"] for r in rows]
    descaled = np.mean([r["v3_descaled"] for r in rows])
    print(f"\nv3 verdict per clip: median {np.median(cpu):.2f} CPU-s ({args.frames} frames); "
          f"descaled {descaled:.0%} of the clips")
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"summary": summary, "clips": rows, "frames": args.frames,
                               "load_average": load}, indent=1, default=float))
    print(f"Wrote {out}")


if __name__ == "__main__":
    main()
