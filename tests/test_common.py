"""Checks every public estimator of skforensics runs, as scikit-learn and
imbalanced-learn do in their own test_common.py.

(a) scikit-learn's full ``parametrize_with_checks`` for estimators that take
    2-D tables (pipelines ending in a classifier on BRISQUE features are
    covered through the 2-D estimators they are built from);
(b) scikit-learn's data-free checks on every image estimator;
(c) our image-aware checks from :mod:`skforensics.utils.estimator_checks`;
(d) the bad-input battery of :mod:`skforensics.utils.estimator_checks` over
    every public estimator (the ``fit`` side on unfitted estimators, the
    output methods on module-cached fitted ones) and every shipped
    ``pretrained()`` model.

Every check that cannot pass today is in an XFAIL table with its reason and
``strict=True``: fixing the estimator makes the test fail until the entry is
removed.
"""

import functools
import importlib
import inspect

import pytest
from sklearn.base import BaseEstimator
from sklearn.utils import estimator_checks as sk_checks

from skforensics.utils import make_test_images
from skforensics.utils._testing import default_data
from skforensics.utils.estimator_checks import (
    image_estimator_bad_input_checks,
    image_estimator_checks,
)

SUBPACKAGES = ["feature", "models"]

# Constructor arguments that keep each estimator small and fast in the checks.
INIT_PARAMS = {"PatchGridExtractor": {"patch_size": 8}}
try:
    from skforensics.models import PatchCNNClassifier, PatchCNNRegressor, PatchEmbedder

    # Tiny nets: 8x8 patches need one pooling block of 2.
    _TINY = dict(
        patch_size=8,
        max_epochs=1,
        verbose=0,
        random_state=0,
        module__n_filters=4,
        module__n_hidden=6,
    )
    _TINY_POOL = dict(module__n_blocks=1, module__pool_size=2)
    _TINY_REG = PatchCNNRegressor(**_TINY)
    _TINY_CLF = PatchCNNClassifier(**_TINY, **_TINY_POOL)
    _NET = dict(
        max_epochs=1,
        verbose=0,
        random_state=0,
        module__n_filters=(4,),
        module__n_hidden=(8,),
    )
    from skforensics.models import (
        HyperImageNetClassifier,
        HyperImageNetRegressor,
    )

    _EMBED_REG = PatchEmbedder(_TINY_REG, grid=(2, 2))
    _EMBED_CLF = PatchEmbedder(_TINY_CLF, grid=(2, 2))
    INIT_PARAMS.update(
        {
            "HyperImageNetClassifier": _NET,
            "HyperImageNetRegressor": _NET,
            "HyperImageRegressor": {
                "embedder": _EMBED_REG,
                "final_estimator": HyperImageNetRegressor(**_NET),
                "cv": 2,
                "random_state": 0,
            },
            "HyperImageClassifier": {
                "embedder": _EMBED_CLF,
                "final_estimator": HyperImageNetClassifier(**_NET),
                "cv": 2,
                "random_state": 0,
            },
        }
    )
    INIT_PARAMS.update(
        {
            "PatchCNNClassifier": {**_TINY, **_TINY_POOL},
            "PatchCNNRegressor": _TINY,
            "PatchRankingRegressor": _TINY,
            "PatchEmbedder": {"estimator": _TINY_REG, "grid": (2, 2)},
            "PixelwiseJPEGRegressor": {
                "patch_size": 16,
                "patches_per_epoch": 8,
                "batch_size": 8,
                "max_epochs": 1,
                "module__n_filters": 4,
                "verbose": 0,
                "random_state": 0,
            },
        }
    )
    import skorch

    import skforensics.models as _models

    # The estimators that are skorch nets themselves (meta-estimators that
    # hold one are plain scikit-learn estimators).
    SKORCH_ESTIMATORS = [
        name
        for name in _models.__all__
        if inspect.isclass(getattr(_models, name))
        and issubclass(getattr(_models, name), skorch.NeuralNet)
    ]
except ImportError:  # the torch extra is not installed
    SKORCH_ESTIMATORS = []
# Public estimators whose X is not an image collection, with what they take;
# the image-aware checks and the bad-input battery do not apply to them.
NOT_IMAGE_INPUT = {
    "HyperImageNetClassifier": "the stage-2 net of HyperImageClassifier: X is "
    "hyper-images (n, U, V, D) of activations, checked through its meta-estimator",
    "HyperImageNetRegressor": "the stage-2 net of HyperImageRegressor: X is "
    "hyper-images (n, U, V, D) of activations, checked through its meta-estimator",
}
# Images for the image-aware checks, where the defaults (8 images of 16x16)
# do not suit the estimator.
IMAGE_DATA = {
    "BRISQUEExtractor": {"size": 32},
    # The 39-pixel receptive field of the net: smaller images are refused.
    "PixelwiseJPEGRegressor": {"size": 40, "n_channels": 3},
}
# Checks that cannot pass, with the reason (imbalanced-learn's XFAIL table):
# (estimator name, check name) -> reason.
XFAIL = {
    (name, "check_no_attributes_set_in_init"): (
        "skorch's NeuralNet.__init__ sets history_, initialized_ and "
        "virtual_params_ and stores module__ arguments as attributes"
    )
    for name in SKORCH_ESTIMATORS
}
def _xfail_marks(name, check_name):
    reason = XFAIL.get((name, check_name))
    return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []


