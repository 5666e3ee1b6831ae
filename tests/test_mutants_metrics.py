"""Tests that kill the mutants mutmut left alive in metrics/ and the pooling
registry (issue 25, part 6).

mutmut 3.8 over ``skforensics/metrics/`` and ``skforensics/models/_pooling.py``
with the metrics, pooling and validation tests found behaviour no test
pinned: the wording of the errors and warnings that name the fix, the
strict ``>`` of ``mask_iou``'s threshold, ``mask_auroc``'s draw of pixels
without replacement, the guard that keeps the logistic mapping never worse
than the linear one, and the counting median of large maps reading every
pixel. Each test checks public behaviour, or the documented contract of a
private helper.
"""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.utils import check_random_state

from skforensics.metrics import get_iqa_scorer, mask_auroc, mask_iou, plcc, rmse, srocc


def test_get_iqa_scorer_message_names_every_fix():
    with pytest.raises(ValueError) as exc:
        get_iqa_scorer("spearman")
    assert str(exc.value).endswith(
        "a name from sklearn.metrics.get_scorer_names(), or a callable."
    )


@pytest.mark.parametrize("metric", [mask_iou, mask_auroc])
def test_localization_errors_name_the_argument_and_the_metric(metric):
    good = np.zeros((4, 4))
    good[:2] = 1
    with pytest.raises(ValueError, match=r"^masks must be one \(H, W\) map"):
        metric(np.zeros((1, 1, 4, 4)), good)
    with pytest.raises(ValueError, match=r"^maps must be one \(H, W\) map"):
        metric(good, np.zeros((1, 1, 4, 4)))
    with pytest.raises(ValueError, match=f"^{metric.__name__} got 2 masks but 1 maps"):
        metric([good, good], [good])


def test_integer_maps_are_scores():
    mask = np.zeros((4, 4), dtype=bool)
    mask[:2] = True
    scores = mask.astype(np.uint8) * 200  # 0 or 200, as an 8-bit heat map
    assert mask_iou(mask, scores, threshold=100) == 1.0
    assert mask_auroc(mask, scores.astype(np.int64)) == 1.0


def test_mask_iou_counts_only_pixels_above_the_threshold():
    mask = np.zeros((2, 2), dtype=bool)
    mask[0] = True
    score = np.array([[0.9, 0.9], [0.5, 0.5]])  # exactly 0.5: not flagged
    assert mask_iou(mask, score, threshold=0.5) == 1.0


def test_mask_auroc_all_one_class_message():
    with pytest.raises(ValueError) as exc:
        mask_auroc(np.ones((3, 3), bool), np.zeros((3, 3)))
    assert str(exc.value) == (
        "Mask 0 is all one class; the AUROC needs manipulated and untouched pixels."
    )


def test_mask_auroc_draws_pixels_without_replacement():
    rng = np.random.default_rng(3)
    mask = rng.random((20, 20)) < 0.3
    score = mask + rng.normal(0, 0.8, mask.shape)
    for max_pixels in (399, 150):
        index = check_random_state(7).choice(400, size=max_pixels, replace=False)
        expected = roc_auc_score(mask.ravel()[index], score.ravel()[index])
        got = mask_auroc(mask, score, max_pixels=max_pixels, random_state=7)
        assert got == pytest.approx(expected, abs=1e-12)


def test_too_few_samples_warning_says_what_is_used():
    with pytest.warns(UserWarning) as record:
        plcc([1.0, 2.0, 3.0, 4.0], [1.0, 3.0, 2.0, 5.0], mapping="logistic")
    assert str(record[0].message).endswith(
        "needs at least 5 samples; got 4. Using a linear mapping instead."
    )


def test_convergence_warning_text(monkeypatch):
    from sklearn.exceptions import ConvergenceWarning

    from skforensics.metrics import _correlation

    monkeypatch.setattr(_correlation, "_fit_logistic", lambda x, t: None)
    with pytest.warns(ConvergenceWarning) as record:
        plcc(np.arange(10.0), np.arange(10.0) ** 2, mapping="logistic")
    assert str(record[0].message) == (
        "The 5-parameter logistic mapping did not converge; using a linear "
        "mapping instead."
    )


