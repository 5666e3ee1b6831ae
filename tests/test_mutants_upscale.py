"""Tests that kill the mutants mutmut left alive in upscale_verdict (issue 25,
part 6): ``skforensics/inspection/_upscale.py`` and ``_upscale_evidence.py``.

The shipped tile net's answers move with its weights, so the evidence and
the verdict are pinned here with a stand-in net whose class probabilities
are a fixed function of each tile: the documented pooling (which tiles are
scored, the ten pooled numbers, the combiner, the factor and native size)
is then checked number by number against the definitions written out.
"""

import warnings

import numpy as np
import pytest

from skforensics.feature._resampling import (
    DEFAULT_FACTORS,
    _peak_z,
    _profiles,
    _spectrum,
)
from skforensics.inspection import _upscale as up
from skforensics.inspection import _upscale_evidence as ue
from skforensics.utils._color import BT601_WEIGHTS

CLASSES = (1.0, 1.25, 1.5, 2.0, 2.4, 3.0)


class TileNet:
    """A stand-in for the upscale net: softmax of fixed functions of each
    tile's mean and standard deviation."""

    def __init__(self, patch=64, classes=CLASSES):
        self.patch_size_ = (patch, patch)
        self.classes_ = np.array(classes)
        self.seen = []

    def predict_proba(self, tiles):
        tiles = np.asarray(tiles, dtype=np.float64)
        self.seen.append(tiles.copy())
        mean = tiles.mean(axis=(1, 2))[:, None]
        std = tiles.std(axis=(1, 2))[:, None]
        k = np.arange(1, len(self.classes_) + 1)
        logits = np.sin(7 * k * mean + 11 * std * k**0.5)
        p = np.exp(logits)
        return p / p.sum(axis=1, keepdims=True)


