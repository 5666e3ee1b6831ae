"""A JPEG downscaled after compression, found by its blocks' DC lattice."""

import cv2
import numpy as np
import pytest
from PIL import Image, ImageOps
from skimage import data
from sklearn.utils import Bunch

from skforensics.datasets import jpeg_with_tables, libjpeg_tables
from skforensics.inspection import jpeg_evidence
from skforensics.inspection._jpeg_downscaled import downscaled_lattice
from skforensics.inspection._jpeg_verdict import RESIZED_VERDICT, combine_verdicts


def _downscale(pixels, factor, how):
    size = (round(pixels.shape[1] * factor), round(pixels.shape[0] * factor))
    if how == "area":
        return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    method = {"bicubic": Image.BICUBIC, "lanczos": Image.LANCZOS}[how]
    return np.asarray(Image.fromarray(pixels).resize(size, method))


@pytest.fixture(scope="module")
def coffee():
    return data.coffee()  # 400x600 RGB, never compressed


@pytest.fixture
def dc_search_only(monkeypatch):
    """jpeg_evidence without the lattice of a JPEG halved on its grid, which
    reads a halving before this search (see test_jpeg_scaled)."""
    import skforensics.inspection._jpeg_evidence as module

    monkeypatch.setattr(module, "_add_scaled", lambda evidence, *args: evidence)


@pytest.mark.parametrize(
    "quality, factor, how",
    # (A halving on the block grid is read by _jpeg_scaled: test_jpeg_scaled.)
    [(50, 0.6, "area"), (75, 0.7, "bicubic"), (75, 0.85, "lanczos")],
)
def test_downscaled_jpeg_is_compressed_with_its_native_size(
    coffee, quality, factor, how
):
    jpeg = jpeg_with_tables(coffee, *libjpeg_tables(quality))
    small = _downscale(jpeg, factor, how)
    evidence = jpeg_evidence(small)
    assert evidence.verdict == "compressed"
    assert evidence.resized_grid == "found"
    assert evidence.native_size == (400, 600)
    assert evidence.resize_factor == pytest.approx(factor, abs=0.005)
    assert evidence.grid_period == pytest.approx(8 * factor, abs=0.04)
    # The DC step of libjpeg's table: 16 at quality 50, 8 at 75.
    assert evidence.steps[0, 0] == {50: 16, 75: 8}[quality]
    assert np.isnan(evidence.steps.ravel()[1:]).all()
    assert evidence.table_quality is None
    assert "downscale" in evidence.reason


@pytest.mark.parametrize(
    "factor, how", [(0.5, "area"), (0.7, "bicubic"), (0.9, "lanczos")]
)
def test_never_compressed_downscale_stays_uncompressed(coffee, factor, how):
    evidence = jpeg_evidence(_downscale(coffee, factor, how))
    assert evidence.verdict == "never compressed"
    assert evidence.native_size is None
    found = downscaled_lattice(_downscale(coffee, factor, how)[..., 1].astype(float))
    assert not found.found and found.z < 8


def test_the_native_size_is_exact_and_the_grid_at_the_corner():
    # Grayscale: one pixel off along either axis and the lattice is gone.
    jpeg = jpeg_with_tables(data.camera(), *libjpeg_tables(75))
    found = downscaled_lattice(_downscale(jpeg, 0.7, "bicubic").astype(float))
    assert found.found and found.native_size == (512, 512) and found.dc_step == 8
    # A crop after the downscale moves the grid off the corner: not found.
    shifted = _downscale(jpeg, 0.7, "bicubic")[3:, 3:].astype(float)
    assert not downscaled_lattice(shifted).found


def test_too_small_or_flat():
    assert downscaled_lattice(np.zeros((75, 300))) is None
    flat = downscaled_lattice(np.full((100, 300), 128.0))  # every size fits
    assert not flat.found and flat.z == 0
    jpeg = jpeg_with_tables(data.camera()[:100, :100], *libjpeg_tables(50))
    evidence = jpeg_evidence(_downscale(jpeg, 0.7, "bicubic"))
    assert evidence.verdict != "compressed"


def test_a_lattice_found_otherwise_is_not_searched_again(monkeypatch, coffee):
    import skforensics.inspection._jpeg_downscaled as module

    def fail(luma):
        raise AssertionError("searched")

    monkeypatch.setattr(module, "downscaled_lattice", fail)
    assert jpeg_evidence(jpeg_with_tables(coffee, *libjpeg_tables(75))).verdict == (
        "compressed"
    )


