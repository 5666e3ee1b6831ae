"""A JPEG resized on its block grid after compression (decoded at half its
size by libjpeg, or resized by 0.5, 0.625, 0.75 or 0.875), found by the
lattice of its resized blocks."""

import io

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data

from skforensics.inspection import jpeg_evidence
from skforensics.inspection._jpeg_evidence import _luminance
from skforensics.inspection._jpeg_scaled import _lattice_at, block_grid_lattice
from skforensics.inspection._jpeg_verdict import RESIZED_VERDICT, combine_verdicts


def _jpeg_bytes(pixels, quality):
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _half_decode(data_, how):
    if how == "pillow":
        image = Image.open(io.BytesIO(data_))
        image.draft("RGB", (image.width // 2, image.height // 2))
        return np.asarray(image.convert("RGB"))
    flags = cv2.IMREAD_REDUCED_COLOR_2
    return cv2.imdecode(np.frombuffer(data_, np.uint8), flags)[..., ::-1].copy()


def _search(pixels):
    luma, clipped = _luminance(pixels)
    return block_grid_lattice(luma, clipped, np.random.default_rng(0))


@pytest.fixture(scope="module")
def coffee():
    return data.coffee()  # 400x600 RGB, never compressed


@pytest.mark.parametrize(
    "quality, how", [(50, "pillow"), (75, "opencv"), (90, "pillow")]
)
def test_a_half_size_decode_is_compressed_then_resized(coffee, quality, how):
    small = _half_decode(_jpeg_bytes(coffee, quality), how)
    assert small.shape == (200, 300, 3)
    evidence = jpeg_evidence(small)
    assert evidence.verdict == "compressed"
    assert evidence.resized_grid == "found"
    assert evidence.resize_factor == 0.5 and evidence.grid_period == 4.0
    assert evidence.resize_kernel is None
    assert evidence.native_size == (400, 600)
    assert evidence.grid_offset == (0.0, 0.0)
    assert "halved (decoded at half its size" in evidence.reason
    # The DC step of the file's table, read back from half of it.
    assert evidence.steps[0, 0] == {50: 16, 75: 8, 90: 3}[quality]
    assert np.isnan(evidence.steps[2:]).all() and np.isnan(evidence.steps[:, 2:]).all()
    if quality != 90:  # at 90 the steps of 2 are out of reach (half: 1)
        low, high = evidence.table_qualities
        assert low <= quality <= high and high - low <= 2


def test_the_phase_follows_a_crop(coffee):
    small = _half_decode(_jpeg_bytes(coffee, 75), "opencv")
    found = _search(np.ascontiguousarray(small[1:, 3:]))
    assert found.found and found.phase == (3, 1)
    evidence = jpeg_evidence(np.ascontiguousarray(small[1:, 3:]))
    assert evidence.grid_offset == (3.0, 1.0)


@pytest.mark.parametrize(
    "how", [cv2.INTER_AREA, cv2.INTER_CUBIC, cv2.INTER_NEAREST, cv2.INTER_LINEAR]
)
def test_a_resampled_never_compressed_image_shows_no_such_lattice(coffee, how):
    small = cv2.resize(coffee, (300, 200), interpolation=how)
    found = _search(small)
    assert not found.found and found.z < 8 and found.steps is None
    assert jpeg_evidence(small).verdict == "never compressed"


@pytest.mark.parametrize("how", [Image.BICUBIC, Image.LANCZOS])
def test_a_jpeg_resized_by_half_on_its_grid_keeps_the_lattice(coffee, how):
    decoded = np.asarray(Image.open(io.BytesIO(_jpeg_bytes(coffee, 75))))
    small = np.asarray(Image.fromarray(decoded).resize((300, 200), how))
    found = _search(small)
    assert found.found and found.phase == (0, 0)
    assert found.steps[0, 0] == 8  # the file's DC step at quality 75
    # Off the block grid (the JPEG cropped by one pixel first), no lattice.
    shifted = np.asarray(Image.fromarray(decoded[1:-1, 1:-1]).resize((299, 199), how))
    assert not _search(shifted).found


def test_too_small_or_flat():
    assert _search(np.zeros((12, 40), np.uint8)) is None
    flat = _search(np.full((64, 64), 100, np.uint8))
    assert not flat.found


def test_a_full_size_lattice_is_not_searched_again(monkeypatch, coffee):
    import skforensics.inspection._jpeg_evidence as module

    def fail(*args):
        raise AssertionError("searched")

    monkeypatch.setattr(module, "_add_scaled", fail)
    decoded = np.asarray(Image.open(io.BytesIO(_jpeg_bytes(coffee, 75))))
    assert jpeg_evidence(decoded).verdict == "compressed"


def test_the_audit_says_compressed_then_resized(coffee):
    from skforensics.inspection._jpeg_audit import _evidence_columns

    # The evidence's columns as the audit writes them, beside a net that agrees.
    image = _half_decode(_jpeg_bytes(coffee, 75), "pillow")
    row = {"p_compressed": 0.9, "quality": 80.0, "quality_iqr": 2.0}
    row.update(_evidence_columns(None, image)[0])
    assert row["resize_factor"] == 0.5 and row["grid_period"] == 4.0
    assert combine_verdicts(row)[:2] == (RESIZED_VERDICT, "high")


def test_a_halving_the_dc_search_misses_on_the_luminance():
    # Chelsea (300x451) at quality 75, decoded at half size or halved by
    # OpenCV's area: the blocks' means need the chroma (test_jpeg_downscaled),
    # the 4x4 lattice is in the luminance. The native size is even: one more
    # on the side that was odd.
    half = _half_decode(_jpeg_bytes(data.chelsea(), 75), "opencv")
    decoded = np.asarray(Image.open(io.BytesIO(_jpeg_bytes(data.chelsea(), 75))))
    small = cv2.resize(decoded, (226, 150), interpolation=cv2.INTER_AREA)
    for image in (half, small):
        evidence = jpeg_evidence(image)
        assert evidence.verdict == "compressed" and evidence.resize_factor == 0.5
        assert evidence.native_size == (300, 452)
        assert "about 300x452 pixels" in evidence.reason
        assert evidence.steps[0, 0] == 8


@pytest.mark.parametrize("n", [5, 6, 7])
def test_other_factors_on_the_block_grid(coffee, n):
    size = (600 * n // 8, 400 * n // 8)
    decoded = np.asarray(Image.open(io.BytesIO(_jpeg_bytes(coffee, 75))))
    small = np.asarray(Image.fromarray(decoded).resize(size, Image.LANCZOS))
    evidence = jpeg_evidence(small)
    assert evidence.verdict == "compressed"
    assert evidence.resize_factor == n / 8 and evidence.grid_period == n
    assert evidence.native_size == (400, 600)
    assert f"resized by {n / 8:g} on its block grid" in evidence.reason
    assert evidence.steps[0, 0] == 8  # the file's DC step at quality 75
    low, high = evidence.table_qualities
    assert low <= 75 <= high and high - low <= 2
    # Never compressed, resized the same way: nothing at any size.
    never = np.asarray(Image.fromarray(coffee).resize(size, Image.LANCZOS))
    found = _search(never)
    assert not found.found and found.z < 8


def test_a_lattice_of_no_table_is_not_a_jpeg(monkeypatch, coffee):
    # A periodic texture of few grey levels, resized, can put one phase's
    # coefficients on few values (USC-SIPI's 1.5.02 at 0.625: z 172), a
    # lattice that stands out; the steps read there are no JPEG table's.
    import skforensics.inspection._jpeg_scaled as module

    assert module._a_table(np.array([[8.0, 6.0], [6.0, 6.0]]))
    assert module._a_table(np.array([[3.0, np.nan], [np.nan, np.nan]]))
    assert not module._a_table(np.array([[np.nan, 9.0], [44.0, np.nan]]))
    assert not module._a_table(np.array([[4.0, 20.0], [6.0, 6.0]]))
    assert not module._a_table(np.array([[21.0, 45.0], [40.0, 44.0]]))
    assert not module._a_table(np.array([[80.0, np.nan], [np.nan, np.nan]]))
    small = _half_decode(_jpeg_bytes(coffee, 75), "opencv")
    monkeypatch.setattr(
        module, "_steps_at", lambda *args: np.array([[np.nan, 9.0], [44.0, np.nan]])
    )
    found = _search(small)
    assert found.z >= 12 and not found.found
    # Left to the DC search (which finds this one: "brought back to").
    assert "brought back to 400x600" in jpeg_evidence(small).reason


def test_a_crop_after_the_resize_moves_the_phase():
    from skimage import data as skdata

    jpeg = np.asarray(Image.open(io.BytesIO(_jpeg_bytes(skdata.camera(), 50))))
    small = np.asarray(Image.fromarray(jpeg).resize((384, 384), Image.BICUBIC))
    evidence = jpeg_evidence(small[3:, 5:])
    assert evidence.verdict == "compressed" and evidence.resize_factor == 0.75
    assert evidence.grid_offset == (3.0, 1.0)  # -3 % 6, -5 % 6


def test_a_quarter_size_decode_reads_its_dc_lattice(coffee):
    # Decoded at a quarter of its size, each 2x2 block's DC is a quarter of
    # the 8x8 block's: its step is read, nothing else (the AC lattice is
    # mostly gone), and no quality is said.
    data_ = _jpeg_bytes(coffee, 50)
    quarter = cv2.imdecode(np.frombuffer(data_, np.uint8), cv2.IMREAD_REDUCED_COLOR_4)
    evidence = jpeg_evidence(np.ascontiguousarray(quarter[..., ::-1]))
    assert evidence.verdict == "compressed"
    assert evidence.resize_factor == 0.25 and evidence.grid_period == 2.0
    assert evidence.native_size == (400, 600)
    assert evidence.steps[0, 0] == 16 and np.isnan(evidence.steps.ravel()[1:]).all()
    assert evidence.table_quality is None
    assert "quartered (decoded at a quarter of its size" in evidence.reason
    # Never compressed, quartered: nothing.
    never = cv2.resize(coffee, (150, 100), interpolation=cv2.INTER_AREA)
    assert _search(never).size != 2 or not _search(never).found
    assert jpeg_evidence(never).verdict == "never compressed"


def test_a_quartered_jpeg_is_not_read_as_a_halved_one(coffee):
    # Each 4x4 block of a quartered JPEG adds up 2x2 of its 2x2 blocks, so a
    # lattice shows at 4x4 too (the search's first size, a halving). Here it
    # does (a smooth photograph, OpenCV's area): the 2x2 blocks are read
    # after it, and a halved JPEG's, which cut its blocks in four, show none.
    smooth = cv2.resize(coffee, (1200, 800), interpolation=cv2.INTER_CUBIC)
    jpeg = np.asarray(Image.open(io.BytesIO(_jpeg_bytes(smooth, 50))))
    luma, clipped = _luminance(cv2.resize(jpeg, (300, 200), interpolation=cv2.INTER_AREA))
    assert _lattice_at(luma, clipped, np.random.default_rng(0), 4).found
    for side, factor in ((300, 0.25), (600, 0.5)):
        small = cv2.resize(jpeg, (side, side * 2 // 3), interpolation=cv2.INTER_AREA)
        evidence = jpeg_evidence(small)
        assert evidence.verdict == "compressed"
        assert evidence.resize_factor == factor and evidence.native_size == (800, 1200)
        assert evidence.steps[0, 0] == 16

