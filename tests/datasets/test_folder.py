import numpy as np
import pytest
from PIL import Image

from skforensics.datasets import load_image_folder
from skforensics.utils import LazyImages, check_images


def _png(path, value, shape=(6, 5)):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full(shape, value, dtype=np.uint8)).save(path)


@pytest.fixture
def folder(tmp_path):
    _png(tmp_path / "real" / "b.png", 10)
    _png(tmp_path / "real" / "a.png", 20)
    _png(tmp_path / "real" / "phone" / "c.PNG", 30)  # nested, upper-case
    _png(tmp_path / "fake" / "z.png", 40)
    (tmp_path / "fake" / "notes.txt").write_text("not an image")
    _png(tmp_path / "fake" / ".hidden.png", 50)
    _png(tmp_path / ".cache" / "x.png", 60)
    _png(tmp_path / "loose.png", 70)  # not in a class folder
    return tmp_path


def test_labels_from_sub_folders_in_sorted_order(folder):
    X, y, groups = load_image_folder(folder)
    assert isinstance(X, LazyImages)
    assert y.tolist() == ["fake", "real", "real", "real"]
    np.testing.assert_array_equal(groups, np.arange(4))
    assert [X[i][0, 0] for i in range(4)] == [40, 20, 10, 30]
    assert X.paths[3].endswith("c.PNG")


def test_images_read_lazily_and_validate(folder):
    X, _, _ = load_image_folder(str(folder))
    checked = check_images(X)
    assert checked[0].dtype == np.float32
    assert checked[0][0, 0] == pytest.approx(40 / 255)


def test_extensions_filter(folder):
    _png(folder / "fake" / "y.bmp", 80)
    X, y, _ = load_image_folder(folder, extensions=("bmp",))
    assert y.tolist() == ["fake"]
    X, y, _ = load_image_folder(folder, extensions=[".PNG", ".bmp"])
    assert len(X) == 5


def test_corrupt_file_fails_when_read_with_its_name(folder):
    (folder / "fake" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n garbage")
    X, y, _ = load_image_folder(folder)
    assert len(X) == 5
    index = next(i for i, p in enumerate(X.paths) if p.endswith("broken.png"))
    with pytest.raises(OSError, match="broken.png"):
        X[index]


def test_missing_folder(tmp_path):
    with pytest.raises(FileNotFoundError, match="Image folder not found"):
        load_image_folder(tmp_path / "nope")


def test_file_instead_of_folder(tmp_path):
    _png(tmp_path / "one.png", 0)
    with pytest.raises(NotADirectoryError, match="is a file, not a folder"):
        load_image_folder(tmp_path / "one.png")


def test_empty_folder_names_the_extensions(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "real" / "readme.txt").write_text("")
    with pytest.raises(ValueError, match=r"No images found .*\.jpg, .*\.png"):
        load_image_folder(tmp_path)


def test_loose_images_get_a_hint(tmp_path):
    _png(tmp_path / "one.png", 0)
    with pytest.raises(ValueError, match="1 image file.* directly in the folder"):
        load_image_folder(tmp_path)


def test_bad_parameters(folder):
    with pytest.raises(
        ValueError, match="The 'extensions' parameter of load_image_folder"
    ):
        load_image_folder(folder, extensions=[])
    with pytest.raises(TypeError, match="The 'path' parameter of load_image_folder"):
        load_image_folder(3)