def _frame(shape=(200, 330), seed=0):
    """A luminance frame: smooth texture in the left part, flat on the right."""
    rng = np.random.default_rng(seed)
    frame = rng.random(shape).astype(np.float32)
    frame[:, shape[1] // 2 :] = 0.4
    return frame


# ---------------------------------------------------------------------------
# Texture of the tiles.
# ---------------------------------------------------------------------------


def test_tile_texture_is_the_mean_absolute_laplacian_per_tile():
    from scipy.ndimage import convolve

    frame = np.random.default_rng(0).random((70, 140)).astype(np.float32)
    kernel = np.array([[0, -1, 0], [-1, 4, -1], [0, -1, 0]], np.float64)
    lap = np.abs(convolve(frame.astype(np.float64), kernel, mode="constant"))
    lap[0], lap[-1], lap[:, 0], lap[:, -1] = 0, 0, 0, 0
    expected = lap[:64, :128].reshape(1, 64, 2, 64).mean(axis=(1, 3))
    texture = ue.tile_texture(frame, 64)
    assert texture.shape == (1, 2)
    np.testing.assert_allclose(texture, expected, rtol=1e-5)
    # A frame of whole tiles: its last row and column lie in the tiles.
    whole = np.random.default_rng(1).random((64, 128)).astype(np.float32)
    lap = np.abs(convolve(whole.astype(np.float64), kernel, mode="constant"))
    lap[0], lap[-1], lap[:, 0], lap[:, -1] = 0, 0, 0, 0
    np.testing.assert_allclose(ue.tile_texture(whole, 64),
                               lap.reshape(1, 64, 2, 64).mean(axis=(1, 3)), rtol=1e-5)
    # 8-bit frames are read as numbers, not as saturating 8-bit arithmetic.
    eight = np.round(whole * 255).astype(np.uint8)
    np.testing.assert_allclose(ue.tile_texture(eight, 64),
                               ue.tile_texture(eight.astype(np.float32), 64))
    # Outside the frame counts as 0, and the border pixels' own values are 0.
    dot = np.zeros((64, 64), np.float32)
    dot[0, 10] = 1.0
    assert ue.tile_texture(dot, 32).tolist() == [[1 / 1024, 0.0], [0.0, 0.0]]


# ---------------------------------------------------------------------------
# The evidence of the frames.
# ---------------------------------------------------------------------------


def _evidence(probas, textures, n_tiles=None, n_textured=None):
    n_tiles = len(textures) if n_tiles is None else n_tiles
    profile = np.linspace(0, 1, 40)
    return ue.Evidence().add(probas, textures, n_tiles, profile, profile[::-1],
                             n_textured=n_textured)


def test_evidence_counts_and_merges():
    p = np.full((3, 2), 0.5)
    a = _evidence(p, [0.02, 0.005, 0.011], n_tiles=10)
    assert (a.n_tiles, a.n_textured) == (10, 2)
    b = _evidence(p[:2], [0.5, 0.5], n_tiles=4, n_textured=7)
    assert (b.n_tiles, b.n_textured) == (4, 7)
    merged = a.merge(b)
    assert (merged.n_tiles, merged.n_textured) == (14, 9)
    assert len(merged.probas) == len(merged.textures) == 2
    assert len(merged.profiles_x) == len(merged.profiles_y) == 2
    np.testing.assert_array_equal(merged.textured(), [True, False, True, True, True])
    assert merged.textured_proba().shape == (4, 2)
    # (a and b are left as they were)
    assert (a.n_tiles, len(a.probas), b.n_textured) == (10, 1, 7)


def test_evidence_of_an_older_pickle_counts_its_textured_tiles():
    old = _evidence(np.full((3, 2), 0.5), [0.02, 0.005, 0.011])
    del old.n_textured
    assert old._n_textured() == 2
    assert old.merge(old).n_textured == 4
    old.add(np.full((1, 2), 0.5), [0.3], 1, np.zeros(40), np.zeros(40))
    assert old.n_textured == 1  # counted from here on
    assert old.n_tiles == 4


def test_evidence_adds_up_frames_and_needs_texture_above_the_threshold():
    evidence = _evidence(np.full((2, 2), 0.5), [ue.TEXTURE_MIN, 0.02], n_tiles=5)
    assert evidence.n_textured == 1  # exactly TEXTURE_MIN is not textured
    evidence.add(np.full((1, 2), 0.5), [0.5], 3, np.zeros(40), np.zeros(40))
    assert (evidence.n_tiles, evidence.n_textured) == (8, 2)
    del evidence.n_textured
    assert evidence._n_textured() == 2
    many = _evidence(np.full((5, 2), 0.5), [ue.TEXTURE_MIN] + [0.02] * 4)
    np.testing.assert_array_equal(many.textured(), [False, True, True, True, True])


def test_too_few_textured_tiles_give_the_most_textured_quarter():
    textures = [0.001, 0.004, 0.002, 0.003, 0.02, 0.0, 0.0, 0.0]
    evidence = _evidence(np.eye(8)[:, :2] + 0.1, textures)
    # One textured tile (< 4): those at or above the 0.75 quantile.
    np.testing.assert_array_equal(
        evidence.textured(), np.asarray(textures) >= np.quantile(textures, 0.75)
    )
    four = _evidence(np.full((5, 2), 0.5), [0.02, 0.03, 0.04, 0.05, 0.0])
    np.testing.assert_array_equal(four.textured(), [True, True, True, True, False])


@pytest.mark.parametrize("max_tiles", [None, 3, 256])
def test_frame_evidence_scores_the_most_textured_tiles(max_tiles):
    net = TileNet(patch=32)
    frame = _frame()
    texture = ue.tile_texture(frame, 32).ravel()
    n_textured = int(np.count_nonzero(texture > ue.TEXTURE_MIN))
    assert 4 < n_textured < len(texture)
    evidence = ue.frame_evidence(net, frame, max_tiles=max_tiles)
    n = n_textured if max_tiles is None else min(n_textured, max_tiles)
    chosen = np.sort(np.argsort(-texture, kind="stable")[:n])
    U, V = 200 // 32, 330 // 32
    tiles = frame[: U * 32, : V * 32].reshape(U, 32, V, 32).swapaxes(1, 2)
    tiles = tiles.reshape(-1, 32, 32)[chosen]
    (seen,) = net.seen
    np.testing.assert_array_equal(seen, tiles)
    np.testing.assert_array_equal(evidence.probas[0], net.predict_proba(tiles))
    np.testing.assert_array_equal(evidence.textures[0], texture[chosen])
    assert (evidence.n_tiles, evidence.n_textured) == (U * V, n_textured)
    profile_x, profile_y = _profiles(frame)
    np.testing.assert_array_equal(evidence.profiles_x[0], profile_x)
    np.testing.assert_array_equal(evidence.profiles_y[0], profile_y)


def test_frame_evidence_reads_the_given_tile_probabilities():
    # A caller that scored every tile of the grid (analyse's tile map) hands
    # them over: the net is not run, and the evidence is the one it gives.
    frame = _frame()
    U, V = 200 // 32, 330 // 32
    tiles = frame[: U * 32, : V * 32].reshape(U, 32, V, 32).swapaxes(1, 2)
    every = TileNet(patch=32).predict_proba(tiles.reshape(-1, 32, 32))
    net = TileNet(patch=32)
    given = ue.frame_evidence(net, frame, tile_probas=every.reshape(U, V, -1))
    assert net.seen == []
    scored = ue.frame_evidence(net, frame)
    np.testing.assert_array_equal(given.probas[0], scored.probas[0])
    np.testing.assert_array_equal(given.textures[0], scored.textures[0])
    assert (given.n_tiles, given.n_textured) == (scored.n_tiles, scored.n_textured)


def test_frame_evidence_breaks_ties_in_raster_order():
    # 4 x 6 tiles, two textured (13 and 23, texture away from their edges so
    # that their flat neighbours stay exactly flat): the quarter scored is
    # those two and the first four flat tiles.
    # A ramp (exact in float32): every tile differs, none has texture.
    y, x = np.indices((4 * 32, 6 * 32))
    frame = ((x + 2 * y) / 1024).astype(np.float32)
    rng = np.random.default_rng(0)
    for index in (13, 23):
        u, v = divmod(index, 6)
        frame[32 * u + 4 : 32 * u + 28, 32 * v + 4 : 32 * v + 28] = rng.random((24, 24))
    net = TileNet(patch=32)
    evidence = ue.frame_evidence(net, frame)
    texture = ue.tile_texture(frame, 32).ravel()
    assert np.count_nonzero(texture) == 2 and evidence.n_textured == 2
    tiles = frame.reshape(4, 32, 6, 32).swapaxes(1, 2).reshape(24, 32, 32)
    np.testing.assert_array_equal(net.seen[0], tiles[[0, 1, 2, 3, 13, 23]])


def test_frame_evidence_scores_256_tiles_by_default():
    net = TileNet(patch=16)
    frame = np.random.default_rng(0).random((16 * 17, 16 * 17)).astype(np.float32)
    ue.frame_evidence(net, frame)
    assert len(net.seen[0]) == 256


def test_frame_evidence_without_texture_scores_a_quarter_of_the_tiles():
    net = TileNet(patch=32)
    flat = np.full((32 * 5, 32 * 4), 0.3, np.float32)
    flat[40:50, 70:75] = 0.31  # texture far below TEXTURE_MIN
    evidence = ue.frame_evidence(net, flat)
    assert len(net.seen[0]) == 5 == 20 // 4 and evidence.n_textured == 0
    tiny = np.full((64, 96), 0.3, np.float32)  # 6 tiles: at least 4 scored
    assert len(ue.frame_evidence(net, tiny, max_tiles=None).probas[0]) == 4
    assert len(ue.frame_evidence(net, tiny, max_tiles=2).probas[0]) == 2


# ---------------------------------------------------------------------------
# The ten pooled numbers and the factor.
# ---------------------------------------------------------------------------


def _upscaled_frame():
    import cv2
    from skimage import data

    camera = data.camera()[:200, :240].astype(np.float32) / 255
    frame = cv2.resize(camera, (360, 300), interpolation=cv2.INTER_CUBIC)
    return np.clip(frame, 0, 1)


def _squash(values):
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values)]
    return float(np.log1p(max(values.mean(), 0.0))) if values.size else 0.0


