"""Agreement between predicted and subjective quality scores (SROCC, PLCC, ...)."""

import warnings

import numpy as np
from scipy import optimize, special, stats
from sklearn.exceptions import ConvergenceWarning, UndefinedMetricWarning
from sklearn.utils import assert_all_finite

from ..utils._docstrings import fill_doc
from ..utils._param_validation import StrOptions, validate_params
from ..utils._validation import check_one_per_image
from ..utils._warnings import warn_user

__all__ = ["krocc", "plcc", "rmse", "srocc"]

# The logistic has 5 parameters; with fewer points the fit is undetermined.
_LOGISTIC_MIN_SAMPLES = 5
# Largest steepness |b2| of the sigmoid on standardised scores: a near step
# already, and a bound that keeps the fit away from an infinitely steep one.
_MAX_STEEPNESS = 30.0


def _check_scores(y_true, y_pred, func_name, min_samples):
    """Validate two score vectors; return them as float64 1-D arrays."""
    arrays = []
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        values = np.asarray(values)
        if values.dtype == object or not (
            np.issubdtype(values.dtype, np.number) or values.dtype == bool
        ):
            raise TypeError(
                f"{name} must hold numbers; got an array of dtype {values.dtype}."
            )
        values = check_one_per_image(values, name, "score").astype(np.float64)
        assert_all_finite(values, input_name=name)
        arrays.append(values)
    y_true, y_pred = arrays
    if y_true.shape[0] != y_pred.shape[0]:
        raise ValueError(
            f"y_true and y_pred have different lengths: {y_true.shape[0]} and "
            f"{y_pred.shape[0]}."
        )
    if y_true.shape[0] < min_samples:
        raise ValueError(
            f"{func_name} needs at least {min_samples} samples; got "
            f"{y_true.shape[0]}."
        )
    return y_true, y_pred


def _constant(values):
    return values.size > 0 and np.ptp(values) == 0


def _undefined(func_name, which):
    warn_user(
        f"{which} is constant, so {func_name} is undefined and returns nan.",
        UndefinedMetricWarning,
    )
    return float("nan")


def _logistic(x, b1, b2, b3, b4, b5):
    """The 5-parameter logistic of VQEG / Sheikh et al. (2006).

    ``b1 * (1/2 - 1 / (1 + exp(b2 * (x - b3)))) + b4 * x + b5``, written with
    ``expit`` so that it never overflows.
    """
    return b1 * (special.expit(b2 * (x - b3)) - 0.5) + b4 * x + b5


def _logistic_jacobian(x, b1, b2, b3, b4, b5):
    s = special.expit(b2 * (x - b3))
    slope = b1 * s * (1.0 - s)
    return np.stack(
        [s - 0.5, slope * (x - b3), -slope * b2, x, np.ones_like(x)], axis=1
    )


def _linear_map(y_true, y_pred):
    slope, intercept = np.polyfit(y_pred, y_true, deg=1)
    return slope * y_pred + intercept


def _linear_part(x, t, b2, b3):
    """Best (b1, b4, b5) for a given sigmoid (b2, b3), and the squared error.

    The logistic is linear in b1, b4 and b5, so for fixed b2 and b3 they
    follow from a linear least-squares problem (variable projection).
    """
    design = np.column_stack([special.expit(b2 * (x - b3)) - 0.5, x, np.ones_like(x)])
    coef = np.linalg.lstsq(design, t, rcond=None)[0]
    residual = design @ coef - t
    return coef, float(residual @ residual)


