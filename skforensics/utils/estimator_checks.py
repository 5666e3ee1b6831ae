"""Checks that every image estimator of skforensics passes.

scikit-learn's ``check_estimator`` feeds 2-D tables, which image estimators
rightly refuse. These checks feed small image collections instead and test the
contract of DESIGN.md: ``fit`` returns ``self``, ``NotFittedError`` before
``fit``, clone and pickle round trips, identical results on refit with a fixed
seed, float32 preserved, one output per image, inputs never modified, and a
``GridSearchCV`` smoke run.

Use :func:`image_estimator_checks` to parametrize a test, or
:func:`check_image_estimator` to run them all at once.
"""

import functools
import pickle

import numpy as np
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.exceptions import NotFittedError

from ._bad_inputs import (
    BAD_INPUTS,
    BAD_PARAMETERS,
    check_image_estimator_bad_inputs,
    image_estimator_bad_input_checks,
)
from ._docstrings import fill_doc
from ._testing import default_data

__all__ = [
    "BAD_INPUTS",
    "BAD_PARAMETERS",
    "check_clone_and_pickle",
    "check_image_estimator_bad_inputs",
    "check_fit_returns_self",
    "check_float32_preserved",
    "check_gridsearch_smoke",
    "check_image_estimator",
    "check_inputs_not_modified",
    "check_n_samples_preserved",
    "check_not_fitted",
    "check_refit_identical",
    "image_estimator_bad_input_checks",
    "image_estimator_checks",
]


_CHECK_PARAMETERS = """
    Parameters
    ----------
    estimator : estimator instance
        The unfitted estimator to check.
    X : image collection
        Images to fit on.
    y : array-like or None
        Targets, one per image.

    Raises
    ------
    AssertionError
        If the estimator fails the check; nothing is returned otherwise.

    Examples
    --------
    >>> from skforensics.feature import PatchGridExtractor
    >>> from skforensics.utils import make_test_images
    >>> from skforensics.utils.estimator_checks import {name}
    >>> X = make_test_images(8, size=16)
    >>> {name}(PatchGridExtractor(patch_size=8), X, None)
"""


def _image_check(func):
    """Give a check the Parameters, Raises and Examples all checks share."""
    func.__doc__ = (
        func.__doc__.rstrip() + "\n" + _CHECK_PARAMETERS.format(name=func.__name__)
    )
    return func


def _outputs(estimator, X):
    """Everything an estimator can say about X, as a dict of arrays."""
    out = {}
    for method in ("transform", "predict", "predict_proba", "decision_function"):
        if hasattr(estimator, method):
            result = getattr(estimator, method)(X)
            out[method] = np.asarray(result) if not isinstance(result, list) else result
    return out


def _assert_outputs_equal(a, b, msg):
    assert a.keys() == b.keys(), msg
    for key in a:
        left, right = a[key], b[key]
        if isinstance(left, list):
            assert len(left) == len(right), msg
            for lft, rgt in zip(left, right):
                np.testing.assert_allclose(lft, rgt, rtol=1e-5, atol=1e-6, err_msg=msg)
        else:
            np.testing.assert_allclose(left, right, rtol=1e-5, atol=1e-6, err_msg=msg)


@_image_check
def check_fit_returns_self(estimator, X, y):
    """Check that ``fit`` returns the estimator itself.
    """
    est = clone(estimator)
    assert est.fit(X, y) is est, f"{type(est).__name__}.fit must return self"


@_image_check
def check_not_fitted(estimator, X, y):
    """Check that every output method raises ``NotFittedError`` before ``fit``.
    """
    est = clone(estimator)
    for method in ("transform", "predict", "predict_proba", "decision_function"):
        if hasattr(est, method):
            try:
                getattr(est, method)(X)
            except NotFittedError:
                continue
            raise AssertionError(
                f"{type(est).__name__}.{method} did not raise NotFittedError "
                "before fit"
            )


@_image_check
def check_clone_and_pickle(estimator, X, y):
    """Check the pickle round trip and the clone of a fitted estimator.

    A fitted estimator must give the same outputs after a pickle round trip,
    and a clone of it must be unfitted with equal parameters.
    """
    est = clone(estimator).fit(X, y)
    before = _outputs(est, X)
    restored = pickle.loads(pickle.dumps(est))
    _assert_outputs_equal(before, _outputs(restored, X), "pickle round trip changed outputs")
    cloned = clone(est)
    assert cloned.get_params().keys() == est.get_params().keys()
    check_not_fitted(cloned, X, y)


@_image_check
def check_refit_identical(estimator, X, y):
    """Check that two fits with the same parameters and ``random_state`` agree.

    Between the two fits the global random generators (NumPy's and, when it
    is imported, PyTorch's) are moved on, so an estimator that draws from
    them instead of its ``random_state`` fails.
    """
    a = _outputs(clone(estimator).fit(X, y), X)
    _move_global_generators()
    b = _outputs(clone(estimator).fit(X, y), X)
    _assert_outputs_equal(a, b, "refit with a fixed random_state changed outputs")


