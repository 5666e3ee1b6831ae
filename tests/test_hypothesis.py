"""Property-based tests of the front door (issue 25, part 1).

Hypothesis draws image collections of every dtype (big-endian, bool,
float16, complex and object included), shape (1-pixel-wide images, huge
aspect ratios, 2 or 4 channels), form (stacked array, list, list of mixed
sizes), memory layout (Fortran order, strided and reversed views,
read-only arrays) and value range (NaN and infinity at drawn positions,
values outside [0, 1], constants), and checks that every public entry
point:

- answers, or refuses with the documented ValueError or TypeError and a
  message (never another exception type);
- never modifies its input;
- gives the same answer for a C-contiguous, writable copy of the input.

Pixels are filled by numpy from a drawn seed, so that Hypothesis draws and
shrinks the few numbers that matter (dtype, shape, layout, where the NaN
is) rather than every pixel. The default budget is small and derandomized;
``HYPOTHESIS_PROFILE=deep pytest -m fuzz tests/test_hypothesis*.py`` runs
the deep one (see tests/conftest.py).

This file covers check_images, the numpy functions and the numpy
estimators; tests/test_hypothesis_models.py covers the torch estimators and
the pretrained models with the same strategies.
"""

import os
import warnings

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

pytestmark = pytest.mark.fuzz

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
    """The numeric content of an answer: a list of float64 arrays."""
    if isinstance(out, np.ndarray) and out.dtype != object:
        return [np.asarray(out, dtype=np.float64)]
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


# ---------------------------------------------------------------------------
# check_images and the functions of the numpy layer.
# ---------------------------------------------------------------------------


def _documented_check_images_answer(X, out):
    images = [X] if isinstance(X, np.ndarray) else X
    first = np.asarray(images[0])
    if isinstance(X, np.ndarray):
        assert isinstance(out, np.ndarray) and len(out) == len(X)
        results = list(out)
    else:
        assert isinstance(out, list) and len(out) == len(X)
        results = out
    kind = first.dtype.kind
    for image in results:
        assert image.dtype.kind == "f"
        assert np.isfinite(image).all()
        if kind in "bu":
            assert image.dtype == np.float32
            assert image.min() >= 0 and image.max() <= 1
        elif first.dtype == np.float16:
            assert image.dtype == np.float32
        elif kind == "f":
            assert image.dtype == first.dtype.newbyteorder("=")
        assert image.ndim == 2 or image.shape[-1] in (1, 3)


@budget(60)
@given(X=image_collections())
def test_check_images(X):
    from skforensics.utils import check_images

    out = behaves(check_images, X)
    if out is not None:
        _documented_check_images_answer(X, out)
        kind = np.asarray(X[0]).dtype.kind
        assert kind not in "icO"


@budget(30)
@given(
    X=image_collections(),
    options=st.sampled_from([
        {"allow_color": False},
        {"convert_to": "gray"},
        {"convert_to": "rgb"},
        {"n_channels": 3},
        {"min_size": 8},
        {"min_size": (17, 33)},
        {"copy": True},
    ]),
)
def test_check_images_options(X, options):
    from skforensics.utils import check_images

    out = behaves(lambda X: check_images(X, **options), X)
    if out is None:
        return
    results = list(out)
    if options.get("allow_color") is False or options.get("convert_to") == "gray":
        assert all(r.ndim == 2 or r.shape[-1] == 1 for r in results)
    if options.get("convert_to") == "rgb" or options.get("n_channels") == 3:
        assert all(r.ndim == 3 and r.shape[-1] == 3 for r in results)
    if "min_size" in options:
        h, w = np.broadcast_to(options["min_size"], 2)
        assert all(r.shape[0] >= h and r.shape[1] >= w for r in results)
    if options.get("copy"):
        originals = [X] if isinstance(X, np.ndarray) else list(X)
        outs = [out] if isinstance(out, np.ndarray) else results
        for o in outs:
            for x in originals:
                assert not np.shares_memory(o, x)


def test_check_images_min_size_boundary():
    # Exactly min_size is accepted; one pixel less in either direction is not.
    from skforensics.utils import check_images

    for h, w in ((16, 16), (15, 16), (16, 15)):
        X = np.zeros((2, h, w), np.float32)
        if (h, w) == (16, 16):
            assert check_images(X, min_size=16).shape == (2, 16, 16)
            assert len(check_images(list(X), min_size=(16, 16))) == 2
        else:
            with pytest.raises(ValueError, match="at least 16x16"):
                check_images(X, min_size=16)
            with pytest.raises(ValueError, match="at least 16x16"):
                check_images(list(X), min_size=(16, 16))


# Regression tests for what Hypothesis found (each failed before its fix).


def test_regression_big_endian_float64_keeps_its_precision():
    # check_images cast a big-endian float64 image to float32 ("float kept
    # as given" held for native byte order only).
    from skforensics.utils import check_images

    X = np.full((1, 1, 1), 0.63696169, dtype=">f8")
    out = check_images(X)
    assert out.dtype == np.float64 and out.dtype.isnative
    assert out[0, 0, 0] == 0.63696169
    assert check_images(X.astype(">f4")).dtype == np.float32


