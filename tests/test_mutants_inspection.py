"""Tests that kill the mutants mutmut left alive in jpeg_evidence (issue 25,
part 6).

mutmut 3.8 over ``skforensics/inspection/_jpeg_evidence.py`` and
``_jpeg_blocks.py`` with the JPEG evidence tests found behaviour that no
test pinned: the documented contracts of the lattice helpers (the rounding
tolerance ``min(0.75, step / 4)`` and its inclusive edge, the lattice share
and its chance level, the step estimate's thresholds and the quality 1
test, the three rules that name the libjpeg quality and an earlier
compression), the wording of the reasons and errors, and the band-by-band
passes that must equal one pass over the whole image. Private helpers are
tested on their documented contract with inputs built by hand, where the
right answer can be worked out on paper.
"""

import numpy as np
import pytest

from skforensics.datasets._jpeg_tables import libjpeg_tables
from skforensics.inspection import _jpeg_blocks as jb
from skforensics.inspection import _jpeg_evidence as je


def _table(quality):
    return libjpeg_tables(quality)[0].astype(np.float64)


# ---------------------------------------------------------------------------
# The lattice test: tolerance, membership, shares.
# ---------------------------------------------------------------------------


def test_tolerance_is_a_quarter_step_up_to_three_quarters():
    np.testing.assert_array_equal(
        je._tolerance(np.array([1, 2, 3, 4, 8, 255])),
        [0.25, 0.5, 0.75, 0.75, 0.75, 0.75],
    )
    assert je._tolerance(2) == 0.5


def test_on_lattice_includes_the_tolerance_edge():
    coefs = np.array([2.0, 2.5, 2.6, -2.5, 3.0, 4.75, 5.0])
    steps = np.array([2.0, 2.0, 2.0, 2.0, 2.0, 4.0, 4.0])
    np.testing.assert_array_equal(
        je._on_lattice(coefs, steps), [True, True, False, True, False, True, False]
    )


def _share_case():
    # Two known steps: 2 (tolerance 0.5) and 4 (tolerance 0.75).
    steps = np.full((8, 8), np.nan)
    steps[0, 0], steps[0, 1] = 2.0, 4.0
    flat = np.zeros((5, 64))
    # |c| < 0.75 is left out (0.5, 0.7); on: 2, 2.5 (edge); off: 3, 0.75.
    flat[:, 0] = [2.0, 2.5, 3.0, 0.75, 0.5]
    # on: 4, 4.75 (edge), -8; off: 5; left out: 0.7.
    flat[:, 1] = [4.0, 5.0, 4.75, -8.0, 0.7]
    flat[:, 2:] = 9.5  # unknown steps: never counted
    return flat, steps


def test_lattice_shares_on_a_hand_made_case():
    flat, steps = _share_case()
    share, null = je._lattice_shares(flat, steps)
    assert share == pytest.approx(5 / 8)
    # By chance: 2 * tolerance / step of each counted coefficient, averaged.
    assert null == pytest.approx((4 * 0.5 + 4 * 0.375) / 8)


@pytest.mark.parametrize("band", [1, 2, 3])
def test_lattice_shares_by_bands_equal_one_pass(monkeypatch, band):
    flat, steps = _share_case()
    whole = je._lattice_shares(flat, steps)
    monkeypatch.setattr(je, "_BAND_BLOCKS", band)
    assert je._lattice_shares(flat, steps) == pytest.approx(whole)


def test_lattice_shares_without_a_counted_coefficient_are_nan():
    flat, steps = _share_case()
    for share in (
        je._lattice_shares(flat, np.full((8, 8), np.nan)),
        je._lattice_shares(np.full((3, 64), 0.5), steps),
    ):
        assert len(share) == 2 and all(isinstance(s, float) for s in share)
        assert np.isnan(share).all()


# ---------------------------------------------------------------------------
# The step of one frequency.
# ---------------------------------------------------------------------------


