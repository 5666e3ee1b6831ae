"""Checks every public estimator of skforensics runs, as scikit-learn and
imbalanced-learn do in their own test_common.py.

(a) scikit-learn's whole battery (``parametrize_with_checks``) and
    ``check_param_validation`` on every public estimator; the checks that
    feed 2-D tables are expected failures, each with its reason
    (``battery_expected_failures``);
(b) scikit-learn's data-free checks on every image estimator;
(c) our image-aware checks from :mod:`skforensics.utils.estimator_checks`,
    reproducible refits included (the hyper-image nets on hyper-images);
(d) the bad-input battery of :mod:`skforensics.utils.estimator_checks` over
    every public estimator (the ``fit`` side on unfitted estimators, the
    output methods on module-cached fitted ones) and every shipped
    ``pretrained()`` model.

Every check that cannot pass today is in an XFAIL table with its reason and
``strict=True``: fixing the estimator makes the test fail until the entry is
removed. The whole file takes about a minute of CPU on one core.
"""

import functools
import importlib
import inspect

import numpy as np
import pytest
from sklearn.base import BaseEstimator, TransformerMixin, is_classifier, is_regressor
from sklearn.utils import get_tags
from sklearn.utils import estimator_checks as sk_checks
from sklearn.utils.estimator_checks import parametrize_with_checks

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
            "PatchEmbedder": {
                "estimator": _TINY_REG,
                "grid": (2, 2),
                "random_state": 0,
            },
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


# Reproducible fits: check_refit_identical (among the image checks above)
# fits every image estimator twice with the same random_state, moving the
# global generators on in between; the hyper-image nets get the same check
# on hyper-images here.
@pytest.mark.parametrize("name", sorted(set(NOT_IMAGE_INPUT) & set(ESTIMATORS)))
def test_hyper_image_nets_refit_identical(name):
    from skforensics.utils.estimator_checks import check_refit_identical

    estimator = _instance(name)
    H = np.random.default_rng(0).random((8, 3, 3, 16), dtype=np.float32)
    y = np.arange(8) % 2 if is_classifier(estimator) else np.linspace(1, 5, 8)
    check_refit_identical(estimator, H, y)


def test_every_estimator_is_checked_for_reproducible_fits():
    image_ids = {case.id for case in _image_cases()}
    for name in ESTIMATORS:
        if name in NOT_IMAGE_INPUT:
            continue
        assert f"{name}-check_refit_identical" in image_ids
        assert (name, "check_refit_identical") not in XFAIL
        # Seeded in the checks: a random_state left to None is tagged
        # non-deterministic and would make the check meaningless.
        assert not get_tags(_instance(name)).non_deterministic, name