def _fit_logistic(x, t):
    """Least-squares logistic parameters (b1, ..., b5) for ``t ~ f(x)``.

    ``x`` and ``t`` are standardised. The nonlinear parameters (b2, b3) are
    searched on a grid of steepnesses of both signs and centres at the
    quantiles of ``x``, refined with a bounded Nelder-Mead search, the
    linear ones solved exactly at each point; the result is the initial
    guess of :func:`scipy.optimize.curve_fit` on all five parameters, kept
    if it improves the fit. Returns None if no finite fit was found.
    """
    best, best_sse = None, np.inf
    for b2 in (-16.0, -8.0, -4.0, -2.0, -1.0, -0.5, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0):
        for b3 in np.quantile(x, np.linspace(0.1, 0.9, 9)):
            _, sse = _linear_part(x, t, b2, b3)
            if sse < best_sse:
                best, best_sse = (b2, b3), sse
    bounds = [(-_MAX_STEEPNESS, _MAX_STEEPNESS), (float(x.min()), float(x.max()))]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        refined = optimize.minimize(
            lambda p: _linear_part(x, t, p[0], p[1])[1],
            best,
            method="Nelder-Mead",
            bounds=bounds,
            options={"xatol": 1e-6, "fatol": 1e-12, "maxiter": 400},
        )
    if np.all(np.isfinite(refined.x)) and refined.fun < best_sse:
        best, best_sse = tuple(refined.x), refined.fun
    coef, best_sse = _linear_part(x, t, *best)
    params = np.array([coef[0], best[0], best[1], coef[1], coef[2]])
    if not (np.all(np.isfinite(params)) and np.isfinite(best_sse)):
        return None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optimize.OptimizeWarning)
            warnings.simplefilter("ignore", RuntimeWarning)
            polished, _ = optimize.curve_fit(
                _logistic, x, t, p0=params, jac=_logistic_jacobian, maxfev=200
            )
    except (RuntimeError, ValueError, np.linalg.LinAlgError):
        return params
    residual = _logistic(x, *polished) - t
    if (
        np.all(np.isfinite(polished))
        and abs(polished[1]) <= _MAX_STEEPNESS
        and residual @ residual < best_sse
    ):
        return polished
    return params


def _logistic_map(y_true, y_pred):
    """Fit the logistic of ``y_pred`` onto ``y_true``; return the mapped values.

    Falls back to a linear fit, with a warning, with fewer samples than
    parameters or when no finite fit is found.
    """
    linear = _linear_map(y_true, y_pred)
    if y_true.shape[0] < _LOGISTIC_MIN_SAMPLES:
        warn_user(
            f"The 5-parameter logistic mapping needs at least "
            f"{_LOGISTIC_MIN_SAMPLES} samples; got {y_true.shape[0]}. Using a "
            "linear mapping instead."
        )
        return linear
    # Standardised scores: one search grid suits every scale.
    x_mean, x_std = y_pred.mean(), y_pred.std()
    t_mean, t_std = y_true.mean(), y_true.std()
    x = (y_pred - x_mean) / x_std
    t = (y_true - t_mean) / t_std
    params = _fit_logistic(x, t)
    mapped = None if params is None else _logistic(x, *params) * t_std + t_mean
    if mapped is None or not np.all(np.isfinite(mapped)):
        warn_user(
            "The 5-parameter logistic mapping did not converge; using a linear "
            "mapping instead.",
            ConvergenceWarning,
        )
        return linear
    # A line is the member b1 = 0 of the family; guard against round-off.
    if np.sum((linear - y_true) ** 2) < np.sum((mapped - y_true) ** 2):
        return linear
    return mapped


def _map(y_true, y_pred, mapping):
    if mapping is None:
        return y_pred
    if _constant(y_true) or _constant(y_pred):
        # The best fit of anything onto a constant, or of a constant onto
        # anything, is the mean of y_true.
        return np.full_like(y_true, y_true.mean())
    if mapping == "linear":
        return _linear_map(y_true, y_pred)
    return _logistic_map(y_true, y_pred)


_SCORES_CONSTRAINTS = {"y_true": ["array-like"], "y_pred": ["array-like"]}
_MAPPED_SCORES_CONSTRAINTS = {
    **_SCORES_CONSTRAINTS,
    "mapping": [StrOptions({"linear", "logistic"}), None],
}


