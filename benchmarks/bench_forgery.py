"""Forgery classification, the hyper-image paper's third task, on our splices.

Chandakkar & Li classify CASIA-2 images as authentic or tampered (their
Table 3: end-to-end CNN 75.22%, Sutthiwan et al. 79.20%, two-stage
hyper-image CNN 83.11%). CASIA is not available offline, so this builds the
forensic version from never-compressed photographs (``--data``, e.g.
``../shared/data/lossless``): windows of each photograph stay authentic
(rounded to 8 bits), and a copy of each gets a small region of random shape
pasted by :func:`skforensics.datasets.make_collages` from one of four
sources drawn at random: the same photograph JPEG-compressed (quality
50-95), another photograph, the same one resampled (x1.25-x2 down and back
up), or with Gaussian noise added (sigma 2-8 levels); the region's box lies
on or off the 8x8 grid at random. Regions cover 1-5% of the window by
default (``--area``): only a few patches carry the evidence, the case the
paper's claim is about.

Compared, cross-validated by photograph (``GroupKFold``, so no photograph
has windows on both sides), on 8-bit luminance (the nets on its high-pass
residual, the image minus its 3x3 mean, x4 around 0.5):

- **hyper-image**: a first stage (:class:`PatchCNNClassifier` with the
  fake-4K :class:`~skforensics.nn.PatchCNN`, on 32x32 patches) trained on
  patches labelled from the splice masks (1 if at least a quarter of the
  patch, or half of the region, was pasted, 0 if none of it; as the paper
  trains its first stage on patches along the known tampered contour), then a second-stage CNN
  (``HyperImageNetClassifier``) on the 7x7 grid of its penultimate
  activations, trained on the training images' hyper-images;
- **patch averaging**: the same first stage, its spliced probability
  averaged over the 7x7 grid (and, as a stronger baseline, its maximum);
- **BRISQUE + SVM**: :class:`~skforensics.feature.BRISQUEExtractor`, then
  a standardised RBF SVM;
- **JPEG flag maps + LR**: the shipped ``pretrained("jpeg-quality-fast")``
  model's compression-flag and quality maps summarised by quantiles and a
  logistic regression. (That model was trained on part of the same
  lossless photographs, as authentic never-compressed material: it never
  saw these splices, but it did see the authentic pixels.)

Accuracy uses a threshold chosen on the training images of each fold (the
one that maximises their accuracy); ROC AUC is threshold-free. Both are
reported over all images and, per splice source, over the authentic images
and the spliced images of that source.

Run ``python benchmarks/bench_forgery.py --data ../shared/data/lossless``
(full size: 4 windows of 128x128 per photograph, 5 folds); ``--quick`` for
a smoke run; ``--threads`` sets torch's threads (1 by default).
"""

import argparse
import os
import time

import numpy as np

SOURCES = ("jpeg", "other", "resample", "noise")
PATCH, GRID = 32, (7, 7)


def load_windows(folder, crop, n_crops, max_images, rng):
    """Luminance windows of the photographs under ``folder`` and their groups."""
    from skforensics.utils import read_image, to_grayscale
    from skforensics.utils._io import find_image_files

    paths = [os.path.join(folder, p) for p in find_image_files(folder)]
    if max_images:
        paths = paths[:max_images]
    windows, groups = [], []
    for index, path in enumerate(paths):
        image = read_image(path)
        if image.dtype != np.uint8:
            continue
        gray = to_grayscale([image])[0]  # BT.601 luminance in [0, 1]
        if min(gray.shape[:2]) < crop:
            continue
        for _ in range(n_crops):
            r = rng.randint(0, gray.shape[0] - crop + 1)
            c = rng.randint(0, gray.shape[1] - crop + 1)
            window = np.round(gray[r : r + crop, c : c + crop] * 255) / 255
            windows.append(window.astype(np.float32))
            groups.append(index)
    return np.stack(windows), np.asarray(groups)


def make_forgeries(windows, groups, args):
    """Authentic windows followed by their spliced copies."""
    from skforensics.datasets import make_collages

    spliced, _, _, masks, details = make_collages(
        windows,
        sources=SOURCES,
        qualities=(50, 95),
        mask="random",
        area_range=tuple(args.area),
        grid_alignment="random",
        return_details=True,
        random_state=0,
    )
    X = np.concatenate([windows, spliced])
    y = np.r_[np.zeros(len(windows), int), np.ones(len(spliced), int)]
    masks = np.concatenate([np.zeros_like(masks), masks])
    kind = np.r_[np.full(len(windows), "authentic"), details["source"]]
    return X, y, np.r_[groups, groups], masks, kind