def test_logistic_mapping_is_never_worse_than_the_line(monkeypatch):
    # plcc's Notes: a line is in the family, so the mapping is never worse
    # than the linear one; a poor logistic fit (here forced) gives the line.
    from skforensics.metrics import _correlation

    y_pred = np.linspace(0.0, 10.0, 30)
    y_true = 2.0 * y_pred + 1.0 + 0.1 * np.sin(7 * y_pred)
    monkeypatch.setattr(
        _correlation, "_fit_logistic", lambda x, t: np.array([1.0, 1.0, 0.0, 0.0, 0.0])
    )
    assert rmse(y_true, y_pred, mapping="logistic") == pytest.approx(
        rmse(y_true, y_pred, mapping="linear"), rel=1e-12
    )


def test_counting_median_reads_every_pixel(monkeypatch):
    from skforensics.models import _pooling

    monkeypatch.setattr(_pooling, "_LARGE", 10)
    monkeypatch.setattr(_pooling, "_CHUNK", 64)
    rng = np.random.default_rng(5)
    for n in (1001, 1000):  # odd and even: one middle element, or two
        values = rng.random(n).astype(np.float32)
        values[0] = -1.0  # the smallest first, the largest last
        values[-1] = 2.0
        median = _pooling.pool(values, "median")
        np.testing.assert_array_equal(median, np.median(values))
        assert median.dtype == np.float32
    values[-3] = np.nan  # in the last chunk: NaN, as np.median gives
    assert np.isnan(_pooling.pool(values, "median"))


@pytest.mark.parametrize("metric", [plcc, srocc])
def test_two_samples_are_enough_for_a_correlation(metric):
    assert metric([1.0, 2.0], [3.0, 5.0]) == pytest.approx(1.0)


def test_one_sample_rmse_with_a_mapping_is_its_own_mean():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fit is attempted on one sample
        assert rmse([3.0], [5.0], mapping="linear") == 0.0
        assert rmse([3.0], [5.0], mapping="logistic") == 0.0


@pytest.mark.parametrize("mapping", ["linear", "logistic"])
def test_constant_prediction_is_mapped_to_the_mean_without_a_fit(mapping):
    import warnings

    y_true = np.array([1.0, 2.0, 4.0, 8.0, 16.0, 32.0])
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fit on a constant: no warning
        got = rmse(y_true, np.full(6, 7.0), mapping=mapping)
    assert got == pytest.approx(y_true.std())


def test_undefined_warnings_name_the_metric_and_the_input():
    from sklearn.exceptions import UndefinedMetricWarning

    with pytest.warns(UndefinedMetricWarning) as record:
        assert np.isnan(srocc([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]))
    assert str(record[0].message) == (
        "y_true is constant, so srocc is undefined and returns nan."
    )
    # y_true symmetric about the middle of y_pred: the best line is flat.
    with pytest.warns(UndefinedMetricWarning) as record:
        value = plcc([1.0, 0.0, -1.0, 0.0, 1.0], [-2.0, -1.0, 0.0, 1.0, 2.0],
                     mapping="linear")  # fmt: skip
    assert np.isnan(value)
    assert str(record[0].message) == (
        "The mapped y_pred is constant, so plcc is undefined and returns nan."
    )


def test_mask_auroc_defaults_are_the_documented_ones():
    rng = np.random.default_rng(4)
    mask = rng.random((250, 250)) < 0.3  # 62,500 pixels: a draw of 50,000
    score = mask + rng.normal(0, 1.5, mask.shape)
    explicit = mask_auroc(mask, score, max_pixels=50_000, random_state=0)
    assert mask_auroc(mask, score) == explicit
    assert explicit != mask_auroc(mask, score, max_pixels=50_001, random_state=0)
    assert explicit != mask_auroc(mask, score, max_pixels=50_000, random_state=1)


