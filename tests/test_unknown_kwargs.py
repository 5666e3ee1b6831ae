"""No public entry point that takes ``**kwargs`` accepts a name it does not know.

A misspelled keyword must raise a TypeError or ValueError that names it,
never be stored and ignored (``PatchCNNClassifier(batch_sise=8)`` used to
fit with the default batch size). The estimators' own constructors are
tested in tests/models/test_skorch_checks.py; here, every other public
function and method with ``**kwargs``, and a guard that lists them all, so
that a new one comes with its test.
"""

import importlib
import inspect

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from skforensics.utils import LazyImages, apply_images, make_test_images  # noqa: E402

SUBPACKAGES = ["utils", "feature", "datasets", "metrics", "nn", "models", "inspection"]

# Every public callable with **kwargs, and where its unknown names are refused.
COVERED = {
    # skorch's hooks and skorch's own signatures: names go to the module's
    # forward (TypeError) or to skorch's checked set_params.
    "fit": "test_fit_params_reach_the_module",
    "partial_fit": "test_fit_params_reach_the_module",
    "set_params": "test_set_params_refuses_unknown_names",
    "__init__": "tests/models/test_skorch_checks.py",
    "get_loss": "skorch hook, called by skorch with its own arguments",
    "on_epoch_begin": "skorch hook, called by skorch with its own arguments",
    "get_split_datasets": "skorch hook, called by skorch with fit_params",
    "map": "test_lazy_map_refuses_unknown_keywords_now",
    "apply_images": "test_apply_images_refuses_unknown_keywords",
    "load_pretrained_jpeg": "test_load_pretrained_jpeg_refuses_unknown_names",
    "paper": "test_paper_refuses_unknown_names",
    "from_estimator": "test_displays_refuse_unknown_plot_keywords",
    "from_predictions": "test_displays_refuse_unknown_plot_keywords",
    "from_images": "test_displays_refuse_unknown_plot_keywords",
    "from_features": "test_displays_refuse_unknown_plot_keywords",
    "image_estimator_checks": "test_estimator_checks_refuse_unknown_data_keywords",
    "check_image_estimator": "test_estimator_checks_refuse_unknown_data_keywords",
    "image_estimator_bad_input_checks": (
        "test_estimator_checks_refuse_unknown_data_keywords"
    ),
    "check_image_estimator_bad_inputs": (
        "test_estimator_checks_refuse_unknown_data_keywords"
    ),
}


def _public_callables_with_kwargs():
    found = set()
    modules = [importlib.import_module(f"skforensics.{s}") for s in SUBPACKAGES]
    modules.append(importlib.import_module("skforensics.utils.estimator_checks"))
    for module in modules:
        for name in getattr(module, "__all__", []):
            obj = getattr(module, name)
            members = [("", obj)] if inspect.isfunction(obj) else []
            if inspect.isclass(obj) and obj.__module__.startswith("skforensics"):
                for attr, member in inspect.getmembers(obj):
                    func = getattr(member, "__func__", member)
                    if (attr == "__init__" or not attr.startswith("_")) and (
                        inspect.isfunction(func)
                        and func.__module__.startswith("skforensics")
                    ):
                        members.append((attr, func))
            for short, func in members:
                try:
                    params = inspect.signature(func).parameters.values()
                except (TypeError, ValueError):
                    continue
                if any(p.kind is p.VAR_KEYWORD for p in params):
                    found.add((f"{module.__name__}.{name}", short or name))
    return found


def test_every_public_kwargs_entry_point_is_covered():
    missing = sorted(
        f"{owner} ({short})"
        for owner, short in _public_callables_with_kwargs()
        if short not in COVERED
    )
    assert not missing, f"new **kwargs entry points without a test: {missing}"


def test_lazy_map_refuses_unknown_keywords_now(tmp_path):
    from PIL import Image

    path = tmp_path / "a.png"
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(path)
    images = LazyImages([str(path)])
    with pytest.raises(TypeError, match="axs"):
        images.map(np.flip, axs=0)
    flipped = images.map(np.flip, axis=0)  # a known keyword still works
    assert flipped[0].shape == (8, 8)


def test_apply_images_refuses_unknown_keywords():
    X = make_test_images(2, 16)
    with pytest.raises(TypeError, match="axs"):
        apply_images(np.flip, X, axs=0)
    # n_jobs as the estimators take it (2.5 and "3" went to joblib as they were).
    for n_jobs in (2.5, "3", 0):
        with pytest.raises(ValueError, match="'n_jobs' parameter of apply_images"):
            apply_images(np.flip, X, n_jobs=n_jobs)


def test_load_pretrained_jpeg_refuses_unknown_names():
    from skforensics.models import load_pretrained_jpeg

    with pytest.raises(ValueError) as exc:
        load_pretrained_jpeg(tile_sise=200)
    assert str(exc.value) == (
        "load_pretrained_jpeg got unknown PixelwiseJPEGRegressor parameter(s) "
        "tile_sise (tile_sise: did you mean 'tile_size'?)."
    )
    with pytest.raises(ValueError, match="modul__n_filters"):
        load_pretrained_jpeg(modul__n_filters=3)
    assert load_pretrained_jpeg(tile_size=200).tile_size == 200


def test_paper_refuses_unknown_names():
    from skforensics.nn import JPEGQualityNet

    with pytest.raises(TypeError, match="n_filtres"):
        JPEGQualityNet.paper(n_filtres=8)


def test_fit_params_reach_the_module():
    from skforensics.models import PatchCNNClassifier

    est = PatchCNNClassifier(
        patch_size=16, module__n_filters=2, max_epochs=1, verbose=0, random_state=0
    )
    with pytest.raises(TypeError, match="bogus"):
        est.fit(make_test_images(4, 32), [0, 1, 0, 1], bogus=1)


def test_set_params_refuses_unknown_names():
    from skforensics.models import PatchCNNRegressor

    est = PatchCNNRegressor(patch_size=16)
    with pytest.raises(ValueError, match="batch_sise"):
        est.set_params(batch_sise=8)
    with pytest.raises(ValueError, match="modul__n_filters"):
        est.set_params(modul__n_filters=3).initialize()


def test_estimator_checks_refuse_unknown_data_keywords():
    from skforensics.models import PatchCNNClassifier
    from skforensics.utils.estimator_checks import (
        check_image_estimator,
        check_image_estimator_bad_inputs,
        image_estimator_bad_input_checks,
        image_estimator_checks,
    )

    est = PatchCNNClassifier(patch_size=8)
    for check in (
        lambda: list(image_estimator_checks(est, n_imags=3)),
        lambda: check_image_estimator(est, n_imags=3),
        lambda: list(image_estimator_bad_input_checks(est, n_imags=3)),
        lambda: check_image_estimator_bad_inputs(est, n_imags=3),
    ):
        with pytest.raises(TypeError, match="n_imags"):
            check()


def test_displays_refuse_unknown_plot_keywords():
    from skforensics.inspection import JPEGMapDisplay, MSCNDisplay, PatchScoreDisplay

    image = make_test_images(1, 64)[0]
    zeros = np.zeros((64, 64), np.float32)
    with pytest.raises(TypeError, match="bogus"):
        MSCNDisplay.from_images([image], bogus=1)
    with pytest.raises(TypeError, match="bogus"):
        JPEGMapDisplay.from_predictions(image, zeros + 90, zeros, bogus=1)
    with pytest.raises(TypeError, match="bogus"):
        PatchScoreDisplay.from_predictions(
            image, np.zeros((4, 4)), patch_size=16, bogus=1
        )