def test_importing_the_numpy_layer_does_not_import_torch():
    import subprocess
    import sys

    code = (
        "import sys, skforensics, skforensics.feature, skforensics.utils, "
        "skforensics.datasets, skforensics.metrics; "
        "sys.exit(1 if 'torch' in sys.modules else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 0


# --------------------------------------------------------------------------
# (a) scikit-learn's whole battery (parametrize_with_checks) on every estimator.
# --------------------------------------------------------------------------
#
# scikit-learn runs no check at all (one SkipTestWarning) on an estimator
# whose tags say that it does not take 2-D tables, as every estimator of
# skforensics rightly says. So that the battery runs, each estimator is
# checked as a subclass of the same name whose one change is its tags
# (two_d_array=True). The checks that fit on tables then meet the
# estimator's refusal of a table (check_images: "X must have shape (n_images,
# height, width[, n_channels])"); they are the expected failures below, each
# with why it cannot apply and, where there is one, the check that tests the
# same property on images. The others pass for real: API, cloning, tags,
# parameters, NotFittedError before fit, sparse input refused with a message
# saying so, partial_fit's sample and 1-D checks. Strict: a check that starts
# to pass fails here until its entry goes.

# HyperImageClassifier/Regressor are transformers (TransformerMixin, as
# StackingClassifier is): transform gives the hyper-images.
HYPER_IMAGE_TRANSFORMERS = {"HyperImageClassifier", "HyperImageRegressor"}


def _table_view(cls):
    """``cls`` with tags that claim 2-D input, so that scikit-learn runs its checks."""

    def __sklearn_tags__(self):
        tags = super(view, self).__sklearn_tags__()
        tags.input_tags.two_d_array = True
        return tags

    view = type(
        cls.__name__,
        (cls,),
        {"__sklearn_tags__": __sklearn_tags__, "__module__": __name__},
    )
    return view


TABLE_VIEWS = {name: _table_view(cls) for name, cls in ESTIMATORS.items()}

# Why each check of the battery cannot pass; every one fits (or predicts) on
# 2-D tables, refused for their shape before anything the check looks at.
# "(images: ...)" names what tests the same property on image collections:
# an image check of skforensics.utils.estimator_checks or a row of the
# bad-input table (BAD_INPUTS).
_TABLE_REASONS = {
    "check_complex_data": "complex tables; complex images are refused with "
    "'Images must be real-valued'",
    "check_dict_unchanged": "fits on a table, then predicts",
    "check_dont_overwrite_parameters": "fits on a table",
    "check_dtype_object": "object tables of numbers are converted by "
    "check_array; images must hold numbers (TypeError 'Images must hold "
    "numbers')",
    "check_estimators_dtypes": "float32/int tables (images: "
    "check_float32_preserved, BAD_INPUTS uint16_low and signed_integers)",
    "check_estimators_empty_data_messages": "tables of 0 rows or columns, "
    "expecting n_features wording (images: BAD_INPUTS empty_array, empty_list)",
    "check_estimators_fit_returns_self": "fits on a table (images: "
    "check_fit_returns_self)",
    "check_estimators_nan_inf": "NaN/inf in tables (images: BAD_INPUTS nan, inf)",
    "check_estimators_overwrite_params": "fits on a table",
    "check_estimators_pickle": "fits on a table, then pickles (images: "
    "check_clone_and_pickle)",
    "check_f_contiguous_array_estimator": "Fortran-ordered tables",
    "check_fit2d_1feature": "a table of one column, expecting n_features wording",
    "check_fit2d_1sample": "a table of one row, expecting n_samples wording",
    "check_fit2d_predict1d": "fits on a table, then predicts on 1-D input "
    "(images: BAD_INPUTS ndim_1)",
    "check_fit_check_is_fitted": "fits on a table (images: check_not_fitted)",
    "check_fit_idempotent": "fits twice on a table (images: check_refit_identical)",
    "check_fit_score_takes_y": "fits on a table",
    "check_n_features_in": "n_features_in_ counts a table's columns; image "
    "estimators take images of any size and record n_channels_in_",
    "check_n_features_in_after_fitting": "n_features_in_ counts a table's "
    "columns (images: BAD_INPUTS channel_mismatch)",
    "check_positive_only_tag_during_fit": "negative tables; float images hold "
    "values in [0, 1]",
    "check_readonly_memmap_input": "read-only tables (images: BAD_INPUTS "
    "not_mutated, check_inputs_not_modified)",
}
_DETERMINISTIC_REASONS = {
    "check_methods_sample_order_invariance": "predicts on permuted table rows",
    "check_methods_subset_invariance": "predicts on table row batches",
    "check_pipeline_consistency": "fits a pipeline on a table",
}
_TRANSFORMER_REASONS = {
    "check_transformer_data_not_an_array": "table-like lists of rows",
    "check_transformer_general": "fits and transforms tables (images: "
    "check_n_samples_preserved)",
    "check_transformer_preserve_dtypes": "float32 tables (images: "
    "check_float32_preserved)",
}
_SUPERVISED_REASONS = {
    "check_requires_y_none": "a table with y=None; the table is refused "
    "before y is read (images: fit(X, None) is refused with 'requires y')",
    "check_supervised_y_2d": "fits on a table with a column-vector y",
}
_CLASSIFIER_REASONS = {
    "check_classifier_data_not_an_array": "table-like lists of rows",
    "check_classifiers_classes": "fits on tables with string and int classes",
    "check_classifiers_one_label": "a table with one class; images with one "
    "class are refused with 'at least 2 classes'",
    "check_classifiers_one_label_sample_weights": "a table with one class and "
    "sample weights",
    "check_classifiers_regression_target": "a table with continuous y; images "
    "with continuous y are refused with 'Unknown label type'",
    "check_classifiers_train": "learns a blob task on tables",
}
_REGRESSOR_REASONS = {
    "check_regressor_data_not_an_array": "table-like lists of rows",
    "check_regressors_int": "fits on integer tables",
    "check_regressors_no_decision_function": "fits on a table",
    "check_regressors_train": "learns a linear task on tables",
}
_SKORCH_REASONS = {
    "check_no_attributes_set_in_init": "skorch's NeuralNet.__init__ sets "
    "history_, initialized_ and virtual_params_ and stores module__ arguments "
    "as attributes",
}


def _x_is(name):
    if name in NOT_IMAGE_INPUT:
        return "X is hyper-images (n_images, U, V, D), so 2-D tables are refused"
    return "X is an image collection (n_images, H, W[, C]), so 2-D tables are refused"


def battery_expected_failures(estimator):
    """The checks of scikit-learn's battery ``estimator`` cannot pass, with why.

    The entries follow how scikit-learn lists its checks (by estimator kind
    and tags), so that each one names a check that runs.
    """
    name = type(estimator).__name__
    tags = get_tags(estimator)
    reasons = dict(_TABLE_REASONS)
    if not tags.non_deterministic:
        reasons.update(_DETERMINISTIC_REASONS)
    if hasattr(estimator, "transform"):
        reasons.update(_TRANSFORMER_REASONS)
    if tags.target_tags.required:
        reasons.update(_SUPERVISED_REASONS)
    elif is_regressor(estimator):  # y=None is valid: only the 2-D y check
        reasons["check_supervised_y_2d"] = _SUPERVISED_REASONS["check_supervised_y_2d"]
    if is_classifier(estimator):
        reasons.update(_CLASSIFIER_REASONS)
        if hasattr(estimator, "decision_function"):
            reasons["check_decision_proba_consistency"] = "predicts on tables"
    if is_regressor(estimator):
        reasons.update(_REGRESSOR_REASONS)
    if hasattr(estimator, "partial_fit"):
        reasons["check_estimators_partial_fit_n_features"] = (
            "partial_fit on tables of other widths (images: BAD_INPUTS "
            "channel_mismatch)"
        )
    if name in NOT_IMAGE_INPUT:  # complex hyper-images are refused first
        del reasons["check_complex_data"]
    expected = {check: f"{_x_is(name)}: {why}" for check, why in reasons.items()}
    if name in SKORCH_ESTIMATORS:
        expected.update(_SKORCH_REASONS)
    return expected


BATTERY = [
    TABLE_VIEWS[name](**INIT_PARAMS.get(name, {})) for name in sorted(ESTIMATORS)
]


@parametrize_with_checks(
    BATTERY, expected_failed_checks=battery_expected_failures, xfail_strict=True
)
def test_sklearn_battery(estimator, check):
    try:
        check(estimator)
    except Exception as exc:
        if _check_name(check) not in battery_expected_failures(estimator):
            raise
        # An expected failure: its message is all the report needs. pytest
        # parses the source of every frame of a traceback to report it,
        # seconds per failure in scikit-learn's long estimator_checks module;
        # without the frames, the few hundred expected failures cost nothing.
        raise exc.with_traceback(None) from None


def _check_name(check):
    while isinstance(check, functools.partial):
        check = check.func
    return check.__name__


@pytest.mark.parametrize("name", sorted(HYPER_IMAGE_TRANSFORMERS & set(ESTIMATORS)))
def test_hyper_image_estimators_have_transformer_tags(name):
    estimator = _instance(name)
    assert get_tags(estimator).transformer_tags is not None
    assert isinstance(estimator, TransformerMixin)


# scikit-learn's parameter-validation check (it is not in the battery):
# every value a constraint refuses raises InvalidParameterError in fit.
PARAM_VALIDATION_XFAIL = {
    name: "a skorch net's get_params lists skorch's own parameters (module, "
    "criterion, callbacks, iterator_*, module__*), which skorch checks itself; "
    "_parameter_constraints covers those of skforensics only (invalid values: "
    "BAD_PARAMETERS rows of the bad-input battery)"
    for name in SKORCH_ESTIMATORS
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(
            name,
            marks=[pytest.mark.xfail(reason=PARAM_VALIDATION_XFAIL[name], strict=True)]
            if name in PARAM_VALIDATION_XFAIL
            else [],
        )
        for name in sorted(ESTIMATORS)
    ],
)
def test_sklearn_param_validation(name):
    sk_checks.check_param_validation(name, _instance(name))


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
