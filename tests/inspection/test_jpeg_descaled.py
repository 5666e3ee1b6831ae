"""JPEGs enlarged after compression: jpeg_evidence undoes the enlargement
and reads the 8x8 lattice again (inspection/_jpeg_descaled.py)."""

import cv2
import numpy as np
import pytest
from PIL import Image

from skforensics.datasets import jpeg_with_tables, libjpeg_tables
from skforensics.feature import _descale
from skforensics.inspection import _jpeg_descaled, jpeg_evidence
from skforensics.inspection._jpeg_audit import CSV_FIELDS
from skforensics.inspection._jpeg_verdict import RESIZED_VERDICT, combine_verdicts


def _enlarge(pixels, factor, how):
    height, width = pixels.shape[:2]
    size = (round(width * factor), round(height * factor))
    if how == "opencv-area":
        return cv2.resize(pixels, size, interpolation=cv2.INTER_AREA)
    if how == "replicated":
        return pixels.repeat(2, axis=0).repeat(2, axis=1)
    kernel = {"pillow-bicubic": Image.BICUBIC, "pillow-lanczos": Image.LANCZOS}[how]
    return np.asarray(Image.fromarray(pixels).resize(size, kernel))


@pytest.fixture(scope="module")
def camera():
    from skimage import data

    # Not a multiple of 8 along either axis, and off the top-left corner.
    return data.camera()[40:300, 60:380]


@pytest.mark.parametrize(
    "factor, how, kernel",
    [
        (1.3, "pillow-bicubic", "cubic-0.5"),
        (1.1, "pillow-lanczos", None),
        (1.5, "opencv-area", "area"),
        # Read where the replication is undone (_jpeg_replicated).
        (2.0, "replicated", "nearest"),
        (2.0, "pillow-bicubic", None),
    ],
)
def test_enlarged_jpeg_shows_its_lattice_once_descaled(camera, factor, how, kernel):
    jpeg = jpeg_with_tables(camera, *libjpeg_tables(50))
    enlarged = _enlarge(jpeg, factor, how)
    found = jpeg_evidence(enlarged, double=False)
    assert found.verdict == "compressed"
    assert found.native_size == camera.shape
    if kernel is not None:
        assert found.resize_kernel == kernel
    assert found.resized_grid == "found" and found.grid_phase is None
    assert found.resize_factor == pytest.approx(factor, rel=0.005)
    assert found.grid_period == pytest.approx(8 * factor, rel=0.005)
    # The JPEG's grid starts at the image's corner: its enlarged block edges
    # lie at multiples of the period.
    for offset in found.grid_offset:
        assert min(offset, found.grid_period - offset) < 0.5
    assert found.phase_z >= 8
    undone = "pixels repeat in 2x2 blocks" if how == "replicated" else "undoing an enl"
    assert undone in found.reason
    assert f"{camera.shape[0]}x{camera.shape[1]}" in found.reason


def test_quality_said_only_where_the_steps_are_read(camera, monkeypatch):
    jpeg = jpeg_with_tables(camera, *libjpeg_tables(50))
    enlarged = _enlarge(jpeg, 1.5, "opencv-area")
    found = jpeg_evidence(enlarged, double=False)
    assert found.table_quality == 50 and found.libjpeg_like
    monkeypatch.setattr(_jpeg_descaled, "_MIN_STEPS_READ", 65)
    found = jpeg_evidence(enlarged, double=False)
    assert found.verdict == "compressed" and found.table_quality is None
    assert found.libjpeg_like is None and "cannot be read" in found.reason


@pytest.mark.parametrize("how", ["pillow-bicubic", "pillow-lanczos", "opencv-area"])
def test_never_compressed_enlargement_is_not_called_compressed(camera, how):
    found = jpeg_evidence(_enlarge(camera, 1.3, how), double=False)
    # The search ran (an enlargement leaves a strong trace) and found the
    # size, but no lattice: the descaled pixels were never a JPEG.
    assert found.resampling_z >= 8
    assert found.verdict == "never compressed"
    if how.startswith("pillow"):
        # A deep dip: the enlargement is reported, without a lattice.
        assert found.native_size == camera.shape
        assert found.resize_kernel in ("cubic-0.5", "lanczos3")
        assert "show no 8x8 lattice" in found.reason
    assert found.native_size in (None, camera.shape)