def test_pooled_features_follow_their_definitions():
    frame = _upscaled_frame()
    net = TileNet(patch=32)
    evidence = ue.frame_evidence(net, frame).merge(ue.frame_evidence(net, frame[::-1]))
    features, factor = ue.pooled_features(evidence, CLASSES)
    assert features.shape == (10,)
    p = np.clip(np.concatenate(evidence.probas), 1e-6, 1.0)
    textured = evidence.textured()
    z = (np.log(np.clip(1 - p[:, 0], 1e-6, 1)) - np.log(p[:, 0]))[textured]
    q = p[textured]
    spectra = (_spectrum(evidence.profiles_x), _spectrum(evidence.profiles_y))
    per_axis = np.array([_peak_z(*s, np.array(CLASSES[1:])) for s in spectra])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # masked on both axes
        at_class = np.nan_to_num(np.nanmean(per_axis, axis=0), nan=0.0)
    score = np.log(q[:, 1:].mean(axis=0)) + 0.5 * np.log1p(np.clip(at_class, 0, None))
    best = 1 + int(np.argmax(score))
    assert factor == CLASSES[best]
    scans = [_peak_z(*s, DEFAULT_FACTORS) for s in spectra]
    expected = [
        z.mean(),
        np.quantile(z, 0.75),
        np.quantile(z, 0.9),
        np.mean(z > 0),
        np.mean(1 + np.argmax(q[:, 1:], axis=1) == best),
        np.log(evidence.n_textured / evidence.n_tiles + 1e-3),
        _squash(np.nanmax(scans[0])),
        _squash(np.nanmax(scans[1])),
        _squash(per_axis[:, best - 1]),
        np.log(evidence.n_textured + 1.0),
    ]
    np.testing.assert_allclose(features, expected, rtol=1e-12, atol=1e-12)
    # The upscale's period shows: the periodicity features are not empty.
    assert features[6] > 1 and features[7] > 1


