"""The bad-input battery: one table of inputs every image estimator refuses.

Re-exported by :mod:`skforensics.utils.estimator_checks`, where users find it.
"""

import functools
import os
import re
from dataclasses import dataclass
from typing import Callable, Optional

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from ._testing import default_data, make_test_images

__all__ = [
    "BAD_INPUTS",
    "BAD_PARAMETERS",
    "check_image_estimator_bad_inputs",
    "image_estimator_bad_input_checks",
]


# --------------------------------------------------------------------------
# The bad-input battery: one table of inputs every image estimator refuses.
# --------------------------------------------------------------------------

_OUTPUT_METHODS = ("predict", "predict_proba", "decision_function", "transform")


# repr=False: the plain object repr keeps BAD_INPUTS' value (lambdas) off its
# API page (docs/sphinxext/data_docs.py hides values that show private objects).
@dataclass(frozen=True, repr=False)
class _Row:
    """One bad input: how to make it from good data, and what must happen.

    ``make(X, y, context)`` returns ``(X_bad, y_bad)``, or None where the row
    does not apply. ``expect`` is ``"error"`` (a ValueError or TypeError
    whose message matches ``match``, raised by skforensics rather than by
    torch), ``"warning"`` (an answer and a warning matching ``match``),
    ``"not_fitted"`` or ``"not_mutated"``.
    """

    name: str
    description: str
    make: Callable
    expect: str = "error"
    match: Optional[str] = None
    phases: tuple = ("fit", "predict")


def _as_float(X):
    """float64 copy of good images, integers scaled to [0, 1]."""
    X = np.asarray(X)
    if np.issubdtype(X.dtype, np.integer):
        return X.astype(np.float64) / np.iinfo(X.dtype).max
    return np.array(X, dtype=np.float64, copy=True)


def _with(X, value):
    bad = _as_float(X)
    bad[min(1, len(bad) - 1)].flat[0] = value
    return bad


def _gray(X):
    X = np.asarray(X)
    return X if X.ndim == 3 else X.mean(axis=-1).astype(X.dtype)  # uint8 stays uint8


def _rgb(X):
    X = np.asarray(X)
    return X if X.ndim == 4 and X.shape[3] == 3 else np.repeat(_gray(X)[..., None], 3, -1)


def _too_small(X, y, context):
    min_size = context["min_size"]
    if min_size is None:
        return None
    h, w = (min_size, min_size) if np.isscalar(min_size) else min_size
    X = np.asarray(X)
    size = (max(1, h - 1), max(1, w - 1))
    channels = X.shape[3] if X.ndim == 4 else None
    return make_test_images(len(X), size, n_channels=channels), y


def _single_image(X, y, context):
    image = _rgb(X)[0]
    return image, None if y is None else np.asarray(y)[:1]


def _mixed(X, y, context):
    gray, rgb = _gray(X), _rgb(X)
    return [gray[i] if i % 2 else rgb[i] for i in range(len(gray))], y


def _other_channels(X, y, context):
    X = np.asarray(X)
    return (_rgb(X) if X.ndim == 3 or X.shape[3] == 1 else _gray(X)), y


def _uint16_low(X, y, context):
    return np.round(np.clip(_as_float(X), 0, 1) * 255).astype(np.uint16), y


def _channel_first(X, y, context):
    return np.moveaxis(_rgb(X), -1, 1), y


