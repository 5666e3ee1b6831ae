import io
import os

import numpy as np
import pytest
from PIL import Image

from skforensics.datasets._jpeg_tables import (
    closest_libjpeg_quality,
    jpeg_with_tables,
    libjpeg_tables,
)
from skforensics.inspection import jpeg_evidence
from skforensics.utils import make_test_images


@pytest.fixture(scope="module")
def photos():
    # Smooth random textures, never compressed, 8-bit RGB.
    return make_test_images(2, size=144, n_channels=3, dtype=np.uint8)


def _jpeg(pixels, quality):
    return jpeg_with_tables(pixels, *libjpeg_tables(quality))


def test_grid_phase_found_for_all_64_crops(photos):
    jpeg = _jpeg(photos[0], 75)[:104, :104]
    for dy in range(8):
        for dx in range(8):
            found = jpeg_evidence(jpeg[dy:, dx:], double=False)
            assert found.verdict == "compressed", (dy, dx)
            assert found.grid_phase == ((8 - dy) % 8, (8 - dx) % 8), (dy, dx)
            assert found.table_quality == 75, (dy, dx)


@pytest.mark.parametrize("quality", [10, 50, 90, 99, 100])
def test_table_quality_read_from_pixels(photos, quality):
    found = jpeg_evidence(_jpeg(photos[1], quality)[5:, 2:], double=False)
    assert found.verdict == "compressed"
    assert found.grid_phase == (3, 6)
    assert found.table_quality == quality and found.libjpeg_like
    assert found.phase_z > 8
    assert found.lattice_share > found.lattice_share_null
    known = np.isfinite(found.steps)
    truth = libjpeg_tables(quality)[0]
    assert known.sum() >= 5  # quality 10 zeroes most coefficients
    assert np.mean(found.steps[known] == truth[known]) >= 0.9


def test_quality_100_is_not_never_compressed(photos):
    # Steps of 1: the lattice is the integers', seen through the rounding of
    # the decoded pixels only; it still stands far above the other phases.
    found = jpeg_evidence(_jpeg(photos[0], 100))
    assert found.verdict == "compressed" and found.table_quality == 100
    assert np.all(found.steps[np.isfinite(found.steps)] == 1)


def test_never_compressed(photos):
    for image in photos:
        found = jpeg_evidence(image)
        assert found.verdict == "never compressed"
        assert found.phase_z < 5 and found.grid_phase is None
        assert found.table_quality is None and np.isnan(found.steps).all()


def test_foreign_table_is_not_libjpeg_like(photos):
    luma = np.clip(libjpeg_tables(80)[0] + np.arange(64).reshape(8, 8) % 3, 1, 255)
    found = jpeg_evidence(jpeg_with_tables(photos[0], luma), double=False)
    assert found.verdict == "compressed" and found.libjpeg_like is False
    assert abs(found.table_quality - closest_libjpeg_quality(luma)[0]) <= 10


def test_double_compression(photos):
    image = make_test_images(1, size=256, n_channels=3, dtype=np.uint8)[0]
    twice = _jpeg(_jpeg(image, 50), 85)
    found = jpeg_evidence(twice)
    assert found.table_quality == 85  # the last compression
    assert found.double_compression == "detected"
    assert abs(found.primary_quality - 50) <= 3
    once = jpeg_evidence(_jpeg(image, 85))
    assert once.double_compression == "not detected" and once.primary_quality is None
    assert found.double_score > 1.5 > once.double_score


@pytest.mark.parametrize("shape", [(1, 1), (7, 7), (7, 7, 3), (12, 200)])
def test_tiny_images_are_unknown(shape):
    found = jpeg_evidence(np.full(shape, 90, dtype=np.uint8))
    assert found.verdict == "unknown" and "too small" in found.reason
    assert found.table_quality is None and found.grid_phase is None


def test_single_colour_is_unknown():
    found = jpeg_evidence(_jpeg(np.full((64, 64, 3), 120, np.uint8), 50))
    assert found.verdict == "unknown" and found.table_quality is None
    assert np.isnan(found.steps).all() and np.isnan(found.lattice_share)


