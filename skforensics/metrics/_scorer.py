"""Scorers for ``scoring=`` in GridSearchCV and cross_validate."""

from sklearn.metrics import get_scorer, get_scorer_names, make_scorer

from ._correlation import krocc, plcc, rmse, srocc

__all__ = [
    "IQA_SCORERS",
    "get_iqa_scorer",
    "krocc_scorer",
    "plcc_scorer",
    "rmse_scorer",
    "srocc_scorer",
]


def _scorer(doc, func, **kwargs):
    scorer = make_scorer(func, **kwargs)
    scorer.__doc__ = doc
    return scorer


srocc_scorer = _scorer(
    "Scorer of :func:`srocc` for ``scoring=``; greater is better.", srocc
)
krocc_scorer = _scorer(
    "Scorer of :func:`krocc` for ``scoring=``; greater is better.", krocc
)
plcc_scorer = _scorer(
    "Scorer of :func:`plcc` (no mapping) for ``scoring=``; greater is better.", plcc
)
rmse_scorer = _scorer(
    "Scorer of :func:`rmse` (no mapping) for ``scoring=``; it returns the "
    "negated error, so that greater is better, like scikit-learn's "
    "``neg_root_mean_squared_error``.",
    rmse,
    greater_is_better=False,
)
_plcc_logistic_scorer = _scorer(
    "Scorer of ``plcc(mapping='logistic')`` for ``scoring=``.", plcc, mapping="logistic"
)
_rmse_logistic_scorer = _scorer(
    "Scorer of ``rmse(mapping='logistic')``, negated, for ``scoring=``.",
    rmse,
    greater_is_better=False,
    mapping="logistic",
)

_SCORERS = {
    "srocc": srocc_scorer,
    "krocc": krocc_scorer,
    "plcc": plcc_scorer,
    "plcc_logistic": _plcc_logistic_scorer,
    "neg_rmse": rmse_scorer,
    "neg_rmse_logistic": _rmse_logistic_scorer,
}

#: The image-quality scorers by name, a dict to pass as ``scoring=`` to
#: :func:`~sklearn.model_selection.cross_validate` or
#: :class:`~sklearn.model_selection.GridSearchCV` (then also set ``refit``):
#: ``"srocc"``, ``"krocc"``, ``"plcc"``, ``"plcc_logistic"``, ``"neg_rmse"``
#: and ``"neg_rmse_logistic"``. Errors are negated (``neg_``) so that greater
#: is always better. Modifying it does not change :func:`get_iqa_scorer`.
IQA_SCORERS = dict(_SCORERS)


def get_iqa_scorer(scoring):
    """Return an image-quality scorer by name, for ``scoring=``.

    Read more in the :ref:`User Guide <metrics>`.

    Parameters
    ----------
    scoring : str or callable
        One of ``"srocc"``, ``"krocc"``, ``"plcc"``, ``"plcc_logistic"``
        (PLCC after the 5-parameter logistic mapping), ``"neg_rmse"`` and
        ``"neg_rmse_logistic"``; or any name scikit-learn's
        :func:`~sklearn.metrics.get_scorer` knows, such as ``"r2"``; or a
        callable, returned as is.

    Returns
    -------
    scorer : callable
        ``scorer(estimator, X, y)``, greater is better.

    Raises
    ------
    ValueError
        If the name is neither an image-quality scorer nor a scikit-learn one.

    See Also
    --------
    IQA_SCORERS : All image-quality scorers, as a dict for ``scoring=``.
    srocc, krocc, plcc, rmse : The metrics.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn.model_selection import cross_validate
    >>> from skforensics.metrics import IQA_SCORERS, get_iqa_scorer
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(40, 2)
    >>> y = X @ [1.0, 2.0] + 0.1 * rng.rand(40)
    >>> scorer = get_iqa_scorer("srocc")
    >>> cv = cross_validate(Ridge(alpha=1e-3), X, y, cv=4, scoring=IQA_SCORERS)
    >>> bool(cv["test_srocc"].mean() > 0.9), bool(cv["test_neg_rmse"].max() < 0)
    (True, True)
    """
    if callable(scoring):
        return scoring
    if isinstance(scoring, str):
        if scoring in _SCORERS:
            return _SCORERS[scoring]
        if scoring in get_scorer_names():
            return get_scorer(scoring)
    raise ValueError(
        f"{scoring!r} is not a valid scoring value. Use one of the image-quality "
        f"scorers {sorted(_SCORERS)}, a name from "
        "sklearn.metrics.get_scorer_names(), or a callable."
    )