def test_audit_verdict_says_resized_in_words_of_a_downscale(coffee):
    small = _downscale(jpeg_with_tables(coffee, *libjpeg_tables(75)), 0.7, "bicubic")
    evidence = jpeg_evidence(small)
    row = {
        "p_compressed": 0.1,
        "quality": 80.0,
        "quality_iqr": 2.0,
        "evidence": evidence.verdict,
        **{key: evidence[key] for key in (
            "table_quality", "libjpeg_like", "resized_grid", "resize_factor",
            "grid_period", "resampling_z", "resized_visible",
        )},
    }
    verdict, confidence, disagreement = combine_verdicts(row)
    assert verdict == RESIZED_VERDICT
    assert confidence == "medium"
    assert "read through their downscale" in disagreement
    row["p_compressed"] = 0.9
    assert combine_verdicts(row)[:2] == (RESIZED_VERDICT, "high")


def test_the_aspect_ratio_is_kept_to_a_pixel(dc_search_only):
    # 300x451 halved is 150x226: the columns' native length is one less than
    # the rows' ratio says (452), and is still found.
    jpeg = jpeg_with_tables(data.chelsea(), *libjpeg_tables(50))
    small = _downscale(jpeg, 0.5, "area")
    assert small.shape[:2] == (150, 226)
    assert jpeg_evidence(small).native_size == (300, 451)


def test_a_downscale_taken_for_an_enlargement_is_read_as_a_downscale():
    # Halfway through, the block grid of this JPEG downscaled by 0.8 makes
    # the enlargement search dip at 654x750 (by 1.07): the DC lattice at the
    # true size still decides.
    jpeg = jpeg_with_tables(data.hubble_deep_field(), *libjpeg_tables(50))
    evidence = jpeg_evidence(_downscale(jpeg, 0.8, "bicubic"))
    assert evidence.verdict == "compressed"
    assert evidence.native_size == (872, 1000)
    assert evidence.resize_kernel is None


def test_the_search_in_chunks_scores_every_candidate_the_same(monkeypatch):
    import skforensics.inspection._jpeg_downscaled as module

    jpeg = jpeg_with_tables(data.camera()[:300, :420], *libjpeg_tables(75))
    luma = _downscale(jpeg, 0.7, "bicubic").astype(float)
    rows, cols = module._candidates(luma.shape[0]), module._candidates(luma.shape[1])
    plane = module._Plane(luma)
    pairs, scores = module._search(plane, rows, cols)
    monkeypatch.setattr(module, "_CHUNK", 7)  # chunk edges everywhere
    pairs_7, scores_7 = module._search(plane, rows, cols)
    assert pairs_7 == pairs and len(pairs) > 2 * len(rows)
    np.testing.assert_allclose(scores_7, scores, rtol=1e-5)
    assert module.downscaled_lattice(luma).native_size == (300, 420)


def test_a_chroma_plane_finds_what_the_luminance_misses(dc_search_only):
    from skforensics.inspection._jpeg_evidence import _luminance

    jpeg = jpeg_with_tables(data.chelsea(), *libjpeg_tables(75))
    small = _downscale(jpeg, 0.5, "area")
    luma, _ = _luminance(small)
    assert not downscaled_lattice(luma).found  # the luminance alone
    found = downscaled_lattice(luma, small)
    # libjpeg's chroma table at quality 75 starts with 9; its 16x16 blocks.
    assert found.found and found.plane == "chroma" and found.dc_step == 9
    assert found.native_size == (300, 451)
    evidence = jpeg_evidence(small)
    assert evidence.verdict == "compressed" and evidence.native_size == (300, 451)
    assert np.isnan(evidence.steps).all()  # not a step of the luminance
    assert "chroma blocks" in evidence.reason
    # Gray pixels have no chroma to read.
    assert not downscaled_lattice(luma, small[..., 0]).found



@pytest.mark.parametrize("subsampling", ["4:2:2", "4:4:4"])
def test_chroma_blocks_of_each_subsampling(subsampling, dc_search_only):
    # Halved, chelsea's 16x16 blocks of 4:2:0 show no lattice; the chroma
    # blocks of the subsampling it was written with do.
    import skforensics.inspection._jpeg_downscaled as module
    from skforensics.inspection._jpeg_evidence import _luminance

    jpeg = jpeg_with_tables(
        data.chelsea(), *libjpeg_tables(75), subsampling=subsampling
    )
    small = _downscale(jpeg, 0.5, "area")
    luma, _ = _luminance(small)
    assert not module._plane_lattice(module._Plane(small, chroma="4:2:0")).found
    chroma = module._plane_lattice(module._Plane(small, chroma=subsampling))
    assert chroma.found and chroma.dc_step == 9
    assert chroma.subsampling == subsampling and chroma.native_size == (300, 451)
    # The search stops at the first plane that shows it: the chroma, or the
    # luminance where its least clipped blocks show it too.
    found = downscaled_lattice(luma, small)
    assert found.found and found.native_size == (300, 451)
    blocks = f"{subsampling} chroma blocks" if found.plane == "chroma" else "8x8"
    evidence = jpeg_evidence(small)
    assert evidence.verdict == "compressed" and blocks in evidence.reason
    assert downscaled_lattice(luma).subsampling is None


