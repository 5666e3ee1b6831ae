"""n_jobs over image collections: same results as one process; bad n_jobs.

The same loops on a Dask cluster are tested in tests/test_dask.py.
"""

import os

import numpy as np
import pytest
from joblib import Parallel, delayed, parallel_backend

from skforensics.feature import (
    BRISQUEExtractor,
    MSCNTransformer,
    brisque_features,
    mscn,
)
from skforensics.utils import make_test_images
from skforensics.utils._parallel import (
    _chunks,
    map_image_chunks,
    prepared_parallel,
    take_images,
)
from skforensics.utils._param_validation import InvalidParameterError


def _lengths(X):
    return [len(X)]


def _set_state(value):
    os.environ["SKF_TEST_WORKER_STATE"] = value


def _state_and_pid(_):
    return os.environ.get("SKF_TEST_WORKER_STATE"), os.getpid()


def test_prepared_parallel_workers_ran_the_initializer_first():
    # Workers left by an earlier call, which never ran the initializer, are
    # not reused: every task finds the state the initializer set.
    old = set(Parallel(n_jobs=2)(delayed(_state_and_pid)(i) for i in range(4)))
    assert {state for state, _ in old} == {None}
    parallel = prepared_parallel(2, _set_state, ("ready",))
    new = parallel(delayed(_state_and_pid)(i) for i in range(6))
    assert {state for state, _ in new} == {"ready"}
    assert not {pid for _, pid in old} & {pid for _, pid in new}
    # Backends without process workers ignore the initializer.
    with parallel_backend("threading"):
        threads = prepared_parallel(2, _set_state, ("c",))(
            delayed(_state_and_pid)(i) for i in range(2)
        )
    assert {state for state, _ in threads} == {None}


def test_chunks_are_contiguous_and_cover_every_image():
    for n_items, n_workers in [(1, 4), (5, 1), (7, 2), (3, 8), (100, 3)]:
        chunks = _chunks(n_items, n_workers)
        assert np.array_equal(np.concatenate(chunks), np.arange(n_items))
        assert len(chunks) == (1 if n_workers == 1 else min(n_items, 2 * n_workers))


def test_one_worker_runs_once_in_process():
    X = make_test_images(5, 16)
    assert map_image_chunks(_lengths, X, None) == [[5]]
    assert map_image_chunks(_lengths, X, 1) == [[5]]
    with parallel_backend("threading", n_jobs=2):  # a context sets the workers
        assert sum(map_image_chunks(_lengths, X, None), []) == [2, 1, 1, 1]


def test_take_images_keeps_the_form():
    X = make_test_images(4, 16)
    assert take_images(X, [1, 3]).shape == (2, 16, 16)
    assert isinstance(take_images(list(X), np.array([0])), list)


def test_mscn_n_jobs_gives_the_one_process_result():
    X = make_test_images(5, 24, n_channels=3, random_state=0)
    np.testing.assert_array_equal(mscn(X, n_jobs=2), mscn(X))
    sizes = [X[0], X[1][:20], X[2][:, :18]]
    for a, b in zip(mscn(sizes, n_jobs=2), mscn(sizes)):
        np.testing.assert_array_equal(a, b)
    with parallel_backend("threading", n_jobs=2):
        np.testing.assert_array_equal(MSCNTransformer().fit_transform(X), mscn(X))


def test_brisque_n_jobs_gives_the_one_process_result():
    X = make_test_images(4, 32, random_state=1)
    np.testing.assert_array_equal(brisque_features(X, n_jobs=2), brisque_features(X))


@pytest.mark.parametrize("n_jobs", [0, 1.5, "2"])
def test_bad_n_jobs_is_refused_at_fit(n_jobs):
    X = make_test_images(2, 32)
    for est in (BRISQUEExtractor(n_jobs=n_jobs), MSCNTransformer(n_jobs=n_jobs)):
        with pytest.raises(
            InvalidParameterError, match=r"'n_jobs' parameter of \w+ must be an int"
        ):
            est.fit(X)
    with pytest.raises(InvalidParameterError, match="of brisque_features must be"):
        brisque_features(X, n_jobs=n_jobs)
    with pytest.raises(InvalidParameterError, match="of mscn must be"):
        mscn(X, n_jobs=n_jobs)
