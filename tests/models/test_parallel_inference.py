"""n_jobs of the torch estimators' inference: results equal one process's.

Inference of the patch nets, the embedder and the JPEG maps is shared among
joblib workers in contiguous chunks of images (tests/test_dask.py runs it on
a Dask cluster).
"""

import numpy as np
import pytest
from joblib import parallel_backend

from skforensics.utils import make_test_images
from skforensics.utils._param_validation import InvalidParameterError

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from skforensics.models import (  # noqa: E402
    PatchCNNClassifier,
    PatchCNNRegressor,
    PatchEmbedder,
    PixelwiseJPEGRegressor,
)

TINY = dict(patch_size=8, max_epochs=1, verbose=0, random_state=0,
            module__n_filters=4, module__n_hidden=6)


@pytest.fixture(scope="module")
def gray():
    return make_test_images(6, 32, random_state=0)


def test_patch_net_predictions_with_workers(gray):
    # The estimators without an n_jobs parameter follow joblib's context.
    clf = PatchCNNClassifier(
        **TINY, module__n_blocks=1, module__pool_size=2
    ).fit(gray, [0, 1] * 3)
    reg = PatchCNNRegressor(**TINY).fit(gray, np.linspace(0, 1, 6))
    local = clf.predict_proba(gray), reg.predict_patch_map(gray)
    with parallel_backend("loky", n_jobs=2):
        remote = clf.predict_proba(gray), reg.predict_patch_map(gray)
    np.testing.assert_allclose(remote[0], local[0], rtol=0, atol=1e-6)
    np.testing.assert_allclose(remote[1], local[1], rtol=0, atol=1e-6)


def test_patch_net_n_jobs_parameter(gray):
    clf = PatchCNNClassifier(
        **TINY, module__n_blocks=1, module__pool_size=2
    ).fit(gray, [0, 1] * 3)
    assert clf.get_params()["n_jobs"] is None
    local = clf.predict_proba(gray)
    remote = clf.set_params(n_jobs=2).predict_proba(gray)
    np.testing.assert_allclose(remote, local, rtol=0, atol=1e-6)
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter of PatchCNNRegressor"):
        PatchCNNRegressor(**TINY, n_jobs=0).fit(gray, np.arange(6.0))


def test_embedder_n_jobs(gray):
    embedder = PatchEmbedder(PatchCNNRegressor(**TINY), grid=(2, 3))
    embedder.fit(gray, np.linspace(0, 1, 6))
    local = embedder.transform(gray)
    remote = embedder.set_params(n_jobs=2).transform(gray)
    # Other batches of patches: equal up to float32 summation order.
    np.testing.assert_allclose(remote, local, rtol=1e-5, atol=1e-6)
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter of PatchEmbedder"):
        PatchEmbedder(PatchCNNRegressor(**TINY), n_jobs=0).fit(gray, np.arange(6))


def test_jpeg_maps_n_jobs():
    X = make_test_images(3, 48, n_channels=3, dtype=np.uint8, random_state=0)
    est = PixelwiseJPEGRegressor(
        module__n_filters=4, patch_size=32, patches_per_epoch=16, batch_size=8,
        max_epochs=1, verbose=0, random_state=0,
    ).fit(X)
    local = est.predict_maps(X)
    remote = est.set_params(n_jobs=2).predict_maps(X)
    for a, b in zip(local, remote):
        np.testing.assert_allclose(b, a, rtol=0, atol=1e-6)
    np.testing.assert_allclose(
        est.predict(X), est.set_params(n_jobs=None).predict(X), rtol=0, atol=1e-4
    )
    with pytest.raises(InvalidParameterError, match="'n_jobs' parameter of Pixelwise"):
        est.set_params(n_jobs=0).predict(X)
    est.set_params(n_jobs=None)