def test_opencv_area_enlargement_is_found_by_its_own_kernel(camera, monkeypatch):
    # Pillow's kernels dip by under 0.6 for OpenCV's area enlargements by
    # 1.6 of most photographs: searched with the area kernel too, the size
    # is found, and the net reads the pixels undone (_jpeg_net_view).
    enlarged = _enlarge(camera, 1.6, "opencv-area")
    found = jpeg_evidence(enlarged, double=False)
    assert found.verdict == "never compressed"
    assert found.native_size == camera.shape and found.resize_kernel == "area"
    assert "show no 8x8 lattice" in found.reason
    monkeypatch.setattr(_jpeg_descaled, "_SEARCH_KERNELS", ("cubic-0.5", "lanczos3"))
    assert jpeg_evidence(enlarged, double=False).native_size is None


def test_area_kernel_is_not_searched_near_a_factor_of_one(camera):
    # Near 1 the area enlargement leaves most pixels as they were, and an
    # unresized JPEG's blocks fit it (a dip of up to 1.4 at 24/23).
    y = camera.astype(np.float32)
    lengths, dips = _jpeg_descaled._length_dips(y, kernels=("area",))
    near = lengths * _jpeg_descaled._AREA_FACTOR > len(y)
    assert near.any() and (~near).any()
    assert np.all(dips[near] == -np.inf) and np.all(np.isfinite(dips[~near]))


def test_without_a_lattice_the_best_fitting_size_is_said(camera):
    # OpenCV's area from 320 to 416 columns repeats every 13 pixels, and so
    # does Pillow's bicubic from 384: the columns' deepest dip is there.
    enlarged = _enlarge(camera, 1.3, "opencv-area").astype(np.float32)
    candidates = dict(_jpeg_descaled._native_sizes(enlarged))
    assert (260, 384) in candidates and (260, 320) in candidates
    assert candidates[260, 384] >= _jpeg_descaled._ENLARGED_DIP
    found = _jpeg_descaled.descaled_lattice(enlarged, jpeg_evidence)
    assert found.native_size == camera.shape
    # An enlargement that changed the aspect ratio is still said.
    stretched = np.asarray(Image.fromarray(camera).resize((480, 325), Image.BICUBIC))
    found = jpeg_evidence(stretched, double=False)
    assert found.native_size == camera.shape and found.verdict == "never compressed"


