"""Fast tests of the descale evidence of the upscale verdict's combiner,
``skforensics/inspection/_upscale_evidence.py``, for mutation testing
(issue 25, part 6).

tests/feature/test_descale.py checks the four descale features on two real
1024x1024 frames (seconds); these check them on residual curves made up
here, so that each mutant is judged in milliseconds: the dip, the deepest
dip far from it, the dip at the tiles' factor, the floor of the curve, how
frames are added and merged, and that a one-stage combiner ignores them.
"""

import numpy as np
import pytest

from skforensics.feature import _descale
from skforensics.inspection import _upscale_evidence as ue

FACTORS = _descale.DEFAULT_FACTORS


def _residuals(seed, dips):
    """Residuals (3 kernels x the default factors) with dips at ``dips``
    (factor: (kernel, depth in log10))."""
    rng = np.random.default_rng(seed)
    residual = 10 ** rng.normal(0.0, 0.05, (3, len(FACTORS)))
    for factor, (kernel, depth) in dips.items():
        residual[kernel, np.flatnonzero(FACTORS == factor)] *= 10.0 ** -depth
    return residual


def _expected(residuals, details, factor):
    """The four features, read off the documented definitions."""
    curve = np.log10(np.sum(residuals, axis=0) / np.sum(details) + 1e-12)
    depth = _descale._dip_depth(curve, FACTORS).max(axis=0)
    best = int(np.argmax(depth))
    far = [d for f, d in zip(FACTORS, depth) if abs(f - FACTORS[best]) >= 0.1]
    near = [d for f, d in zip(FACTORS, depth) if abs(f - factor) <= 0.02]
    return [depth[best], max(far), max(near, default=0.0),
            curve.min() - np.median(curve)]


@pytest.fixture
def evidence():
    """Two frames' descale evidence: a deep dip at x2 (bicubic) and one at
    x2.6 (lanczos) in both, one at x1.5 (bilinear) in the first only."""
    first = ue.Evidence()
    first.descale_residuals = [
        _residuals(0, {2.0: (1, 3.0), 1.5: (0, 1.5), 2.6: (2, 2.0)})]
    first.descale_detail = [4.0]
    second = ue.Evidence()
    second.descale_residuals = [_residuals(1, {2.0: (1, 3.0), 2.6: (2, 2.0)})]
    second.descale_detail = [6.0]
    return first.merge(second)


def test_merged_frames_keep_each_ones_residual_and_detail(evidence):
    assert len(evidence.descale_residuals) == 2
    assert evidence.descale_detail == [4.0, 6.0]


@pytest.mark.parametrize("factor", [2.0, 1.5, 2.61])
def test_the_four_descale_features(evidence, factor):
    got = ue.descale_features(evidence, factor)
    expected = _expected(evidence.descale_residuals, [4.0, 6.0], factor)
    np.testing.assert_allclose(got, expected, rtol=1e-12)
    assert got.shape == (len(ue.DESCALE_FEATURES),)
    dip, far, _, floor = got
    assert dip > 2.5 > far > 0.5  # x2 is the dip; x2.6 the deepest far one
    assert floor < -2.5


def test_the_dip_at_the_tiles_factor(evidence):
    dip = ue.descale_features(evidence, 2.0)[0]
    assert ue.descale_features(evidence, 2.0)[2] == dip
    assert ue.descale_features(evidence, 2.015)[2] == dip  # within 0.02
    assert ue.descale_features(evidence, 2.05)[2] < dip
    # A factor the scan does not reach (the net's native class): no dip read.
    assert ue.descale_features(evidence, 1.0)[2] == 0.0
    assert ue.descale_features(evidence, 4.0)[2] == 0.0


def test_a_dip_far_from_the_best_is_read_within_the_scan():
    # Besides x2, a dip at x2.5: 0.5 away, so it is the far feature.
    one = ue.Evidence()
    one.descale_residuals = [_residuals(2, {2.0: (1, 3.0), 2.5: (1, 2.0)})]
    one.descale_detail = [1.0]
    far = ue.descale_features(one, 2.0)[1]
    assert far == pytest.approx(_expected(one.descale_residuals, [1.0], 2.0)[1])
    assert 1.5 < far < 2.5


def test_a_one_stage_combiner_ignores_descale_evidence(evidence, monkeypatch):
    features = np.linspace(-1.0, 1.0, len(ue.FEATURES))
    monkeypatch.setattr(ue, "pooled_features", lambda e, classes: (features, 2.0))
    n = len(ue.FEATURES)
    pooling = {"mean": [0.0] * n, "scale": [1.0] * n, "coef": [1.0] * n,
               "intercept": 0.5}
    p, factor, read = ue.decide(evidence, [1.0, 1.5, 2.0], pooling)
    assert p == pytest.approx(1 / (1 + np.exp(-(features.sum() + 0.5))))
    assert factor == 2.0 and read is features
