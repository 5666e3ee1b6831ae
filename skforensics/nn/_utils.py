"""Small helpers shared by the modules."""

import numbers


def _pair(value, name, owner, minimum=1):
    """``value`` as a pair of ints >= ``minimum``, or a ValueError naming it."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        value = (value, value)
    try:
        pair = tuple(value)
    except TypeError:
        pair = ()
    if len(pair) != 2 or not all(
        isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= minimum
        for v in pair
    ):
        raise ValueError(
            f"The '{name}' parameter of {owner} must be an int >= {minimum} or a "
            f"tuple of 2 ints >= {minimum}. Got {value!r} instead."
        )
    return int(pair[0]), int(pair[1])


def _positive_int(value, name, owner, minimum=1):
    if (
        not isinstance(value, numbers.Integral)
        or isinstance(value, bool)
        or value < minimum
    ):
        raise ValueError(
            f"The '{name}' parameter of {owner} must be an int >= {minimum}. "
            f"Got {value!r} instead."
        )
    return int(value)


def _dropout(value, owner):
    """A dropout probability in [0, 1), with the sklearn-shaped message."""
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not 0.0 <= value < 1.0
    ):
        raise ValueError(
            f"The 'dropout' parameter of {owner} must be a float in [0, 1). "
            f"Got {value!r} instead."
        )
    return float(value)
