import io

import numpy as np
import pytest
from PIL import Image

from skforensics.datasets import (
    TABLE_FAMILIES,
    closest_libjpeg_quality,
    draw_quantization_tables,
    jpeg_with_tables,
    libjpeg_tables,
)
from skforensics.datasets._jpeg import jpeg_uint8
from skforensics.utils import make_test_images

ANNEX_K_LUMA_ROW0 = [16, 11, 10, 16, 24, 40, 51, 61]


@pytest.fixture(scope="module")
def rgb():
    return make_test_images(1, 48, n_channels=3, dtype=np.uint8, random_state=0)[0]


def test_libjpeg_tables_scale_annex_k():
    luma, chroma = libjpeg_tables(50)
    assert luma[0].tolist() == ANNEX_K_LUMA_ROW0
    assert chroma[7].tolist() == [99] * 8
    assert (libjpeg_tables(100)[0] == 1).all()
    assert libjpeg_tables(1)[0].max() == 255  # baseline: clipped to 8 bits
    assert (libjpeg_tables(75)[0] <= libjpeg_tables(74)[0]).all()


@pytest.mark.parametrize("subsampling", ["4:2:0", "4:4:4"])
@pytest.mark.parametrize("quality", [20, 75, 97])
def test_libjpeg_tables_through_pillow_equal_opencv_at_that_quality(
    rgb, quality, subsampling
):
    luma, chroma = libjpeg_tables(quality)
    ours = jpeg_with_tables(rgb, luma, chroma, subsampling)
    np.testing.assert_array_equal(ours, jpeg_uint8(rgb, quality, subsampling))


def test_jpeg_with_tables_writes_the_tables_it_is_given(rgb):
    rng = np.random.default_rng(0)
    luma, chroma = draw_quantization_tables("monotone", 60, rng)
    pixels = jpeg_with_tables(rgb, luma, chroma)
    assert pixels.shape == rgb.shape and pixels.dtype == np.uint8
    # Write again and read the file's own tables back.
    buffer = io.BytesIO()
    Image.fromarray(rgb).save(
        buffer, "JPEG", qtables=[luma.ravel().tolist(), chroma.ravel().tolist()]
    )
    tables = Image.open(buffer).quantization
    assert list(tables[0]) == luma.ravel().tolist()
    assert list(tables[1]) == chroma.ravel().tolist()
    gray = jpeg_with_tables(rgb[..., 0], luma)
    assert gray.shape == rgb.shape[:2]
    assert rgb.flags.writeable and not np.shares_memory(gray, rgb)


@pytest.mark.parametrize("quality", range(1, 101))
def test_closest_quality_of_libjpeg_tables_is_their_own(quality):
    assert closest_libjpeg_quality(libjpeg_tables(quality)[0]) == (quality, True, 0.0)


def test_closest_quality_of_foreign_tables():
    # mozjpeg's default table at its quality 75 is coarser at high
    # frequencies than libjpeg's at 75: it reads as a lower quality.
    luma, _ = draw_quantization_tables("mozjpeg", 75)
    quality, exact, distance = closest_libjpeg_quality(luma)
    assert 55 <= quality < 75 and not exact and distance > 0
    # A libjpeg table off by one somewhere is not libjpeg's any more.
    luma = libjpeg_tables(80)[0].copy()
    luma[3, 3] += 1
    assert closest_libjpeg_quality(luma)[:2] == (80, False)
    # An all-ones table is quality 100.
    assert closest_libjpeg_quality(np.ones(64)) == (100, True, 0.0)


@pytest.mark.parametrize("table", [np.zeros(64), np.full(64, np.nan), np.ones(63)])
def test_closest_quality_refuses_non_tables(table):
    with pytest.raises(ValueError):
        closest_libjpeg_quality(table)


@pytest.mark.parametrize("family", TABLE_FAMILIES)
@pytest.mark.parametrize("quality", [10, 50, 90, 100])
def test_every_family_gives_baseline_tables(family, quality):
    luma, chroma = draw_quantization_tables(family, quality, 0)
    for table in (luma, chroma):
        assert table.shape == (8, 8) and table.dtype == np.int32
        assert table.min() >= 1 and table.max() <= 255
    again = draw_quantization_tables(family, quality, 0)
    np.testing.assert_array_equal(luma, again[0])
    # Coarser as the quality falls.
    if quality <= 90 and family not in ("perturbed", "monotone"):
        assert draw_quantization_tables(family, 10, 0)[0].sum() > luma.sum() or (
            quality == 10
        )


def test_foreign_families_are_not_libjpeg():
    for family in set(TABLE_FAMILIES) - {"libjpeg"}:
        luma, _ = draw_quantization_tables(family, 75, 1)
        assert not closest_libjpeg_quality(luma)[1], family


def test_unknown_family():
    with pytest.raises(ValueError, match="Unknown table family 'photoshop'"):
        draw_quantization_tables("photoshop", 75)