def test_the_factor_is_sharpened_by_the_periodicity_at_its_period():
    # Equal probabilities for every factor: the periodicity alone decides,
    # and x1.2 (a period of 6 pixels) stands where the frame was upscaled.
    import cv2
    from skimage import data

    camera = data.camera()[:250, :250].astype(np.float32) / 255
    frame = cv2.resize(camera, (300, 300), interpolation=cv2.INTER_LINEAR)
    profile_x, profile_y = _profiles(frame)
    classes = (1.0, 3.0, 1.2, 2.4)
    probas = np.full((8, 4), 0.25)
    evidence = ue.Evidence().add(probas, np.full(8, 0.05), 8, profile_x, profile_y)
    features, factor = ue.pooled_features(evidence, classes)
    assert factor == 1.2
    # The tiles' own favourite (the first of equals, x3) is not the factor.
    assert features[4] == 0.0
    # Without the period, the net's answer decides.
    flat = np.zeros_like(profile_x)
    probas[:, 3] = 0.4
    probas[:, 1:3] = 0.2
    evidence = ue.Evidence().add(probas, np.full(8, 0.05), 8, flat, flat)
    features, factor = ue.pooled_features(evidence, classes)
    assert factor == 2.4 and features[4] == 1.0


@pytest.mark.parametrize("z, expected", [
    # x1.5 a little more probable than x2, no period at either: x1.5.
    ({1.5: np.nan, 2.0: np.nan}, 1.5),
    # A periodicity below the background (z < 0) counts as none.
    ({1.5: -0.9, 2.0: np.nan}, 1.5),
    # A weak one (z = 0.5) adds 0.5 log(1.5): enough for x2.
    ({1.5: np.nan, 2.0: 0.5}, 2.0),
])
def test_the_factors_periodicity_is_clipped_at_0(monkeypatch, z, expected):
    def peak_z(power, freqs, factors):
        return np.array([z.get(round(float(f), 2), np.nan) for f in factors])

    monkeypatch.setattr(ue, "_peak_z", peak_z)
    probas = np.tile([0.35, 0.35, 0.3], (6, 1))
    flat = np.zeros(120)
    evidence = ue.Evidence().add(probas, np.full(6, 0.05), 6, flat, flat)
    features, factor = ue.pooled_features(evidence, (1.0, 1.5, 2.0))
    assert factor == expected
    at_factor = z[expected]
    assert features[8] == (0.0 if np.isnan(at_factor) else np.log1p(max(at_factor, 0)))


def test_pooled_features_without_any_periodicity():
    flat = np.zeros(120)
    evidence = ue.Evidence().add(np.full((6, 3), 1 / 3), np.full(6, 0.05), 6,
                                 flat, flat)
    features, factor = ue.pooled_features(evidence, (1.0, 1.5, 2.0))
    assert factor == 1.5
    # A flat profile: no finite z anywhere, the three periodicity numbers 0.
    assert features[6] == features[7] == features[8] == 0.0
    assert features[0] == pytest.approx(np.log(2))
    assert features[3] == 1.0 and features[5] == pytest.approx(np.log(1 + 1e-3))
    assert features[9] == pytest.approx(np.log(7))


def test_pooled_features_of_one_tile_and_of_one_axis_without_periodicity():
    x, _ = _profiles(_upscaled_frame())
    short = np.linspace(1, 2, 12)  # too short for a background: all NaN
    evidence = ue.Evidence().add(np.array([[0.2, 0.5, 0.3]]), [0.05], 1, x, short)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no all-NaN warnings escape
        features, _ = ue.pooled_features(evidence, (1.0, 1.5, 2.0))
    assert features[5] == pytest.approx(np.log(1 / 1 + 1e-3))
    assert features[6] > 1 and features[7] == 0.0
    evidence = ue.Evidence().add(np.array([[0.2, 0.5, 0.3]]), [0.05], 1, short, x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        features, _ = ue.pooled_features(evidence, (1.0, 1.5, 2.0))
    assert features[6] == 0.0 and features[7] > 1


def test_pooled_features_clip_probabilities_and_count_every_tile():
    probas = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.5, 0.25, 0.25],
                       [0.2, 0.3, 0.5]])
    flat = np.zeros(120)
    evidence = ue.Evidence().add(probas, np.full(4, 0.05), 40, flat, flat,
                                 n_textured=30)
    features, _ = ue.pooled_features(evidence, (1.0, 1.5, 2.0))
    z = np.array([np.log(1e-6) - 0.0, 0.0 - np.log(1e-6), 0.0, np.log(0.8 / 0.2)])
    assert features[0] == pytest.approx(z.mean())
    assert features[3] == 0.5
    assert features[5] == pytest.approx(np.log(30 / 40 + 1e-3))
    assert features[9] == pytest.approx(np.log(31))


