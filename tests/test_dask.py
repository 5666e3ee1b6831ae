"""Work over image collections moves onto a Dask cluster through joblib.

A real ``distributed.LocalCluster`` of two single-threaded worker processes
on loopback, started once for this module and closed after it. Each result
must equal the local run's, and the Dask scheduler must have run the tasks
(its task stream is recorded), so a silent fallback to local work fails.
"""

import os

import numpy as np
import pytest
from joblib import parallel_backend
from PIL import Image
from sklearn.model_selection import GridSearchCV, GroupKFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skforensics.feature import BRISQUEExtractor, brisque_features, mscn
from skforensics.utils import LazyImages, make_test_images

distributed = pytest.importorskip("distributed")


def test_dask_backend_without_a_client_says_how_to_make_one():
    # Runs before the cluster fixture exists: no client in this process.
    X = make_test_images(2, 32)
    with pytest.raises(ValueError, match="first create a Dask Client"):
        with parallel_backend("dask"):
            brisque_features(X)


@pytest.fixture(scope="module")
def client():
    with distributed.LocalCluster(
        processes=True,
        n_workers=2,
        threads_per_worker=1,
        host="127.0.0.1",
        dashboard_address=None,
        env={"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"},
    ) as cluster, distributed.Client(cluster) as client:
        yield client


def _on_cluster(client, func):
    """``func()`` under the dask backend, and how many tasks the workers ran."""
    with distributed.get_task_stream(client) as stream:
        with parallel_backend("dask"):
            result = func()
    workers = {task["worker"] for task in stream.data}
    return result, len(stream.data), workers


@pytest.fixture(scope="module")
def image_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("images")
    X = make_test_images(8, 48, n_channels=3, dtype=np.uint8, random_state=0)
    paths = []
    for i, image in enumerate(X):
        paths.append(os.path.join(folder, f"{i}.png"))
        Image.fromarray(image).save(paths[-1])
    return paths


def test_brisque_of_lazy_images_on_the_cluster(client, image_files):
    X = LazyImages(image_files)
    local = BRISQUEExtractor().fit_transform(X)
    remote, n_tasks, workers = _on_cluster(
        client, lambda: BRISQUEExtractor().fit_transform(X)
    )
    assert n_tasks >= len(X) // 2 and len(workers) == 2
    np.testing.assert_array_equal(remote, local)


def test_mscn_chunks_on_the_cluster(client):
    X = make_test_images(6, 32, random_state=1)
    remote, n_tasks, _ = _on_cluster(client, lambda: mscn(X))
    assert n_tasks >= 2
    np.testing.assert_array_equal(remote, mscn(X))


def test_grid_search_on_the_cluster(client):
    X = make_test_images(12, 32, random_state=2)
    y = np.array([0, 1] * 6)
    groups = np.repeat(np.arange(6), 2)

    def search():
        grid = GridSearchCV(
            make_pipeline(BRISQUEExtractor(), StandardScaler(), SVC()),
            {"svc__C": [0.1, 1.0, 10.0]},
            cv=GroupKFold(3),
        )
        return grid.fit(X, y, groups=groups)

    local = search()
    remote, n_tasks, _ = _on_cluster(client, search)
    assert n_tasks >= 9  # 3 candidates x 3 folds
    assert remote.best_params_ == local.best_params_
    for key in ("mean_test_score", "split0_test_score", "rank_test_score"):
        np.testing.assert_array_equal(remote.cv_results_[key], local.cv_results_[key])
    np.testing.assert_array_equal(remote.decision_function(X), local.decision_function(X))


def test_pretrained_detector_predicts_on_the_cluster(client):
    pytest.importorskip("torch")
    from skforensics.models import pretrained

    detector = pretrained("upscale-detector")
    # A collection of mixed sizes, as photographs are.
    X = [
        make_test_images(1, (64 + 16 * (i % 3), 96), n_channels=3, random_state=i)[0]
        for i in range(8)
    ]
    local = detector.predict_proba(X)
    remote, n_tasks, workers = _on_cluster(client, lambda: detector.predict_proba(X))
    assert n_tasks >= 2 and len(workers) == 2
    np.testing.assert_allclose(remote, local, rtol=0, atol=1e-6)
