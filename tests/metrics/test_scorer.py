import pickle

import numpy as np
import pytest
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV, KFold, cross_validate

from skforensics.metrics import (
    IQA_SCORERS,
    get_iqa_scorer,
    krocc,
    krocc_scorer,
    plcc,
    plcc_scorer,
    rmse,
    rmse_scorer,
    srocc,
    srocc_scorer,
)


@pytest.fixture(scope="module")
def regression():
    rng = np.random.RandomState(0)
    X = rng.rand(60, 2)
    y = np.exp(X @ [1.0, 2.0]) + 0.1 * rng.randn(60)
    return X, y


def test_scorers_equal_their_metrics(regression):
    X, y = regression
    model = Ridge(alpha=1e-3).fit(X, y)
    pred = model.predict(X)
    assert srocc_scorer(model, X, y) == pytest.approx(srocc(y, pred))
    assert krocc_scorer(model, X, y) == pytest.approx(krocc(y, pred))
    assert plcc_scorer(model, X, y) == pytest.approx(plcc(y, pred))
    assert rmse_scorer(model, X, y) == pytest.approx(-rmse(y, pred))
    assert IQA_SCORERS["plcc_logistic"](model, X, y) == pytest.approx(
        plcc(y, pred, mapping="logistic")
    )
    assert IQA_SCORERS["neg_rmse_logistic"](model, X, y) == pytest.approx(
        -rmse(y, pred, mapping="logistic")
    )


def test_scorer_dict_inside_cross_validate(regression):
    X, y = regression
    cv = KFold(n_splits=3, shuffle=True, random_state=0)
    result = cross_validate(Ridge(alpha=1e-3), X, y, cv=cv, scoring=IQA_SCORERS)
    for name in IQA_SCORERS:
        assert result[f"test_{name}"].shape == (3,)
        assert np.isfinite(result[f"test_{name}"]).all()
    assert result["test_srocc"].min() > 0.9
    assert (result["test_neg_rmse"] < 0).all()
    # The logistic absorbs the exponential curvature a linear model leaves.
    assert (result["test_neg_rmse_logistic"] > result["test_neg_rmse"]).all()


def test_scorers_select_the_better_model_in_grid_search(regression):
    X, y = regression
    search = GridSearchCV(
        Ridge(), {"alpha": [1e-3, 1e4]}, cv=3, scoring=IQA_SCORERS, refit="neg_rmse"
    ).fit(X, y)
    assert search.best_params_ == {"alpha": 1e-3}
    search = GridSearchCV(
        Ridge(), {"alpha": [1e-3, 1e4]}, cv=3, scoring=get_iqa_scorer("plcc")
    ).fit(X, y)
    assert search.best_params_ == {"alpha": 1e-3}


def test_get_iqa_scorer():
    assert get_iqa_scorer("srocc") is srocc_scorer
    assert get_iqa_scorer("neg_rmse") is rmse_scorer
    assert get_iqa_scorer(len) is len
    assert get_iqa_scorer("r2")._score_func.__name__ == "r2_score"
    with pytest.raises(
        ValueError, match="'spearman' is not a valid scoring value.*'srocc'"
    ):
        get_iqa_scorer("spearman")


def test_editing_the_dict_does_not_change_the_lookup():
    removed = IQA_SCORERS.pop("srocc")
    try:
        assert get_iqa_scorer("srocc") is srocc_scorer
    finally:
        IQA_SCORERS["srocc"] = removed


def test_scorers_pickle(regression):
    X, y = regression
    model = Ridge().fit(X, y)
    for scorer in (srocc_scorer, rmse_scorer, IQA_SCORERS["plcc_logistic"]):
        clone = pickle.loads(pickle.dumps(scorer))
        assert clone(model, X, y) == pytest.approx(scorer(model, X, y))
