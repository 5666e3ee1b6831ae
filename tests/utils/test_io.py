import os
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


def test_heic_is_named_with_what_to_do(tmp_path):
    # Phones write HEIC, which Pillow decodes only with a plugin: the error
    # says so (and the audits list such files rather than skip them).
    path = tmp_path / "IMG_0001.HEIC"
    path.write_bytes(b"\x00\x00\x00\x18ftypheic" + bytes(200))
    with pytest.raises(OSError, match="IMG_0001.HEIC.*HEIC/HEIF.*pillow-heif"):
        read_image(path)


def test_lossy_codec_of_webp_and_other_files(tmp_path):
    from skforensics.utils._io import lossy_codec

    image = Image.fromarray(np.arange(64 * 64, dtype=np.uint8).reshape(64, 64))
    frames = [image, image.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    saves = {
        "lossy.webp": dict(quality=80),
        "lossless.webp": dict(lossless=True),
        "alpha.webp": dict(quality=80),  # VP8X, then ALPH before VP8
        "animated.webp": dict(quality=80, save_all=True, append_images=frames[1:]),
        "still.png": {},
    }
    expected = {"lossy.webp": "WebP", "alpha.webp": "WebP", "animated.webp": "WebP"}
    for name, options in saves.items():
        picture = image.convert("RGBA") if name == "alpha.webp" else image
        picture.save(tmp_path / name, **options)
        with Image.open(tmp_path / name) as img:
            position = img.fp.tell()
            assert lossy_codec(img) == expected.get(name), name
            assert img.fp.tell() == position  # Pillow's reading left as it was
            img.load()
            assert img.size == (64, 64)


def test_truncated_file_names_the_path(tmp_path):
    path = _save(tmp_path / "full.png", np.random.randint(0, 255, (64, 64), np.uint8))
    data = path.read_bytes()
    cut = tmp_path / "cut.png"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(OSError, match=r"cut.png.*truncated or corrupt"):
        read_image(cut)


def test_pillow_warnings_name_the_file(tmp_path, monkeypatch):
    # Pillow warns about what it reads (corrupt EXIF data, ...) without
    # naming the file: passed on naming it, or dropped when the read fails.
    import warnings

    import skforensics.utils._io as io

    path = str(tmp_path / "a.png")
    Image.fromarray(np.zeros((4, 5), dtype=np.uint8)).save(path)
    opened = io._open_image

    def warning_open(path, limit):
        warnings.warn("Corrupt EXIF data.", UserWarning)
        return opened(path, limit)

    monkeypatch.setattr(io, "_open_image", warning_open)
    with pytest.warns(UserWarning, match=r"Image file '.*a\.png': Corrupt EXIF") as w:
        assert read_image(path).shape == (4, 5)
    assert len(w) == 1

    def failing_open(path, limit):
        warnings.warn("Corrupt EXIF data.", UserWarning)
        raise SyntaxError("not a TIFF file")

    monkeypatch.setattr(io, "_open_image", failing_open)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(OSError, match=r"Cannot read image file '.*a\.png'"):
            read_image(path)


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


def test_max_pixels_lowers_and_raises_the_limit(tmp_path, monkeypatch):
    path = _save(tmp_path / "big.png", np.zeros((64, 64), np.uint8))
    with pytest.raises(ValueError, match=r"big.png' has 4096 pixels.*max_pixels=4095"):
        read_image(path, max_pixels=4095)
    assert read_image(path, max_pixels=4096).shape == (64, 64)
    # Above Pillow's limit: refused by default, read when the limit is raised,
    # and Pillow's own setting is left as it was.
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)
    with pytest.raises(ValueError, match="MAX_IMAGE_PIXELS = 1000"):
        read_image(path)
    assert read_image(path, max_pixels=5000).shape == (64, 64)
    assert read_image(path, max_pixels=None).shape == (64, 64)
    assert Image.MAX_IMAGE_PIXELS == 1000


@pytest.mark.parametrize("bad", [0, -5, 2.5, "1000", True])
def test_max_pixels_must_be_a_positive_int(tmp_path, bad):
    path = _save(tmp_path / "a.png", np.zeros((4, 4), np.uint8))
    with pytest.raises(ValueError, match="max_pixels must be a positive int"):
        read_image(path, max_pixels=bad)
    with pytest.raises(ValueError, match="max_pixels must be a positive int"):
        LazyImages([path], max_pixels=bad)


