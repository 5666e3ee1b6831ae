"""Memory of the analysis pipeline (issue 25 part 3): the image is held once,
as read, and every pass over it is made by tile or by strip.

What is pinned here: the bounded-memory paths give the answers of the
whole-image ones (uint8 tiles and float tiles, strips and the whole image),
and the numpy memory that ``analyse_one`` holds grows with the image by a
few bytes per pixel (the 8-bit image and the two float32 maps), not by the
float copies it made before (110 bytes per added pixel).
"""

import tracemalloc

import numpy as np
import pytest
from PIL import Image

from skforensics.inspection import _jpeg_blocks, _jpeg_evidence, _jpeg_resized_grid
from skforensics.inspection._analyse import (
    JPEGStep,
    UpscaleStep,
    analyse_one,
    shrink,
    shrink_factor,
    validated_pixels,
)
from skforensics.models import _jpeg_pixels
from skforensics.utils import check_images, make_test_images, to_grayscale


def _photo(height, width, seed=0):
    """An 8-bit RGB image with texture and smooth parts."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:height, 0:width]
    wave = 60 * np.sin(x / 37.0) * np.cos(y / 23.0)
    pixels = 128 + wave[..., None] + rng.normal(0, 8, (height, width, 3))
    return np.clip(pixels, 0, 255).astype(np.uint8)


@pytest.fixture(scope="module")
def jpeg_net():
    from skforensics.models import pretrained

    return pretrained("jpeg-quality")


def test_validated_pixels_keep_8_bit_images_as_read():
    raw = _photo(20, 30)
    rgba = np.concatenate([raw, np.full((20, 30, 1), 255, np.uint8)], axis=2)
    for given in (raw, rgba):
        image = validated_pixels(given)
        assert image.dtype == np.uint8 and image.shape == (20, 30, 3)
        assert np.shares_memory(image, given)  # no copy
    assert validated_pixels(raw[..., :1]).shape == (20, 30)
    sixteen = validated_pixels(raw.astype(np.uint16) * 257)
    np.testing.assert_array_equal(sixteen, check_images([raw])[0])
    with pytest.raises(ValueError, match="grayscale .* or RGB"):
        validated_pixels(np.zeros((20, 30, 2), np.uint8))


def test_uint8_maps_equal_float_maps(jpeg_net):
    # The net reads the 8-bit grid one tile at a time: the same maps, to
    # the bit, as from the float image that check_images makes.
    image = _photo(150, 170)
    gray = image[..., 0]
    for pixels in (image, gray):
        as_uint8 = jpeg_net.predict_maps([pixels], return_summary=True)
        as_float = jpeg_net.predict_maps(check_images([pixels]), return_summary=True)
        for a, b in zip(as_uint8[:2], as_float[:2]):
            np.testing.assert_array_equal(a[0], b[0])
        np.testing.assert_array_equal(as_uint8[2].quality, as_float[2].quality)
        np.testing.assert_array_equal(as_uint8[2].proba, as_float[2].proba)
    # An ndarray collection of uint8 images too.
    stacked = jpeg_net.predict_maps(np.stack([image, image[::-1]]))
    np.testing.assert_array_equal(stacked[0][0], as_float_maps(jpeg_net, image)[0])


def as_float_maps(est, image):
    return [m[0] for m in est.predict_maps([check_images([image])[0]])]


def test_uint8_maps_with_small_tiles_equal_whole_maps(jpeg_net):
    image = _photo(130, 150, seed=1)
    # In float32: bfloat16 (pretrained's "auto" on CPUs that have it) rounds
    # the convolutions to 8 bits of mantissa, whatever the tiles.
    precision = jpeg_net.inference_precision
    jpeg_net.set_params(inference_precision="float32")
    try:
        whole = jpeg_net.set_params(tile_size=512).predict_maps([image])
        tiled = jpeg_net.set_params(tile_size=37).predict_maps([image])
    finally:
        jpeg_net.set_params(tile_size=400, inference_precision=precision)
    # Equal up to the float rounding of the convolutions, whose summation
    # order changes with the tile and torch's thread count (0.005 quality
    # points and 0.00015 in P at most on 2 threads, none on 1); the
    # tolerances are four to seven times that.
    np.testing.assert_allclose(tiled[0][0], whole[0][0], atol=0.02, rtol=0)
    np.testing.assert_allclose(tiled[1][0], whole[1][0], atol=1e-3, rtol=0)


def test_uint8_images_are_refused_as_float_ones_are(jpeg_net):
    small = _photo(50, 200)
    for pixels in (small, small.astype(np.float32) / 255):
        with pytest.raises(ValueError, match="at least 79x79 .* got a 50x200 image"):
            jpeg_net.predict_maps([pixels])
    # Shapes check_images refuses are named as they are, not as a corner.
    two_channels = [np.zeros((100, 120, 2), np.uint8)]
    for bad in (two_channels, np.zeros((2, 100, 120, 5), np.uint8)):
        with pytest.raises(ValueError, match=r"grayscale .* or RGB .*, 120, "):
            jpeg_net.predict_maps(bad)
    with pytest.raises(ValueError, match=r"shape \(100, 120, 3, 1\)"):
        jpeg_net.predict_maps([np.zeros((100, 120, 3, 1), np.uint8)])
    rgba = np.concatenate([_photo(90, 90), np.zeros((90, 90, 1), np.uint8)], axis=2)
    with pytest.warns(UserWarning, match="alpha"):
        maps = jpeg_net.predict_maps([rgba])
    rgb_maps = jpeg_net.predict_maps([rgba[..., :3]])
    np.testing.assert_array_equal(maps[0][0], rgb_maps[0][0])


def test_strips_give_the_whole_image_answers(monkeypatch):
    image = _photo(203, 157, seed=2)
    image[60:140, 40:120] = (90, 128, 200)  # flat: not textured
    gray = to_grayscale(check_images([image]))[0]
    whole = {}
    monkeypatch.setattr(_jpeg_pixels, "_STRIP_ROWS", 10**6)
    monkeypatch.setattr(_jpeg_evidence, "_STRIP_ROWS", 10**6)
    monkeypatch.setattr(_jpeg_resized_grid, "_STRIP_ROWS", 10**6)
    monkeypatch.setattr(_jpeg_blocks, "_BAND_PIXELS", 10**9)
    whole["texture"] = _jpeg_pixels.textured_fraction(image)
    whole["luma"] = _jpeg_evidence._luminance(image)
    whole["blocks"] = _jpeg_blocks._blocks_at(*whole["luma"], (3, 5))
    whole["profile"] = _jpeg_resized_grid._ratio_profile(gray * 255, 0)
    whole["evidence"] = _jpeg_evidence.jpeg_evidence(image)
    for module in (_jpeg_pixels, _jpeg_evidence, _jpeg_resized_grid):
        monkeypatch.setattr(module, "_STRIP_ROWS", 7)
    monkeypatch.setattr(_jpeg_blocks, "_BAND_PIXELS", 3 * 64 * 8)
    assert 0.1 < whole["texture"] < 1
    assert _jpeg_pixels.textured_fraction(image) == whole["texture"]
    luma, clipped = _jpeg_evidence._luminance(image)
    np.testing.assert_array_equal(luma, whole["luma"][0])
    np.testing.assert_array_equal(clipped, whole["luma"][1])
    blocks = _jpeg_blocks._blocks_at(luma, clipped, (3, 5))
    assert blocks.shape == whole["blocks"].shape and len(blocks) > 100
    np.testing.assert_allclose(blocks, whole["blocks"], atol=1e-3)
    for got, expected in zip(_jpeg_resized_grid._ratio_profile(gray * 255, 0),
                             whole["profile"]):
        np.testing.assert_allclose(got, expected, rtol=1e-10)
    evidence = _jpeg_evidence.jpeg_evidence(image)
    assert evidence.verdict == whole["evidence"].verdict
    assert evidence.phase_z == pytest.approx(whole["evidence"].phase_z, rel=1e-6)


def test_frame_luminance_of_uint8_equals_the_checked_grey():
    from skforensics.inspection._upscale import frame_luminance

    class Net:
        patch_size_ = (64, 64)

    image = _photo(130, 100, seed=3)
    np.testing.assert_allclose(
        frame_luminance(image, Net()),
        to_grayscale(check_images([image]))[0],
        rtol=0,
        atol=1e-7,
    )
    with pytest.raises(ValueError, match="at least 64x64 .* got a 40x100 image"):
        frame_luminance(image[:40], Net())
    with pytest.raises(ValueError, match=r"grayscale .* got shape \(130, 100, 2\)"):
        frame_luminance(image[..., :2], Net())


def test_shrink_is_a_block_mean():
    image = make_test_images(1, (37, 50), n_channels=3, dtype=np.uint8)[0]
    small = shrink(image, 20, factor=2)
    assert small.shape == (18, 25, 3) and small.dtype == np.float32
    expected = image[:36].astype(np.float64).reshape(18, 2, 25, 2, 3).mean((1, 3))
    np.testing.assert_allclose(small, expected / 255, atol=1e-6)
    np.testing.assert_array_equal(shrink(image, 100), check_images([image])[0])
    assert shrink_factor((6000, 8000), 1024) == 8
    assert shrink_factor((6000, 8000), 1024, divisor=64) == 8
    assert shrink_factor((8736, 11648), 1024, divisor=48) == 12
    assert shrink_factor((100, 100), 1024, divisor=64) == 1


@pytest.mark.slow
def test_analyse_holds_a_few_bytes_per_pixel(tmp_path, monkeypatch):
    # numpy's allocations as tracemalloc sees them (torch's are not: the
    # tiles of the nets), at two image sizes: the growth per added pixel
    # is that of the 8-bit image (3 bytes) and the two float32 maps (8),
    # with no float copy of the image (12 bytes per pixel in float32).
    from skforensics.models import pretrained

    from skforensics.inspection import _analyse

    # Maps drawn from at most 128 pixels a side and tiles smaller than the
    # images, so that what a figure and a tile hold stays put.
    monkeypatch.setattr(_analyse, "MAP_SIDE", 128)
    jpeg = pretrained("jpeg-quality").set_params(tile_size=64)
    steps = [UpscaleStep(), JPEGStep(jpeg)]

    def peak(height, width):
        path = tmp_path / f"{height}.png"
        Image.fromarray(_photo(height, width)).save(path)
        tracemalloc.start()
        try:
            record = analyse_one(
                0, path, steps=steps, maps_dir=tmp_path, thumbs_dir=tmp_path
            )
            return tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            assert not record["error"] and record["map_jpeg"]

    peak(256, 256)  # models loaded, caches filled
    small, large = peak(384, 512), peak(768, 1024)
    per_pixel = (large - small) / (768 * 1024 - 384 * 512)
    assert per_pixel < 16, f"{per_pixel:.1f} bytes per added pixel"


def test_median_of_a_large_map_is_numpys(monkeypatch):
    from skforensics.models import _pooling

    monkeypatch.setattr(_pooling, "_LARGE", 10)
    monkeypatch.setattr(_pooling, "_CHUNK", 1000)
    rng = np.random.default_rng(0)
    clipped = np.clip(rng.normal(0.6, 0.5, 4001), 0, 1)  # ties at 0 and 1
    with_nan = rng.random(3000)
    with_nan[5] = np.nan
    for values in (100 * rng.random(5001), rng.normal(0, 1, 4000), clipped,
                   np.full(3001, 100.0), with_nan):
        values = values.astype(np.float32)
        got, expected = _pooling.pool(values, "median"), np.median(values)
        assert got.dtype == expected.dtype
        np.testing.assert_array_equal(got, expected)
    grid = rng.random((40, 3)).astype(np.float32)  # not a map: np.median
    np.testing.assert_array_equal(_pooling.pool(grid, "median"), np.median(grid, 0))


def test_profiles_by_bands_equal_the_whole_frame(monkeypatch):
    from skforensics.feature import _resampling

    frame = np.random.default_rng(1).random((203, 157)).astype(np.float32)
    d2x = np.abs(frame[:, :-2] - 2 * frame[:, 1:-1] + frame[:, 2:]).mean(axis=0)
    d2y = np.abs(frame[:-2] - 2 * frame[1:-1] + frame[2:]).mean(axis=1)
    for rows in (1, 7, 256):
        monkeypatch.setattr(_resampling, "_BAND_ROWS", rows)
        profile_x, profile_y = _resampling._profiles(frame)
        np.testing.assert_array_equal(profile_x, d2x)
        np.testing.assert_array_equal(profile_y, d2y)