def _public_estimators():
    found = {}
    for sub in SUBPACKAGES:
        try:
            module = importlib.import_module(f"skforensics.{sub}")
        except ImportError:  # the torch extra is not installed
            continue
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            if inspect.isclass(obj) and issubclass(obj, BaseEstimator):
                found[name] = obj
    return found


ESTIMATORS = _public_estimators()


def _instance(name):
    return ESTIMATORS[name](**INIT_PARAMS.get(name, {}))


DATA_FREE_CHECKS = [
    sk_checks.check_estimator_cloneable,
    sk_checks.check_estimator_repr,
    sk_checks.check_no_attributes_set_in_init,
    sk_checks.check_parameters_default_constructible,
    sk_checks.check_get_params_invariance,
    sk_checks.check_set_params,
    sk_checks.check_do_not_raise_errors_in_init_or_set_params,
    sk_checks.check_mixin_order,
    sk_checks.check_valid_tag_types,
]


TEST_DATA_FREE_CASES = [
    pytest.param(
        name,
        check,
        id=f"{check.__name__}-{name}",
        marks=_xfail_marks(name, check.__name__),
    )
    for name in sorted(ESTIMATORS)
    for check in DATA_FREE_CHECKS
]


@pytest.mark.parametrize("name, check", TEST_DATA_FREE_CASES)
def test_sklearn_data_free_checks(name, check):
    check(name, _instance(name))


def _image_cases():
    cases = []
    for name in sorted(set(ESTIMATORS) - set(NOT_IMAGE_INPUT)):
        estimator = _instance(name)
        for est, check in image_estimator_checks(estimator, **IMAGE_DATA.get(name, {})):
            check_name = check.func.__name__
            cases.append(
                pytest.param(
                    est,
                    check,
                    id=f"{name}-{check_name}",
                    marks=_xfail_marks(name, check_name),
                )
            )
    return cases


@pytest.mark.parametrize("estimator, check", _image_cases())
def test_image_checks(estimator, check):
    check(estimator)