def test_combine_is_a_standardised_logistic_regression():
    pooling = {"mean": [1.0, -1.0], "scale": [2.0, 0.5], "coef": [0.5, -1.0],
               "intercept": 0.25}
    logit = (3.0 - 1.0) / 2.0 * 0.5 + (0.0 + 1.0) / 0.5 * -1.0 + 0.25
    assert ue.combine([3.0, 0.0], pooling) == pytest.approx(1 / (1 + np.exp(-logit)))
    assert isinstance(ue.combine([3.0, 0.0], pooling), float)


# ---------------------------------------------------------------------------
# The verdict of a file.
# ---------------------------------------------------------------------------


@pytest.fixture
def pooling(monkeypatch):
    """A combiner that reads P(upscaled) from the first feature alone."""
    from skforensics.models import _pretrained

    params = {"mean": [0.0] * 10, "scale": [1.0] * 10,
              "coef": [4.0] + [0.0] * 9, "intercept": 0.0}
    monkeypatch.setattr(_pretrained, "load_upscale_pooling", lambda: dict(params))
    return params


def test_verdict_numbers_come_from_the_pooled_evidence(pooling):
    net = TileNet()
    frame = np.round(_upscaled_frame()[:256, :320] * 255).astype(np.uint8)
    verdict = up.upscale_verdict(frame, estimator=net)
    luma = up.frame_luminance(frame, net)
    evidence = ue.frame_evidence(TileNet(), luma)
    features, factor = ue.pooled_features(evidence, CLASSES)
    p = ue.combine(features, pooling)
    assert verdict.kind == "image" and verdict.frames == [0]
    assert (verdict.height, verdict.width) == (256, 320)
    assert verdict.p_upscaled == pytest.approx(p) and verdict.upscaled == (p > 0.5)
    np.testing.assert_allclose(verdict.frame_p_upscaled, [p])
    assert verdict.evidence == pytest.approx(dict(zip(ue.FEATURES, features)))
    mean = evidence.textured_proba().mean(axis=0)
    assert verdict.factor_proba == pytest.approx(dict(zip(CLASSES, mean)))
    assert all(type(k) is float and type(v) is float
               for k, v in verdict.factor_proba.items())
    assert type(verdict.p_upscaled) is float and type(verdict.upscaled) is bool
    expected_factor = factor if p > 0.5 else 1.0
    assert verdict.factor == expected_factor
    assert verdict.native_height == round(256 / expected_factor)
    assert verdict.native_width == round(320 / expected_factor)


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_upscaled_above_one_half_with_its_factor(pooling, sign):
    pooling["coef"][0] = 0.0
    pooling["intercept"] = sign * 3.0
    net = TileNet()
    frame = _upscaled_frame()[:256, :320]
    verdict = up.upscale_verdict(frame, estimator=net)
    factor = ue.pooled_features(ue.frame_evidence(TileNet(), frame), CLASSES)[1]
    if sign > 0:
        assert verdict.upscaled and verdict.p_upscaled > 0.9
        assert verdict.factor == factor > 1
        assert (verdict.native_height, verdict.native_width) == (
            round(256 / factor), round(320 / factor))
    else:
        assert not verdict.upscaled and verdict.factor == 1.0
        assert (verdict.native_height, verdict.native_width) == (256, 320)


def test_exactly_one_half_is_not_upscaled(pooling):
    pooling["coef"][0] = 0.0
    verdict = up.upscale_verdict(_upscaled_frame()[:128, :128], estimator=TileNet())
    assert verdict.p_upscaled == 0.5 and not verdict.upscaled
    assert verdict.factor == 1.0


def test_a_pipelines_last_step_is_the_net(pooling):
    from sklearn.pipeline import Pipeline

    class Pass:
        def fit(self, X, y=None):
            return self

        def transform(self, X):
            return X

    net = TileNet()
    frame = _upscaled_frame()[:128, :192]
    wrapped = Pipeline([("identity", Pass()), ("again", Pass()), ("net", net)])
    assert up.upscale_verdict(frame, estimator=wrapped).p_upscaled == pytest.approx(
        up.upscale_verdict(frame, estimator=TileNet()).p_upscaled)
    assert len(net.seen) == 1