def test_same_evidence_from_paths_bytes_and_arrays(photos, tmp_path):
    # A JPEG file is read for its pixels: its own tables are never used, so
    # the decoded pixels saved losslessly give the same answer.
    path = tmp_path / "photo.jpg"
    Image.fromarray(photos[0]).save(path, quality=60)
    pixels = np.asarray(Image.open(path))
    Image.fromarray(pixels).save(tmp_path / "decoded.png")
    from_path = jpeg_evidence(path)
    from_bytes = jpeg_evidence(path.read_bytes())
    from_png = jpeg_evidence(str(tmp_path / "decoded.png"))
    for found in (from_bytes, from_png, jpeg_evidence(pixels)):
        assert found.table_quality == from_path.table_quality == 60
        np.testing.assert_array_equal(found.steps, from_path.steps)
    # Floats in [0, 1] and 16-bit integers on their range give the same.
    as_float = jpeg_evidence(pixels / 255.0)
    as_uint16 = jpeg_evidence(pixels.astype(np.uint16) * 257)
    for found in (as_float, as_uint16):
        assert found.table_quality == 60 and found.grid_phase == (0, 0)


def test_grayscale_jpeg(photos, tmp_path):
    gray = np.asarray(Image.fromarray(photos[1]).convert("L"))
    buffer = io.BytesIO()
    Image.fromarray(gray[3:, 1:]).save(buffer, "JPEG", quality=40)
    found = jpeg_evidence(buffer.getvalue())
    assert found.verdict == "compressed" and found.table_quality == 40
    assert found.grid_phase == (0, 0)


def test_cmyk_jpeg_is_refused(photos, tmp_path):
    path = tmp_path / "cmyk.jpg"
    Image.fromarray(photos[0]).convert("CMYK").save(path, quality=80)
    with pytest.raises(ValueError, match="CMYK"):
        jpeg_evidence(path)
    with pytest.raises(ValueError, match="CMYK"):
        jpeg_evidence(path.read_bytes())


def test_bad_input():
    with pytest.raises(ValueError, match="one image of shape"):
        jpeg_evidence(np.zeros((2, 32, 32, 3), np.uint8))
    with pytest.raises(ValueError, match="NaN"):
        jpeg_evidence(np.full((32, 32), np.nan))
    with pytest.raises(ValueError, match="not an image"):
        jpeg_evidence(b"not an image")
    with pytest.raises(FileNotFoundError):
        jpeg_evidence("/nonexistent/photo.jpg")
    with pytest.raises(TypeError, match="random_state"):
        jpeg_evidence(np.zeros((32, 32), np.uint8), random_state=None)


def _sample_jpegs():
    import skimage
    import sklearn.datasets

    skimage_data = os.path.join(os.path.dirname(skimage.__file__), "data")
    sklearn_images = os.path.join(os.path.dirname(sklearn.datasets.__file__), "images")
    paths = [
        os.path.join(skimage_data, "rocket.jpg"),
        os.path.join(skimage_data, "hubble_deep_field.jpg"),
        os.path.join(sklearn_images, "china.jpg"),
        os.path.join(sklearn_images, "flower.jpg"),
    ]
    return [p for p in paths if os.path.exists(p)]


@pytest.mark.parametrize("path", _sample_jpegs(), ids=os.path.basename)
def test_sample_jpegs_evidence_matches_their_tables(path):
    found = jpeg_evidence(path)
    # The file's own table, read here only as the ground truth.
    with Image.open(path) as img:
        table = np.asarray(img.quantization[0]).reshape(8, 8)
    truth, is_libjpeg, _ = closest_libjpeg_quality(table)
    assert found.verdict == "compressed" and found.grid_phase == (0, 0)
    assert found.lattice_share > found.lattice_share_null + 0.25
    assert abs(found.table_quality - truth) <= 2
    assert found.libjpeg_like == is_libjpeg


def test_chelsea_carries_a_quality_98_lattice_coffee_none():
    import skimage

    data = os.path.join(os.path.dirname(skimage.__file__), "data")
    chelsea = jpeg_evidence(os.path.join(data, "chelsea.png"))
    assert chelsea.verdict == "compressed" and chelsea.grid_phase == (0, 0)
    assert chelsea.table_quality == 98 and chelsea.libjpeg_like
    coffee = jpeg_evidence(os.path.join(data, "coffee.png"))
    # No 8x8 lattice; the resized-grid search sees a periodic pattern that
    # fits a resized grid (coffee's history is not known), which makes the
    # evidence "unknown", never "compressed".
    assert coffee.verdict in ("never compressed", "unknown")
    assert coffee.grid_phase is None and coffee.table_quality is None


