"""Property-based tests of the torch estimators and pretrained models (issue 25).

The same strategies and properties as tests/test_hypothesis.py (see its
docstring): every output method of every public estimator of
:mod:`skforensics.models` (fitted once, tiny, on good data) and of every
``pretrained()`` model, and ``fit`` itself, given drawn image collections,
answers or refuses with ValueError/TypeError, never modifies its input, and
answers a C-contiguous copy the same way.
"""

import inspect
import os

import numpy as np
import pytest

pytest.importorskip("hypothesis")
pytest.importorskip("torch")
pytest.importorskip("skorch")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402
from sklearn.base import clone, is_classifier  # noqa: E402

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

OUTPUT_METHODS = (
    "predict",
    "predict_proba",
    "decision_function",
    "transform",
    "predict_patch_map",
    "predict_maps",
)


def _tiny():
    from skforensics.models import (
        HyperImageClassifier,
        HyperImageNetClassifier,
        HyperImageNetRegressor,
        HyperImageRegressor,
        PatchCNNClassifier,
        PatchCNNRegressor,
        PatchEmbedder,
        PatchRankingRegressor,
        PixelwiseJPEGRegressor,
    )

    tiny = dict(patch_size=8, max_epochs=1, verbose=0, random_state=0,
                module__n_filters=4, module__n_hidden=6)
    pool = dict(module__n_blocks=1, module__pool_size=2)
    net = dict(max_epochs=1, verbose=0, random_state=0,
               module__n_filters=(4,), module__n_hidden=(8,))
    return {
        "PatchCNNClassifier": PatchCNNClassifier(**tiny, **pool),
        "PatchCNNRegressor": PatchCNNRegressor(**tiny),
        "PatchRankingRegressor": PatchRankingRegressor(**tiny),
        "PatchEmbedder": PatchEmbedder(PatchCNNRegressor(**tiny), grid=(2, 2),
                                       random_state=0),
        "HyperImageClassifier": HyperImageClassifier(
            embedder=PatchEmbedder(PatchCNNClassifier(**tiny, **pool), grid=(2, 2)),
            final_estimator=HyperImageNetClassifier(**net), cv=2, random_state=0),
        "HyperImageRegressor": HyperImageRegressor(
            embedder=PatchEmbedder(PatchCNNRegressor(**tiny), grid=(2, 2)),
            final_estimator=HyperImageNetRegressor(**net), cv=2, random_state=0),
        "HyperImageNetClassifier": HyperImageNetClassifier(**net),
        "HyperImageNetRegressor": HyperImageNetRegressor(**net),
        "PixelwiseJPEGRegressor": PixelwiseJPEGRegressor(
            patch_size=16, patches_per_epoch=8, batch_size=8, max_epochs=1,
            module__n_filters=4, verbose=0, random_state=0),
    }


# Sizes drawn for each estimator: around its smallest accepted image.
PATCH_SIZES = ((1, 1), (2, 300), (7, 8), (8, 8), (8, 7), (9, 33), (16, 16), (17, 12))
JPEG_SIZES = ((1, 1), (38, 40), (39, 39), (40, 40), (41, 57), (2, 300))
HYPER = {"HyperImageNetClassifier", "HyperImageNetRegressor"}


def _sizes(name):
    return JPEG_SIZES if name == "PixelwiseJPEGRegressor" else PATCH_SIZES


def _good_data(name, n=8):
    rng = np.random.default_rng(0)
    if name in HYPER:
        X = rng.random((n, 3, 3, 16), dtype=np.float32)
    elif name == "PixelwiseJPEGRegressor":
        X = rng.random((3, 40, 40, 3), dtype=np.float32)
    else:
        X = rng.random((n, 16, 16), dtype=np.float32)
    y = np.arange(len(X)) % 2 if "Classifier" in name else np.linspace(1, 5, len(X))
    return X, (None if name == "PixelwiseJPEGRegressor" else y)


def _fit(estimator, name, X, y):
    return estimator.fit(X) if y is None else estimator.fit(X, y)


@pytest.fixture(scope="module")
def fitted():
    out = {}
    for name, estimator in _tiny().items():
        X, y = _good_data(name)
        out[name] = _fit(estimator, name, X, y)
    return out


