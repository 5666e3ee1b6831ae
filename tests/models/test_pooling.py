"""The one pooling registry, and every pooling of the estimators that use it."""

import numpy as np
import pytest

from skforensics.models import PatchCNNClassifier, PatchCNNRegressor
from skforensics.models._calibration import _POOLINGS
from skforensics.models._pooling import POOLINGS, pool

SCORES = np.array([0.2, 0.9, 0.4, 0.1, 0.6], dtype=np.float32)


@pytest.mark.parametrize(
    "name, expected", [("mean", 0.44), ("median", 0.4), ("max", 0.9), ("minmax", 0.5)]
)
def test_registry(name, expected):
    assert pool(SCORES, name) == pytest.approx(expected, abs=1e-7)
    assert set(POOLINGS) == {"mean", "median", "max", "minmax"}


@pytest.mark.parametrize(
    "name, expected",
    [("mean", 0.44), ("median", 0.4), ("vote", 0.4), ("max", 0.9), ("minmax", 0.5)],
)
def test_regressor_pools_scores(name, expected):
    est = PatchCNNRegressor(patch_size=8, pooling=name)
    assert est._pool(SCORES[:, None]) == pytest.approx(expected, abs=1e-7)


PROBA = np.array([[0.9, 0.1], [0.3, 0.7], [0.6, 0.4]], dtype=np.float32)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("mean", [0.6, 0.4]),
        ("vote", [2 / 3, 1 / 3]),
        # max and minmax pool the positive class's probability.
        ("max", [0.3, 0.7]),
        ("minmax", [0.6, 0.4]),
    ],
)
def test_classifier_pools_probabilities(name, expected):
    est = PatchCNNClassifier(patch_size=8, pooling=name)
    np.testing.assert_allclose(est._pool(PROBA), expected, atol=1e-7)


def test_classifier_renormalises_max_over_three_classes():
    proba = np.array([[0.5, 0.3, 0.2], [0.1, 0.1, 0.8]])
    est = PatchCNNClassifier(patch_size=8, pooling="max")
    np.testing.assert_allclose(est._pool(proba), np.array([0.5, 0.3, 0.8]) / 1.6)


def test_jpeg_poolings_come_from_the_registry():
    quality_map = np.arange(12, dtype=np.float32).reshape(3, 4)
    assert _POOLINGS["mean"](quality_map) == 5.5
    assert _POOLINGS["median"](quality_map) == 5.5
    assert set(_POOLINGS) == {"median", "mean"}
    quality_map[0, 0] = 100.0
    assert _POOLINGS["median"](quality_map) == 6.5
