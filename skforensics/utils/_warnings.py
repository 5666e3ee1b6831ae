"""Warnings that point at the user's line, however deep the package's calls."""

import sys
import warnings

__all__ = ["warn_user"]

# The package, and the libraries that call back into it (a scikit-learn
# wrapper around fit_transform, skorch's fit loop, joblib's workers).
_INTERNAL = ("skforensics", "sklearn", "skorch", "joblib", "torch")


def _is_internal(frame):
    module = frame.f_globals.get("__name__", "")
    return module.split(".")[0] in _INTERNAL


def _user_stacklevel():
    """The ``stacklevel`` of the first frame outside the package.

    Counted for a ``warnings.warn`` called by the caller of this function.
    """
    frame, level = sys._getframe(2), 1
    while frame is not None and _is_internal(frame):
        frame, level = frame.f_back, level + 1
    return level


def warn_user(message, category=UserWarning):
    """Warn with the location of the first caller outside the package.

    A fixed ``stacklevel`` is right for one call path only: the same check
    runs under ``fit``, ``predict``, a pipeline step or a scorer. This walks
    the stack instead, so that the warning names the user's file and line.

    Parameters
    ----------
    message : str
        The warning's text.
    category : type, default=UserWarning
        The warning's class.
    """
    warnings.warn(message, category, stacklevel=_user_stacklevel() + 1)
