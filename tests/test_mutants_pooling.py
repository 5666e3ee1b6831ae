"""Tests that kill the mutants mutmut left alive in the pooling registry,
``skforensics/models/_pooling.py`` (issue 25, part 6).

The median of a large map is found by counting (``_select_median``) rather
than by np.median's sorted copy; it must be np.median's value, bit for bit,
for every map, and only 1-D float32 maps may take that path. The size at
which counting starts is lowered here so that small arrays exercise it.
"""

import numpy as np
import pytest

from skforensics.models import _pooling


@pytest.fixture
def counting(monkeypatch):
    """Counting median from 10 values on, in chunks of 64."""
    monkeypatch.setattr(_pooling, "_LARGE", 10)
    monkeypatch.setattr(_pooling, "_CHUNK", 64)
    return _pooling


def test_large_float64_and_2d_values_get_numpys_median(counting):
    rng = np.random.default_rng(0)
    values = rng.random(1001)  # float64: its bits are not float32 keys
    got = counting.pool(values, "median")
    assert got.dtype == np.float64
    assert got == np.median(values)
    grid = rng.random((200, 3)).astype(np.float32)  # per-patch rows, not a map
    got = counting.pool(grid, "median")
    assert got.shape == (3,)
    np.testing.assert_array_equal(got, np.median(grid, axis=0))


@pytest.mark.parametrize("n", [1001, 1000])
def test_the_median_of_a_negative_map(counting, n):
    values = -np.random.default_rng(1).random(n).astype(np.float32) - 0.5
    got = counting.pool(values, "median")
    assert got < 0
    assert got == np.median(values) and got.dtype == np.float32


@pytest.mark.parametrize("n", [1001, 1000])
def test_ties_of_one_bucket_in_every_chunk(counting, n):
    # All values share their high 16 bits; descending, so the smallest lie
    # in the last chunk: the second pass must count every chunk.
    values = (np.float32(1) + np.arange(n, dtype=np.float32) * np.float32(2**-23))[::-1]
    values = np.ascontiguousarray(values)
    assert counting.pool(values, "median") == np.median(values)


def test_the_middle_value_is_returned_exactly(counting):
    # 6.389289 is a float32 whose (x + x + x) / 3 is not x: the middle
    # element itself, not an average of copies of it, is the median.
    x = np.float32(6.389289)
    rng = np.random.default_rng(2)
    values = np.concatenate([rng.random(500) * 6, [x], 7 + rng.random(500)])
    values = rng.permutation(values).astype(np.float32)
    got = counting.pool(values, "median")
    assert got == x == np.median(values)