BAD_INPUTS = (
    _Row("nan", "images holding NaN", lambda X, y, c: (_with(X, np.nan), y), match="NaN"),
    _Row("inf", "images holding infinity", lambda X, y, c: (_with(X, np.inf), y),
         match="infinity"),
    _Row("ndim_1", "a 1-D array", lambda X, y, c: (_as_float(X).ravel(), y), match="shape"),
    _Row("ndim_2", "a 2-D table of flattened images",
         lambda X, y, c: (_as_float(X).reshape(len(X), -1), y), match="shape|reshape"),
    _Row("ndim_5", "a 5-D array",
         lambda X, y, c: (_as_float(_rgb(X))[..., np.newaxis], y), match="shape"),
    _Row("empty_array", "an empty array of images",
         lambda X, y, c: (_as_float(X)[:0], None if y is None else np.asarray(y)[:0]),
         match="empty"),
    _Row("empty_list", "an empty list", lambda X, y, c: ([], None if y is None else []),
         match="empty"),
    _Row("too_small", "images smaller than the estimator's minimum size", _too_small,
         match="at least|small|larger"),
    _Row("float_0_255", "float images holding 0..255",
         lambda X, y, c: (_as_float(X) * 255, y), match="255"),
    _Row("single_image", "one HxWx3 image instead of a collection", _single_image,
         match=r"np\.newaxis|\[image\]"),
    _Row("uint16_low", "uint16 images holding 0..255", _uint16_low, expect="warning",
         match="uint16"),
    _Row("mixed_channels", "a list mixing grayscale and RGB images", _mixed,
         match="mix"),
    _Row("channel_first", "channel-first images", _channel_first,
         match="channel-first|moveaxis"),
    _Row("signed_integers", "int64 images (range unknown)",
         lambda X, y, c: (np.round(_as_float(X) * 255).astype(np.int64), y),
         match="uint8"),
    _Row("file_paths", "file paths as plain strings",
         lambda X, y, c: ([f"image_{i}.png" for i in range(len(X))], y),
         match="LazyImages"),
    _Row("channel_mismatch", "images with other channels than fit saw", _other_channels,
         match="channel", phases=("predict",)),
    _Row("not_fitted", "an unfitted estimator", lambda X, y, c: (X, y),
         expect="not_fitted", phases=("fit",)),
    _Row("not_mutated", "read-only uint8, float and list input",
         lambda X, y, c: (X, y), expect="not_mutated"),
)
"""The bad-input table: every row, in the order the checks run.

A tuple of rows, each with a ``name`` (the check's name, as
:func:`image_estimator_bad_input_checks` yields it), a ``description``, a
``make(X, y, context)`` function that turns good data into the bad input,
and what must happen (``expect``: a clear ``ValueError`` or ``TypeError``
whose message matches ``match``, a warning, ``NotFittedError``, or input left
unmodified). The rows, by name: ``nan``, ``inf``, ``ndim_1``, ``ndim_2``,
``ndim_5``, ``empty_array``, ``empty_list``, ``too_small``, ``float_0_255``,
``single_image``, ``uint16_low`` (a warning), ``mixed_channels``,
``channel_first``, ``signed_integers``, ``file_paths``, ``channel_mismatch``
(at predict time), ``not_fitted`` and ``not_mutated``.
"""

#: Parameter values no estimator may take, and must refuse in ``fit`` with
#: scikit-learn's message before any computation (e.g. before torch's Adam).
BAD_PARAMETERS = {
    "lr": -1,
    "max_epochs": -1,
    "batch_size": 0,
    "patch_size": 0,
    "stride": 0,
    "random_state": "seed",
}


def _origin(exc):
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return "" if tb is None else tb.tb_frame.f_code.co_filename


def _assert_refused(call, what, row, match):
    """``call()`` must raise a clear ValueError or TypeError, never answer."""
    import re
    import warnings

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            call()
    except (ValueError, TypeError) as exc:
        origin = _origin(exc)
        if f"{os.sep}torch{os.sep}" in origin:
            raise AssertionError(
                f"{what} on {row}: {type(exc).__name__} raised from inside torch "
                f"({origin}) rather than by a check with a clear message: {exc}"
            ) from exc
        if match and not re.search(match, str(exc), flags=re.IGNORECASE | re.DOTALL):
            raise AssertionError(
                f"{what} on {row}: the {type(exc).__name__} message does not say "
                f"what is wrong (expected it to match {match!r}): {exc}"
            ) from exc
        return
    except Exception as exc:
        raise AssertionError(
            f"{what} on {row}: raised {type(exc).__name__} where a ValueError or "
            f"TypeError with a clear message was expected: {exc}"
        ) from exc
    raise AssertionError(
        f"{what} on {row} gave an answer; it must raise a ValueError or "
        "TypeError that names the fix."
    )


def _assert_warns(call, what, row, match):
    import re
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call()
    messages = [str(w.message) for w in caught]
    if not any(re.search(match, m, flags=re.IGNORECASE) for m in messages):
        raise AssertionError(
            f"{what} on {row} answered without a warning matching {match!r} "
            f"(warnings: {messages})."
        )


def _methods(estimator):
    return [m for m in _OUTPUT_METHODS if hasattr(estimator, m)]


def _read_only_forms(X):
    # float input is what check_images may pass through without a copy.
    array = _as_float(X).astype(np.float32)
    array.setflags(write=False)
    return [array, list(_as_float(X))]


def _assert_not_mutated(call, what):
    """Run ``call(X)`` on read-only arrays and a list, and compare copies."""
    def run(X):
        import warnings

        copies = [np.array(x, copy=True) for x in X] if isinstance(X, list) else X.copy()
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                call(X)
        except ValueError as exc:
            if "read-only" in str(exc):
                raise AssertionError(f"{what} wrote into its input: {exc}") from exc
            raise
        if isinstance(X, list):
            for before, after in zip(copies, X):
                np.testing.assert_array_equal(after, before, err_msg=f"{what} modified X")
        else:
            np.testing.assert_array_equal(X, copies, err_msg=f"{what} modified X")
    return run