@pytest.mark.parametrize("dtype", ["complex64", "complex128", "object"])
def test_regression_to_grayscale_refuses_complex_and_object(dtype):
    # It returned complex (or object) "luminance" through tensordot.
    from skforensics.utils import to_grayscale

    X = np.zeros((1, 4, 4, 3), dtype=dtype)
    with pytest.raises(TypeError, match="real numbers"):
        to_grayscale(X)
    with pytest.raises(TypeError, match="real numbers"):
        to_grayscale(list(X[..., 0]))


@budget(30)
@given(X=image_collections())
def test_to_grayscale(X):
    from skforensics.utils import to_grayscale

    out = behaves(to_grayscale, X)
    if out is not None:
        for image in out:
            assert image.ndim == 2
            assert image.dtype.kind in "bf"  # never complex or object


@budget(20)
@given(X=image_collections(sizes=((1, 1), (2, 300), (7, 9), (16, 16), (33, 20))))
def test_mscn(X):
    from skforensics.feature import mscn

    behaves(mscn, X, rtol=1e-5, atol=1e-5)


@budget(12)
@given(X=image_collections(sizes=((7, 9), (16, 16), (33, 20), (40, 36), (2, 300)),
                           n_images=(1, 2)))
def test_brisque_features(X):
    from skforensics.feature import brisque_features

    def check(out):
        assert out.shape == (len(X), 36)
        assert np.isfinite(out).all()

    behaves(brisque_features, X, rtol=1e-4, atol=1e-5, check=check)


@budget(20)
@given(
    image=image_collections(n_images=(1, 1), forms=("list",)).map(lambda X: X[0]),
    patch=st.sampled_from([1, 4, 8, (3, 5), 16, 64]),
    stride=st.sampled_from([None, 1, 3, 8]),
)
def test_extract_patches(image, patch, stride):
    from skforensics.feature import extract_patches

    behaves(lambda im: extract_patches(im, patch, stride=stride), image)


# ---------------------------------------------------------------------------
# The numpy estimators: fit and transform.
# ---------------------------------------------------------------------------

NUMPY_ESTIMATORS = {
    "GrayscaleTransformer": {},
    "MSCNTransformer": {},
    "PatchGridExtractor": {"patch_size": 8},
    "BRISQUEExtractor": {},
}


def test_every_numpy_estimator_is_fuzzed():
    import inspect

    from sklearn.base import BaseEstimator

    import skforensics.feature as feature

    public = {
        name
        for name in feature.__all__
        if inspect.isclass(getattr(feature, name))
        and issubclass(getattr(feature, name), BaseEstimator)
    }
    assert public == set(NUMPY_ESTIMATORS)


@pytest.mark.parametrize("name", sorted(NUMPY_ESTIMATORS))
@budget(12)
@given(data=st.data())
def test_numpy_estimator_fit_transform(name, data):
    import skforensics.feature as feature

    sizes = ((1, 1), (2, 300), (7, 9), (8, 8), (16, 16), (33, 20))
    if name == "BRISQUEExtractor":
        sizes = ((7, 9), (16, 16), (33, 20))
    X = data.draw(image_collections(sizes=sizes, n_images=(1, 2)), label="X")
    estimator = getattr(feature, name)(**NUMPY_ESTIMATORS[name])

    def fit_transform(X):
        from sklearn.base import clone

        return clone(estimator).fit(X).transform(X)

    behaves(fit_transform, X, rtol=1e-4, atol=1e-5)
    # Fitted on good data, then given the drawn X.
    fitted = getattr(feature, name)(**NUMPY_ESTIMATORS[name]).fit(
        np.random.default_rng(0).random((2, 33, 20), dtype=np.float32)
    )
    behaves(fitted.transform, X, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------
# LazyImages over files that vanish between listing and reading.
# ---------------------------------------------------------------------------


@budget(15)
@given(
    n=st.integers(1, 5),
    vanish=st.sets(st.integers(0, 4)),
    how=st.sampled_from(["delete", "truncate", "replace_by_folder", "chmod"]),
)
def test_lazy_images_over_files_that_vanish(tmp_path_factory, n, vanish, how):
    from PIL import Image

    from skforensics.utils import LazyImages, check_images

    folder = tmp_path_factory.mktemp("vanish")
    paths = []
    for i in range(n):
        path = folder / f"{i}.png"
        Image.fromarray(np.full((8, 8), 10 * i, np.uint8)).save(path)
        paths.append(path)
    X = LazyImages(paths)  # listed now, read later
    gone = {i for i in vanish if i < n}
    for i in gone:
        if how == "delete":
            paths[i].unlink()
        elif how == "truncate":
            paths[i].write_bytes(paths[i].read_bytes()[:20])
        elif how == "replace_by_folder":
            paths[i].unlink()
            paths[i].mkdir()
        else:
            paths[i].chmod(0)
    try:
        for i in range(n):
            readable = i not in gone or (how == "chmod" and os.access(paths[i], os.R_OK))
            if readable:
                assert X[i].shape == (8, 8)
                continue
            with pytest.raises(OSError, match=f"{i}.png"):
                X[i]
        if gone and not (how == "chmod" and os.access(paths[min(gone)], os.R_OK)):
            with pytest.raises(OSError, match=f"{min(gone)}.png"):
                check_images(X)[min(gone)]
    finally:
        for path in paths:
            if path.is_file():
                path.chmod(0o644)