def _chroma_find(pixels):
    from skforensics.inspection._jpeg_evidence import _luminance

    found = downscaled_lattice(_luminance(pixels)[0], pixels)
    assert found.found and found.plane == "chroma"
    return found


def test_the_chroma_blocks_of_two_subsamplings(coffee):
    # 4:2:0's chroma blocks (16x16 pixels) quartered are 4:4:4's (8x8)
    # halved. The luminance's blocks, 8x8 in both, tell which where they
    # show a lattice at one of the two native sizes: here 4:2:0's.
    jpeg = jpeg_with_tables(coffee, *libjpeg_tables(50))  # 4:2:0
    found = _chroma_find(_downscale(jpeg, 0.25, "lanczos"))
    assert found.subsampling == "4:2:0" and found.reading == "luminance"
    assert found.resize_factor == 0.25 and found.native_size == (400, 600)
    assert found.alternative is None
    # Here 4:4:4's.
    chelsea = jpeg_with_tables(data.chelsea(), *libjpeg_tables(90), subsampling="4:4:4")
    found = _chroma_find(_downscale(chelsea, 0.8, "lanczos"))
    assert found.subsampling == "4:4:4" and found.reading == "luminance"
    assert found.native_size == (300, 451) and found.alternative is None
    assert "The luminance's blocks tell 4:4:4" in jpeg_evidence(
        _downscale(chelsea, 0.8, "lanczos")
    ).reason
    # Where they show neither, the reading is 4:2:0's, the default of
    # Pillow, libjpeg and most cameras (the cost: this 4:4:4 JPEG halved is
    # read as quartered), and the other is named.
    jpeg = jpeg_with_tables(coffee, *libjpeg_tables(90), subsampling="4:4:4")
    found = _chroma_find(_downscale(jpeg, 0.5, "lanczos"))
    assert found.subsampling == "4:2:0" and found.reading is None
    assert found.resize_factor == 0.25 and found.native_size == (800, 1200)
    assert found.alternative == ("4:4:4", 0.5, (400, 600))
    evidence = jpeg_evidence(_downscale(jpeg, 0.5, "lanczos"))
    assert evidence.resize_factor == 0.25 and evidence.native_size == (800, 1200)
    assert "a JPEG with 4:4:4 chroma downscaled by 0.500 (400x600 pixels" in (
        evidence.reason
    )
    assert "(4:2:0 is the more common)" in evidence.reason


def test_the_search_operators_kept_for_the_next_image_are_the_same(monkeypatch):
    import skforensics.inspection._jpeg_downscaled as module

    # The middle blocks alone are read (the cache keys the place).
    monkeypatch.setattr(module, "_least_clipped", lambda *args: None)
    module._search_operator.cache_clear()
    jpeg = jpeg_with_tables(data.camera()[:300, :420], *libjpeg_tables(75))
    luma = _downscale(jpeg, 0.7, "bicubic").astype(float)
    first = module.downscaled_lattice(luma)
    kept = module._search_operator.cache_info()
    assert kept.currsize > 0 and kept.hits == 0
    # A second image of the same size reads them from the cache.
    other = jpeg_with_tables(data.camera()[200:500, 60:480], *libjpeg_tables(75))
    again = module.downscaled_lattice(_downscale(other, 0.7, "bicubic").astype(float))
    assert module._search_operator.cache_info().hits >= kept.currsize
    assert again.found and again.native_size == first.native_size
    plane = module._Plane(luma)
    rows, cols = np.arange(420, 431), np.arange(590, 610)
    fresh = module._dc_operators(plane, rows, cols, 8)
    cached = module._dc_operators(plane, rows, cols, 8, cached=True)
    for a, b in zip(fresh, cached):
        np.testing.assert_array_equal(a, b)
    # What the cache holds cannot be written to by a caller.
    with pytest.raises(ValueError):
        cached[1][0, 0, 0] = 1.0