def _correlation(statistic, y_true, y_pred, func_name, mapping=None):
    """``statistic`` of y_true and (mapped) y_pred, NaN where it is undefined.

    ``statistic`` is a :mod:`scipy.stats` function whose result has a
    ``statistic``; it is undefined, with a warning, when either input (or
    the mapped y_pred) is constant.
    """
    y_true, y_pred = _check_scores(y_true, y_pred, func_name, 2)
    for name, values in (("y_true", y_true), ("y_pred", y_pred)):
        if _constant(values):
            return _undefined(func_name, name)
    mapped = _map(y_true, y_pred, mapping)
    if _constant(mapped):
        return _undefined(func_name, "The mapped y_pred")
    return float(statistic(y_true, mapped).statistic)


@validate_params(_SCORES_CONSTRAINTS, prefer_skip_nested_validation=True)
@fill_doc
def srocc(y_true, y_pred):
    """Spearman rank-order correlation coefficient (SROCC).

    The Pearson correlation of the ranks (ties get their average rank): how
    well the predicted scores order the images as the subjective scores do,
    whatever the scale. The usual prediction-monotonicity figure of image
    quality assessment, computed with :func:`scipy.stats.spearmanr`.

    Read more in the :ref:`User Guide <metrics>`.

    {parameters_y_true_y_pred}

    Returns
    -------
    score : float
        In [-1, 1]; 1 for a perfectly increasing relation, NaN when either
        input is constant.

    {raises_warns_correlation}

    See Also
    --------
    krocc : Kendall's rank correlation.
    plcc : Pearson's linear correlation, optionally after a logistic mapping.

    Examples
    --------
    >>> from skforensics.metrics import srocc
    >>> srocc([1, 2, 3, 4, 5], [1, 4, 9, 16, 25])
    1.0
    >>> round(srocc([1, 2, 3, 4], [1, 3, 2, 4]), 3)
    0.8
    """
    return _correlation(stats.spearmanr, y_true, y_pred, "srocc")


@validate_params(_SCORES_CONSTRAINTS, prefer_skip_nested_validation=True)
@fill_doc
def krocc(y_true, y_pred):
    """Kendall rank-order correlation coefficient (KROCC, tau-b).

    The balance of concordant and discordant pairs of images, corrected for
    ties (Kendall's tau-b, :func:`scipy.stats.kendalltau`): like
    :func:`srocc`, it only depends on the order of the scores.

    Read more in the :ref:`User Guide <metrics>`.

    {parameters_y_true_y_pred}

    Returns
    -------
    score : float
        In [-1, 1]; NaN when either input is constant.

    {raises_warns_correlation}

    See Also
    --------
    srocc : Spearman's rank correlation.

    Examples
    --------
    >>> from skforensics.metrics import krocc
    >>> round(krocc([1, 2, 3, 4], [1, 3, 2, 4]), 4)
    0.6667
    """
    return _correlation(stats.kendalltau, y_true, y_pred, "krocc")


