import warnings

import numpy as np
import pytest
from scipy import stats
from sklearn.exceptions import ConvergenceWarning, UndefinedMetricWarning

from skforensics.metrics import krocc, plcc, rmse, srocc
from skforensics.metrics import _correlation


@pytest.fixture
def scores():
    rng = np.random.RandomState(0)
    y_true = np.round(rng.rand(60) * 10) / 2  # ties, as mean opinion scores have
    y_pred = y_true + rng.randn(60)
    return y_true, y_pred


def test_match_scipy_reference_values(scores):
    y_true, y_pred = scores
    assert srocc(y_true, y_pred) == pytest.approx(stats.spearmanr(y_true, y_pred)[0])
    assert krocc(y_true, y_pred) == pytest.approx(stats.kendalltau(y_true, y_pred)[0])
    assert plcc(y_true, y_pred) == pytest.approx(stats.pearsonr(y_true, y_pred)[0])
    assert rmse(y_true, y_pred) == pytest.approx(
        np.sqrt(np.mean((y_true - y_pred) ** 2))
    )
    assert isinstance(srocc(y_true, y_pred), float)


def test_hand_computed_values():
    # One swapped pair among four: d = (0, 1, 1, 0), rho = 1 - 6 * 2 / 60.
    assert srocc([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(0.8)
    # Five concordant and one discordant pair: (5 - 1) / 6.
    assert krocc([1, 2, 3, 4], [1, 3, 2, 4]) == pytest.approx(2 / 3)
    assert plcc([1, 2, 3], [2, 4, 7]) == pytest.approx(
        np.corrcoef([1, 2, 3], [2, 4, 7])[0, 1]
    )
    assert rmse([0, 0, 0, 0], [1, -1, 1, -1]) == 1.0


def test_column_vectors_and_lists_are_accepted(scores):
    y_true, y_pred = scores
    assert srocc(y_true[:, None], list(y_pred)) == pytest.approx(srocc(y_true, y_pred))


def test_logistic_mapping_improves_plcc_on_a_monotone_nonlinear_relation():
    rng = np.random.RandomState(0)
    x = rng.uniform(-4, 4, 80)
    mos = 1 + 4 / (1 + np.exp(-1.5 * x)) + 0.05 * rng.randn(80)
    assert srocc(mos, x) > 0.98
    raw, mapped = plcc(mos, x), plcc(mos, x, mapping="logistic")
    assert raw < 0.97 < 0.999 < mapped
    assert rmse(mos, x, mapping="logistic") < 0.5 * rmse(mos, x, mapping="linear")
    assert rmse(mos, x, mapping="logistic") == pytest.approx(0.05, rel=0.3)


def test_logistic_mapping_recovers_an_exact_logistic():
    x = np.linspace(0, 100, 40)
    y = _correlation._logistic(x, 3.0, 0.1, 40.0, 0.01, 2.0)
    assert rmse(y, x, mapping="logistic") < 1e-4
    assert plcc(y, x, mapping="logistic") == pytest.approx(1.0, abs=1e-8)


def test_logistic_mapping_handles_decreasing_and_both_end_steep_relations():
    rng = np.random.RandomState(1)
    x = rng.randn(100)
    falling = -np.tanh(2 * x) + 0.02 * rng.randn(100)
    assert plcc(falling, x) < 0 < 0.99 < plcc(falling, x, mapping="logistic")
    cubic = x**3 + 0.05 * rng.randn(100)
    assert plcc(cubic, x, mapping="logistic") > plcc(cubic, x) + 0.05


def test_logistic_mapping_does_not_depend_on_the_predictor_scale(scores):
    y_true, y_pred = scores
    a = plcc(y_true, y_pred, mapping="logistic")
    b = plcc(y_true, 1e4 * y_pred - 3e5, mapping="logistic")
    assert a == pytest.approx(b, abs=1e-6)
    assert a >= abs(plcc(y_true, y_pred)) - 1e-12


def test_logistic_mapping_of_a_linear_relation_is_silent_and_linear():
    rng = np.random.RandomState(0)
    x = rng.rand(40)
    y = 2 * x + 0.01 * rng.randn(40)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mapped = rmse(y, x, mapping="logistic")
    assert mapped <= rmse(y, x, mapping="linear") + 1e-12


def test_linear_mapping():
    x = np.array([1.0, 2.0, 4.0, 8.0])
    assert rmse(3 * x + 1, x, mapping="linear") < 1e-12
    assert plcc(-x, x, mapping="linear") == pytest.approx(1.0)
    assert plcc(-x, x) == pytest.approx(-1.0)


def test_logistic_with_too_few_samples_falls_back_to_linear():
    y_true, y_pred = [1.0, 2.0, 4.0, 3.0], [0.0, 1.0, 2.0, 3.0]
    with pytest.warns(UserWarning, match="needs at least 5 samples; got 4"):
        value = rmse(y_true, y_pred, mapping="logistic")
    assert value == pytest.approx(rmse(y_true, y_pred, mapping="linear"))


def test_failed_logistic_fit_warns_and_uses_a_line(monkeypatch, scores):
    monkeypatch.setattr(_correlation, "_fit_logistic", lambda x, t: None)
    y_true, y_pred = scores
    with pytest.warns(ConvergenceWarning, match="did not converge; using a linear"):
        value = rmse(y_true, y_pred, mapping="logistic")
    assert value == pytest.approx(rmse(y_true, y_pred, mapping="linear"))


@pytest.mark.parametrize("metric", [srocc, krocc, plcc])
def test_constant_input_warns_and_returns_nan(metric):
    with pytest.warns(UndefinedMetricWarning, match="y_pred is constant"):
        assert np.isnan(metric([1, 2, 3], [5, 5, 5]))
    with pytest.warns(UndefinedMetricWarning, match="y_true is constant"):
        assert np.isnan(metric([2, 2, 2], [1, 2, 3]))


def test_rmse_of_a_constant_prediction_is_defined():
    assert rmse([1, 2, 3], [2, 2, 2]) == pytest.approx(np.sqrt(2 / 3))
    assert rmse([1, 2, 3], [7, 7, 7], mapping="logistic") == pytest.approx(
        np.sqrt(2 / 3)
    )


@pytest.mark.parametrize("metric", [srocc, krocc, plcc, rmse])
def test_bad_inputs(metric):
    with pytest.raises(ValueError, match="different lengths: 3 and 2"):
        metric([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="Input y_pred contains NaN"):
        metric([1, 2, 3], [1, np.nan, 3])
    with pytest.raises(ValueError, match="Input y_true contains infinity"):
        metric([1, np.inf, 3], [1, 2, 3])
    with pytest.raises(ValueError, match=r"must be 1-D.*shape \(2, 2\)"):
        metric([[1, 2], [3, 4]], [[1, 2], [3, 4]])
    with pytest.raises(TypeError, match="must hold numbers"):
        metric(["a", "b"], [1, 2])


@pytest.mark.parametrize("metric, n", [(srocc, 2), (krocc, 2), (plcc, 2), (rmse, 1)])
def test_too_few_samples(metric, n):
    with pytest.raises(ValueError, match=f"needs at least {n} samples; got {n - 1}"):
        metric([1.0] * (n - 1), [2.0] * (n - 1))


def test_bad_mapping():
    with pytest.raises(ValueError, match="The 'mapping' parameter of plcc must be"):
        plcc([1, 2, 3], [1, 2, 3], mapping="cubic")
    with pytest.raises(ValueError, match="The 'mapping' parameter of rmse must be"):
        rmse([1, 2, 3], [1, 2, 3], mapping="logit")
