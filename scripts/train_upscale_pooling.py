#!/usr/bin/env python
"""Train the combiner of ``upscale_verdict``: pooled evidence -> P(upscaled).

The tile net (``pretrained("upscale-factor")``, trained by
``train_upscale_detector.py``) stays as it is. This script makes real video
files from the net's *training* sources (the held-out ones listed in
``upscale.json`` are never touched) with ``benchmarks/_video_clips.py``:
16-frame integer-pixel pans at 960x540 (768x432, 640x360 for smaller
photographs), real, soft (Gaussian sigma 0.7-1.5, defocus, motion, low
light with noise) and upscaled (x1.25-x3, ten resamplers), each encoded
with a normal GOP by H.264 or HEVC at CRF 18-28. For each clip it gathers
the evidence ``upscale_verdict`` gathers (textured tiles scored by the net,
second-derivative profiles; ``skforensics.inspection._upscale_evidence``)
on 8 frames, and from it two training rows: the file (8 frames pooled) and
its first frame alone (a still image). With ``--stills N`` (default 2) the
first window of each planned clip also gives N *still-image* rows, under
conditions a still meets rather than a video's (none, JPEG Q70-95, one
H.264 or HEVC I-frame, an unsharp mask): the combiner also judges
photographs, and video I-frames alone taught it too little about them. A
``LogisticRegression`` on the standardised features (C by 5-fold
``GroupKFold`` by source) is written as JSON to
``skforensics/models/weights/upscale-pooling.json``.

Usage::

    python scripts/train_upscale_pooling.py --data ../shared/data \
        --cache /tmp/upscale-pooling --out skforensics/models/weights
"""

import argparse
import json
import pickle
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

UPSCALES = (
    (2.0, "opencv-bicubic"), (1.5, "opencv-lanczos"), (1.25, "pillow-bicubic"),
    (2.4, "swscale-lanczos"), (3.0, "opencv-bilinear"), (1.5, "swscale-bicubic"),
    (2.0, "pillow-lanczos"), (1.25, "opencv-lanczos"), (3.0, "swscale-spline"),
    (2.4, "opencv-bicubic"), (2.0, "swscale-bilinear"), (1.5, "pillow-bilinear"),
)
KINDS_PER_SOURCE = {"real": 1, "soft": 3, "up": 3}
CODECS = (("h264", 18), ("h264", 23), ("h264", 28), ("hevc", 23), ("hevc", 28))


def clip_plan(names, kinds_per_source):
    """(source index, kind, factor, resampler, codec, crf) of every clip."""
    from _video_clips import SOFT_KINDS

    plan = []
    for si in range(len(names)):
        kinds = [("real", None, None)] * kinds_per_source["real"]
        kinds += [(SOFT_KINDS[(si + j) % len(SOFT_KINDS)], None, None)
                  for j in range(kinds_per_source["soft"])]
        kinds += [("up", *UPSCALES[(3 * si + j) % len(UPSCALES)])
                  for j in range(kinds_per_source["up"])]
        for ci, (kind, factor, resampler) in enumerate(kinds):
            codec, crf = CODECS[(si + ci) % len(CODECS)]
            plan.append((si, kind, factor, resampler, codec, crf))
    return plan


def clip_evidence(path, model, n_frames=8):
    """Per-frame evidence of one clip, as ``upscale_verdict`` gathers it."""
    from skforensics.datasets import LazyVideoFrames
    from skforensics.inspection._upscale import video_sample
    from skforensics.inspection._upscale_evidence import frame_evidence

    frames = video_sample(path, n_frames).tolist()
    lazy = LazyVideoFrames(path, mode="gray")[frames]
    try:
        return [frame_evidence(model, np.asarray(lazy[i], np.float32) / 255)
                for i in range(len(lazy))]
    finally:
        lazy.close()


def add_descale(path, evidence, n_frames):
    """Add descale-and-compare evidence of the first ``n_frames`` frames
    judged (``upscale_verdict``'s sample) to their :class:`Evidence`."""
    from skforensics.datasets import LazyVideoFrames
    from skforensics.inspection._upscale import video_sample

    frames = video_sample(path, len(evidence)).tolist()[:n_frames]
    lazy = LazyVideoFrames(path, mode="gray")[frames]
    try:
        for i in range(len(lazy)):
            if not evidence[i]._descale()[0]:
                evidence[i].add_descale(np.asarray(lazy[i], np.float32) / 255)
    finally:
        lazy.close()