def _multiples(step, n):
    k = np.arange(1, n // 2 + 1)
    return np.concatenate([step * k, -step * k]).astype(np.float64)


def test_estimate_step_needs_40_coefficients_from_1_5_on():
    six = _multiples(6, 40)
    assert je._estimate_step(six) == 6.0
    assert np.isnan(je._estimate_step(six[:39]))
    # 1.5 itself counts (a multiple of nothing but 1.5, 39 of 40 on 6's lattice).
    assert je._estimate_step(np.append(six[:39], 1.5)) == 6.0
    assert np.isnan(je._estimate_step(np.append(six[:39], 1.4)))


def test_estimate_step_keeps_a_share_of_exactly_80_percent():
    # 32 multiples of 6 and 8 odd multiples of 3: 6 holds 80%, 3 all.
    values = np.concatenate([6.0 * np.arange(1, 33), 6.0 * np.arange(1, 9) + 3])
    assert je._estimate_step(values) == 6.0


def test_estimate_step_never_exceeds_255():
    assert je._estimate_step(_multiples(256, 48)) == 128.0


def _alternating(n, period):
    # Multiples of 12 at every period-th coefficient, odd multiples of 6
    # elsewhere: 12 is the step of the first kind only.
    i = np.arange(n)
    base = 12.0 * (i % 7 + 1)
    return np.where(i % period == 0, base, base + 6)


def test_estimate_step_reads_at_most_1500_evenly_strided_coefficients():
    # Up to 1500 values all are read (half on 12's lattice: the step is 6);
    # beyond, every k-th with k = n // 1500 + 1.
    assert je._estimate_step(_alternating(1500, 2)) == 6.0
    assert je._estimate_step(np.append(_alternating(1500, 2), 12.0)) == 12.0
    assert je._estimate_step(_alternating(3000, 3)) == 12.0


def test_estimate_step_of_a_blurred_coarse_lattice_is_unknown():
    # 70% of integer coefficients on 3's lattice: a coarser lattice, blurred;
    # 60% is not enough to rule out steps of 1 (they all sit on integers).
    k = np.arange(1, 71)
    blurred = np.concatenate([3.0 * k[:49], 3.0 * k[49:] + 1])
    assert np.isnan(je._estimate_step(blurred))
    weaker = np.concatenate([3.0 * k[:42], 3.0 * k[42:] + 1])
    assert je._estimate_step(weaker) == 1.0


def test_estimate_step_one_needs_coefficients_near_the_integers():
    rng = np.random.default_rng(0)
    assert np.isnan(je._estimate_step(rng.uniform(2, 100, 200)))
    # 18 integers among 100 values a quarter off: a mean cos(2 pi c) of
    # 0.18 against 4 standard errors of 0.154 (5 would be 0.192).
    k = 3.0 * np.arange(2, 102) + 1  # never near a multiple of 3, 6, ...
    values = np.where(np.arange(100) < 18, k, k + 0.25)
    assert je._estimate_step(values) == 1.0
    values = np.where(np.arange(100) < 12, k, k + 0.25)
    assert np.isnan(je._estimate_step(values))


# ---------------------------------------------------------------------------
# The libjpeg quality and an earlier compression, from the steps read.
# ---------------------------------------------------------------------------


def test_table_quality_of_libjpeg_tables_and_ties():
    assert jb._table_quality(_table(75)) == (75, (75, 75), True, None)
    assert jb._table_quality(_table(75).tolist()) == (75, (75, 75), True, None)
    # Only the DC step known, 1: qualities 96 to 100 fit equally.
    one = np.full((8, 8), np.nan)
    one[0, 0] = 1
    assert jb._table_quality(one) == (100, (96, 100), True, None)
    assert jb._table_quality(np.full(64, np.nan)) == (None, None, None, None)


def _halved(n_halved, n_unknown=4):
    """Quality 50's table, n_unknown entries NaN, n_halved even steps halved
    (a step misread as a divisor of the true one)."""
    steps = _table(50)
    steps.ravel()[:n_unknown] = np.nan
    even = [i for i in range(n_unknown, 64) if steps.ravel()[i] % 2 == 0]
    steps.ravel()[even[:n_halved]] /= 2
    return steps


def test_table_quality_equal_on_90_percent_and_dividing_the_rest():
    assert jb._table_quality(_halved(1, 0)) == (50, (50, 50), True, None)
    # 54 of 60 known steps equal: exactly 90%.
    assert jb._table_quality(_halved(6)) == (50, (50, 50), True, None)
    assert jb._table_quality(_halved(7)) == (50, (50, 50), False, None)
    # One step that libjpeg's does not divide.
    foreign = _table(50)
    foreign.ravel()[10] += 1
    assert jb._table_quality(foreign) == (50, (50, 50), False, None)


def test_table_quality_of_two_compressions():
    t80, t50 = _table(80), _table(50)
    # Quality 50's lattice rounded to multiples of quality 80's steps.
    read = np.maximum(np.round(t50 / t80), 1) * t80
    assert jb._table_quality(read) == (80, (80, 80), True, 58)
    two = t80.copy()
    two.ravel()[[3, 20]] *= 2  # two entries coarser: enough
    assert jb._table_quality(two) == (80, (80, 80), True, 61)
    one = t80.copy()
    one.ravel()[3] *= 2  # one is not
    assert jb._table_quality(one) == (80, (80, 80), False, None)


def test_table_quality_dividing_95_percent_and_at_most_6_times():
    t80 = _table(80)
    three = t80.copy()
    three.ravel()[:4] = np.nan
    three.ravel()[[10, 20, 30]] += 1  # 57 of 60 divided: 95%
    assert jb._table_quality(three) == (80, (80, 80), True, 79)
    four = three.copy()
    four.ravel()[40] += 1
    assert jb._table_quality(four) == (80, (80, 80), False, None)
    assert jb._table_quality(6 * _table(90)) == (90, (90, 90), True, 42)
    assert jb._table_quality(7 * _table(90)) == (36, (36, 36), False, None)


def test_table_quality_dividing_tables_stop_at_quality_95():
    steps = _table(96)
    steps.ravel()[[30, 40, 50]] *= 2
    assert jb._table_quality(steps) == (96, (96, 96), False, None)


# ---------------------------------------------------------------------------
# The 8x8 blocks at a phase, band by band.
# ---------------------------------------------------------------------------


def _reference_blocks(luma, phase, clipped=None):
    from scipy.fft import dctn

    dy, dx = phase
    n_y, n_x = (luma.shape[0] - dy) // 8, (luma.shape[1] - dx) // 8
    blocks, kept = [], []
    for i in range(n_y):
        for j in range(n_x):
            rows = slice(dy + 8 * i, dy + 8 * i + 8)
            cols = slice(dx + 8 * j, dx + 8 * j + 8)
            block = luma[rows, cols] - 128.0
            blocks.append(block)
            kept.append(np.ptp(block) > 0
                        and (clipped is None or not clipped[rows, cols].any()))
    blocks = np.array(blocks)[np.array(kept, bool)].reshape(-1, 8, 8)
    return dctn(blocks.astype(np.float64), axes=(1, 2), norm="ortho")


@pytest.mark.parametrize("phase", [(0, 0), (3, 5), (7, 1)])
def test_blocks_at_is_the_orthonormal_dct_of_every_usable_block(phase):
    from skforensics.inspection._jpeg_blocks import _blocks_at

    rng = np.random.default_rng(0)
    luma = rng.integers(1, 255, (45, 61)).astype(np.float32)
    clipped = np.zeros(luma.shape, bool)
    coefs = _blocks_at(luma, clipped, phase)
    expected = _reference_blocks(luma, phase)
    n_blocks = ((45 - phase[0]) // 8) * ((61 - phase[1]) // 8)
    assert coefs.shape == expected.shape == (n_blocks, 8, 8)
    np.testing.assert_allclose(coefs, expected, atol=2e-3)
    # Blocks holding a clipped pixel are left out, wherever the pixel lies.
    clipped[rng.integers(0, 45, 6), rng.integers(0, 61, 6)] = True
    clipped[phase[0] + 9, phase[1] + 14] = True  # inside block (1, 1)
    coefs = _blocks_at(luma, clipped, phase)
    expected = _reference_blocks(luma, phase, clipped)
    assert 0 < len(expected) < n_blocks and coefs.shape == expected.shape
    np.testing.assert_allclose(coefs, expected, atol=2e-3)
    some = _blocks_at(luma, clipped, phase, coefficients=[0, 9, 63])
    np.testing.assert_allclose(some, expected.reshape(-1, 64)[:, [0, 9, 63]], atol=2e-3)


@pytest.mark.parametrize("band_pixels", [1, 64 * 7, 64 * 7 * 2 + 1])
def test_blocks_at_by_bands_equal_one_pass(monkeypatch, band_pixels):
    from skforensics.inspection import _jpeg_blocks

    rng = np.random.default_rng(1)
    luma = rng.integers(0, 256, (60, 59)).astype(np.float32)
    luma[10:18, 9:17] = 77.0  # a flat block at the phase: left out
    luma[18:26, 17:25] = 77.0 + np.indices((8, 8)).sum(axis=0) % 2  # kept
    clipped = (luma == 0) | (luma == 255)
    clipped[18:26, 17:25] = False
    whole = _jpeg_blocks._blocks_at(luma, clipped, (2, 1))
    assert whole.dtype == np.float32
    monkeypatch.setattr(_jpeg_blocks, "_BAND_PIXELS", band_pixels)
    banded = _jpeg_blocks._blocks_at(luma, clipped, (2, 1))
    crop = luma[2:58, 1:57].reshape(7, 8, 7, 8).swapaxes(1, 2).reshape(49, 64)
    clip = clipped[2:58, 1:57].reshape(7, 8, 7, 8).swapaxes(1, 2).reshape(49, 64)
    n_usable = np.count_nonzero(~clip.any(axis=1) & (np.ptp(crop, axis=1) > 0))
    assert 10 < n_usable < 48  # clipped and flat blocks are left out
    assert banded.shape == whole.shape == (n_usable, 8, 8)
    # float32 products over batches of another size: the same to rounding.
    np.testing.assert_allclose(banded, whole, rtol=0, atol=1e-3)


def test_n_blocks_counts_the_usable_blocks_at_the_phase():
    from skforensics.datasets import jpeg_with_tables
    from skforensics.utils import make_test_images

    image = make_test_images(1, size=144, n_channels=3, dtype=np.uint8)[0]
    image = np.clip(image, 1, 254)  # nothing clipped: every block is usable
    jpeg = jpeg_with_tables(image, *libjpeg_tables(75))[3:, 5:]
    found = je.jpeg_evidence(jpeg, double=False)
    assert found.grid_phase == (5, 3)
    clipped = ((jpeg == 0) | (jpeg == 255)).any(axis=2)
    dy, dx = found.grid_phase
    n_y, n_x = (jpeg.shape[0] - dy) // 8, (jpeg.shape[1] - dx) // 8
    blocks = clipped[dy : dy + 8 * n_y, dx : dx + 8 * n_x].reshape(n_y, 8, n_x, 8)
    assert found.n_blocks == np.count_nonzero(~blocks.any(axis=(1, 3)))
    assert found.n_blocks > 0.9 * n_y * n_x


# ---------------------------------------------------------------------------
# Errors and reasons: the words that name the fix.
# ---------------------------------------------------------------------------


def _cmyk_jpeg(tmp_path):
    from PIL import Image

    path = tmp_path / "cmyk.jpg"
    image = np.random.default_rng(0).integers(0, 256, (32, 32, 3), dtype=np.uint8)
    Image.fromarray(image).convert("CMYK").save(path, quality=80)
    return path


def test_cmyk_message_names_the_file_and_the_fix(tmp_path):
    path = _cmyk_jpeg(tmp_path)
    end = (
        " is a CMYK image: its JPEG lattice, if any, lies in its four ink "
        "channels, which a conversion to RGB mixes; jpeg_evidence works on the "
        "luminance of gray or RGB images. Convert the file to RGB yourself (the "
        "evidence will then most likely be 'unknown')."
    )
    with pytest.raises(ValueError) as exc:
        je.jpeg_evidence(path)
    assert str(exc.value) == f"'{path}'" + end
    with pytest.raises(ValueError) as exc:
        je.jpeg_evidence(path.read_bytes())
    assert str(exc.value) == "the bytes given" + end


# ---------------------------------------------------------------------------
# The phase search: 15x15 windows, each holding one block at every phase.
# ---------------------------------------------------------------------------


def _reference_phase_scores(luma, clipped, corners):
    """The lattice score and count of each phase, block by block."""
    from skforensics.inspection._jpeg_blocks import _DCT2_T

    coefs, usable = [], []
    for y, x in corners:
        for py in range(8):
            for px in range(8):
                block = luma[y + py : y + py + 8, x + px : x + px + 8]
                clip = clipped[y + py : y + py + 8, x + px : x + px + 8]
                usable.append(not clip.any() and block.max() > block.min())
                coefs.append((block.reshape(1, 64) - np.float32(128)) @ _DCT2_T)
    coefs = np.concatenate(coefs).reshape(len(corners), 64, 64)
    usable = np.array(usable).reshape(len(corners), 64)
    magnitude = np.abs(coefs)
    spread = magnitude[usable].sum(axis=0) / max(usable.sum(), 1)
    keep = (magnitude >= 0.75) & (spread >= 2.0) & usable[:, :, None]
    lattice = np.where(keep, np.cos(2 * np.pi * coefs.astype(np.float64)), 0.0)
    counts = keep.sum(axis=(0, 2))
    scores = lattice.sum(axis=(0, 2)) / np.maximum(counts, 1)
    return scores.reshape(8, 8), counts.reshape(8, 8)


def _corners(height, width):
    return [
        (8 * i, 8 * j)
        for i in range((height - 15) // 8 + 1)
        for j in range((width - 15) // 8 + 1)
    ]


@pytest.mark.parametrize("shape", [(16, 16), (31, 47), (40, 23)])
def test_phase_scores_cover_every_window_of_a_small_image(shape):
    rng = np.random.default_rng(0)
    luma = np.round(rng.normal(128, 40, shape)).clip(0, 255).astype(np.float32)
    luma[:8, :8] = 90  # a flat block
    clipped = (luma <= 0) | (luma >= 255)
    clipped[3, 12] = True
    _check_phase_scores(luma, clipped)


def test_phase_scores_leave_out_frequencies_that_never_spread():
    # A checkerboard whose amplitude changes from row to row only: every
    # row of every block sums to 0, so the DC coefficient is 0 at every
    # phase and is left out (|c| < 0.75, and its mean magnitude below 2).
    rows = np.random.default_rng(2).integers(5, 60, 31)
    checker = (-1.0) ** np.indices((31, 39)).sum(axis=0)
    luma = (128 + checker * rows[:, None]).astype(np.float32)
    scores, counts = _check_phase_scores(luma, np.zeros(luma.shape, bool))
    assert counts.max() <= 12 * 63  # 12 windows, 63 frequencies each


@pytest.mark.parametrize("amplitude", [3.0, 5.0])
def test_phase_scores_of_a_single_usable_block(amplitude):
    # One 15x15 window; a clipped pixel in every block but the first, which
    # holds one DCT frequency of the given amplitude (and rounding): its
    # mean magnitude over the usable blocks is that amplitude, the others'
    # below 2, so exactly one coefficient is kept.
    from skforensics.inspection._jpeg_blocks import _DCT2_T

    luma = np.round(np.random.default_rng(3).uniform(1, 254, (16, 16)))
    basis = _DCT2_T[:, 8 * 2 + 3].reshape(8, 8)  # frequency (2, 3)
    luma[:8, :8] = np.round(128 + amplitude * basis)
    luma = luma.astype(np.float32)
    clipped = np.zeros(luma.shape, bool)
    clipped[8, 8] = clipped[0, 8] = clipped[8, 0] = True
    scores, counts = je._phase_scores(luma, clipped, np.random.default_rng(0))
    assert counts[0, 0] == 1 and counts.sum() == 1
    c = ((luma[:8, :8].reshape(1, 64) - 128) @ _DCT2_T)[0, 8 * 2 + 3]
    assert abs(c - amplitude) < 0.75
    assert scores[0, 0] == pytest.approx(np.cos(2 * np.pi * c), abs=1e-4)
    assert np.all(scores.ravel()[1:] == 0)


def test_phase_scores_leave_out_smooth_frequencies():
    # A smooth image: its high frequencies spread less than 2 on average.
    y, x = np.indices((40, 48))
    rng = np.random.default_rng(4)
    luma = 128 + 40 * np.sin(x / 7) + 40 * np.cos(y / 9) + rng.integers(-1, 2, (40, 48))
    luma = np.round(luma).astype(np.float32)
    scores, counts = _check_phase_scores(luma, np.zeros(luma.shape, bool))
    assert counts.max() < 12 * 64 / 2  # most frequencies left out


def _check_phase_scores(luma, clipped):
    shape = luma.shape
    scores, counts = je._phase_scores(luma, clipped, np.random.default_rng(0))
    expected, expected_counts = _reference_phase_scores(
        luma, clipped, _corners(*shape)
    )
    # float32 products in batches of another size can move a coefficient
    # across |c| = 0.75: a count may differ by one.
    np.testing.assert_allclose(counts, expected_counts, rtol=0, atol=1)
    np.testing.assert_allclose(scores, expected, atol=1e-4)
    return scores, counts


def test_phase_scores_draw_640_distinct_windows_of_a_large_image():
    rng = np.random.default_rng(1)
    luma = np.round(rng.normal(128, 40, (8 * 28 + 7, 8 * 26 + 7)))
    luma = luma.clip(0, 255).astype(np.float32)
    clipped = (luma <= 0) | (luma >= 255)
    corners = _corners(*luma.shape)
    assert len(corners) == 28 * 26 > 640
    scores, counts = je._phase_scores(luma, clipped, np.random.default_rng(5))
    pick = np.sort(np.random.default_rng(5).choice(len(corners), 640, replace=False))
    expected, expected_counts = _reference_phase_scores(
        luma, clipped, [corners[i] for i in pick]
    )
    # float32 products in batches of another size can move a coefficient
    # across |c| = 0.75: a count may differ by one.
    np.testing.assert_allclose(counts, expected_counts, rtol=0, atol=1)
    np.testing.assert_allclose(scores, expected, atol=1e-4)


# ---------------------------------------------------------------------------
# The evidence of an image that tells nothing: every key, its empty value.
# ---------------------------------------------------------------------------

_NAN_KEYS = (
    "phase_score", "phase_z", "lattice_share", "lattice_share_null",
    "double_score", "resized_z", "resampling_z",
)
_NONE_KEYS = (
    "grid_phase", "table_quality", "table_qualities", "libjpeg_like",
    "primary_quality", "resized_grid", "resize_factor", "grid_period", "grid_offset",
)


def _assert_empty(found, shape):
    assert set(found) >= {
        "verdict", "reason", "shape", "n_blocks", "steps", "double_compression",
        *_NAN_KEYS, *_NONE_KEYS,
    }
    assert found.verdict == "unknown" and found.double_compression == "unknown"
    assert found.shape == shape and found.n_blocks == 0
    for key in _NAN_KEYS:
        assert isinstance(found[key], float) and np.isnan(found[key]), key
    for key in _NONE_KEYS:
        assert found[key] is None, key
    assert found.steps.shape == (8, 8) and np.isnan(found.steps).all()


def test_too_small_evidence_is_empty_and_says_why():
    found = je.jpeg_evidence(np.full((12, 200), 90, np.uint8))
    _assert_empty(found, (12, 200))
    assert found.reason == (
        "The image is 12x200: too small to compare the 64 phases of an 8x8 grid "
        "(16x16 pixels or more are needed)."
    )


def test_flat_evidence_is_empty_and_says_why():
    found = je.jpeg_evidence(np.full((64, 48, 3), 120, np.uint8), resized=False)
    _assert_empty(found, (64, 48))
    assert found.reason == (
        "Too little texture: the image is flat or clipped almost everywhere."
    )


# ---------------------------------------------------------------------------
# The verdict from the 64 phase scores (the scores made by hand).
# ---------------------------------------------------------------------------


def _scores(best_z, *, mad=0.01, best=(2, 5)):
    """Phase scores whose best phase stands ``best_z`` robust SD above the
    other 63 (median 0.05, scaled MAD ``1.4826 * mad``)."""
    others = 0.05 + mad * np.concatenate([-np.ones(31), np.zeros(1), np.ones(31)])
    others[:31] -= np.linspace(0, 0.001, 31) * (mad > 0)  # distinct values
    spread = max(1.4826 * np.median(np.abs(others - np.median(others))), 1e-3)
    scores = np.insert(others, np.ravel_multi_index(best, (8, 8)),
                       np.median(others) + best_z * spread)
    return scores.reshape(8, 8), spread


def _exact_scores(z, best=(2, 5), mad=0.01):
    """Scores whose others have median 0 and MAD ``mad``, and whose best
    phase stands exactly ``z`` robust SD above them (no rounding)."""
    for _ in range(100):  # a MAD whose spread divides some float to z exactly
        spread = max(1.4826 * mad, 1e-3)
        top = z * spread
        while top / spread > z:
            top = np.nextafter(top, -1)
        while top / spread < z:
            top = np.nextafter(top, 1)
        if top / spread == z:
            break
        mad = np.nextafter(mad, 1)
    assert top / spread == z
    others = np.concatenate([-np.full(31, mad), [0.0], np.full(31, mad)])
    scores = np.insert(others, np.ravel_multi_index(best, (8, 8)), top)
    return scores.reshape(8, 8), spread


@pytest.fixture
def noise():
    return np.random.default_rng(0).integers(20, 236, (64, 72), dtype=np.uint8)


def _with_scores(monkeypatch, scores, counts=None):
    counts = np.full((8, 8), 100) if counts is None else counts
    monkeypatch.setattr(je, "_phase_scores",
                        lambda luma, clipped, rng: (scores, counts))


def test_phase_z_is_robust_z_of_the_best_phase(monkeypatch, noise):
    scores, spread = _scores(6.5)
    _with_scores(monkeypatch, scores)
    found = je.jpeg_evidence(noise, resized=False)
    others = np.delete(scores.ravel(), 2 * 8 + 5)
    assert found.phase_score == scores[2, 5]
    assert found.phase_z == pytest.approx(
        (scores[2, 5] - np.median(others))
        / (1.4826 * np.median(np.abs(others - np.median(others))))
    )
    assert found.phase_z == pytest.approx(6.5)
    assert found.verdict == "unknown" and found.grid_phase == (2, 5)
    assert found.n_blocks == ((64 - 2) // 8) * ((72 - 5) // 8)
    assert found.reason == (
        "One 8x8 grid phase stands 6.5 robust SD above the others: a lattice "
        "blurred (resized, rotated or filtered after compression?) or too faint "
        "to call."
    )


def test_phase_z_spread_has_a_floor(monkeypatch, noise):
    scores = np.full((8, 8), 0.05)
    scores[1, 1] = 0.0575  # 7.5 times the floor of 1e-3 above equal others
    _with_scores(monkeypatch, scores)
    found = je.jpeg_evidence(noise, resized=False)
    assert found.phase_z == pytest.approx(7.5)
    assert found.grid_phase == (1, 1)


def test_z_of_exactly_5_keeps_the_phase(monkeypatch, noise):
    scores, _ = _exact_scores(5.0, mad=0.02)  # too little texture to rule out
    _with_scores(monkeypatch, scores)
    found = je.jpeg_evidence(noise, resized=False)
    assert found.phase_z == 5.0
    assert found.grid_phase == (2, 5) and found.verdict == "unknown"
    assert found.reason.startswith("One 8x8 grid phase stands 5.0 robust SD")
    assert found.shape == (64, 72)


def test_the_quality_100_rule_at_its_edge(monkeypatch, noise):
    # A spread of exactly 0.15 / 8: quality 100's lattice would stand 8 SD.
    mad = 0.15 / 8 / 1.4826
    while 0.15 / max(1.4826 * mad, 1e-3) < 8:
        mad = np.nextafter(mad, 0)
    while 0.15 / max(1.4826 * mad, 1e-3) > 8:
        mad = np.nextafter(mad, 1)
    if 0.15 / max(1.4826 * mad, 1e-3) != 8:
        pytest.skip("no float spread gives exactly 8 here")
    scores, _ = _exact_scores(2.0, mad=mad)
    _with_scores(monkeypatch, scores)
    assert je.jpeg_evidence(noise, resized=False).verdict == "never compressed"


@pytest.mark.parametrize("mad, verdict, reason", [
    # Others within 0.01 (scaled MAD 0.0148): a lattice score of 0.15 would
    # stand 10 SD out, so none standing out means none there.
    (0.01, "never compressed",
     "No 8x8 grid phase stands out (best 3.0 robust SD above the others), where "
     "even quality 100's lattice would have; a JPEG resized or rotated after "
     "compression loses its lattice too."),
    # Others within 0.02: quality 100's lattice could hide among them.
    (0.02, "unknown",
     "No 8x8 grid phase stands out, but the image has too little texture to rule "
     "out a faint lattice (quality near 100)."),
])
def test_no_phase_out_and_what_quality_100_would_show(monkeypatch, noise, mad,
                                                      verdict, reason):
    scores, spread = _scores(3.04, mad=mad)
    assert (0.15 / spread >= 8) == (verdict == "never compressed")
    _with_scores(monkeypatch, scores)
    found = je.jpeg_evidence(noise, resized=False)
    assert found.verdict == verdict and found.grid_phase is None
    assert found.reason == reason


def test_the_resized_search_runs_only_without_a_lattice(monkeypatch, noise):
    scores, _ = _scores(3.0)
    _with_scores(monkeypatch, scores)
    assert je.jpeg_evidence(noise).resized_grid in ("found", "not found")
    assert je.jpeg_evidence(noise, resized=False).resized_grid is None


def test_phase_search_needs_40_coefficients_at_every_phase(monkeypatch, noise):
    scores, _ = _scores(3.0)
    counts = np.full((8, 8), 100)
    counts[4, 4] = 40
    _with_scores(monkeypatch, scores, counts)
    found = je.jpeg_evidence(noise, resized=False)
    assert found.reason.startswith("No 8x8 grid phase stands out")
    counts[4, 4] = 39
    found = je.jpeg_evidence(noise, resized=False)
    assert found.reason.startswith("Too little texture")


def test_16_pixels_a_side_are_enough(monkeypatch):
    scores, _ = _scores(3.0)
    _with_scores(monkeypatch, scores)
    image = np.random.default_rng(0).integers(20, 236, (16, 16), dtype=np.uint8)
    assert "too small" not in je.jpeg_evidence(image, resized=False).reason
    assert "too small" in je.jpeg_evidence(image[:15], resized=False).reason
    assert "too small" in je.jpeg_evidence(image[:, :15], resized=False).reason


def test_random_state_must_be_an_int():
    image = np.zeros((32, 32), np.uint8)
    for bad in (None, 1.0, True):
        with pytest.raises(TypeError) as exc:
            je.jpeg_evidence(image, random_state=bad)
        assert str(exc.value) == f"random_state must be an int; got {bad!r} instead."
    je.jpeg_evidence(image, random_state=np.int64(3))


def test_random_state_picks_the_windows(monkeypatch):
    seen = []
    real = je._phase_scores

    def spy(luma, clipped, rng):
        seen.append(rng.integers(1 << 30))
        return real(luma, clipped, rng)

    monkeypatch.setattr(je, "_phase_scores", spy)
    image = np.zeros((32, 32), np.uint8)
    je.jpeg_evidence(image, random_state=7)
    assert seen == [np.random.default_rng(7).integers(1 << 30)]


# ---------------------------------------------------------------------------
# A compressed image: its reason, and the earlier compression's evidence.
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def jpeg75():
    from skforensics.datasets import jpeg_with_tables
    from skforensics.utils import make_test_images

    image = make_test_images(1, size=128, n_channels=3, dtype=np.uint8)[0]
    return jpeg_with_tables(image, *libjpeg_tables(75))[3:, 5:]


@pytest.mark.parametrize("quality", [30, 85, 97])
def test_compressed_reason_reports_its_numbers(jpeg75, quality):
    from skforensics.datasets import jpeg_with_tables
    from skforensics.utils import make_test_images

    image = make_test_images(1, size=128, n_channels=3, dtype=np.uint8)[0]
    jpeg = jpeg_with_tables(image, *libjpeg_tables(quality))[3:, 5:]
    found = je.jpeg_evidence(jpeg, double=False)
    assert found.verdict == "compressed" and found.shape == (125, 123)
    assert found.reason == (
        f"An 8x8 grid at phase (5, 3) stands {found.phase_z:.0f} robust SD above "
        f"the other phases; {100 * found.lattice_share:.0f}% of its coefficients "
        "lie on the lattice of the steps read (by chance: "
        f"{100 * found.lattice_share_null:.0f}%)."
    )
    assert found.double_compression == "unknown" and found.primary_quality is None
    assert np.isnan(found.double_score) and found.resized_grid is None


def test_a_z_of_exactly_8_is_compressed(monkeypatch, jpeg75):
    scores, _ = _exact_scores(8.0, best=(5, 3))
    _with_scores(monkeypatch, scores)
    found = je.jpeg_evidence(jpeg75, double=False)
    assert found.phase_z == 8.0
    assert found.verdict == "compressed" and found.table_quality == 75
    assert found.shape == jpeg75.shape[:2]


def test_the_default_seed_is_0():
    # More than 640 windows: the seed picks those the phases are compared on.
    image = np.random.default_rng(0).integers(30, 226, (240, 240), dtype=np.uint8)
    default = je.jpeg_evidence(image, resized=False)
    assert default.phase_z == je.jpeg_evidence(image, random_state=0,
                                               resized=False).phase_z
    assert default.phase_z != je.jpeg_evidence(image, random_state=1,
                                               resized=False).phase_z


def _fake_double(monkeypatch, answer, calls):
    from sklearn.utils import Bunch

    def fake(coefs, steps, *, luma, clipped, phase):
        calls.append(dict(coefs=coefs, steps=steps, luma=luma, clipped=clipped,
                          phase=phase))
        return Bunch(**answer)

    monkeypatch.setattr(je, "_double_jpeg_evidence", fake)


def test_double_search_gets_libjpegs_steps_and_the_grid(monkeypatch, jpeg75):
    calls = []
    _fake_double(monkeypatch, dict(double_compression="detected",
                                   primary_quality=40, double_score=3.5), calls)
    found = je.jpeg_evidence(jpeg75)
    (call,) = calls
    known = np.isfinite(found.steps)
    expected = np.where(known, libjpeg_tables(75)[0], np.nan)
    np.testing.assert_array_equal(call["steps"], expected)
    assert call["phase"] == (5, 3) and len(call["coefs"]) == found.n_blocks
    luma, clipped = je._luminance(jpeg75)
    np.testing.assert_array_equal(call["luma"], luma)
    np.testing.assert_array_equal(call["clipped"], clipped)
    assert (found.double_compression, found.primary_quality) == ("detected", 40)
    assert found.double_score == 3.5


def test_double_search_with_a_foreign_table_is_not_trusted(monkeypatch, jpeg75):
    calls = []
    _fake_double(monkeypatch, dict(double_compression="detected",
                                   primary_quality=40, double_score=3.5), calls)
    monkeypatch.setattr(jb, "_table_quality", lambda s: (60, (58, 61), False, None))
    monkeypatch.setattr(je, "_estimate_step", lambda values: 7.0)
    # Steps of 7 fit this JPEG no better than chance, which reads no quality
    # (test_jpeg_evidence); here the table is taken as read.
    monkeypatch.setattr(jb, "_MIN_FIT", -1.0)
    found = je.jpeg_evidence(jpeg75)
    np.testing.assert_array_equal(calls[0]["steps"], np.full((8, 8), 7.0))
    assert (found.double_compression, found.primary_quality) == ("unknown", None)
    assert found.double_score == 3.5
    assert (found.table_quality, found.table_qualities) == (60, (58, 61))
    assert found.libjpeg_like is False


@pytest.mark.parametrize("searched, primary, expected", [
    ("not detected", None, ("detected", 58)),
    ("unknown", None, ("detected", 58)),
    ("detected", 45, ("detected", 45)),  # the search's own primary wins
])
def test_two_tables_in_the_steps_are_a_double_compression(monkeypatch, jpeg75,
                                                          searched, primary,
                                                          expected):
    _fake_double(monkeypatch, dict(double_compression=searched,
                                   primary_quality=primary, double_score=0.5), [])
    monkeypatch.setattr(jb, "_table_quality", lambda s: (75, (75, 75), True, 58))
    found = je.jpeg_evidence(jpeg75)
    assert (found.double_compression, found.primary_quality) == expected
    assert found.double_score == 0.5


# ---------------------------------------------------------------------------
# The luminance JPEG computes, and the clipped pixels, on every dtype.
# ---------------------------------------------------------------------------


def _bt601(rgb255):
    return np.round(rgb255 @ np.array([0.299, 0.587, 0.114]))


@pytest.fixture(scope="module")
def rgb8():
    rng = np.random.default_rng(0)
    image = rng.integers(0, 256, (37, 23, 3), dtype=np.uint8)
    image[0, 0] = 0
    image[1, 1] = 255
    image[2, 2] = (0, 128, 128)
    image[3, 3] = (128, 255, 128)
    image[4, 4] = (1, 254, 1)
    return image


def _clipped255(values):
    return (values.min(axis=-1) <= 0) | (values.max(axis=-1) >= 255)


def test_luminance_of_8_bit_rgb(rgb8, monkeypatch):
    luma, clipped = je._luminance(rgb8)
    assert luma.dtype == np.float32 and luma.shape == (37, 23)
    assert clipped.dtype == bool
    np.testing.assert_array_equal(luma, _bt601(rgb8.astype(np.float64)))
    np.testing.assert_array_equal(clipped, _clipped255(rgb8))
    assert clipped[2, 2] and clipped[3, 3] and not clipped[4, 4]
    # Strip by strip (256 rows at a time): the same.
    monkeypatch.setattr(je, "_STRIP_ROWS", 5)
    strips = je._luminance(rgb8)
    np.testing.assert_array_equal(strips[0], luma)
    np.testing.assert_array_equal(strips[1], clipped)


def test_luminance_of_8_bit_gray(rgb8, monkeypatch):
    gray = rgb8[..., 1]
    for image in (gray, gray[..., None], np.stack([gray, rgb8[..., 0]], axis=2)):
        luma, clipped = je._luminance(image)
        assert luma.dtype == np.float32 and luma.shape == gray.shape
        assert clipped.dtype == bool
        np.testing.assert_array_equal(luma, gray)
        np.testing.assert_array_equal(clipped, (gray == 0) | (gray == 255))
    monkeypatch.setattr(je, "_STRIP_ROWS", 4)
    np.testing.assert_array_equal(je._luminance(gray)[0], gray)


def test_alpha_is_dropped(rgb8):
    alpha = np.zeros(rgb8.shape[:2] + (1,), np.uint8)
    with_alpha = np.concatenate([rgb8, alpha], axis=2)
    for got, expected in zip(je._luminance(with_alpha), je._luminance(rgb8)):
        np.testing.assert_array_equal(got, expected)
    as_float = with_alpha / 255.0
    for got, expected in zip(je._luminance(as_float), je._luminance(rgb8)):
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("kind", ["float64", "float32", "uint16"])
def test_luminance_of_other_dtypes(rgb8, kind):
    if kind == "uint16":
        image = rgb8.astype(np.uint16) * 257
    else:
        image = (rgb8 / 255.0).astype(kind)
    luma, clipped = je._luminance(image)
    assert luma.dtype == np.float32 and clipped.dtype == bool
    values = image.astype(np.float64) * 255 if kind.startswith("float") else rgb8
    np.testing.assert_array_equal(luma, _bt601(np.asarray(values, np.float64)))
    np.testing.assert_array_equal(clipped, _clipped255(np.asarray(values, np.float64)))
    # Gray: rounded, clipped where the rounded value is 0 or 255.
    gray_luma, gray_clipped = je._luminance(image[..., 1])
    expected = np.round(np.asarray(values, np.float64)[..., 1])
    np.testing.assert_array_equal(gray_luma, expected)
    np.testing.assert_array_equal(gray_clipped, (expected <= 0) | (expected >= 255))


def test_luminance_of_booleans_and_floats():
    mask = np.zeros((4, 5), bool)
    mask[1, 2] = True
    luma, clipped = je._luminance(mask)
    np.testing.assert_array_equal(luma, mask * 255.0)
    assert clipped.all()
    luma, clipped = je._luminance(np.array([[0.0, 0.002, 0.5, 0.998, 1.0]]))
    np.testing.assert_array_equal(luma, [[0, 1, 128, 254, 255]])
    np.testing.assert_array_equal(clipped, [[True, False, False, False, True]])


def test_luminance_errors_name_the_shape_and_dtype():
    with pytest.raises(ValueError) as exc:
        je._luminance(np.zeros((2, 32, 32, 3)))
    assert str(exc.value) == (
        "jpeg_evidence takes one image of shape (height, width) or (height, width, "
        "3); got an array of shape (2, 32, 32, 3). Pass images one at a time."
    )
    for shape in ((32,), (32, 32, 5)):
        with pytest.raises(ValueError, match=r"got an array of shape \(32"):
            je._luminance(np.zeros(shape, np.uint8))
    for bad in (np.nan, np.inf, -np.inf):
        image = np.zeros((32, 32))
        image[5, 7] = bad
        with pytest.raises(ValueError, match="must not contain NaN or infinity"):
            je._luminance(image)
    with pytest.raises(TypeError, match="must be real-valued; got dtype complex128"):
        je._luminance(np.zeros((32, 32), complex))


@pytest.mark.parametrize(
    "image, error, message",
    [
        # 8-bit data in a float array: the package's hint, not "too little
        # texture" from pixels all clipped at 255.
        (np.full((32, 32, 3), 200.0), ValueError, "It looks like 8-bit data"),
        (np.full((32, 32), -0.1), ValueError, r"must lie in \[0, 1\]"),
        # Integers whose range is unknown (int64 from a list of Python ints).
        (np.full((32, 32), 200, np.int64), TypeError, "must be uint8 or uint16"),
        (np.full((32, 32), 2000, np.int32), TypeError, "must be uint8 or uint16"),
    ],
)
def test_jpeg_evidence_refuses_what_check_images_refuses(image, error, message):
    from skforensics.utils import check_images

    with pytest.raises(error, match=message):
        check_images([image])
    with pytest.raises(error, match=message):
        je.jpeg_evidence(image)
    # The caller's array is left as it was.
    assert np.all(image == image.flat[0])


# ---------------------------------------------------------------------------
# Reading the pixels of arrays, files and bytes.
# ---------------------------------------------------------------------------


def test_bytes_like_inputs_are_read_as_files(jpeg75, tmp_path):
    from PIL import Image

    path = tmp_path / "q60.jpg"
    Image.fromarray(jpeg75).save(path, quality=60)
    data = path.read_bytes()
    expected = je.jpeg_evidence(path, double=False)
    assert expected.table_quality == 60
    for source in (str(path), data, bytearray(data), memoryview(data)):
        found = je.jpeg_evidence(source, double=False)
        assert (found.table_quality, found.grid_phase) == (60, (0, 0))
        np.testing.assert_array_equal(found.steps, expected.steps)


def test_bytes_that_are_no_image_are_refused():
    for data in (b"not an image", bytearray(b"GIF89 but no"), memoryview(b"\x00" * 64)):
        with pytest.raises(ValueError) as exc:
            je.jpeg_evidence(data)
        assert str(exc.value) == (
            "Cannot read the bytes given as an image: not an image format Pillow "
            "knows."
        )


@pytest.mark.parametrize("content", [b"", b"not an image at all", b"\x89PNG\r\n\x1a\n"])
def test_unreadable_files_get_read_images_message(tmp_path, content):
    from skforensics.utils import read_image

    path = tmp_path / "broken.png"
    path.write_bytes(content)
    with pytest.raises(Exception) as expected:
        read_image(path)
    with pytest.raises(type(expected.value)) as exc:
        je.jpeg_evidence(path)
    assert str(exc.value) == str(expected.value)