def residual(X):
    """High-pass input of the nets: image minus its 3x3 mean, x4 around 0.5."""
    from scipy.ndimage import uniform_filter

    return np.clip(0.5 + 4 * (X - uniform_filter(X, size=(1, 3, 3))), 0, 1)


def patch_training_set(X, masks, rng):
    """Grid patches labelled from the masks, negatives subsampled to balance."""
    from skforensics.feature import extract_patches, patch_corners

    top, left = patch_corners(X.shape[1:], (PATCH, PATCH), sampling="grid", grid=GRID)
    patches, labels = [], []
    for image, mask in zip(X, masks):
        view = extract_patches(image, (PATCH, PATCH), sampling="grid", grid=GRID)
        for u, r in enumerate(top):
            for v, c in enumerate(left):
                inside = mask[r : r + PATCH, c : c + PATCH].sum()
                if inside == 0 or inside >= min(PATCH * PATCH / 4, mask.sum() / 2):
                    patches.append(view[u, v])
                    labels.append(int(inside > 0))
    patches, labels = np.stack(patches), np.asarray(labels)
    pos, neg = np.flatnonzero(labels == 1), np.flatnonzero(labels == 0)
    keep = np.r_[pos, rng.choice(neg, min(len(neg), len(pos)), replace=False)]
    rng.shuffle(keep)
    return patches[keep], labels[keep]


def fit_two_stages(X, y, masks, args, seed):
    from skforensics.models import (
        HyperImageNetClassifier,
        PatchCNNClassifier,
        PatchEmbedder,
    )

    patches, labels = patch_training_set(X, masks, np.random.RandomState(seed))
    net = PatchCNNClassifier(
        patch_size=PATCH,
        sampling="grid",
        stride=(X.shape[1] - PATCH) // (GRID[0] - 1),
        max_epochs=args.epochs1,
        batch_size=32,
        lr=1e-3,
        verbose=0,
        random_state=seed,
        module__n_filters=16,
        module__n_hidden=64,
    ).fit(patches, labels)
    embedder = PatchEmbedder(net, grid=GRID, cv="prefit", batch_size=512).fit(X)
    second = HyperImageNetClassifier(
        max_epochs=args.epochs2,
        batch_size=32,
        lr=1e-3,
        verbose=0,
        random_state=seed,
        module__n_filters=(32, 32),
        module__n_hidden=(64, 32),
        module__dropout=0.25,
    ).fit(embedder.transform(X), y)
    return net, embedder, second


def flag_features(model, X):
    """Quantiles of the JPEG model's flag map and of its quality map."""
    feats = []
    qualities, flags = model.predict_maps(X)
    for q, f in zip(qualities, flags):
        feats.append(
            np.r_[
                np.quantile(f, [0.5, 0.9, 0.99, 1.0]),
                f.mean(),
                (f > 0.5).mean(),
                np.quantile(q, [0.0, 0.01, 0.1, 0.5]),
            ]
        )
    return np.asarray(feats)


def best_threshold(scores, y):
    candidates = np.unique(scores)
    accuracy = [((scores >= t) == y).mean() for t in candidates]
    return candidates[int(np.argmax(accuracy))]