def _check_fit_bad_input(estimator, X, y, *, row, context):
    """``fit`` refuses the bad input of ``row`` (an unfitted estimator)."""
    name = type(estimator).__name__
    if row.expect == "not_fitted":
        est = clone(estimator)
        for method in _methods(est):
            try:
                getattr(est, method)(X)
            except NotFittedError:
                continue
            except Exception as exc:  # noqa: BLE001 - report what it was
                raise AssertionError(
                    f"{name}.{method} before fit raised {type(exc).__name__} "
                    f"instead of NotFittedError: {exc}"
                ) from exc
            raise AssertionError(f"{name}.{method} answered before fit")
        return
    if row.expect == "not_mutated":
        y_copy = None if y is None else np.array(y, copy=True)
        # One fit, on the read-only array (the list form is checked on the
        # output methods, where it costs no training).
        form = _read_only_forms(X)[0]
        _assert_not_mutated(lambda Z: clone(estimator).fit(Z, y), f"{name}.fit")(form)
        if y is not None:
            np.testing.assert_array_equal(y, y_copy, err_msg=f"{name}.fit modified y")
        return
    X_bad, y_bad = row.make(X, y, context)
    what = f"{name}.fit"
    if row.expect == "warning":
        _assert_warns(lambda: clone(estimator).fit(X_bad, y_bad), what, row.description,
                      row.match)
    else:
        _assert_refused(lambda: clone(estimator).fit(X_bad, y_bad), what,
                        row.description, row.match)


def _check_predict_bad_input(estimator, X, y, *, row, context):
    """Every output method of a fitted estimator refuses the bad input."""
    name = type(estimator).__name__
    if row.expect == "not_mutated":
        for method in _methods(estimator):
            for form in _read_only_forms(X):
                _assert_not_mutated(getattr(estimator, method), f"{name}.{method}")(form)
        return
    X_bad, _ = row.make(X, y, context)
    for method in _methods(estimator):
        call = functools.partial(getattr(estimator, method), X_bad)
        what = f"{name}.{method}"
        if row.name == "channel_mismatch" and context["converts_channels"]:
            # Converting the other kind is the estimator's documented policy:
            # it must answer, one output per image.
            assert len(call()) == len(X_bad), f"{what} on {row.description}"
        elif row.expect == "warning":
            _assert_warns(call, what, row.description, row.match)
        else:
            _assert_refused(call, what, row.description, row.match)


def _check_bad_parameter(estimator, X, y, *, param, value):
    """``fit`` refuses an invalid parameter value with a message naming it."""
    est = clone(estimator).set_params(**{param: value})
    _assert_refused(lambda: est.fit(X, y), f"{type(estimator).__name__}.fit",
                    f"{param}={value!r}", re.escape(param))


def _min_size_of(estimator):
    for attr in ("min_image_size_", "min_image_size"):
        value = getattr(estimator, attr, None)
        if value is not None:
            return value
    params = estimator.get_params(deep=False)
    size = params.get("patch_size")
    if isinstance(size, (int, np.integer)) or (
        isinstance(size, (tuple, list)) and len(size) == 2
    ):
        return size
    return None