def gather(names, data, cache, model, kinds_per_source, seed=0, make=True,
           descale_frames=0):
    """Make (or reuse) every clip and its evidence; return rows of metadata.

    With ``make=False`` only the clips already in ``cache`` are used (a run
    that was stopped part way is fitted on what it gathered). With
    ``descale_frames`` the first frames judged of every clip also carry
    descale evidence (a cached clip is made again from its seed for it).
    """
    import _video_clips as vc

    from skforensics.utils import read_image

    cache.mkdir(parents=True, exist_ok=True)
    rows = []
    plan = clip_plan(names, kinds_per_source)
    photos, labels = {}, {}
    t0 = time.process_time()
    for k, (si, kind, factor, resampler, codec, crf) in enumerate(plan):
        target = cache / f"{k:05d}.pkl"
        row = dict(source=names[si], kind=kind, factor=factor or 1.0,
                   resampler=resampler, codec=codec, crf=crf, evidence=str(target))
        if not target.exists() and not make:
            continue
        evidence = None
        if target.exists() and descale_frames:
            with open(target, "rb") as handle:
                evidence = pickle.load(handle)
        complete = target.exists() and (
            not descale_frames
            or all(e._descale()[0] for e in evidence[:descale_frames])
        )
        if not complete:
            if si not in photos:
                photos.clear()
                photos[si] = np.asarray(read_image(Path(data) / names[si]))
            photo = photos[si]
            if vc.clip_size(photo.shape) is None:
                continue
            # The same seed makes the same clip again (for the descale step).
            rng = np.random.default_rng([seed, si, k])
            frames = vc.make_frames(photo, kind, rng, factor=factor, resampler=resampler)
            clip = cache / f"{k:05d}.mp4"
            vc.write_clip(frames, clip, codec=codec, crf=crf)
            if evidence is None:
                evidence = clip_evidence(clip, model)
            if descale_frames:
                add_descale(clip, evidence, descale_frames)
            partial = target.with_suffix(".part")
            with open(partial, "wb") as handle:
                pickle.dump(evidence, handle)
            partial.replace(target)  # a stopped run leaves no truncated file
            clip.unlink()
        rows.append(row)
        labels[target.stem] = kind == "up"
        if k % 25 == 0:
            print(f"  clip {k + 1}/{len(plan)}, {time.process_time() - t0:.0f} CPU-s",
                  flush=True)
    # What each cached clip is, for benchmarks/bench_fake4k_video.py --bakeoff.
    (cache / "labels.json").write_text(json.dumps(labels))
    return rows


def _still_condition(rng):
    """A still image's post-processing: (what, its parameters)."""
    what = int(rng.integers(5))
    if what == 0:
        return "none", {}
    if what == 1:
        return "jpeg", {"quality": int(rng.integers(70, 96))}
    if what == 2:
        return "video", {"codec": "h264", "crf": int(rng.integers(18, 29))}
    if what == 3:
        return "video", {"codec": "hevc", "crf": int(rng.integers(20, 29))}
    return "sharpen", {"radius": float(rng.uniform(0.8, 2.0)),
                       "amount": float(rng.uniform(0.5, 1.5))}


def still_evidence(photo, kind, factor, resampler, rng, model, n_conditions):
    """Evidence of one still window of ``photo`` (real, soft or upscaled as
    a clip's frames are), under ``n_conditions`` drawn still conditions,
    each with its descale evidence: a list of (condition, Evidence)."""
    import _video_clips as vc
    # The benchmark's post-processing of a still, the same code.
    from bench_fake4k import degrade

    from skforensics.inspection._upscale_evidence import frame_evidence
    from skforensics.utils import to_grayscale

    size = vc.SIZES[int(rng.integers(len(vc.SIZES)))]
    if photo.shape[0] < size[0] + 40 or photo.shape[1] < size[1] + 64:
        size = vc.clip_size(photo.shape)
    frame = vc.make_frames(photo, kind, rng, factor=factor, resampler=resampler,
                           size=size)[0].astype(np.float32) / 255
    out = []
    for _ in range(n_conditions):
        what, params = _still_condition(rng)
        image = degrade(frame, what, params)
        luma = np.asarray(to_grayscale([image])[0], dtype=np.float32)
        out.append((what, frame_evidence(model, luma).add_descale(luma)))
    return out