@pytest.mark.parametrize("k", [3, 5])
def test_an_enlargement_by_eighths_is_no_block_grid(camera, k, monkeypatch):
    # Enlarged by 8/3 or 8/5, a photograph repeats every 8 pixels, as an
    # unresized JPEG's block edges do where a tone change hid its lattice
    # (test_jpeg_resized): the enlargement is looked for, and found.
    photo = camera[:150, :180]
    size = (180 * 8 // k, 150 * 8 // k)
    enlarged = np.asarray(Image.fromarray(photo).resize(size, Image.BICUBIC))
    found = jpeg_evidence(enlarged, double=False)
    assert found.block_grid_z >= 16 and found.verdict == "never compressed"
    assert "8/7, 8/5 or 8/3 fits" in found.reason
    monkeypatch.setattr(_jpeg_descaled, "_enlarged_by_eighths", lambda luma: False)
    assert jpeg_evidence(enlarged, double=False).verdict == "unknown"


def test_grid_at_another_factor_is_the_enlargements_trace(monkeypatch):
    from sklearn.utils import Bunch

    evidence = Bunch(
        verdict="unknown", reason="", resized_grid="found", resize_factor=0.71,
        grid_period=5.66, grid_offset=(1.0, 2.0), native_size=None,
        resize_kernel=None,
    )
    found = Bunch(
        native_size=(200, 300), dip=1.5, resize_kernel="cubic-0.5",
        resize_factor=2.0,
    )
    out = _jpeg_descaled._enlarged_without_lattice(
        Bunch(**evidence), found, "never compressed"
    )
    assert out.verdict == "never compressed" and out.resized_grid == "not found"
    assert out.resize_factor is None and out.grid_period is None
    assert out.native_size == (200, 300) and "own trace" in out.reason
    # The same factor: a grid the enlargement does not explain stays.
    same = _jpeg_descaled._enlarged_without_lattice(
        Bunch(**{**evidence, "resize_factor": 1.98}), found, "never compressed"
    )
    assert same.resized_grid == "found" and same.verdict == "unknown"
    # A shallow dip is no enlargement to speak of.
    shallow = _jpeg_descaled._enlarged_without_lattice(
        Bunch(**evidence), Bunch(**{**found, "dip": 0.4}), "never compressed"
    )
    assert shallow == evidence


def test_search_runs_only_on_a_trace_of_resampling(camera, monkeypatch):
    def fail(*args):
        raise AssertionError("the descaled search ran")

    # Nothing is descaled without a trace, nor the second axis searched.
    monkeypatch.setattr(_jpeg_descaled, "_descale_window", fail)
    searched = []
    length_dips = _jpeg_descaled._length_dips
    monkeypatch.setattr(
        _jpeg_descaled, "_length_dips",
        lambda y, *args, **kwargs: searched.append(y.shape) or length_dips(
            y, *args, **kwargs),
    )
    found = jpeg_evidence(camera, double=False)
    assert found.resampling_z < 8 and found.verdict == "never compressed"
    assert camera.shape[::-1] not in searched
    with pytest.raises(AssertionError, match="descaled search ran"):
        jpeg_evidence(_enlarge(camera, 1.3, "pillow-bicubic"), double=False)


@pytest.mark.parametrize(
    "factor, how",
    [(2.0, "pillow-bicubic"), (2.0, "pillow-lanczos"), (2.0, "replicated"),
     (1.1, "pillow-lanczos")],
)
def test_an_enlargement_opens_the_search(camera, factor, how):
    # A doubling's trace of resampling lies at 0.5 cycles per pixel, and a
    # small Lanczos one's is faint: the periodicity that opens the search
    # otherwise does not read them.
    enlarged = _enlarge(camera, factor, how).astype(np.float32)
    assert _jpeg_descaled._native_sizes(enlarged, probe=True)
    # OpenCV's area kernel doubles by replication: it dips at half the size.
    assert _jpeg_descaled._doubled(enlarged) == (factor == 2)
    assert _jpeg_descaled._native_sizes(camera.astype(np.float32), probe=True) == []
    noise = np.random.default_rng(0).integers(0, 256, (200, 240)).astype(np.float32)
    assert _jpeg_descaled._native_sizes(noise, probe=True) == []


def test_a_flat_image_is_not_replicated(camera):
    sky = np.full((200, 240), 120.0, dtype=np.float32)
    sky[:4, :6] = camera[:4, :6]  # a little texture, flat elsewhere
    assert not _jpeg_descaled._replicated(sky)
    assert _jpeg_descaled._replicated(camera.repeat(2, 0).repeat(2, 1))


def test_native_size_needs_a_dip_on_both_axes():
    # Noise has no native size: no candidate, nothing descaled.
    noise = np.random.default_rng(0).integers(0, 256, (200, 240)).astype(np.float32)
    assert _jpeg_descaled._native_sizes(noise) == []
    assert _jpeg_descaled.descaled_lattice(noise, jpeg_evidence) is None
    assert _jpeg_descaled.descaled_lattice(noise[:40], jpeg_evidence) is None


@pytest.mark.parametrize("kernel", sorted(_descale.KERNELS))
def test_residual_energies_solve_all_lengths_as_factorise_does(kernel):
    from scipy.linalg import cho_solve_banded

    rng = np.random.default_rng(1)
    n, start = 300, 20
    lines = rng.normal(size=(250, 5))
    lengths = [140, 141, 199, 260, 288]
    expected = []
    for m in lengths:
        _, Ut, chol, _ = _descale.factorise(n, m, kernel, start, start + len(lines))
        U = Ut.T
        residual = lines - U @ cho_solve_banded((chol, False), Ut @ lines)
        expected.append(np.sum(residual**2))
    got = _descale.residual_energies(lines, n, lengths, kernel, start)
    np.testing.assert_allclose(got, expected, rtol=1e-7)


def _row(**changes):
    row = {
        "quality": 52.0,
        "p_compressed": 0.95,
        "quality_iqr": 5.0,
        "flagged_share": 0.5,
        "evidence": "compressed",
        "table_quality": 50,
        "libjpeg_like": True,
        "phase_z": 14.0,
        "resized_grid": "found",
        "resize_factor": 1.3,
        "grid_period": 10.4,
        "resampling_z": 60.0,
    }
    row.update(changes)
    return row


@pytest.mark.parametrize(
    "changes, confidence, says",
    [
        ({}, "high", ""),
        ({"p_compressed": 0.2}, "medium", "their enlargement undone"),
        ({"quality": 80.0}, "medium", "differ by more than 10"),
        ({"table_quality": None, "libjpeg_like": None, "p_compressed": None},
         "medium", ""),
    ],
)
def test_audit_says_compressed_then_resized(changes, confidence, says):
    verdict, got, disagreement = combine_verdicts(_row(**changes))
    assert (verdict, got) == (RESIZED_VERDICT, confidence)
    assert says in disagreement and bool(says) == bool(disagreement)
    # The same lattice without a resize is the 8x8 rule's "compressed".
    plain = combine_verdicts(_row(resized_grid=None, **changes))
    assert plain == ("compressed", confidence, disagreement.replace(
        "the pixels, their enlargement undone,", "the pixels"))


def test_audit_csv_has_the_native_size():
    assert CSV_FIELDS.index("native_size") == CSV_FIELDS.index("grid_period") + 1
