"""Evidence of an upscale, accumulated over the textured tiles of every frame.

The tile net of ``pretrained("upscale-factor")`` scores 64x64 tiles; averaged
over every tile of a frame, the many tiles without texture (sky, walls,
defocused background) pull the answer towards a constant, and after a video
codec most upscaled frames land near P = 0.3. Here a frame gives three kinds
of evidence, which add up over the frames of a video before anything is
decided:

- the class probabilities of its *textured* tiles only (mean absolute
  Laplacian of the tile above ``TEXTURE_MIN``), the most textured first when
  a frame has more than ``max_tiles`` of them;
- the second-derivative profiles of the whole frame, whose averaged spectrum
  peaks at the period of an upscale
  (:func:`skforensics.feature.resampling_periodicity`);
- how many tiles carry texture at all;
- where asked, descale and compare
  (:func:`skforensics.feature.descale_curve`): the residual of the frame's
  most textured lines against each candidate upscale, which dips at the
  native size; frames add their residuals.

:func:`pooled_features` turns the accumulated evidence into ten numbers
(``FEATURES``) and the shipped combiner (a logistic regression trained by
``scripts/train_upscale_pooling.py`` on whole video files and single frames
of the training sources, stored as JSON in ``upscale-pooling.json``) turns
them into P(upscaled).
"""

import warnings

import numpy as np

from ..feature import _descale
from ..feature._resampling import DEFAULT_FACTORS, _peak_z, _profiles, _spectrum

__all__ = [
    "DESCALE_FEATURES", "FEATURES", "TEXTURE_MIN", "Evidence", "combine", "decide",
    "descale_features", "frame_evidence", "pool", "pooled_features",
]

# A tile is textured when the mean |4-neighbour Laplacian| of its luminance
# (in [0, 1]) exceeds this: flat sky, walls and heavy blur fall below it.
TEXTURE_MIN = 0.01
# Below this many textured tiles (over all frames) the most textured quarter
# of the scored tiles stands in for them.
MIN_TEXTURED = 4
# The weight of log(1 + periodicity z) against the log mean class probability
# in the factor's score; 0.25 and 0.5 tied on the training clips (94.5% of the
# upscales given the right factor, against 85.5% for the net alone).
FACTOR_PERIODICITY_WEIGHT = 0.5
FEATURES = (
    "logit_mean", "logit_q75", "logit_q90", "share_positive", "factor_agreement",
    "log_textured_share", "periodicity_x", "periodicity_y", "periodicity_at_factor",
    "log_n_textured",
)
# From the descale curve: the deepest dip, the deepest one at least 0.1 away
# from it (how deep chance dips go), the deepest within 0.02 of the factor
# the tiles favour, and the curve's floor against its median (log10).
DESCALE_FEATURES = (
    "descale_dip", "descale_dip_second", "descale_dip_at_factor", "descale_floor",
)


def tile_texture(frame, patch):
    """Mean |4-neighbour Laplacian| of each tile of the grid (zero on the border)."""
    import cv2

    y = np.asarray(frame, dtype=np.float32)
    kernel = np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], np.float32)
    lap = cv2.filter2D(y, -1, kernel, borderType=cv2.BORDER_CONSTANT)
    np.abs(lap, out=lap)  # in place: one frame-sized array, not two
    lap[0], lap[-1], lap[:, 0], lap[:, -1] = 0, 0, 0, 0
    U, V = y.shape[0] // patch, y.shape[1] // patch
    return lap[:U * patch, :V * patch].reshape(U, patch, V, patch).mean(axis=(1, 3))


