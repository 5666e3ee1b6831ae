"""Checks every public estimator of skforensics runs, as scikit-learn and
imbalanced-learn do in their own test_common.py.

(a) scikit-learn's full ``parametrize_with_checks`` for estimators that take
    2-D tables (pipelines ending in a classifier on BRISQUE features are
    covered through the 2-D estimators they are built from);
(b) scikit-learn's data-free checks on every image estimator;
(c) our image-aware checks from :mod:`skforensics.utils.estimator_checks`.
"""

import importlib
import inspect

import pytest
from sklearn.base import BaseEstimator
from sklearn.utils import estimator_checks as sk_checks

from skforensics.utils.estimator_checks import image_estimator_checks

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
    _STAGE2 = dict(
        cv=2,
        max_epochs=1,
        verbose=0,
        random_state=0,
        module__n_filters=(4,),
        module__n_hidden=(8,),
    )
    INIT_PARAMS.update(
        {
            "PatchCNNClassifier": {**_TINY, **_TINY_POOL},
            "PatchCNNRegressor": _TINY,
            "PatchRankingRegressor": _TINY,
            "PatchEmbedder": {"estimator": _TINY_REG, "grid": (2, 2)},
            "HyperImageRegressor": {"embedder": PatchEmbedder(_TINY_REG, grid=(2, 2)), **_STAGE2},
            "HyperImageClassifier": {"embedder": PatchEmbedder(_TINY_CLF, grid=(2, 2)), **_STAGE2},
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
    SKORCH_ESTIMATORS = [
        "HyperImageClassifier",
        "HyperImageRegressor",
        "PatchCNNClassifier",
        "PatchCNNRegressor",
        "PatchRankingRegressor",
        "PixelwiseJPEGRegressor",
    ]
except ImportError:  # the torch extra is not installed
    SKORCH_ESTIMATORS = []
# Images for the image-aware checks, where the defaults (8 images of 16x16)
# do not suit the estimator.
IMAGE_DATA = {
    "BRISQUEExtractor": {"size": 32},
    "PixelwiseJPEGRegressor": {"size": 32, "n_channels": 3},
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


def test_estimators_were_found():
    assert {"PatchGridExtractor", "GrayscaleTransformer"} <= set(ESTIMATORS)


@pytest.mark.parametrize(
    "name, check",
    [
        pytest.param(
            name,
            check,
            id=f"{check.__name__}-{name}",
            marks=_xfail_marks(name, check.__name__),
        )
        for name in sorted(ESTIMATORS)
        for check in DATA_FREE_CHECKS
    ],
)
def test_sklearn_data_free_checks(name, check):
    check(name, _instance(name))


def _image_cases():
    cases = []
    for name in sorted(ESTIMATORS):
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


def test_public_names_have_docstrings():
    for sub in SUBPACKAGES + ["utils", "datasets", "metrics"]:
        try:
            module = importlib.import_module(f"skforensics.{sub}")
        except ImportError:
            continue
        for name in module.__all__:
            assert getattr(module, name).__doc__, f"skforensics.{sub}.{name} has no docstring"


# Estimators that take 2-D tables get scikit-learn's full battery.
TABLE_ESTIMATORS = [
    est for name, est in ESTIMATORS.items() if not _instance(name).__sklearn_tags__().input_tags.three_d_array
]


@sk_checks.parametrize_with_checks([cls() for cls in TABLE_ESTIMATORS] or [])
def test_sklearn_compatible_table_estimator(estimator, check):
    check(estimator)