def test_importing_the_numpy_layer_does_not_import_torch():
    import subprocess
    import sys

    code = (
        "import sys, skforensics, skforensics.feature, skforensics.utils, "
        "skforensics.datasets, skforensics.metrics; "
        "sys.exit(1 if 'torch' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# Estimators that take 2-D tables would get scikit-learn's full battery
# (parametrize_with_checks). Every public estimator of skforensics takes
# images today, so the list is empty, and an empty parametrization would
# only skip: the test below fails the day a table estimator appears without
# being added to the battery.
TABLE_ESTIMATORS = [
    name
    for name in ESTIMATORS
    if not _instance(name).__sklearn_tags__().input_tags.three_d_array
]


def test_no_table_estimator_escapes_the_sklearn_battery():
    assert TABLE_ESTIMATORS == [], (
        f"{TABLE_ESTIMATORS} take 2-D tables: run them through "
        "sklearn.utils.estimator_checks.parametrize_with_checks here."
    )


# --------------------------------------------------------------------------
# (d) The bad-input battery.
# --------------------------------------------------------------------------

# The smallest image each estimator takes, where its patch_size parameter does
# not say it (image checks use 16x16 images, 32x32 where IMAGE_DATA says so).
MIN_SIZE = {
    "BRISQUEExtractor": 13,  # the half-scale image must hold the 7x7 window
    "PatchEmbedder": 9,  # a 2x2 grid of 8x8 patches
    "HyperImageClassifier": 9,
    "HyperImageRegressor": 9,
}
# Estimators whose documented policy is to convert the other channel count
# (gray steps; colour models that repeat gray images to RGB).
CONVERTS_CHANNELS = {
    "GrayscaleTransformer",
    "PixelwiseJPEGRegressor",
    "upscale-detector",
    "upscale-factor",
    "jpeg-quality",
    "jpeg-quality-fast",
}
# The shipped models: name -> (image data, min_size). The JPEG row is the
# issue's 3x3 image; the upscale detector works on 64x64 tiles.
try:
    from skforensics.models._pretrained import _MODELS, JPEG_MODELS

    PRETRAINED = sorted([*_MODELS, *JPEG_MODELS])
except ImportError:  # the torch extra is not installed
    PRETRAINED = []
PRETRAINED_MIN_SIZE = {
    "upscale-detector": 64, "upscale-factor": 64, "jpeg-quality": 4, "jpeg-quality-fast": 4
}
# Good images: 2 RGB images, as small as each model takes (64x64 tiles; the
# 79-pixel receptive field of the JPEG nets).
PRETRAINED_SIZE = {
    "upscale-detector": 64, "upscale-factor": 64, "jpeg-quality": 80, "jpeg-quality-fast": 80
}

# (estimator or model name, phase, row) -> reason, for a row a model cannot
# pass yet (strict: the fix makes it fail here, and the entry goes). Empty:
# every estimator and pretrained model passes every row.
BAD_INPUT_XFAIL = {}


def _bad_input_marks(name, phase, row):
    reason = BAD_INPUT_XFAIL.get((name, phase, row))
    return [pytest.mark.xfail(reason=reason, strict=True)] if reason else []


# Fewer images where each answer costs (the JPEG maps).
BAD_INPUT_DATA = {"PixelwiseJPEGRegressor": {"n_images": 2, "size": 40, "n_channels": 3}}


def _data(name):
    options = BAD_INPUT_DATA.get(name, IMAGE_DATA.get(name, {}))
    return default_data(_instance(name), **options)


def _bad_input_cases():
    cases = []
    for name in sorted(set(ESTIMATORS) - set(NOT_IMAGE_INPUT)):
        X, y = _data(name)
        for phase in ("fit", "predict"):
            checks = image_estimator_bad_input_checks(
                _instance(name),
                X,
                y,
                phase=phase,
                min_size=MIN_SIZE.get(name),
                converts_channels=name in CONVERTS_CHANNELS,
            )
            for row, check in checks:
                cases.append(
                    pytest.param(
                        name,
                        phase,
                        check,
                        id=f"{name}-{phase}-{row}",
                        marks=_bad_input_marks(name, phase, row),
                    )
                )
    return cases


@functools.lru_cache(maxsize=None)
def _fitted(name):
    """One fitted instance per estimator, shared by the output-method rows."""
    X, y = _data(name)
    return _instance(name).fit(X, y)


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name, phase, check", _bad_input_cases())
def test_bad_inputs(name, phase, check):
    check(_instance(name) if phase == "fit" else _fitted(name))


@functools.lru_cache(maxsize=None)
def _pretrained(name):
    from skforensics.models import pretrained

    return pretrained(name)


def _pretrained_cases():
    cases = []
    for name in PRETRAINED:
        X = make_test_images(2, PRETRAINED_SIZE[name], n_channels=3, random_state=0)
        checks = image_estimator_bad_input_checks(
            # Only get_params of the last step is read here; the model is
            # loaded when the test runs.
            _PretrainedProxy(name),
            X,
            None,
            phase="predict",
            min_size=PRETRAINED_MIN_SIZE[name],
            converts_channels=name in CONVERTS_CHANNELS,
        )
        for row, check in checks:
            cases.append(
                pytest.param(
                    name, check, id=f"{name}-{row}", marks=_bad_input_marks(name, "predict", row)
                )
            )
    return cases


class _PretrainedProxy(BaseEstimator):
    """Stands for a pretrained model while the checks are listed."""

    def __init__(self, name=None):
        self.name = name


@pytest.mark.filterwarnings("ignore::UserWarning")
@pytest.mark.parametrize("name, check", _pretrained_cases())
def test_pretrained_bad_inputs(name, check):
    check(_pretrained(name))


# --------------------------------------------------------------------------
# No parametrization may be empty: an empty one skips and proves nothing.
# --------------------------------------------------------------------------

EXPECTED_ESTIMATORS = {
    "BRISQUEExtractor",
    "GrayscaleTransformer",
    "MSCNTransformer",
    "PatchGridExtractor",
}
EXPECTED_TORCH_ESTIMATORS = {
    "HyperImageClassifier",
    "HyperImageRegressor",
    "PatchCNNClassifier",
    "PatchCNNRegressor",
    "PatchEmbedder",
    "PatchRankingRegressor",
    "PixelwiseJPEGRegressor",
}


def test_every_public_estimator_is_checked():
    expected = set(EXPECTED_ESTIMATORS)
    if SKORCH_ESTIMATORS:
        expected |= EXPECTED_TORCH_ESTIMATORS
        assert set(PRETRAINED) >= {
            "upscale-detector", "upscale-factor", "jpeg-quality", "jpeg-quality-fast"
        }
    assert expected <= set(ESTIMATORS)
    assert len(TEST_DATA_FREE_CASES) == len(ESTIMATORS) * len(DATA_FREE_CHECKS)
    assert len(DATA_FREE_CHECKS) == 9
    images = set(ESTIMATORS) - set(NOT_IMAGE_INPUT)
    assert len(_image_cases()) >= 8 * len(images)
    cases = _bad_input_cases()
    assert len(cases) >= 30 * len(images)
    # Every image estimator meets every row of the table, on each side.
    ids = {case.id for case in cases}
    for name in images:
        for row in ("nan", "float_0_255", "single_image", "uint16_low", "mixed_channels"):
            assert f"{name}-fit-{row}" in ids and f"{name}-predict-{row}" in ids
        assert f"{name}-predict-channel_mismatch" in ids
        assert f"{name}-fit-not_fitted" in ids
    assert len(_pretrained_cases()) >= 15 * len(PRETRAINED)
    # Every xfail names an existing case.
    for name, phase, row in BAD_INPUT_XFAIL:
        assert f"{name}-{phase}-{row}" in ids or f"{name}-{row}" in {
            case.id for case in _pretrained_cases()
        }
