"""The one parameter vocabulary of skforensics, on top of scikit-learn's.

Every public estimator declares ``_parameter_constraints`` and every public
function passes its options through :func:`validate_parameter_constraints`,
so a bad value always raises scikit-learn's ``InvalidParameterError`` with
its message shape ("The 'x' parameter of Owner must be ... Got ... instead.").
This module adds the two constraints scikit-learn lacks (an int-or-pair size,
a sequence of ints) and the helpers that the rare cross-parameter checks use.

It is the one module of skforensics that imports scikit-learn's private
``sklearn.utils._param_validation`` (scikit-learn has no public API for
parameter constraints); every other module takes the constraint classes and
``validate_params`` from here, so that a change in scikit-learn is met in one
place. pyproject.toml caps scikit-learn below the next minor version for
this reason.
"""

import numbers

from sklearn.utils._param_validation import (
    HasMethods,
    Interval,
    InvalidParameterError,
    Options,
    StrOptions,
    validate_parameter_constraints,
    validate_params,
)

__all__ = [
    "HasMethods",
    "Interval",
    "InvalidParameterError",
    "Options",
    "Pair",
    "StrOptions",
    "as_pair",
    "check_pair",
    "invalid_parameter",
    "is_int",
    "validate_estimator_params",
    "validate_parameter_constraints",
    "validate_params",
]


def is_int(value):
    """Whether ``value`` is an integer (numpy's included), bools excluded."""
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


class _Predicate(Options):
    # scikit-learn's make_constraint takes only its own constraint classes;
    # an Options subclass is one, and is_satisfied_by / __str__ make it ours.
    def __init__(self):
        super().__init__(object, set())


class Pair(_Predicate):
    """An int >= ``minimum``, or a tuple or list of 2 such ints.

    With ``scalar=False`` only the tuple or list is accepted.

    The size parameters (``patch_size``, ``stride``, ``grid``) take either
    form; :func:`as_pair` turns a valid value into ``(height, width)``.
    """

    def __init__(self, minimum=1, *, scalar=True):
        super().__init__()
        self.minimum = minimum
        self.scalar = scalar

    def is_satisfied_by(self, val):
        if is_int(val):
            return self.scalar and val >= self.minimum
        return (
            isinstance(val, (tuple, list))
            and len(val) == 2
            and all(is_int(v) and v >= self.minimum for v in val)
        )

    def __str__(self):
        pair = f"a tuple of 2 ints >= {self.minimum}"
        return f"an int >= {self.minimum} or {pair}" if self.scalar else pair


def as_pair(value):
    """``(height, width)`` from an int or a pair of ints already validated."""
    if is_int(value):
        return int(value), int(value)
    first, second = value
    return int(first), int(second)


def check_pair(value, name, owner, *, minimum=1, allow_none=False):
    """Validate a size parameter and return it as ``(height, width)``.

    Parameters
    ----------
    value : int, tuple of (int, int) or None
        The parameter's value.
    name : str
        The parameter.
    owner : str
        The class or function it belongs to, for the message.
    minimum : int, default=1
        The smallest valid size.
    allow_none : bool, default=False
        Whether None is valid (and returned as None).

    Returns
    -------
    pair : tuple of (int, int) or None
        The size as ``(height, width)``.
    """
    constraints = [Pair(minimum)] + ([None] if allow_none else [])
    validate_parameter_constraints({name: constraints}, {name: value}, owner)
    return None if value is None else as_pair(value)


def invalid_parameter(name, owner, expected, value):
    """Raise scikit-learn's message for a check no constraint can express.

    Parameters
    ----------
    name : str
        The parameter.
    owner : str
        The class or function it belongs to.
    expected : str
        What it must be, e.g. ``"1 when crop_size is None"``.
    value : object
        What it is.

    Raises
    ------
    InvalidParameterError
        Always (a subclass of both ``ValueError`` and ``TypeError``).
    """
    raise InvalidParameterError(
        f"The {name!r} parameter of {owner} must be {expected}. Got {value!r} "
        "instead."
    )


def validate_estimator_params(estimator):
    """Check an estimator's parameters against its ``_parameter_constraints``.

    The same check as scikit-learn's ``BaseEstimator._validate_params``,
    usable by skorch nets too (their ``get_params`` lists prefixed
    parameters such as ``module__n_filters``, which have no constraint and
    are left to skorch).

    Parameters
    ----------
    estimator : estimator instance
        An estimator with a ``_parameter_constraints`` dict.
    """
    validate_parameter_constraints(
        estimator._parameter_constraints,
        estimator.get_params(deep=False),
        caller_name=type(estimator).__name__,
    )