def test_every_model_estimator_is_fuzzed():
    from sklearn.base import BaseEstimator

    import skforensics.models as models

    public = {
        name
        for name in models.__all__
        if inspect.isclass(getattr(models, name))
        and issubclass(getattr(models, name), BaseEstimator)
    }
    assert public == set(_tiny())


def _cases():
    estimators = _tiny()
    return [
        (name, method)
        for name in sorted(estimators)
        for method in OUTPUT_METHODS
        if hasattr(estimators[name], method)
    ]


@pytest.mark.parametrize("name, method", _cases())
@budget(6)
@given(data=st.data())
def test_output_methods(fitted, name, method, data):
    estimator = fitted[name]
    if name in HYPER:
        X = data.draw(image_collections(sizes=((1, 1), (3, 3), (2, 5)),
                                        channels=(16, 8, None)), label="H")
    else:
        X = data.draw(image_collections(sizes=_sizes(name)), label="X")
    out = behaves(getattr(estimator, method), X, rtol=1e-4, atol=1e-5)
    if out is not None and method in ("predict", "predict_proba", "transform"):
        answer = out[0] if isinstance(out, tuple) else out
        assert len(answer) == len(X)


@pytest.mark.parametrize("name", sorted(_tiny()))
@budget(3)
@given(data=st.data())
def test_fit(name, data):
    estimator = _tiny()[name]
    if name in HYPER:
        X = data.draw(image_collections(sizes=((1, 1), (3, 3)), channels=(16,),
                                        n_images=(4, 4)), label="H")
    elif name == "PixelwiseJPEGRegressor":
        X = data.draw(image_collections(sizes=JPEG_SIZES, channels=(None, 3),
                                        n_images=(1, 2)), label="X")
    else:
        X = data.draw(image_collections(sizes=PATCH_SIZES, n_images=(4, 4)), label="X")
    _, y = _good_data(name, n=len(X))
    if y is not None and is_classifier(estimator):
        y = np.arange(len(X)) % 2

    def fit_predict(X):
        model = _fit(clone(estimator), name, X, y)
        method = "transform" if name == "PatchEmbedder" else "predict"
        return getattr(model, method)(X)

    behaves(fit_predict, X, rtol=1e-4, atol=1e-5)


# ---------------------------------------------------------------------------
# The pretrained models.
# ---------------------------------------------------------------------------

PRETRAINED = ("upscale-detector", "upscale-factor", "jpeg-quality", "jpeg-quality-fast")
PRETRAINED_SIZES = ((1, 1), (2, 500), (63, 64), (64, 64), (79, 80), (80, 96), (100, 70))


@pytest.fixture(scope="module")
def models():
    from skforensics.models import pretrained

    return {name: pretrained(name) for name in PRETRAINED}


def _pretrained_cases():
    return [
        (name, method)
        for name in PRETRAINED
        for method in (
            ("predict", "predict_proba")
            if name.startswith("upscale")
            else ("predict", "predict_proba", "predict_maps")
        )
    ]


@pytest.mark.parametrize("name, method", _pretrained_cases())
@budget(5)
@given(X=image_collections(sizes=PRETRAINED_SIZES, n_images=(1, 2)))
def test_pretrained_models(models, name, method, X):
    out = behaves(getattr(models[name], method), X, rtol=1e-4, atol=1e-4)
    if out is None:
        return
    if method == "predict_proba":
        assert np.all((out >= 0) & (out <= 1))
        np.testing.assert_allclose(out.sum(axis=1), 1, rtol=1e-5)
    if method == "predict":
        assert len(out) == len(X)


@budget(20)
@given(
    image=image_collections(
        sizes=((64, 64), (64, 200), (70, 65), (40, 64), (2, 300)),
        n_images=(1, 1),
        forms=("list",),
    ).map(lambda X: X[0])
)
def test_upscale_verdict_on_arrays(image):
    from skforensics.inspection import upscale_verdict
    from skforensics.models import pretrained

    estimator = pretrained("upscale-factor")

    def check(out):
        assert 0 <= out.p_upscaled <= 1 and out.factor >= 1

    _h.refused_unless_readable(
        lambda im: upscale_verdict(im, estimator=estimator),
        image,
        rtol=1e-4,
        atol=1e-5,
        check=check,
    )
