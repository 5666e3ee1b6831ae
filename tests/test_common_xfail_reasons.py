"""The expected failures of the common battery fail for their documented reason.

tests/test_common.py runs scikit-learn's battery with a table of expected
failures (``battery_expected_failures``) and ``xfail_strict=True``: a check
that starts to pass fails the suite. But an expected failure counts as
expected whatever it raises: a check that broke for another reason (a
TypeError in the check's call, a crash inside the estimator) would still
be reported "xfailed". Here each expected failure is run and its exception
is traced back to the documented reason (issue 25, part 6):

- the refusal of 2-D tables by ``check_images`` ("X must have shape
  (n_images, height, width[, n_channels])") or by the hyper-image nets
  ("takes hyper-images of shape (n_images, U, V, D)"), raised directly or
  found in the chain of the check's AssertionError (scikit-learn's checks
  catch the ValueError and assert on its wording);
- "Images must hold numbers" for object tables (``check_dtype_object``);
- skorch's attributes set in ``__init__`` (``check_no_attributes_set_in_init``).
"""

import importlib.util
import os
import warnings

import pytest

pytest.importorskip("sklearn")


def _load_common():
    path = os.path.join(os.path.dirname(__file__), "test_common.py")
    spec = importlib.util.spec_from_file_location("_skf_test_common", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


common = _load_common()

REFUSALS = (
    "X must have shape (n_images, height, width[, n_channels])",
    "takes hyper-images of shape (n_images, U, V, D)",
)
REASON_TEXT = {
    "check_dtype_object": ("Images must hold numbers",),
    "check_no_attributes_set_in_init": (
        "should not set any attribute apart from parameters during init",
    ),
}


def _chain(exc):
    seen = []
    while exc is not None and exc not in seen:
        seen.append(exc)
        if exc.__cause__ is not None:
            exc = exc.__cause__
        else:
            exc = None if exc.__suppress_context__ else exc.__context__
    return seen


def _documented(check_name, exc):
    """Whether ``exc`` (from an expected failure) is the documented one."""
    wanted = REASON_TEXT.get(check_name, ()) + REFUSALS
    for link in _chain(exc):
        text = str(link)
        if any(phrase in text for phrase in wanted):
            # Our refusals are ValueError/TypeError; scikit-learn's own
            # AssertionError quotes them ("... Got X must have shape ...").
            if isinstance(link, (ValueError, TypeError, AssertionError)):
                return True
    return False


def _expected_failure_cases(estimator):
    from sklearn.utils.estimator_checks import _yield_all_checks

    expected = common.battery_expected_failures(estimator)
    for check in _yield_all_checks(estimator, legacy=True):
        name = common._check_name(check)
        if name in expected:
            yield name, check


@pytest.mark.parametrize(
    "estimator", common.BATTERY, ids=lambda est: type(est).__name__
)
def test_expected_failures_fail_for_the_documented_reason(estimator):
    name = type(estimator).__name__
    problems, n_checked = [], 0
    for check_name, check in _expected_failure_cases(estimator):
        n_checked += 1
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                check(name, estimator)
            except Exception as exc:  # noqa: BLE001 - judged below
                if not _documented(check_name, exc):
                    problems.append(
                        f"{check_name}: {type(exc).__name__}: "
                        f"{' '.join(str(exc).split())[:200]}"
                    )
            else:
                problems.append(f"{check_name}: passed (remove it from the table)")
    assert n_checked, "no expected failure was run: the table or the battery changed"
    assert not problems, "\n".join(problems)


def test_a_wrong_reason_is_caught():
    # The judge itself: a failure for another reason is not documented.
    assert not _documented("check_fit2d_1sample", TypeError("missing 1 argument"))
    assert not _documented("check_fit2d_1sample", RuntimeError("torch crashed"))
    try:
        try:
            raise ValueError(REFUSALS[0] + "; got an array of shape (2, 3).")
        except ValueError:
            raise AssertionError("The error message should contain ...") from None
    except AssertionError as exc:
        # ``from None`` hides the cause from the chain: not documented.
        assert not _documented("check_fit2d_1sample", exc)
    try:
        try:
            raise ValueError(REFUSALS[0] + "; got an array of shape (2, 3).")
        except ValueError as inner:
            raise AssertionError("The error message should contain ...") from inner
    except AssertionError as exc:
        assert _documented("check_fit2d_1sample", exc)