@validate_params(_MAPPED_SCORES_CONSTRAINTS, prefer_skip_nested_validation=True)
@fill_doc
def plcc(y_true, y_pred, *, mapping=None):
    """Pearson linear correlation coefficient (PLCC), optionally after a mapping.

    Image quality papers report PLCC after a monotonic nonlinear mapping of
    the predictions onto the subjective scale (VQEG, Sheikh et al. 2006), so
    that a predictor is not penalised for a scale that is merely nonlinear.
    ``mapping="logistic"`` fits that standard 5-parameter logistic first.

    Read more in the :ref:`User Guide <metrics>`.

    {parameters_y_true_y_pred}

    mapping : {"logistic", "linear"} or None, default=None
        How ``y_pred`` is mapped onto ``y_true`` before the correlation:

        - None: not at all;
        - ``"linear"``: a least-squares line (PLCC then equals ``|r|``);
        - ``"logistic"``: ``b1 * (1/2 - 1 / (1 + exp(b2 * (y_pred - b3))))
          + b4 * y_pred + b5``, fitted by least squares (see Notes). If no
          finite fit is found, a
          :class:`~sklearn.exceptions.ConvergenceWarning` is raised and a
          linear mapping is used; with fewer than 5 samples (the number of
          parameters) a ``UserWarning`` is raised and a linear mapping used.

    Returns
    -------
    score : float
        In [-1, 1]; after a mapping, the fit absorbs the direction of the
        relation, so a decreasing predictor also gets a positive score. NaN
        when either input is constant.

    {raises_warns_correlation}

    See Also
    --------
    srocc : Spearman's rank correlation, which needs no mapping.
    rmse : Root-mean-square error, optionally after the same mapping.

    Notes
    -----
    The mapping is fitted on the very scores it is evaluated on, as in the
    literature; it is not a held-out calibration.

    The logistic fit works on standardised scores. Since the function is
    linear in ``b1``, ``b4`` and ``b5``, those are solved exactly for each
    candidate ``(b2, b3)``; ``(b2, b3)`` is searched on a grid (steepnesses
    of both signs, centres at the deciles of ``y_pred``) and refined with a
    bounded Nelder-Mead search, and the result is the initial guess of
    :func:`scipy.optimize.curve_fit` on all five parameters. This finds the
    fit from one deterministic start whether the relation is a rising or
    falling sigmoid, steep at both ends, or nearly linear (where a plain
    Levenberg-Marquardt fit from a fixed guess drifts without converging).
    The steepness is bounded (``|b2| <= 30`` in standard deviations of
    ``y_pred``) and a line (``b1 = 0``) is in the family, so the fit is never
    worse than the linear one.

    References
    ----------
    .. [1] H. R. Sheikh, M. F. Sabir and A. C. Bovik, "A statistical
       evaluation of recent full reference image quality assessment
       algorithms", IEEE Transactions on Image Processing, 15(11), 2006.
    .. [2] VQEG, "Final report from the Video Quality Experts Group on the
       validation of objective models of video quality assessment, phase II",
       2003.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.metrics import plcc
    >>> x = np.linspace(-3, 3, 50)
    >>> mos = 1 / (1 + np.exp(-2 * x))
    >>> round(plcc(mos, x), 3), round(plcc(mos, x, mapping="logistic"), 3)
    (0.964, 1.0)
    """
    return _correlation(stats.pearsonr, y_true, y_pred, "plcc", mapping=mapping)


@validate_params(_MAPPED_SCORES_CONSTRAINTS, prefer_skip_nested_validation=True)
@fill_doc
def rmse(y_true, y_pred, *, mapping=None):
    """Root-mean-square error, optionally after mapping the predictions.

    ``sqrt(mean((y_true - f(y_pred))**2))`` where ``f`` is the identity or
    the linear or logistic mapping of :func:`plcc`, so that the error is on
    the scale of ``y_true`` even when the predictor has its own scale.

    Read more in the :ref:`User Guide <metrics>`.

    {parameters_y_true_y_pred}

    mapping : {"logistic", "linear"} or None, default=None
        How ``y_pred`` is mapped onto ``y_true`` first; see :func:`plcc`.
        With a mapping, a constant ``y_pred`` is mapped to the mean of
        ``y_true``.

    Returns
    -------
    error : float
        Non-negative, in the units of ``y_true``; lower is better.

    Raises
    ------
    ValueError
        If the inputs differ in length, are not 1-D, contain NaN or
        infinity, or are empty.

    See Also
    --------
    plcc : Pearson's linear correlation after the same mapping.

    Examples
    --------
    >>> from skforensics.metrics import rmse
    >>> rmse([1, 2, 3], [1, 2, 5])
    1.1547005383792515
    >>> rmse([1, 2, 3], [10, 20, 30], mapping="linear") < 1e-12
    True
    """
    y_true, y_pred = _check_scores(y_true, y_pred, "rmse", 1)
    mapped = _map(y_true, y_pred, mapping)
    return float(np.sqrt(np.mean((y_true - mapped) ** 2)))
