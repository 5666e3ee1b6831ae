import numpy as np
import pytest

from skforensics.models._calibration import (
    _POOLINGS,
    _band_corrections,
    _fit_calibration,
    _pool_maps,
)


def test_pool_maps_pools_then_calibrates_the_quality_only():
    quality = np.array([[10.0, 20.0], [30.0, 100.0]], dtype=np.float32)
    flag = np.array([[0.0, 1.0], [1.0, 1.0]], dtype=np.float32)
    assert _pool_maps(quality, flag, "median") == (25.0, 1.0)
    assert _pool_maps(quality, flag, "mean") == (40.0, 0.75)
    # The calibration of that pooling moves the quality, not the flag.
    calibration = {"median": (np.array([0.0, 100.0]), np.array([10.0, 100.0]))}
    assert _pool_maps(quality, flag, "median", calibration) == (32.5, 1.0)
    assert _pool_maps(quality, flag, "mean", calibration) == (40.0, 0.75)


def test_fit_calibration_gives_increasing_knots_per_pooling():
    truth = np.repeat(np.arange(10.0, 101.0, 10.0), 3)
    pooled = {name: 50 + (truth - 50) / 2 for name in _POOLINGS}
    calibration = _fit_calibration(pooled, truth)
    assert set(calibration) == set(_POOLINGS)
    for knots, corrected in calibration.values():
        assert (np.diff(knots) > 0).all() and (np.diff(corrected) >= 0).all()
        # Halfway pulled values are read back near the truth.
        assert np.interp(35.0, knots, corrected) == pytest.approx(20.0, abs=1.5)
    knots, corrected = _band_corrections(pooled["median"], truth)
    np.testing.assert_array_equal(knots, calibration["median"][0])