def test_argument_errors(pooling):
    frame = _upscaled_frame()[:128, :128]
    with pytest.raises(ValueError) as exc:
        up.upscale_verdict(frame, n_frames=0, estimator=TileNet())
    assert str(exc.value) == "n_frames must be at least 1; got 0."
    with pytest.raises(ValueError) as exc:
        up.upscale_verdict(frame, max_tiles=0, estimator=TileNet())
    assert str(exc.value) == "max_tiles must be at least 1 or None; got 0."
    # Not truncated nor parsed: 2.7 frames was read as 2, "8" as 8.
    for kwargs, message in [
        ({"n_frames": 2.7}, "n_frames must be an int; got 2.7."),
        ({"n_frames": "8"}, "n_frames must be an int; got '8'."),
        ({"n_frames": True}, "n_frames must be an int; got True."),
        ({"max_tiles": 2.5}, "max_tiles must be an int or None; got 2.5."),
    ]:
        with pytest.raises(TypeError) as exc:
            up.upscale_verdict(frame, estimator=TileNet(), **kwargs)
        assert str(exc.value) == message
    # Not an upscale classifier: one line, not an AttributeError inside.
    for estimator in ("upscale-factor", 2.5, object()):
        with pytest.raises(TypeError, match="estimator must be a fitted classifier"):
            up.upscale_verdict(frame, estimator=estimator)
    from sklearn.exceptions import NotFittedError

    from skforensics.models import PatchCNNClassifier

    with pytest.raises(NotFittedError):
        up.upscale_verdict(frame, estimator=PatchCNNClassifier())
    assert up.upscale_verdict(frame, n_frames=1, max_tiles=1, estimator=TileNet())
    assert up.upscale_verdict(
        frame, n_frames=np.int64(2), max_tiles=np.int32(4), estimator=TileNet()
    )


def test_file_errors_name_the_file(pooling, tmp_path):
    from PIL import Image

    small = tmp_path / "small.png"
    Image.fromarray(np.zeros((32, 200), np.uint8)).save(small)
    with pytest.raises(ValueError) as exc:
        up.upscale_verdict(small, estimator=TileNet())
    assert str(exc.value).startswith(f"'{small}': ")
    with pytest.raises(ValueError) as array_exc:
        up.upscale_verdict(np.zeros((32, 200), np.uint8), estimator=TileNet())
    assert str(exc.value) == f"'{small}': {array_exc.value}"
    assert "(the upscale net's tiles)" in str(array_exc.value)
    other = tmp_path / "notes.TXT"
    other.write_text("x")
    with pytest.raises(ValueError) as exc:
        up.upscale_verdict(other, estimator=TileNet())
    assert str(exc.value) == (
        f"'{other}' is neither an image nor a video file by its extension."
    )
    upper = tmp_path / "photo.PNG"
    Image.fromarray(np.zeros((64, 64), np.uint8)).save(upper, format="PNG")
    from_file = up.upscale_verdict(upper, estimator=TileNet())
    assert (from_file.kind, from_file.frames) == ("image", [0])


def test_video_frames_are_pooled(pooling, monkeypatch):
    from skforensics import datasets

    frames = [np.round(_upscaled_frame()[:128, :192] * 255).astype(np.uint8),
              np.random.default_rng(0).integers(0, 256, (128, 192), dtype=np.uint8),
              np.full((128, 192), 90, np.uint8)]
    closed = []

    class Lazy:
        """LazyVideoFrames(path, mode="gray")[indices], over the frames above."""

        def __init__(self, path, mode, index=None):
            assert mode == "gray"
            self.path, self.index = path, index

        def __getitem__(self, index):
            if isinstance(index, (int, np.integer)):
                return frames[self.index[index]]
            return Lazy(self.path, "gray", list(index))

        def __len__(self):
            return len(self.index)

        def close(self):
            closed.append(self.index)

    monkeypatch.setattr(datasets, "LazyVideoFrames", Lazy)
    monkeypatch.setattr(up, "video_sample", lambda path, n: np.array([0, 2, 1])[:n])
    verdict = up.upscale_verdict("clip.MKV", n_frames=3, estimator=TileNet())
    assert closed == [[0, 2, 1]]
    assert verdict.kind == "video" and verdict.frames == [0, 2, 1]
    assert (verdict.height, verdict.width) == (128, 192)
    singles = [up.upscale_verdict(frames[i], estimator=TileNet()).p_upscaled
               for i in (0, 2, 1)]
    np.testing.assert_allclose(verdict.frame_p_upscaled, singles)
    # The flat frame looks rendered: no probability, and left out of the pool.
    assert np.isnan(verdict.frame_p_upscaled[1]) and not verdict.rendered
    pooled = ue.frame_evidence(TileNet(), frames[0] / np.float32(255))
    pooled = pooled.merge(ue.frame_evidence(TileNet(), frames[1] / np.float32(255)))
    features, _ = ue.pooled_features(pooled, CLASSES)
    assert verdict.p_upscaled == pytest.approx(ue.combine(features, pooling))
    assert verdict.evidence == pytest.approx(dict(zip(ue.FEATURES, features)))


# ---------------------------------------------------------------------------
# The luminance the net reads.
# ---------------------------------------------------------------------------


