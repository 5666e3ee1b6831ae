"""Strategies and properties shared by tests/test_hypothesis*.py.

Loaded by file path (the tests run with --import-mode=importlib), see
``load_hypothesis_helpers`` in those files.
"""

import os
import warnings

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

DEEP = os.environ.get("HYPOTHESIS_PROFILE") == "deep"

DTYPES = (
    "uint8", "uint16", ">u2", "bool", "float16", "float32", "float64", ">f4",
    ">f8", "int8", "int16", "int32", ">i4", "int64", "uint32", "uint64",
    "complex64", "complex128", "object",
)
VALUES = ("unit", "unit", "unit", "constant", "out_of_range", "nan", "inf", "-inf")
LAYOUTS = ("C", "F", "strided", "reversed", "readonly")
# (height, width): odd, tiny, one pixel wide, huge aspect ratios, typical.
SMALL_SIZES = ((1, 1), (1, 40), (40, 1), (2, 300), (7, 9), (8, 8), (16, 16),
               (17, 33), (32, 32), (33, 20))
CHANNELS = (None, None, 1, 3, 3, 4, 2)


def budget(n):
    """``settings`` for a test worth ``n`` examples by default (20n when deep)."""
    return settings(max_examples=n * 20 if DEEP else n)


def _fill(rng, shape, dtype, values, where):
    """Pixels of ``shape`` and ``dtype``; ``where`` in [0, 1) places a special value."""
    kind = dtype.kind
    if kind == "b":
        data = rng.random(shape) < 0.5
    elif kind in "iu":
        high = min(np.iinfo(dtype).max, 65535 if dtype.itemsize > 1 else 255)
        low = -100 if kind == "i" else 0
        data = rng.integers(low, high, shape, endpoint=True)
    elif kind == "c":
        data = rng.random(shape) + 1j * rng.random(shape)
    else:
        data = rng.random(shape)
        if values == "constant":
            data[...] = 0.5
        elif values == "out_of_range":
            data = data * 255
        elif values in ("nan", "inf", "-inf") and data.size:
            data.flat[int(where * data.size)] = float(values)
    if kind == "O":
        out = np.empty(shape, dtype=object)
        out[...] = data
        return out
    return data.astype(dtype)


def _layout(array, layout):
    if layout == "F":
        return np.asfortranarray(array)
    if layout == "strided" and array.ndim >= 2:
        # A view of every second column of a twice-as-wide array.
        wide = np.repeat(array, 2, axis=1)
        return wide[:, ::2]
    if layout == "reversed" and array.ndim >= 2:
        return np.ascontiguousarray(array[:, ::-1])[:, ::-1]
    if layout == "readonly":
        array = array.copy()
        array.setflags(write=False)
    return array


@st.composite
def image_collections(draw, *, sizes=SMALL_SIZES, n_images=(1, 3), dtypes=DTYPES,
                      channels=CHANNELS, values=VALUES, forms=None):
    """An image collection as an estimator may be given one."""
    n = draw(st.integers(*n_images))
    form = draw(st.sampled_from(forms or ("array", "array", "list", "mixed_list")))
    dtype = np.dtype(draw(st.sampled_from(dtypes)))
    value_kind = draw(st.sampled_from(values))
    layout = draw(st.sampled_from(LAYOUTS))
    n_channels = draw(st.sampled_from(channels))
    where = draw(st.floats(0, 1, exclude_max=True))
    rng = np.random.default_rng(draw(st.integers(0, 2**16)))
    size = draw(st.sampled_from(sizes))

    def one(size, bad):
        shape = size + (() if n_channels is None else (n_channels,))
        return _fill(rng, shape, dtype, value_kind if bad else "unit", where)

    # The special value goes into one image only (the last), as in real data.
    if form == "array":
        images = np.stack([one(size, i == n - 1) for i in range(n)])
        return _layout(images, layout)
    if form == "mixed_list":
        image_sizes = [draw(st.sampled_from(sizes)) for _ in range(n)]
    else:
        image_sizes = [size] * n
    return [
        _layout(one(s, i == n - 1)[np.newaxis], layout)[0]
        for i, s in enumerate(image_sizes)
    ]


# ---------------------------------------------------------------------------
# The properties.
# ---------------------------------------------------------------------------


def _copy(X):
    if isinstance(X, np.ndarray):
        return X.copy()
    return [np.array(x, copy=True) for x in X]


def _contiguous(X):
    if isinstance(X, np.ndarray):
        return np.array(X, order="C", copy=True)
    return [np.array(x, order="C", copy=True) for x in X]


def _equal(a, b):
    if isinstance(a, np.ndarray) and isinstance(b, np.ndarray):
        if a.dtype != b.dtype or a.shape != b.shape:
            return False
        if a.dtype == object:
            return all(x == y or (x != x and y != y) for x, y in zip(a.flat, b.flat))
        return np.array_equal(a, b, equal_nan=a.dtype.kind in "fc")
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray):
        return False
    return len(a) == len(b) and all(_equal(x, y) for x, y in zip(a, b))


def _as_arrays(out):
    """The numeric content of an answer: a list of float64 (or complex) arrays."""
    if isinstance(out, np.ndarray) and out.dtype != object:
        # Complex stays complex: extract_patches, a view, takes any dtype.
        return [np.asarray(out, dtype=complex if out.dtype.kind == "c" else float)]
    if isinstance(out, dict):
        return [a for key in sorted(out) for a in _as_arrays(out[key])]
    if isinstance(out, (list, tuple, np.ndarray)):
        return [a for item in out for a in _as_arrays(item)]
    if np.isscalar(out) and not isinstance(out, str):
        return [np.asarray(out, dtype=np.float64)]
    return []


def _same_answer(out, again, rtol, atol):
    first, second = _as_arrays(out), _as_arrays(again)
    assert len(first) == len(second)
    for a, b in zip(first, second):
        assert a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=rtol, atol=atol, equal_nan=True)


def _run(func, X):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return func(X), None
        except (ValueError, TypeError) as exc:
            return None, exc


def behaves(func, X, *, rtol=1e-6, atol=1e-6, check=None):
    """Assert the three properties of ``func`` on ``X``; return the answer.

    Any exception other than ValueError and TypeError propagates, and
    Hypothesis reports it with the input that raised it.
    """
    before = _copy(X)
    writeable = X.flags.writeable if isinstance(X, np.ndarray) else None
    out, exc = _run(func, X)
    assert _equal(X, before), "the input was modified"
    if isinstance(X, np.ndarray):
        assert X.flags.writeable == writeable
    if exc is not None:
        message = str(exc).strip()
        assert message, f"{type(exc).__name__} without a message"
        assert "Traceback" not in message
    again, exc_again = _run(func, _contiguous(X))
    if exc is not None or exc_again is not None:
        assert type(exc) is type(exc_again), (exc, exc_again)
        return None
    _same_answer(out, again, rtol, atol)
    if check is not None:
        check(out)
    return out


def readable(image):
    """Whether check_images accepts the image: what every function that
    takes one must refuse otherwise."""
    from skforensics.utils import check_images

    try:
        check_images([np.asarray(image)])
    except (ValueError, TypeError):
        return False
    return True


def refused_unless_readable(func, image, **kwargs):
    """``behaves``, and an answer only for pixels :func:`readable` accepts."""
    out = behaves(func, image, **kwargs)
    if out is not None:
        image = np.asarray(image)
        # Alpha and 2-channel images are the functions' own business; the
        # dtype and value rules are not.
        values = image[..., :1] if image.ndim == 3 else image
        assert readable(values), "an answer for pixels check_images refuses"
    return out