def image_estimator_bad_input_checks(
    estimator,
    X=None,
    y=None,
    *,
    phase="fit",
    min_size=None,
    converts_channels=False,
    **data_kwargs,
):
    """Yield ``(name, check)`` pairs running the bad-input table :data:`BAD_INPUTS`.

    Each check takes the estimator: ``check(estimator)``. With
    ``phase="fit"``, pass the unfitted estimator: each check clones it and
    calls ``fit`` on one bad input, which must raise a ``ValueError`` or
    ``TypeError`` whose message says what is wrong (raised by a check, not
    from inside torch, and never an answer); ``uint16`` images holding
    0..255 must be accepted with a warning; the output methods of an
    unfitted clone raise ``NotFittedError``; ``fit`` on read-only arrays
    and lists works and modifies nothing; and every parameter of
    :data:`BAD_PARAMETERS` the estimator has is refused by ``fit``. With
    ``phase="predict"``, pass a fitted estimator (fitted on ``X``, or a
    pretrained model that accepts ``X``): every output method
    (``predict``, ``predict_proba``, ``decision_function``,
    ``transform``) is held to the same rules, plus images with the other
    channel count than ``X``.

    Parameters
    ----------
    estimator : estimator instance
        The estimator (see ``phase``). It is never modified: fits are done
        on clones.
    X : image collection, default=None
        Good images the bad inputs are made from: an ndarray of at least 2
        images of at least 13x13 pixels. By default 8 smooth random 16x16
        images (``data_kwargs`` may set ``n_images``, ``size``,
        ``n_channels``).
    y : array-like, default=None
        Targets for ``X``; by default as in :func:`image_estimator_checks`.
    phase : {"fit", "predict"}, default="fit"
        Which side of the estimator to check.
    min_size : int or tuple of (int, int), default=None
        The smallest image the estimator accepts; images one pixel smaller
        must be refused. By default the estimator's ``min_image_size_`` or
        ``min_image_size`` attribute, else its ``patch_size`` parameter;
        the row is left out when none is known.
    converts_channels : bool, default=False
        Whether converting images of the other channel count is the
        estimator's documented policy (a grayscale step, a colour model that
        repeats grayscale images): they must then be answered, not refused.
    **data_kwargs : dict
        Passed to the default data maker.

    Yields
    ------
    name : str
        ``"<row>"`` (see :data:`BAD_INPUTS`) or ``"param_<name>"``.
    check : callable
        ``check(estimator)``.

    Examples
    --------
    >>> from skforensics.feature import PatchGridExtractor
    >>> from skforensics.utils.estimator_checks import image_estimator_bad_input_checks
    >>> est = PatchGridExtractor(patch_size=8)
    >>> for name, check in image_estimator_bad_input_checks(est):
    ...     check(est)
    >>> fitted = est.fit(make_test_images(8, 16))
    >>> for name, check in image_estimator_bad_input_checks(fitted, phase="predict"):
    ...     check(fitted)
    """
    if phase not in ("fit", "predict"):
        raise ValueError(f"phase must be 'fit' or 'predict'; got {phase!r}.")
    if X is None:
        X, default_y = default_data(estimator, **data_kwargs)
        y = default_y if y is None else y
    X = np.asarray(X)
    if X.ndim not in (3, 4) or len(X) < 2 or min(X.shape[1:3]) < 13:
        raise ValueError(
            "The bad-input checks need an ndarray of at least 2 images of at "
            f"least 13x13 pixels; got shape {X.shape}."
        )
    context = {
        "min_size": _min_size_of(estimator) if min_size is None else min_size,
        "converts_channels": converts_channels,
    }
    check = _check_fit_bad_input if phase == "fit" else _check_predict_bad_input
    for row in BAD_INPUTS:
        if phase not in row.phases:
            continue
        if row.expect in ("error", "warning") and row.make(X, y, context) is None:
            continue
        yield row.name, functools.partial(check, X=X, y=y, row=row, context=context)
    if phase == "fit":
        params = estimator.get_params(deep=False)
        for param, value in BAD_PARAMETERS.items():
            if param in params:
                yield f"param_{param}", functools.partial(
                    _check_bad_parameter, X=X, y=y, param=param, value=value
                )


def check_image_estimator_bad_inputs(
    estimator, X=None, y=None, *, min_size=None, converts_channels=False, **data_kwargs
):
    """Run the whole bad-input table on an unfitted estimator.

    The ``fit`` side first, then, on a clone fitted on ``X``, the output
    methods; see :func:`image_estimator_bad_input_checks` for the rules and
    parameters. Raises ``AssertionError`` on the first failure.

    Parameters
    ----------
    estimator : estimator instance
        The unfitted estimator. It is never modified: fits are done on
        clones.
    X : image collection, default=None
        Good images the bad inputs are made from: an ndarray of at least 2
        images of at least 13x13 pixels. By default 8 smooth random 16x16
        images.
    y : array-like, default=None
        Targets for ``X``; by default as in :func:`image_estimator_checks`.
    min_size : int or tuple of (int, int), default=None
        The smallest image the estimator accepts; by default found as in
        :func:`image_estimator_bad_input_checks`.
    converts_channels : bool, default=False
        Whether converting images of the other channel count is the
        estimator's documented policy: they must then be answered, not
        refused.
    **data_kwargs : dict
        Passed to the default data maker when ``X`` is None (``n_images``,
        ``size``, ``n_channels``).

    Examples
    --------
    >>> from skforensics.feature import MSCNTransformer
    >>> from skforensics.utils.estimator_checks import check_image_estimator_bad_inputs
    >>> check_image_estimator_bad_inputs(MSCNTransformer())
    """
    if X is None:
        X, default_y = default_data(estimator, **data_kwargs)
        y = default_y if y is None else y
    options = dict(min_size=min_size, converts_channels=converts_channels)
    for _, check in image_estimator_bad_input_checks(estimator, X, y, phase="fit", **options):
        check(estimator)
    fitted = clone(estimator).fit(X, y)
    for _, check in image_estimator_bad_input_checks(fitted, X, y, phase="predict", **options):
        check(fitted)