def test_frame_luminance_of_8_bit_images(monkeypatch):
    net = TileNet()
    rng = np.random.default_rng(0)
    rgb = rng.integers(0, 256, (70, 66, 3), dtype=np.uint8)
    expected = (rgb / 255.0) @ BT601_WEIGHTS  # MATLAB's rgb2gray
    gray = up.frame_luminance(rgb, net)
    assert gray.dtype == np.float32 and gray.shape == (70, 66)
    np.testing.assert_allclose(gray, expected, atol=1e-6)
    with pytest.warns(UserWarning, match="Dropping the alpha channel"):
        gray = up.frame_luminance(np.concatenate([rgb, rgb[..., :1]], axis=2), net)
    np.testing.assert_allclose(gray, expected, atol=1e-6)
    monkeypatch.setattr(up, "_STRIP_ROWS", 3)
    np.testing.assert_allclose(up.frame_luminance(rgb, net), expected, atol=1e-6)
    gray8 = rgb[..., 0]
    np.testing.assert_allclose(up.frame_luminance(gray8, net), gray8 / 255.0, atol=1e-7)


def test_frame_luminance_checks_every_pixel_of_a_float_image():
    frame = np.zeros((100, 90), np.float32)
    frame[99, 89] = 1.5  # far from the corner an 8-bit image is checked on
    with pytest.raises(ValueError, match="Float images must lie in"):
        up.frame_luminance(frame, TileNet())


def test_frame_luminance_of_other_images():
    net = TileNet()
    rgb = np.random.default_rng(1).random((64, 80, 3))
    gray = up.frame_luminance(rgb, net)
    assert gray.dtype == np.float32 and gray.shape == (64, 80)
    np.testing.assert_allclose(gray, rgb @ BT601_WEIGHTS, atol=1e-6)
    flat = up.frame_luminance(rgb[..., 0], net)
    assert flat.dtype == np.float32
    np.testing.assert_allclose(flat, rgb[..., 0], atol=1e-7)
    np.testing.assert_allclose(up.frame_luminance(rgb[..., :1], net), flat)


@pytest.mark.filterwarnings("ignore:Dropping the alpha channel")
@pytest.mark.parametrize("shape", [(63, 80), (64, 63), (63, 80, 3), (10, 10, 4)])
def test_frame_luminance_needs_the_nets_tile(shape):
    for dtype in (np.uint8, np.float32):
        with pytest.raises(ValueError) as exc:
            up.frame_luminance(np.zeros(shape, dtype), TileNet())
        assert str(exc.value) == (
            "Images must be at least 64x64 pixels (height x width) (the upscale "
            f"net's tiles); got a {shape[0]}x{shape[1]} image (image 0). Pass larger "
            "images, or lower the size the estimator needs."
        )
    up.frame_luminance(np.zeros((64, 64), np.uint8), TileNet())


# ---------------------------------------------------------------------------
# Which frames of a video, by extension and keyframes.
# ---------------------------------------------------------------------------


def test_video_paths_by_extension():
    assert up.is_video_path("a/b.MP4") and up.is_video_path("clip.y4m")
    assert up.is_video_path(__import__("pathlib").Path("x.webm"))
    assert not up.is_video_path("photo.png") and not up.is_video_path("mp4")


@pytest.mark.parametrize("keyframes, total, n, expected", [
    ([0, 10, 20, 30, 40], 50, 3, [0, 20, 40]),
    ([0, 10, 20, 30, 40], 50, 5, [0, 10, 20, 30, 40]),
    ([0, 10, 20, 30, 40], 50, 2, [0, 40]),
    ([0, 5], 12, 5, [0, 1, 5, 6, 2]),
    ([0, 5], 7, 6, [0, 1, 2, 5, 6, 3]),
    ([0, 5], 7, 50, [0, 1, 2, 3, 4, 5, 6]),
    ([0], 1, 3, [0]),
])
def test_video_sample_takes_keyframes_first(monkeypatch, keyframes, total, n, expected):
    from skforensics.datasets import _video

    asked = []
    monkeypatch.setattr(_video, "_table", lambda path, owner: asked.append(
        (path, owner)) or (np.arange(total), np.array(keyframes)))
    got = up.video_sample(__import__("pathlib").Path("clip.mp4"), n)
    assert asked == [("clip.mp4", "upscale_verdict")]  # errors name the caller
    assert got.dtype == np.intp
    assert got.tolist() == sorted(expected)


def test_video_sample_counts_frames_without_a_table(monkeypatch):
    from skforensics.datasets import _video

    monkeypatch.setattr(_video, "_table", lambda path, owner: (None, np.array([0])))
    counted = []
    monkeypatch.setattr(_video, "_count_decoded",
                        lambda path, owner: counted.append((path, owner)) or 4)
    assert up.video_sample("clip.mp4", 8).tolist() == [0, 1, 2, 3]
    assert counted == [("clip.mp4", "upscale_verdict")]


