"""skorch's own check of its ``**kwargs`` runs on every skorch estimator.

A misspelled argument (a prefix without its last letter, a typo in a
skorch parameter) must raise skorch's ValueError when the net is
initialised or fitted, never be stored and silently ignored; the
package's own parameter checks must still run.
"""

import pytest

from skforensics.models import (
    HyperImageNetClassifier,
    HyperImageNetRegressor,
    PatchCNNClassifier,
    PatchCNNRegressor,
    PatchRankingRegressor,
    PixelwiseJPEGRegressor,
)
from skforensics.utils import make_test_images

ESTIMATORS = [
    (PatchCNNClassifier, {"patch_size": 16}),
    (PatchCNNRegressor, {"patch_size": 16}),
    (PatchRankingRegressor, {"patch_size": 16}),
    (PixelwiseJPEGRegressor, {}),
    (HyperImageNetClassifier, {}),
    (HyperImageNetRegressor, {}),
]
IDS = [cls.__name__ for cls, _ in ESTIMATORS]
MISSPELLED = [
    ({"modul__n_filters": 3}, "modul__n_filters"),
    ({"batch_sise": 8}, "batch_sise"),
    ({"max_epoch": 1}, "max_epoch"),
    ({"iterator_train_shuffle": True}, "did you mean iterator_train__shuffle"),
]


@pytest.mark.parametrize("cls, params", ESTIMATORS, ids=IDS)
@pytest.mark.parametrize("bad, match", MISSPELLED)
def test_misspelled_parameter_raises_on_initialize(cls, params, bad, match):
    est = cls(**params, **bad)
    with pytest.raises(ValueError, match=match):
        est.initialize()


@pytest.mark.parametrize("bad, match", MISSPELLED[:3])
def test_misspelled_parameter_raises_on_fit_before_training(bad, match):
    X = make_test_images(4, 32, n_channels=1)
    est = PatchCNNClassifier(
        patch_size=16, module__n_filters=4, max_epochs=1, verbose=0, **bad
    )
    with pytest.raises(ValueError, match=match):
        est.fit(X, [0, 1, 0, 1])
    assert not hasattr(est, "module_")


@pytest.mark.parametrize("cls, params", ESTIMATORS, ids=IDS)
def test_misspelled_parameter_raises_on_set_params(cls, params):
    est = cls(**params)
    with pytest.raises(ValueError, match="modul__n_filters"):
        est.set_params(modul__n_filters=3).initialize()


@pytest.mark.parametrize("cls, params", ESTIMATORS, ids=IDS)
def test_prefixed_parameters_still_accepted(cls, params):
    est = cls(
        **params,
        iterator_train__num_workers=0,
        iterator_valid__batch_size=4,
        callbacks__print_log__sink=print,
    )
    est._validate_params()  # no error


def test_package_checks_still_run():
    with pytest.raises(ValueError, match="'lr' parameter of PatchCNNClassifier"):
        PatchCNNClassifier(patch_size=16, lr=-1.0).initialize()
    with pytest.raises(ValueError, match="quality_range"):
        PixelwiseJPEGRegressor(quality_range=(50, 10)).initialize()
    # The package's constraint is reported before skorch's typo check.
    with pytest.raises(ValueError, match="'max_epochs' parameter"):
        PatchCNNRegressor(patch_size=16, max_epochs=-1, batch_sise=8).initialize()