def gather_stills(names, data, cache, model, kinds_per_source, n_conditions,
                  seed=1, make=True):
    """Make (or reuse, from ``cache/stills``) the still rows of every
    planned clip's first window; return rows of metadata."""
    from skforensics.utils import read_image

    cache = Path(cache) / "stills"
    cache.mkdir(parents=True, exist_ok=True)
    rows, photo_index, photo = [], None, None
    for k, (si, kind, factor, resampler, _, _) in enumerate(
            clip_plan(names, kinds_per_source)):
        target = cache / f"{k:05d}.pkl"
        if not target.exists():
            if not make:
                continue
            if photo_index != si:
                photo_index = si
                photo = np.asarray(read_image(Path(data) / names[si]))
            rng = np.random.default_rng([seed, si, k])
            evidence = still_evidence(photo, kind, factor, resampler, rng, model,
                                      n_conditions)
            partial = target.with_suffix(".part")
            with open(partial, "wb") as handle:
                pickle.dump(evidence, handle)
            partial.replace(target)
        rows.append(dict(source=names[si], kind=kind, evidence=str(target)))
    return rows


def still_matrix(rows, classes, descale=True):
    """One row per still condition of each window (see design_matrix)."""
    from skforensics.inspection._upscale_evidence import (
        descale_features, pooled_features)

    X, y, groups = [], [], []
    for row in rows:
        with open(row["evidence"], "rb") as handle:
            conditions = pickle.load(handle)
        for _, evidence in conditions:
            features, factor = pooled_features(evidence, classes)
            if descale:
                features = np.r_[features, descale_features(evidence, factor)]
            X.append(features)
            y.append(row["kind"] == "up")
            groups.append(row["source"])
    return np.array(X), np.array(y), np.array(groups)


def design_matrix(rows, classes, descale=True):
    """Two rows per clip: the file (all frames) and its first frame alone.

    With ``descale``, each row also carries ``DESCALE_FEATURES`` (NaN for
    clips gathered without ``descale_frames``).
    """
    from skforensics.inspection._upscale_evidence import (
        DESCALE_FEATURES, descale_features, pool, pooled_features)

    X, y, groups, n_frames = [], [], [], []
    for row in rows:
        with open(row["evidence"], "rb") as handle:
            frames = pickle.load(handle)
        for subset in (frames, frames[:1]):
            pooled = pool(subset)
            features, factor = pooled_features(pooled, classes)
            if descale:
                extra = descale_features(pooled, factor)
                missing = np.full(len(DESCALE_FEATURES), np.nan)
                features = np.r_[features, missing if extra is None else extra]
            X.append(features)
            y.append(row["kind"] == "up")
            groups.append(row["source"])
            n_frames.append(len(subset))
    return np.array(X), np.array(y), np.array(groups), np.array(n_frames)


def fit(X, y, groups):
    """Standardised logistic regression, C chosen by GroupKFold by source."""
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.model_selection import GroupKFold
    from sklearn.preprocessing import StandardScaler

    scaler = StandardScaler().fit(X)
    cv = list(GroupKFold(n_splits=5).split(X, y, groups))
    clf = LogisticRegressionCV(Cs=np.logspace(-2, 2, 9), cv=cv, max_iter=2000,
                               scoring="neg_log_loss").fit(scaler.transform(X), y)
    return scaler, clf


def _fits(path):
    """Whether a clip can pan across the photograph at ``path``."""
    from PIL import Image

    from _video_clips import clip_size

    with Image.open(path) as image:
        return clip_size(image.size[::-1]) is not None


def _stage(features, scaler, clf):
    """One logistic regression of the combiner, as JSON."""
    return {
        "features": list(features),
        "mean": scaler.mean_.tolist(),
        "scale": scaler.scale_.tolist(),
        "coef": clf.coef_[0].tolist(),
        "intercept": float(clf.intercept_[0]),
        "C": float(clf.C_[0]),
    }


def training_sources(data):
    """The tile net's training sources a clip can pan across, in a seeded
    order (a run stopped part way has seen every folder)."""
    meta = json.loads((ROOT / "skforensics/models/weights/upscale.json").read_text())
    names = [n for n in meta["train_sources"] if _fits(Path(data) / n)]
    return [names[i] for i in np.random.default_rng(0).permutation(len(names))]


