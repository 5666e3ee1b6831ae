"""The parameter checks of the torch modules (pure torch: no scikit-learn).

The modules check their arguments when they are built, with plain
``ValueError`` messages in scikit-learn's shape ("The 'x' parameter of Owner
must be ... Got ... instead."); the estimators in :mod:`skforensics.models`
use scikit-learn's own validation instead.
"""

import numbers

import numpy as np


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


def _invalid(name, owner, expected, value):
    """Raise the scikit-learn-shaped ValueError for one parameter."""
    raise ValueError(
        f"The '{name}' parameter of {owner} must be {expected}. Got {value!r} "
        "instead."
    )


def _pair(value, name, owner, minimum=1):
    """``value`` as a pair of ints >= ``minimum``, or a ValueError naming it."""
    if _is_int(value):
        value = (value, value)
    try:
        pair = tuple(value)
    except TypeError:
        pair = ()
    if len(pair) != 2 or not all(_is_int(v) and v >= minimum for v in pair):
        _invalid(
            name,
            owner,
            f"an int >= {minimum} or a tuple of 2 ints >= {minimum}",
            value,
        )
    return int(pair[0]), int(pair[1])


def _positive_int(value, name, owner, minimum=1, maximum=None):
    """``value`` as an int >= ``minimum`` (and <= ``maximum``, if given)."""
    too_large = maximum is not None and _is_int(value) and value > maximum
    if not _is_int(value) or value < minimum or too_large:
        if maximum is None:
            _invalid(name, owner, f"an int >= {minimum}", value)
        _invalid(name, owner, f"an int in {minimum}..{maximum}", value)
    return int(value)


def _int_sequence(value, name, owner, minimum=1, maximum=None, min_length=1):
    """``value`` as a tuple of at least ``min_length`` ints in range."""
    try:
        values = tuple(value)
    except TypeError:
        values = ()
    if len(values) < max(min_length, 1) or not all(
        _is_int(v) and v >= minimum and (maximum is None or v <= maximum)
        for v in values
    ):
        ints = "int" if min_length == 1 else "ints"
        bounds = f">= {minimum}" if maximum is None else f"in {minimum}..{maximum}"
        _invalid(
            name, owner, f"a sequence of at least {min_length} {ints} {bounds}", value
        )
    return tuple(int(v) for v in values)


def _bool(value, name, owner):
    """``value`` as a bool (numpy's included), or a ValueError naming it."""
    if not isinstance(value, (bool, np.bool_)):
        _invalid(name, owner, "a bool", value)
    return bool(value)


def _dropout(value, owner):
    """A dropout probability in [0, 1), with the sklearn-shaped message."""
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not 0.0 <= value < 1.0
    ):
        _invalid("dropout", owner, "a float in [0, 1)", value)
    return float(value)
