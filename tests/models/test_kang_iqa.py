"""Kang et al.'s patch-averaging NR-IQA on the localized-artifact task.

The slow test trains the regressor for real and prints SROCC / PLCC
(``pytest -m slow tests/models/test_kang_iqa.py -s``); the fast one checks
the wiring on a few images.
"""

import pytest

pytest.importorskip("torch")
pytest.importorskip("skorch")

from skforensics.datasets import make_localized_artifacts  # noqa: E402
from skforensics.metrics import plcc, srocc  # noqa: E402
from skforensics.models import PatchCNNRegressor  # noqa: E402
from skforensics.nn import KangCNN  # noqa: E402


def test_kang_regressor_wiring_on_localized_artifacts():
    X, y, groups = make_localized_artifacts(6, image_size=64, random_state=0)
    reg = PatchCNNRegressor(
        patch_size=32, sampling="grid", max_epochs=1, verbose=0, random_state=0,
        module__n_hidden=16,
    ).fit(X, y)
    assert isinstance(reg.module_, KangCNN)
    assert reg.module_.conv.kernel_size == (7, 7)
    assert reg.predict(X).shape == (6,)
    assert reg.predict_patch_map(X).shape == (6, 2, 2)


@pytest.mark.slow
def test_kang_patch_averaging_srocc_plcc():
    X, y, _ = make_localized_artifacts(1200, random_state=0)
    X_train, y_train, X_test, y_test = X[:900], y[:900], X[900:], y[900:]
    reg = PatchCNNRegressor(
        patch_size=32, sampling="grid", max_epochs=20, batch_size=128, lr=1e-3,
        verbose=0, random_state=0,
    ).fit(X_train, y_train)
    pred = reg.predict(X_test)
    s, p = srocc(y_test, pred), plcc(y_test, pred)
    print(f"\nKang patch averaging, 900 train / 300 test images: "
          f"SROCC {s:.3f}, PLCC {p:.3f}")
    # Averaging patch scores is a weak model of a score that a few patches
    # decide (the point of the hyper-image paper), but it is far from chance.
    assert s > 0.3 and p > 0.3