def test_factor_words_reads_the_verdict():
    from skforensics.inspection._plot._plotting import factor_words

    verdict = dict(p_upscaled=0.97, upscaled=True, factor=2.0, native_width=1920,
                   native_height=1080)
    assert up.factor_words(verdict) == factor_words(0.97, True, 2.0, 1920, 1080)
    assert "1920x1080" in up.factor_words(verdict)


def test_the_defaults_8_frames_256_tiles_and_the_shipped_net(monkeypatch, pooling):
    from skforensics import models

    net = TileNet()
    names = []
    monkeypatch.setattr(models, "pretrained", lambda name: names.append(name) or net)
    frame = np.random.default_rng(0).random((64 * 17, 64 * 17)).astype(np.float32)
    verdict = up.upscale_verdict(frame)
    assert names == ["upscale-factor"]
    assert len(net.seen[0]) == 256 < 17 * 17
    sampled = []

    def sample(path, n_frames):
        sampled.append(n_frames)
        raise LookupError("sampled")

    monkeypatch.setattr(up, "video_sample", sample)
    with pytest.raises(LookupError, match="sampled"):
        up.upscale_verdict("clip.mp4", estimator=net)
    assert sampled == [8]
    assert verdict.kind == "image"


# ---------------------------------------------------------------------------
# The combiner's second stage: descale and compare where the first is unsure.
# ---------------------------------------------------------------------------


def _two_stages(pooling, intercept, band=(0.2, 0.8)):
    pooling["coef"][0] = 0.0
    pooling["intercept"] = intercept
    n = len(ue.FEATURES) + len(ue.DESCALE_FEATURES)
    pooling["descale"] = {"mean": [0.0] * n, "scale": [1.0] * n,
                          "coef": [0.0] * len(ue.FEATURES) + [1.0, 0.0, 0.0, 0.0],
                          "intercept": -0.5, "band": list(band), "frames": 2}
    return pooling


def test_an_unsure_first_stage_reads_descale_evidence(pooling, monkeypatch):
    _two_stages(pooling, intercept=0.0)  # first stage: P = 0.5, in the band
    seen = []
    real = ue.Evidence.add_descale

    def counted(self, frame):
        seen.append(frame.shape)
        return real(self, frame)

    monkeypatch.setattr(ue.Evidence, "add_descale", counted)
    frame = _upscaled_frame()[:256, :320]
    verdict = up.upscale_verdict(frame, estimator=TileNet())
    assert verdict.descaled and seen == [(256, 320)]
    evidence = ue.frame_evidence(TileNet(), frame).add_descale(frame)
    features, factor = ue.pooled_features(evidence, CLASSES)
    extra = ue.descale_features(evidence, factor)
    expected = ue.combine(np.r_[features, extra], pooling["descale"])
    assert verdict.p_upscaled == pytest.approx(expected)
    assert verdict.p_upscaled == pytest.approx(1 / (1 + np.exp(0.5 - extra[0])))
    np.testing.assert_allclose(verdict.frame_p_upscaled, [expected])
    assert list(verdict.evidence) == list(ue.FEATURES + ue.DESCALE_FEATURES)
    assert verdict.evidence["descale_dip"] == pytest.approx(extra[0])


@pytest.mark.parametrize("intercept", [-3.0, 3.0])
def test_a_sure_first_stage_pays_for_no_descale(pooling, monkeypatch, intercept):
    _two_stages(pooling, intercept=intercept)
    monkeypatch.setattr(ue.Evidence, "add_descale",
                        lambda self, frame: pytest.fail("descaled a sure case"))
    verdict = up.upscale_verdict(_upscaled_frame()[:256, :320], estimator=TileNet())
    assert not verdict.descaled and list(verdict.evidence) == list(ue.FEATURES)
    assert verdict.p_upscaled == pytest.approx(1 / (1 + np.exp(-intercept)))


def test_a_video_descales_its_first_frames_only(pooling, monkeypatch):
    _two_stages(pooling, intercept=0.0)
    seen = []
    real = ue.Evidence.add_descale

    def counted(self, frame):
        seen.append(float(frame[0, 0]))
        return real(self, frame)

    monkeypatch.setattr(ue.Evidence, "add_descale", counted)
    frames = [_upscaled_frame()[:128, :128] + 0.01 * k for k in range(4)]
    verdict = up.frames_verdict(TileNet(), iter(frames), kind="video", frames=range(4))
    assert verdict.descaled and seen == [frames[0][0, 0], frames[1][0, 0]]
    # Frames with descale evidence are judged by the second stage, the
    # others by the first.
    firsts = [
        ue.combine(ue.pooled_features(ue.frame_evidence(TileNet(), f), CLASSES)[0],
                   pooling)
        for f in frames[2:]
    ]
    np.testing.assert_allclose(verdict.frame_p_upscaled[2:], firsts)
