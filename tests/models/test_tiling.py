"""tiled_maps: tiles computed by several threads stitch into the same maps."""

import threading
import time

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from skforensics.models._tiling import tiled_maps  # noqa: E402
from skforensics.nn import JPEGQualityNet  # noqa: E402


class _Net(torch.nn.Module):
    """A tiny fully convolutional net (receptive field 5)."""

    receptive_field = 5

    def __init__(self):
        super().__init__()
        torch.manual_seed(0)
        self.conv = torch.nn.Conv2d(3, 2, 5, padding=2)

    def forward(self, x):
        return self.conv(x)


class _Recording(_Net):
    """Records the thread and torch's thread count of every tile."""

    def __init__(self):
        super().__init__()
        self.calls = []

    def forward(self, x):
        time.sleep(0.01)
        self.calls.append((threading.get_ident(), torch.get_num_threads()))
        return super().forward(x)


class _Failing(_Net):
    def forward(self, x):
        if x.shape[-1] < 20:  # the last column of tiles
            raise RuntimeError("tile failed")
        return super().forward(x)


@pytest.fixture
def image():
    return np.random.default_rng(0).random((61, 75, 3), dtype=np.float32)


@pytest.mark.parametrize("module", [_Net(), JPEGQualityNet(n_filters=4)])
def test_threads_give_the_maps_of_one_thread(module, image):
    module.eval()
    if isinstance(module, JPEGQualityNet):
        module.chunk_size = 300
    with torch.inference_mode():
        whole = module(torch.from_numpy(image).permute(2, 0, 1)[None])[0].numpy()
    one = tiled_maps(module, image, tile_size=16, n_threads=1)
    two = tiled_maps(module, image, tile_size=16, n_threads=2)
    # Each tile runs on one torch thread, whatever the number of threads.
    np.testing.assert_array_equal(
        tiled_maps(module, image, tile_size=16, n_threads=3), two
    )
    np.testing.assert_allclose(two, one, atol=1e-5)
    np.testing.assert_allclose(one, whole, atol=1e-5)
    assert one.shape == (2, 61, 75) and one.dtype == np.float32


def test_tiles_share_threads_each_on_one_torch_thread(image):
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        net = _Recording().eval()
        tiled_maps(net, image, tile_size=16, n_threads=2)
        assert len(net.calls) == 20  # 4 x 5 tiles
        assert len({thread for thread, _ in net.calls}) == 2
        assert {count for _, count in net.calls} == {1}
        net.calls.clear()
        tiled_maps(net, image, tile_size=16, n_threads=1)
        assert len({thread for thread, _ in net.calls}) == 1
        assert {count for _, count in net.calls} == {2}
    finally:
        torch.set_num_threads(before)


def test_thread_count_is_restored(image):
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        tiled_maps(_Net().eval(), image, tile_size=16)
        assert torch.get_num_threads() == 2
        with pytest.raises(RuntimeError, match="tile failed"):
            tiled_maps(_Failing().eval(), image, tile_size=16, n_threads=2)
        assert torch.get_num_threads() == 2
        # Overlapping calls: the last one out restores the count.
        results, net = [], _Net().eval()

        def run():
            results.append(tiled_maps(net, image, tile_size=8))

        threads = [threading.Thread(target=run) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert torch.get_num_threads() == 2
        assert len(results) == 4
        for maps in results[1:]:
            np.testing.assert_allclose(maps, results[0], atol=1e-6)
    finally:
        torch.set_num_threads(before)


def test_freed_memory_is_given_back_after_the_tiles(image, monkeypatch):
    import skforensics.models._tiling as tiling

    calls = []
    monkeypatch.setattr(tiling, "_malloc_trim", lambda: calls.append)
    tiled_maps(_Net().eval(), image, tile_size=16, n_threads=2)
    assert calls == [0]
    with pytest.raises(RuntimeError, match="tile failed"):
        tiled_maps(_Failing().eval(), image, tile_size=16, n_threads=1)
    assert calls == [0, 0]
    # Without glibc's malloc_trim nothing is called, and the maps come.
    monkeypatch.setattr(tiling, "_malloc_trim", lambda: None)
    assert tiled_maps(_Net().eval(), image, tile_size=16).shape == (2, 61, 75)


def test_malloc_trim_is_looked_up_once(monkeypatch):
    import skforensics.models._tiling as tiling

    lookup = tiling._malloc_trim
    lookup.cache_clear()
    found = lookup()
    assert lookup() is found
    lookup.cache_clear()
    monkeypatch.setattr(tiling.ctypes.util, "find_library", lambda name: None)
    try:
        assert lookup() is None
    finally:
        lookup.cache_clear()