def run(X, y, groups, masks, kind, args):
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from sklearn.svm import SVC

    from skforensics.feature import BRISQUEExtractor
    from skforensics.models import pretrained

    names = ["hyper-image", "patch averaging (mean)", "patch averaging (max)"]
    names += ["BRISQUE + SVM", "JPEG flag maps + LR"]
    scores = {n: np.zeros(len(y)) for n in names}
    decided = {n: np.zeros(len(y), bool) for n in names}
    times = dict.fromkeys(names, 0.0)
    start = time.perf_counter()
    brisque = BRISQUEExtractor().fit(X[:2]).transform(X)
    times["BRISQUE + SVM"] += time.perf_counter() - start
    start = time.perf_counter()
    flags = flag_features(pretrained("jpeg-quality-fast"), X)
    times["JPEG flag maps + LR"] += time.perf_counter() - start
    R = residual(X)
    folds = GroupKFold(args.folds).split(X, y, groups)
    for fold, (train, test) in enumerate(folds):
        start = time.perf_counter()
        net, embedder, second = fit_two_stages(
            R[train], y[train], masks[train], args, seed=fold
        )

        def two_stage_scores(idx, net=net, embedder=embedder, second=second):
            hyper = second.predict_proba(embedder.transform(R[idx]))[:, 1]
            mean = net.set_params(pooling="mean").predict_proba(R[idx])[:, 1]
            top = net.set_params(pooling="max").predict_proba(R[idx])[:, 1]
            return dict(zip(names[:3], (hyper, mean, top)))

        test_scores, train_scores = two_stage_scores(test), two_stage_scores(train)
        for name in names[:3]:
            scores[name][test] = test_scores[name]
            threshold = best_threshold(train_scores[name], y[train])
            decided[name][test] = scores[name][test] >= threshold
        times["hyper-image"] += time.perf_counter() - start
        for name, features, model in (
            (
                "BRISQUE + SVM",
                brisque,
                make_pipeline(StandardScaler(), SVC(C=10.0, gamma="scale")),
            ),
            (
                "JPEG flag maps + LR",
                flags,
                make_pipeline(StandardScaler(), LogisticRegression(max_iter=1000)),
            ),
        ):
            start = time.perf_counter()
            model.fit(features[train], y[train])
            train_scores = model.decision_function(features[train])
            scores[name][test] = model.decision_function(features[test])
            decided[name][test] = scores[name][test] >= best_threshold(
                train_scores, y[train]
            )
            times[name] += time.perf_counter() - start
        print(
            f"  fold {fold + 1}/{args.folds} done, load average {_load()}", flush=True
        )
    return scores, decided, times


def report(y, kind, scores, decided, times):
    from sklearn.metrics import roc_auc_score

    subsets = {"all": np.ones(len(y), bool)}
    for source in SOURCES:
        subsets[source] = (kind == "authentic") | (kind == source)
    header = f"{'model':<24}" + "".join(f"{k:>17}" for k in subsets) + "   time"
    print("\naccuracy / ROC AUC (authentic against each splice source)")
    print(header)
    table = {}
    for name in scores:
        cells = []
        for subset, rows in subsets.items():
            acc = (decided[name][rows] == y[rows]).mean()
            auc = roc_auc_score(y[rows], scores[name][rows])
            table[(name, subset)] = (acc, auc)
            cells.append(f"{acc:>9.3f} / {auc:.3f}")
        print(f"{name:<24}" + "".join(cells) + f"  {times[name]:>5.0f} s")
    return table


def _load():
    try:
        return "%.1f %.1f %.1f" % os.getloadavg()
    except OSError:  # pragma: no cover
        return "n/a"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True, help="never-compressed photographs")
    parser.add_argument("--crop", type=int, default=128)
    parser.add_argument("--n-crops", type=int, default=4, help="windows per photograph")
    parser.add_argument("--max-images", type=int, default=0, help="0: all")
    parser.add_argument(
        "--area", type=float, nargs=2, default=(0.01, 0.05), help="region share range"
    )
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--epochs1", type=int, default=40)
    parser.add_argument("--epochs2", type=int, default=40)
    parser.add_argument("--quick", action="store_true", help="tiny smoke run")
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    if args.quick:
        args.max_images, args.n_crops, args.folds = 12, 2, 2
        args.epochs1, args.epochs2 = 1, 2

    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    rng = np.random.RandomState(0)
    windows, groups = load_windows(
        args.data, args.crop, args.n_crops, args.max_images, rng
    )
    X, y, groups, masks, kind = make_forgeries(windows, groups, args)
    print(
        f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
        f"{len(np.unique(groups))} photographs, {len(windows)} authentic and "
        f"{len(windows)} spliced {args.crop}x{args.crop} windows (regions "
        f"{args.area[0]:.0%}-{args.area[1]:.0%}); {args.folds}-fold GroupKFold; "
        f"load average {_load()}",
        flush=True,
    )
    total = time.perf_counter()
    scores, decided, times = run(X, y, groups, masks, kind, args)
    table = report(y, kind, scores, decided, times)
    print(f"\ntotal {time.perf_counter() - total:.0f} s; load average {_load()}")
    print(
        "paper (CASIA-2, accuracy): end-to-end CNN 75.22%, Sutthiwan et al. "
        "79.20%, hyper-image 83.11%"
    )
    return table


if __name__ == "__main__":
    main()