@pytest.mark.parametrize("metric", [plcc, srocc])
def test_too_few_samples_message_names_the_metric(metric):
    with pytest.raises(ValueError) as exc:
        metric([1.0], [2.0])
    assert str(exc.value) == f"{metric.__name__} needs at least 2 samples; got 1."


@pytest.mark.parametrize("metric", [srocc, plcc, rmse])
def test_a_column_of_scores_is_refused_with_the_argument_named(metric):
    with pytest.raises(ValueError) as exc:
        metric(np.ones((3, 2)), [1.0, 2.0, 3.0])
    assert str(exc.value) == (
        "y_true must be 1-D of shape (n_images,), one score per image; got an "
        "array of shape (3, 2)."
    )
    with pytest.raises(ValueError, match=r"^y_pred must be 1-D .* one score per"):
        metric([1.0, 2.0, 3.0], np.ones((3, 2)))


def test_mask_auroc_uses_every_pixel_of_an_image_within_the_budget():
    # An image of exactly max_pixels pixels is scored on all of them and
    # draws nothing: the next image gets the first draw of the seed.
    rng = np.random.default_rng(8)
    small = rng.random((10, 10)) < 0.4
    large = rng.random((20, 20)) < 0.4
    small_score = small + rng.normal(0, 0.8, small.shape)
    large_score = large + rng.normal(0, 0.8, large.shape)
    index = check_random_state(7).choice(400, size=100, replace=False)
    expected = np.mean([
        roc_auc_score(small.ravel(), small_score.ravel()),
        roc_auc_score(large.ravel()[index], large_score.ravel()[index]),
    ])  # fmt: skip
    got = mask_auroc([small, large], [small_score, large_score], max_pixels=100,
                     random_state=7)  # fmt: skip
    assert got == pytest.approx(expected, abs=1e-12)


def _logistic5(x, b1, b2, b3, b4, b5):
    """The 5-parameter logistic of plcc's docstring, written out."""
    return b1 * (0.5 - 1.0 / (1.0 + np.exp(b2 * (x - b3)))) + b4 * x + b5


@pytest.mark.parametrize(
    "n, params",
    [
        (40, (-5.0, 1.5, 4.0, 0.2, 3.0)),  # falling sigmoid, centre inside
        (40, (5.0, 0.8, 12.0, 0.3, 1.0)),  # centre beyond the largest score
        (25, (8.0, 1.0, -3.0, -0.1, 0.0)),  # centre below the smallest score
        (30, (4.0, 3.0, 5.3, 0.0, 2.0)),  # steep
        (20, (0.5, 0.3, 5.0, 1.0, 0.0)),  # nearly linear
    ],
)
def test_logistic_mapping_recovers_an_exact_logistic(n, params):
    # plcc's Notes: the mapping is the least-squares fit of the 5-parameter
    # logistic; scores that are exactly such a logistic of the predictions
    # are then mapped onto themselves.
    y_pred = np.linspace(0.0, 10.0, n)
    y_true = _logistic5(y_pred, *params)
    assert rmse(y_true, y_pred, mapping="logistic") < 1e-9 * y_true.std()
    assert plcc(y_true, y_pred, mapping="logistic") == pytest.approx(1.0, abs=1e-12)


def test_logistic_jacobian_is_the_derivative_of_the_logistic():
    # The fit's polish is given this analytic Jacobian; it must be the
    # derivative of the logistic in each parameter.
    from skforensics.metrics._correlation import _logistic, _logistic_jacobian

    x = np.linspace(-2.0, 3.0, 11)
    for params in ([1.5, 2.0, 0.3, -0.4, 0.7], [-3.0, -0.7, -1.1, 0.2, -2.0]):
        params = np.array(params)
        jacobian = _logistic_jacobian(x, *params)
        assert jacobian.shape == (11, 5)
        for k in range(5):
            step = np.zeros(5)
            step[k] = 1e-6
            numeric = (_logistic(x, *(params + step)) - _logistic(x, *(params - step)))
            np.testing.assert_allclose(jacobian[:, k], numeric / 2e-6, atol=1e-7)