class Evidence:
    """What the frames of one file have shown so far (see :func:`frame_evidence`)."""

    def __init__(self):
        self.probas, self.textures, self.n_tiles, self.n_textured = [], [], 0, 0
        self.profiles_x, self.profiles_y = [], []
        self.descale_residuals, self.descale_detail = [], []

    def add(self, probas, textures, n_tiles, profile_x, profile_y, n_textured=None):
        """One frame's scored tiles, its tile count (scored or not), its
        profiles, and how many of its tiles are textured (by default the
        textured ones among those scored)."""
        self.probas.append(np.asarray(probas, dtype=np.float64))
        self.textures.append(np.asarray(textures, dtype=np.float64))
        self.n_tiles += int(n_tiles)
        if n_textured is None:
            n_textured = np.count_nonzero(self.textures[-1] > TEXTURE_MIN)
        self.n_textured = getattr(self, "n_textured", 0) + int(n_textured)
        self.profiles_x.append(profile_x)
        self.profiles_y.append(profile_y)
        return self

    def merge(self, other):
        """The evidence of both, as one (frames of one video, same size)."""
        merged = Evidence()
        for name in ("probas", "textures", "profiles_x", "profiles_y"):
            setattr(merged, name, getattr(self, name) + getattr(other, name))
        merged.n_tiles = self.n_tiles + other.n_tiles
        merged.n_textured = self._n_textured() + other._n_textured()
        merged.descale_residuals = self._descale()[0] + other._descale()[0]
        merged.descale_detail = self._descale()[1] + other._descale()[1]
        return merged

    def add_descale(self, frame):
        """Descale and compare one frame (its residual per kernel and factor
        of ``descale_curve``'s defaults, and its detail energy)."""
        residual, detail = _descale._residuals(
            frame, _descale.DEFAULT_FACTORS, _descale.DEFAULT_KERNELS)
        residuals, details = self._descale()
        self.descale_residuals = residuals + [residual]
        self.descale_detail = details + [detail]
        return self

    def _descale(self):
        # Evidence pickled before descale was kept has none.
        return (
            getattr(self, "descale_residuals", []),
            getattr(self, "descale_detail", []),
        )

    def _n_textured(self):
        # Evidence pickled before n_textured was kept scored every textured tile.
        if hasattr(self, "n_textured"):
            return self.n_textured
        return int(sum(np.count_nonzero(t > TEXTURE_MIN) for t in self.textures))

    def textured(self):
        """Which scored tiles count as textured (the most textured quarter
        when fewer than ``MIN_TEXTURED`` are)."""
        t = np.concatenate(self.textures)
        mask = t > TEXTURE_MIN
        if np.count_nonzero(mask) < MIN_TEXTURED:
            mask = t >= np.quantile(t, 0.75)
        return mask

    def textured_proba(self):
        """Class probabilities of the textured tiles, shape (n_tiles, n_classes)."""
        return np.concatenate(self.probas)[self.textured()]