def _move_global_generators():
    """Draw from NumPy's and PyTorch's global generators (without seeding them)."""
    import sys

    np.random.random_sample(7)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.rand(7)


@_image_check
def check_float32_preserved(estimator, X, y):
    """Check that float32 images give float32 transforms.

    Only transformers whose ``preserves_dtype`` tag lists float32 are
    checked; other estimators pass.
    """
    tags = estimator.__sklearn_tags__()
    preserved = tags.transformer_tags.preserves_dtype if tags.transformer_tags else []
    if not hasattr(estimator, "transform") or "float32" not in preserved:
        return  # e.g. BRISQUE features are float64 by design
    X32 = np.asarray(X, dtype=np.float32)
    Xt = clone(estimator).fit(X32, y).transform(X32)
    dtypes = {np.asarray(x).dtype for x in Xt} if isinstance(Xt, list) else {Xt.dtype}
    assert dtypes == {np.dtype(np.float32)}, f"float32 in gave {dtypes} out"


@_image_check
def check_n_samples_preserved(estimator, X, y):
    """Check that every output has one entry per image.
    """
    est = clone(estimator).fit(X, y)
    for method, result in _outputs(est, X).items():
        assert len(result) == len(X), f"{method} returned {len(result)} rows for {len(X)} images"


@_image_check
def check_inputs_not_modified(estimator, X, y):
    """Check that neither ``fit`` nor the output methods write into X or y.
    """
    X_before = np.array(X, copy=True)
    y_before = None if y is None else np.array(y, copy=True)
    est = clone(estimator).fit(X, y)
    _outputs(est, X)
    np.testing.assert_array_equal(X, X_before, err_msg="X was modified")
    if y is not None:
        np.testing.assert_array_equal(y, y_before, err_msg="y was modified")


@_image_check
def check_gridsearch_smoke(estimator, X, y):
    """Check that the estimator runs in ``GridSearchCV`` with a split by image.

    Transformers are followed by a flattening step and a logistic regression
    so that the search has something to score.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV, GroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    est = clone(estimator)
    if not (is_classifier(est) or is_regressor(est)):
        y = np.arange(len(X)) % 2 if y is None else y
        est = make_pipeline(
            est, FunctionTransformer(_flatten), LogisticRegression(max_iter=200)
        )
    params = est.get_params(deep=False)
    name = next(iter(sorted(params)))
    search = GridSearchCV(est, {name: [params[name]]}, cv=GroupKFold(2))
    # Groups of two images with both classes, so each fold sees both.
    search.fit(X, y, groups=np.arange(len(X)) // 2)
    assert hasattr(search, "best_estimator_")
    assert len(search.predict(X)) == len(X)


def _flatten(Xt):
    return np.asarray(Xt).reshape(len(Xt), -1)


_CHECKS = (
    check_fit_returns_self,
    check_not_fitted,
    check_clone_and_pickle,
    check_refit_identical,
    check_float32_preserved,
    check_n_samples_preserved,
    check_inputs_not_modified,
    check_gridsearch_smoke,
)


@fill_doc
def image_estimator_checks(estimator, X=None, y=None, **data_kwargs):
    """Yield ``(estimator, check)`` pairs; call ``check(estimator, X, y)``.

    {parameters_image_estimator_checks}

    Yields
    ------
    estimator : estimator instance
        The estimator.
    check : callable
        A partial check taking the estimator only.

    Examples
    --------
    >>> from skforensics.feature import PatchGridExtractor
    >>> from skforensics.utils.estimator_checks import image_estimator_checks
    >>> checks = list(image_estimator_checks(PatchGridExtractor(patch_size=8)))
    >>> len(checks)
    8
    >>> for estimator, check in checks:
    ...     check(estimator)
    """
    if X is None:
        X, default_y = default_data(estimator, **data_kwargs)
        y = default_y if y is None else y
    for check in _CHECKS:
        yield estimator, functools.partial(check, X=X, y=y)


@fill_doc
def check_image_estimator(estimator, X=None, y=None, **data_kwargs):
    """Run every image check on ``estimator``; raise on the first failure.

    {parameters_image_estimator_checks}

    Raises
    ------
    AssertionError
        If the estimator fails a check; nothing is returned otherwise.

    See Also
    --------
    image_estimator_checks : The same checks one by one, to parametrize a
        test.

    Examples
    --------
    >>> from skforensics.feature import PatchGridExtractor
    >>> from skforensics.utils.estimator_checks import check_image_estimator
    >>> check_image_estimator(PatchGridExtractor(patch_size=8))
    """
    for est, check in image_estimator_checks(estimator, X, y, **data_kwargs):
        check(est)