@pytest.mark.parametrize("n", [10, 20, 40])
def test_logistic_mapping_of_a_step_is_as_steep_as_the_bound(n):
    # plcc's Notes: the steepness is bounded, |b2| <= 30 in standard
    # deviations of y_pred. A step in the scores is best fitted at the bound,
    # centred on the step: the fit is that sigmoid, not an exact step.
    y_pred = np.linspace(0.0, 1.0, n)
    y_true = (y_pred > 0.5).astype(float)
    sigmoid = _logistic5(y_pred, 1.0, 30.0 / y_pred.std(), 0.5, 0.0, 0.0)
    design = np.column_stack([sigmoid, y_pred, np.ones(n)])
    residual = design @ np.linalg.lstsq(design, y_true, rcond=None)[0] - y_true
    expected = np.sqrt(np.mean(residual**2))
    assert expected > 1e-3
    assert rmse(y_true, y_pred, mapping="logistic") == pytest.approx(expected, rel=1e-6)


def test_linear_part_solves_the_linear_parameters_exactly():
    # The fit's contract for its inner step: for a given sigmoid (b2, b3),
    # the best (b1, b4, b5) and the squared error of that fit.
    from skforensics.metrics._correlation import _linear_part

    x = np.linspace(-1.5, 2.0, 15)
    t = _logistic5(x, 2.0, 1.5, 0.4, -0.3, 0.6)
    coef, sse = _linear_part(x, t, 1.5, 0.4)
    np.testing.assert_allclose(coef, [2.0, -0.3, 0.6], atol=1e-12)
    assert sse < 1e-24
    t_noisy = t + 0.01 * np.cos(9 * x)
    coef, sse = _linear_part(x, t_noisy, 1.5, 0.4)
    residual = _logistic5(x, coef[0], 1.5, 0.4, coef[1], coef[2]) - t_noisy
    assert sse == pytest.approx(residual @ residual, rel=1e-9)
    assert sse < (0.01 * np.cos(9 * x)) @ (0.01 * np.cos(9 * x))


@pytest.mark.parametrize("n, edge", [(20, 0.37), (15, 0.71), (30, 0.2)])
def test_logistic_mapping_of_an_off_centre_step_is_the_bounded_optimum(n, edge):
    # The least-squares fit at the steepness bound: the centre b3 of the
    # sigmoid, somewhere between the two scores around the step, is found
    # here by a 1-D search, the linear parameters by least squares.
    from scipy.optimize import minimize_scalar

    y_pred = np.linspace(0.0, 1.0, n)
    y_true = (y_pred > edge).astype(float)
    steepness = 30.0 / y_pred.std()

    def sse(centre):
        design = np.column_stack(
            [_logistic5(y_pred, 1.0, steepness, centre, 0.0, 0.0), y_pred, np.ones(n)]
        )
        residual = design @ np.linalg.lstsq(design, y_true, rcond=None)[0] - y_true
        return residual @ residual

    k = np.searchsorted(y_pred, edge)
    best = minimize_scalar(
        sse, bounds=(y_pred[k - 1], y_pred[k]), method="bounded",
        options={"xatol": 1e-12},
    )  # fmt: skip
    expected = np.sqrt(best.fun / n)
    assert rmse(y_true, y_pred, mapping="logistic") == pytest.approx(expected, rel=1e-9)


def test_logistic_mapping_ignores_an_offset_of_the_predictions():
    # The fit works on standardised predictions, so adding a constant to
    # y_pred, even a large one, changes neither the mapping nor the scores.
    y_pred = np.linspace(0.0, 10.0, 40)
    for params in [(5.0, 0.8, 12.0, 0.3, 1.0), (8.0, 1.0, -3.0, -0.1, 0.0)]:
        y_true = _logistic5(y_pred, *params)
        for offset in (-250.0, 1e9):
            shifted = y_pred + offset
            assert rmse(y_true, shifted, mapping="logistic") < 1e-6 * y_true.std()
            assert plcc(y_true, shifted, mapping="logistic") == pytest.approx(
                1.0, abs=1e-12
            )