def test_an_alpha_channel_is_left_out_of_the_chroma():
    # Regression: RGBA and gray + alpha pixels reached the chroma planes
    # with their alpha (a matmul error from jpeg_evidence on such PNGs).
    from skforensics.inspection._jpeg_evidence import _luminance

    jpeg = jpeg_with_tables(data.chelsea(), *libjpeg_tables(75))
    small = _downscale(jpeg, 0.5, "area")
    luma, _ = _luminance(small)
    alpha = np.full(small.shape[:2] + (1,), 255, dtype=np.uint8)
    rgba = np.concatenate([small, alpha], axis=-1)
    found = downscaled_lattice(luma, rgba)
    assert found.found and found.plane == "chroma"
    assert found.z == pytest.approx(downscaled_lattice(luma, small).z)
    assert jpeg_evidence(rgba).verdict == "compressed"
    gray_alpha = np.concatenate([small[..., :1], alpha], axis=-1)
    assert jpeg_evidence(gray_alpha).verdict in ("never compressed", "unknown")


def test_the_blocks_read_avoid_clipped_pixels():
    # A JPEG with a blown-out middle (decoding clips it, which moves its
    # blocks' means off the lattice), downscaled: the central blocks miss
    # the lattice, the least clipped ones find it, and the search reads them
    # once the middle shows nothing.
    import skforensics.inspection._jpeg_downscaled as module

    rgb = data.astronaut()[:360, :480].astype(int)
    middle = rgb[100:260, 140:340]
    rgb[100:260, 140:340] = np.clip(middle * 3 + 60, 0, 255)
    jpeg = jpeg_with_tables(rgb.astype(np.uint8), *libjpeg_tables(75))
    small = _downscale(jpeg, 0.7, "bicubic")
    luma = small @ np.array([0.299, 0.587, 0.114])
    where = module._least_clipped(luma, small)
    assert where is not None and where != (0.5, 0.5)
    assert not module._plane_lattice(module._Plane(luma)).found
    found = module._plane_lattice(module._Plane(luma, where=where))
    assert found.found and found.native_size == (360, 480)
    assert downscaled_lattice(luma, small).native_size == (360, 480)
    # Without clipped pixels the middle alone is read.
    assert module._least_clipped(np.clip(luma, 1, 254)) is None
    # The other place's operators are not kept for the next image: the
    # module's cache holds the middle's alone, as after an unclipped image.
    counts = []
    for image in (np.clip(luma, 1, 254), luma):
        module._search_operator.cache_clear()
        downscaled_lattice(image)
        counts.append(module._search_operator.cache_info().currsize)
    assert counts[0] == counts[1] > 0


def test_a_ramp_lines_up_with_no_lattice():
    # A colour ramp never compressed (a synthetic background): at some size
    # and step among those searched, its blocks' means, which run on a
    # plane, fit a DC lattice by chance (z 449 on the luminance); they never
    # move off the plane by a step, so that says nothing.
    yy, xx = np.mgrid[0:768, 0:1024] / 1024
    ramp = np.round(np.dstack([xx, yy, np.full_like(xx, 0.5)]) * 255).astype(np.uint8)
    luma = ramp @ np.array([0.299, 0.587, 0.114])
    found = downscaled_lattice(luma, ramp)
    assert not found.found and found.curvature < 0.5
    assert jpeg_evidence(ramp).verdict != "compressed"
    # The means of a photograph's blocks move by many steps.
    jpeg = jpeg_with_tables(data.coffee(), *libjpeg_tables(75))
    small = _downscale(jpeg, 0.7, "bicubic")
    found = downscaled_lattice(small @ np.array([0.299, 0.587, 0.114]), small)
    assert found.found and found.curvature > 20


def test_posterised_pixels_lie_on_lattices_of_their_own(monkeypatch, coffee):
    # A never-compressed photograph posterised to 5 bits (values multiples
    # of 8) read a chroma DC lattice of step 2 (1 of 18 McMaster and aerial
    # photographs); pixels that use only every k-th level are not searched.
    import skforensics.inspection._jpeg_downscaled as module
    from skforensics.inspection._jpeg_evidence import _luminance

    posterised = np.asarray(ImageOps.posterize(Image.fromarray(coffee), 5))
    assert module._coarse_levels(posterised)
    assert module._coarse_levels(posterised[..., 0] + np.uint8(3))  # any offset
    assert not module._coarse_levels(coffee)
    assert not module._coarse_levels(posterised.astype(np.float32))
    assert not module._coarse_levels(np.full((20, 20), 8, dtype=np.uint8))
    # A lattice found in such pixels is not taken for a JPEG's.
    found = Bunch(
        found=True, plane="chroma", subsampling="4:2:0", resize_factor=0.25,
        native_size=(1600, 2400), dc_step=2, z=17.0,
    )
    monkeypatch.setattr(module, "downscaled_lattice", lambda luma, pixels: found)
    for pixels, verdict in ((posterised, "never compressed"), (coffee, "compressed")):
        evidence = Bunch(verdict="never compressed", reason="")
        luma, _ = _luminance(pixels)
        assert module._add_downscaled(evidence, luma, pixels).verdict == verdict