def frame_evidence(model, frame, *, max_tiles=256, tile_probas=None):
    """Score one luminance frame (float32 in [0, 1]): its :class:`Evidence`.

    The textured tiles of the non-overlapping 64x64 grid are scored by the
    tile net (at most ``max_tiles`` of them, the most textured first; the
    most textured quarter when fewer than ``MIN_TEXTURED`` carry texture).
    ``tile_probas``, the class probabilities of every tile of that grid
    (shape ``(U, V, n_classes)``, as a caller that maps them all has them),
    are read instead of running the net again.
    """
    patch = int(model.patch_size_[0])
    texture = tile_texture(frame, patch).ravel()
    order = np.argsort(-texture, kind="stable")
    n_textured = int(np.count_nonzero(texture > TEXTURE_MIN))
    n_scored = max(n_textured, min(len(order), max(MIN_TEXTURED, len(order) // 4)))
    if max_tiles is not None:
        n_scored = min(n_scored, int(max_tiles))
    chosen = np.sort(order[:n_scored])
    U, V = frame.shape[0] // patch, frame.shape[1] // patch
    if tile_probas is not None:
        probas = np.asarray(tile_probas).reshape(U * V, -1)[chosen]
    else:
        grid = frame[:U * patch, :V * patch].reshape(U, patch, V, patch)
        tiles = grid.swapaxes(1, 2).reshape(U * V, patch, patch)[chosen]
        probas = model.predict_proba(tiles)
    profile_x, profile_y = _profiles(frame)
    return Evidence().add(probas, texture[chosen], len(texture), profile_x, profile_y,
                          n_textured=n_textured)


def pooled_features(evidence, classes):
    """The ten pooled numbers of ``FEATURES`` and the factor the tiles favour.

    Returns
    -------
    features : ndarray of shape (10,)
    factor : float
        The factor class (``classes[1:]``) of the largest mean probability
        over the textured tiles, each weighted by the periodicity found at
        its factor (``FACTOR_PERIODICITY_WEIGHT``).
    """
    classes = np.asarray(classes, dtype=float)
    p = np.clip(np.concatenate(evidence.probas), 1e-6, 1.0)
    textured = evidence.textured()
    logit = np.log(np.clip(1.0 - p[:, 0], 1e-6, 1.0)) - np.log(p[:, 0])
    z = logit[textured]
    q = p[textured]
    spectra = (_spectrum(evidence.profiles_x), _spectrum(evidence.profiles_y))
    # The factor: the net's mean class probabilities over the textured
    # tiles, sharpened by the periodicity at each class's factor (the net
    # alone tells x1.5 from x3, which share a period; the period alone
    # cannot see x2, which a codec grid masks).
    per_axis = np.array([_peak_z(*sp, classes[1:]) for sp in spectra])
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        at_class = np.nanmean(per_axis, axis=0)
    score = np.log(q[:, 1:].mean(axis=0)) + FACTOR_PERIODICITY_WEIGHT * np.log1p(
        np.clip(np.nan_to_num(at_class, nan=0.0), 0.0, None))
    best = 1 + int(np.argmax(score))
    agreement = float(np.mean(1 + np.argmax(q[:, 1:], axis=1) == best))
    # Every textured tile of the frames counts, scored or not (max_tiles).
    n_textured = evidence._n_textured()
    # The periodicity at the factor found, and the strongest over the scan.
    at_factor = per_axis[:, best - 1]
    scans = [_peak_z(*sp, DEFAULT_FACTORS) for sp in spectra]

    def squash(values):
        values = np.asarray(values, dtype=float)
        values = values[np.isfinite(values)]
        return float(np.log1p(max(values.mean(), 0.0))) if values.size else 0.0

    features = np.array([
        z.mean(),
        np.quantile(z, 0.75),
        np.quantile(z, 0.9),
        np.mean(z > 0),
        agreement,
        np.log(n_textured / max(evidence.n_tiles, 1) + 1e-3),
        squash(np.nanmax(scans[0])) if np.isfinite(scans[0]).any() else 0.0,
        squash(np.nanmax(scans[1])) if np.isfinite(scans[1]).any() else 0.0,
        squash(at_factor),
        np.log(n_textured + 1.0),
    ])
    return features, float(classes[best])


def descale_features(evidence, factor):
    """The four numbers of ``DESCALE_FEATURES`` (None without descale evidence).

    The residuals of every frame with descale evidence are added before the
    curve is formed, so noise that differs between frames averages out.
    """
    residuals, detail = evidence._descale()
    if not residuals:
        return None
    factors = _descale.DEFAULT_FACTORS
    curve = _descale._curve(np.sum(residuals, axis=0), float(np.sum(detail)))
    depth = _descale._dip_depth(curve, factors).max(axis=0)
    best = int(np.argmax(depth))
    far = np.abs(factors - factors[best]) >= 0.1
    near = np.abs(factors - factor) <= 0.02
    return np.array([
        depth[best],
        depth[far].max() if far.any() else 0.0,
        depth[near].max() if near.any() else 0.0,
        curve.min() - np.median(curve),
    ])


def pool(evidences):
    """The evidence of several frames of one file, as one."""
    pooled = evidences[0]
    for other in evidences[1:]:
        pooled = pooled.merge(other)
    return pooled


def decide(evidence, classes, pooling):
    """P(upscaled), the factor and the features read: by the combiner's
    second stage (``pooling["descale"]``) where ``evidence`` holds descale
    evidence, else by its first."""
    features, factor = pooled_features(evidence, classes)
    extra = descale_features(evidence, factor) if "descale" in pooling else None
    if extra is None:
        return combine(features, pooling), factor, features
    features = np.r_[features, extra]
    return combine(features, pooling["descale"]), factor, features


def combine(features, pooling):
    """P(upscaled) from pooled features and the combiner's JSON parameters."""
    x = (np.asarray(features, dtype=float) - np.asarray(pooling["mean"])) / np.asarray(
        pooling["scale"])
    logit = float(x @ np.asarray(pooling["coef"]) + pooling["intercept"])
    return 1.0 / (1.0 + np.exp(-logit))