def test_no_quality_from_steps_that_fit_no_better_than_chance():
    # A JPEG whose tones were changed after compression (a gamma): its grid
    # still stands out, but the steps read (1) hold fewer coefficients than
    # chance would; they read quality 99 before.
    from skimage import data

    from skforensics.datasets import jpeg_with_tables, libjpeg_tables

    jpeg = jpeg_with_tables(data.astronaut(), *libjpeg_tables(75))
    toned = np.asarray(
        Image.fromarray(jpeg).point(lambda v: int(255 * (v / 255) ** 0.8 + 0.5))
    )
    evidence = jpeg_evidence(toned)
    assert evidence.verdict == "compressed"
    assert evidence.lattice_share < evidence.lattice_share_null
    assert evidence.table_quality is None and evidence.libjpeg_like is None
    assert evidence.reason.endswith(
        "No quality is read from so poor a fit (tones changed?)."
    )
    # The JPEG itself reads its quality, and a quality-100 one too (its steps
    # of 1 fit by 0.18 or more, over 40 photographs).
    assert jpeg_evidence(jpeg).table_quality == 75
    finest = jpeg_with_tables(data.astronaut(), *libjpeg_tables(100))
    evidence = jpeg_evidence(finest)
    assert evidence.table_quality == 100
    assert evidence.lattice_share - evidence.lattice_share_null >= 0.15


@pytest.mark.parametrize(
    "name, quality",
    [("astronaut", 3), ("camera", 3), ("immunohistochemistry", 3), ("brick", 5),
     ("cat", 6), ("cat", 8)],
)
def test_the_decoders_rounding_is_not_read_as_fine_steps(name, quality):
    # At qualities 3 to 8 most frequencies are quantised to zero, and the
    # decoder's rounding leaves values of 1 or 2 there, and the first
    # coefficients of almost flat blocks within 4 of their coarse multiples:
    # read as steps of 1 and 2, these gave table qualities 93 to 98.
    from skimage import data

    from skforensics.inspection._jpeg_blocks import _without_rounding_reads

    jpeg = _jpeg(getattr(data, name)(), quality)
    evidence = jpeg_evidence(jpeg, resized=False)
    assert evidence.table_quality == quality
    assert np.nanmin(evidence.steps) > 2
    # A fine table's steps of 1 and 2 are left as they are, and without a
    # coarse step, sparse values of 1 and 2 too.
    fine = jpeg_evidence(_jpeg(getattr(data, name)(), 97), resized=False)
    assert fine.table_quality == 97 and np.nanmin(fine.steps) == 1
    sparse = np.zeros((100, 64))
    sparse[:5] = 2.0
    kept = _without_rounding_reads(fine.steps, sparse)
    np.testing.assert_array_equal(kept, fine.steps)


def test_a_coarse_table_compressed_again_finely_keeps_its_small_steps():
    from skforensics.inspection._jpeg_blocks import _without_rounding_reads

    rng = np.random.default_rng(0)
    # Steps of 3 read on dense values near the multiples of 60, beside
    # coarse steps that are multiples of 3 (a coarse table's rounded to a
    # finer one's): kept.
    flat = np.zeros((400, 64))
    flat[:, [0, 1]] = 60.0 * rng.integers(1, 5, size=(400, 2)) + 3.0 * rng.integers(
        -1, 2, size=(400, 2)
    )
    steps = np.full((8, 8), np.nan)
    steps.flat[[0, 1]] = 3.0
    steps.flat[[9, 10, 17]] = [60.0, 69.0, 66.0]
    np.testing.assert_array_equal(_without_rounding_reads(steps, flat), steps)
    # Beside a coarse step that 3 does not divide, the same values are the
    # decoder's rounding around a coarse table's multiples.
    steps.flat[9] = 61.0
    cleaned = _without_rounding_reads(steps, flat)
    assert np.isnan(cleaned.flat[[0, 1]]).all()
    np.testing.assert_array_equal(cleaned.flat[[9, 10, 17]], [61.0, 69.0, 66.0])


@pytest.mark.parametrize("name, quality", [("page", 8), ("hubble_deep_field", 20)])
def test_no_earlier_compression_finer_than_the_last(name, quality):
    # The double-compression search fitted a primary quality of 37 to these
    # single JPEGs: finer than the last, which would have left almost no
    # trace (the calibration fails on so blocky an image).
    from skimage import data

    evidence = jpeg_evidence(_jpeg(getattr(data, name)(), quality), resized=False)
    assert evidence.table_quality == quality and evidence.libjpeg_like
    assert evidence.double_compression == "unknown"
    assert evidence.primary_quality is None
    # A coarser earlier compression is still found.
    twice = _jpeg(_jpeg(data.astronaut(), 50), 90)
    evidence = jpeg_evidence(twice, resized=False)
    assert evidence.double_compression == "detected"
    assert abs(evidence.primary_quality - 50) <= 3