def test_lazy_images_keep_max_pixels_through_indexing_and_pickle(tmp_path):
    paths = [_save(tmp_path / f"{i}.png", np.zeros((8, 8), np.uint8)) for i in range(3)]
    X = LazyImages(paths, max_pixels=63)
    for subset in (X[1:], X[[0, 2]], pickle.loads(pickle.dumps(X)), X.map(np.flipud)):
        assert subset.max_pixels == 63
        with pytest.raises(ValueError, match=r"\d.png' has 64 pixels"):
            subset[0]
    assert LazyImages(paths, max_pixels=64)[0].shape == (8, 8)
    assert X != LazyImages(paths)


def test_folder_named_like_a_file(tmp_path):
    (tmp_path / "photo.png").mkdir()
    with pytest.raises(IsADirectoryError, match="photo.png' is a folder"):
        read_image(tmp_path / "photo.png")


def test_symbolic_link_loop_and_dangling_link(tmp_path):
    (tmp_path / "a.png").symlink_to("b.png")
    (tmp_path / "b.png").symlink_to("a.png")
    (tmp_path / "c.png").symlink_to("gone.png")
    with pytest.raises(OSError, match="a.png' is a symbolic link loop"):
        read_image(tmp_path / "a.png")
    with pytest.raises(FileNotFoundError, match="c.png' is a symbolic link to 'gone.png'"):
        read_image(tmp_path / "c.png")


def test_unreadable_file_says_permission_denied(tmp_path):
    path = _save(tmp_path / "secret.png", np.zeros((4, 4), np.uint8))
    path.chmod(0)
    try:
        if os.access(path, os.R_OK):
            pytest.skip("running as root: a file of mode 000 is readable")
        with pytest.raises(PermissionError, match="secret.png': permission denied"):
            read_image(path)
    finally:
        path.chmod(0o644)


def test_gray_with_alpha_reads_as_rgba(tmp_path):
    gray = np.arange(48, dtype=np.uint8).reshape(6, 8)
    path = tmp_path / "la.png"
    Image.fromarray(np.dstack([gray, np.full_like(gray, 200)])).save(path)
    image = read_image(path)
    assert image.shape == (6, 8, 4)
    np.testing.assert_array_equal(image[..., 0], gray)
    np.testing.assert_array_equal(image[..., 1], gray)
    assert (image[..., 3] == 200).all()


def test_exif_orientation_is_not_applied(tmp_path):
    # Pixels come out as stored: a rotation tag would move the JPEG grid.
    stored = np.zeros((16, 24, 3), np.uint8)
    stored[:8, :8] = 255
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90 CW to display"
    path = tmp_path / "rotated.jpg"
    Image.fromarray(stored).save(path, quality=95, exif=exif.tobytes())
    image = read_image(path)
    assert image.shape == (16, 24, 3)
    assert image[:8, :8].mean() > 240 and image[8:, 8:].mean() < 15


def test_multi_frame_files_give_their_first_frame(tmp_path):
    frames = [Image.fromarray(np.full((8, 10, 3), 60 * i, np.uint8)) for i in range(3)]
    for name in ("pages.tif", "anim.gif", "anim.webp"):
        path = tmp_path / name
        frames[1].save(path, save_all=True, append_images=[frames[2], frames[0]],
                       **({"lossless": True} if name.endswith("webp") else {}))
        image = read_image(path)
        assert image.shape == (8, 10, 3)
        assert abs(float(image.mean()) - 60) < 2


def test_load_image_folder_passes_max_pixels(tmp_path):
    from skforensics.datasets import load_image_folder

    (tmp_path / "a").mkdir()
    Image.fromarray(np.zeros((8, 8), np.uint8)).save(tmp_path / "a" / "x.png")
    X, _, _ = load_image_folder(tmp_path, max_pixels=63)
    assert X.max_pixels == 63
    with pytest.raises(ValueError, match="x.png' has 64 pixels"):
        X[0]
    assert load_image_folder(tmp_path, max_pixels=None)[0][0].shape == (8, 8)
    with pytest.raises(ValueError, match="max_pixels must be a positive int"):
        load_image_folder(tmp_path, max_pixels=0)
