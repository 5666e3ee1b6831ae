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

This file covers check_images, the numpy functions (the pixel evidence,
the resampling features and the single-image degradations included) and
the numpy estimators; tests/test_hypothesis_models.py covers the torch estimators and
the pretrained models with the same strategies.
"""

import importlib.util
import os

import numpy as np
import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

pytestmark = pytest.mark.fuzz


def _load_helpers():
    import importlib.util

    path = os.path.join(os.path.dirname(__file__), "_hypothesis_images.py")
    spec = importlib.util.spec_from_file_location("_skf_hypothesis_images", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_h = _load_helpers()
budget, image_collections, behaves = _h.budget, _h.image_collections, _h.behaves


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
    # A geometric view of one array: any dtype (complex, object) is cut as
    # it is; the dtype rules are check_images' and the estimators'.
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


_PAIRS = st.one_of(
    st.integers(-2, 40),
    st.tuples(st.integers(0, 20), st.integers(0, 20)),
    st.sampled_from([None, 2.5, "8", (8, 8, 8), (8,), np.int64(8), (np.int32(4), 4)]),
)


@budget(40)
@given(
    X=image_collections(sizes=((1, 1), (8, 8), (9, 33), (16, 16), (2, 300)),
                        dtypes=("uint8", "float32", ">f8"), values=("unit",)),
    patch_size=_PAIRS,
    stride=_PAIRS,
    grid=st.one_of(st.none(), _PAIRS),
    sampling=st.sampled_from(["grid", "center", "random", "diagonal"]),
)
def test_patch_grid_extractor_parameters(X, patch_size, stride, grid, sampling):
    # Strides, grids and patch sizes of every kind: an answer of the
    # documented shape or InvalidParameterError/ValueError/TypeError.
    from skforensics.feature import PatchGridExtractor

    extractor = PatchGridExtractor(patch_size=patch_size, stride=stride, grid=grid,
                                   sampling=sampling, n_patches=3, random_state=0)
    out = behaves(lambda X: extractor.fit(X).transform(X), X)
    if out is not None:
        assert len(out) == len(X)


# ---------------------------------------------------------------------------
# The public functions that take one image or frames: the pixel evidence,
# the resampling features and the single-image degradations. Where an
# answer comes, check_images' dtype and value rules held: none of them reads
# 8-bit data in a float array, integers of unknown range or NaN as pixels.
# ---------------------------------------------------------------------------

SIZES = ((1, 1), (2, 300), (7, 9), (16, 16), (17, 33), (33, 20), (40, 36))
one_image = image_collections(sizes=SIZES, n_images=(1, 1), forms=("list",)).map(
    lambda X: X[0]
)


@budget(40)
@given(image=one_image)
def test_jpeg_evidence(image):
    from skforensics.inspection import jpeg_evidence

    def check(out):
        assert out.verdict in ("compressed", "never compressed", "unknown")

    _h.refused_unless_readable(
        lambda im: jpeg_evidence(im), image, rtol=1e-5, atol=1e-6, check=check
    )


# video_round_trip needs PyAV (the video extra).
DEGRADATIONS = ["resize_image", "rescale_image", "unsharp_mask"] + (
    ["video_round_trip"] if importlib.util.find_spec("av") else []
)


@budget(20)
@given(name=st.sampled_from(DEGRADATIONS), image=one_image)
def test_single_image_degradations(name, image):
    from skforensics import datasets

    func = {
        "resize_image": lambda im: datasets.resize_image(im, (9, 11)),
        "rescale_image": lambda im: datasets.rescale_image(im, 1.5),
        "unsharp_mask": datasets.unsharp_mask,
        "video_round_trip": datasets.video_round_trip,
    }[name]

    def check(out):
        assert out.dtype == np.float32 and np.isfinite(out).all()

    _h.refused_unless_readable(func, image, rtol=1e-5, atol=1e-6, check=check)


@budget(20)
@given(
    name=st.sampled_from(["descale_curve", "resampling_periodicity"]),
    X=image_collections(sizes=SIZES, n_images=(1, 2)),
)
def test_resampling_features(name, X):
    from skforensics import feature

    behaves(getattr(feature, name), X, rtol=1e-4, atol=1e-6)
