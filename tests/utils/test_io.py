import pickle

import numpy as np
import pytest
from PIL import Image
from sklearn.model_selection import GroupKFold
from sklearn.utils import _safe_indexing

from skforensics.utils import LazyImages, read_image


def _save(path, array, **kwargs):
    Image.fromarray(array).save(path, **kwargs)
    return path


def test_read_modes(tmp_path):
    gray = _save(tmp_path / "g.png", np.arange(64, dtype=np.uint8).reshape(8, 8))
    rgb = _save(tmp_path / "c.png", np.zeros((8, 8, 3), np.uint8))
    deep = tmp_path / "d.png"
    Image.fromarray(np.full((8, 8), 60000, np.uint16)).save(deep)
    assert read_image(gray).dtype == np.uint8
    assert read_image(rgb).shape == (8, 8, 3)
    image16 = read_image(deep)
    assert image16.dtype == np.uint16 and image16.max() == 60000


def test_missing_file_names_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match="nope.png"):
        read_image(tmp_path / "nope.png")


def test_not_an_image_names_the_path(tmp_path):
    path = tmp_path / "text.png"
    path.write_text("hello")
    with pytest.raises(OSError, match="text.png"):
        read_image(path)


def test_truncated_file_names_the_path(tmp_path):
    path = _save(tmp_path / "full.png", np.random.randint(0, 255, (64, 64), np.uint8))
    data = path.read_bytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(OSError, match=r"cut.png.*truncated or corrupt"):
        read_image(cut)


def test_decompression_bomb_is_a_clear_error(tmp_path, monkeypatch):
    path = _save(tmp_path / "big.png", np.zeros((64, 64), np.uint8))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ValueError, match=r"big.png.*decompression-bomb limit"):
        read_image(path)


def test_lazy_images_index_without_reading(tmp_path):
    paths = [_save(tmp_path / f"{i}.png", np.full((4, 4), i, np.uint8)) for i in range(5)]
    X = LazyImages(paths)
    (tmp_path / "4.png").unlink()  # nothing is read until accessed
    subset = X[[0, 2]]
    assert isinstance(subset, LazyImages) and subset.paths == (str(paths[0]), str(paths[2]))
    assert X[1:3][0].max() == 1
    assert len(X[np.array([True, False, True, False, False])]) == 2
    with pytest.raises(FileNotFoundError, match="4.png"):
        X[4]


def test_lazy_images_work_with_sklearn_indexing_and_pickle(tmp_path):
    paths = [_save(tmp_path / f"{i}.png", np.full((4, 4), i, np.uint8)) for i in range(6)]
    X = LazyImages(paths)
    groups = np.arange(6) // 2
    for train, test in GroupKFold(3).split(np.zeros(6), groups=groups):
        part = _safe_indexing(X, test)
        assert isinstance(part, LazyImages)
        assert [int(part[i][0, 0]) for i in range(len(part))] == list(test)
    assert pickle.loads(pickle.dumps(X)) == X


def test_lazy_images_refuse_a_single_path(tmp_path):
    with pytest.raises(TypeError, match="sequence of file paths"):
        LazyImages(str(tmp_path / "a.png"))


def test_lazy_images_pickle_as_paths_not_pixels(tmp_path):
    # What a joblib or Dask worker receives: the paths; it reads the files.
    paths = [_save(tmp_path / f"{i}.png", np.zeros((256, 256), np.uint8)) for i in range(3)]
    X = LazyImages(paths).map(np.transpose)
    X[0]  # reading an image caches nothing that would travel
    data = pickle.dumps(X)
    assert len(data) < 1000  # three 256x256 images would take 196 kB
    _save(paths[0], np.full((256, 256), 7, np.uint8))  # changed after pickling
    assert pickle.loads(data)[0][0, 0] == 7