def cached_rows(data, cache, kinds_per_source=KINDS_PER_SOURCE):
    """The rows of the clips already gathered in ``cache``."""
    names = training_sources(data)
    return [dict(source=names[si], kind=kind, evidence=str(Path(cache) / f"{k:05d}.pkl"))
            for k, (si, kind, *_) in enumerate(clip_plan(names, kinds_per_source))
            if (Path(cache) / f"{k:05d}.pkl").exists()]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data", default=str(ROOT.parent / "shared/data"),
                        help="folder holding lossless/ and natural/")
    parser.add_argument("--cache", default="/tmp/upscale-pooling")
    parser.add_argument("--out", default=str(ROOT / "skforensics/models/weights"))
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--max-sources", type=int, default=None)
    parser.add_argument("--descale-frames", type=int, default=2,
                        help="frames of each clip (the first judged) that also give "
                             "descale-and-compare evidence")
    parser.add_argument("--band", type=float, nargs=2, default=(0.02, 0.98),
                        help="first-stage P(upscaled) within which the verdict "
                             "also reads descale evidence")
    parser.add_argument("--stills", type=int, default=2,
                        help="still-image rows per planned clip (its first window "
                             "under drawn still conditions); 0 for none")
    parser.add_argument("--fit-only", action="store_true",
                        help="fit on the clips already in --cache, make no new ones")
    args = parser.parse_args(argv)

    import torch

    from skforensics.inspection._upscale_evidence import DESCALE_FEATURES, FEATURES
    from skforensics.models import pretrained

    torch.set_num_threads(args.threads)
    names = training_sources(args.data)[: args.max_sources]
    model = pretrained("upscale-factor")
    model = model[-1] if hasattr(model, "steps") else model
    classes = np.asarray(model.classes_, dtype=float)
    kinds = KINDS_PER_SOURCE
    t0 = time.process_time()
    rows = gather(names, args.data, Path(args.cache), model, kinds, make=not args.fit_only,
                  descale_frames=args.descale_frames)
    X, y, groups, n_frames = design_matrix(rows, classes, descale=args.descale_frames > 0)
    n_stills = 0
    if args.stills > 0:
        stills = gather_stills(names, args.data, Path(args.cache), model, kinds,
                               args.stills, make=not args.fit_only)
        Xs, ys, gs = still_matrix(stills, classes, descale=args.descale_frames > 0)
        X, y, groups, n_stills = np.r_[X, Xs], np.r_[y, ys], np.r_[groups, gs], len(ys)
    evidence_s = time.process_time() - t0
    t0 = time.process_time()
    n_first = len(FEATURES)
    scaler, clf = fit(X[:, :n_first], y, groups)
    p = clf.predict_proba(scaler.transform(X[:, :n_first]))[:, 1]
    print(f"{len(rows)} clips and {n_stills} still rows of {len(set(groups))} sources; "
          f"C = {clf.C_[0]:.3g}; "
          f"training rows called upscaled: fakes {np.mean(p[y] > .5):.1%}, "
          f"real and soft {np.mean(p[~y] > .5):.1%}")
    out = {
        "name": "upscale-pooling",
        **_stage(FEATURES, scaler, clf),
        "train_sources": sorted(set(groups.tolist())),
        "n_clips": len(rows),
        "kinds_per_source": kinds,
        "codecs": [f"{c} CRF {q}" for c, q in CODECS],
        "upscales": [f"x{f:g} {r}" for f, r in UPSCALES],
        "rows": "each clip twice: 8 frames pooled, and its first frame alone"
                + (f"; {args.stills} still-image rows of each clip's first window "
                   "(none, JPEG Q70-95, one H.264 CRF 18-28 or HEVC CRF 20-28 "
                   "I-frame, unsharp mask)" if n_stills else ""),
        "n_still_rows": n_stills,
        # None where the evidence was gathered by an earlier run (--fit-only).
        "evidence_cpu_s": None if args.fit_only else evidence_s,
    }
    if args.descale_frames > 0:
        # The second stage reads descale evidence too; upscale_verdict computes
        # it only where the first stage's P lies within the band.
        # (on the clips with descale evidence: a run may stop part way)
        has = np.isfinite(X).all(axis=1)
        scaler2, clf2 = fit(X[has], y[has], groups[has])
        p2 = clf2.predict_proba(scaler2.transform(X[has]))[:, 1]
        print(f"with descale ({has.sum()} rows): C = {clf2.C_[0]:.3g}; training rows "
              f"called upscaled: fakes {np.mean(p2[y[has]] > .5):.1%}, "
              f"real and soft {np.mean(p2[~y[has]] > .5):.1%}")
        out["descale"] = {**_stage(FEATURES + DESCALE_FEATURES, scaler2, clf2),
                          "band": list(args.band), "frames": args.descale_frames,
                          "n_rows": int(has.sum())}
    out["fit_cpu_s"] = time.process_time() - t0
    target = Path(args.out) / "upscale-pooling.json"
    target.write_text(json.dumps(out, indent=1) + "\n")
    print(f"Wrote {target}")


if __name__ == "__main__":
    main()
