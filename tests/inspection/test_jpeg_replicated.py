"""Pixels enlarged by replication (nearest neighbour by an integer factor):
the JPEG evidence is read where the replication is undone."""

import cv2
import numpy as np
import pytest
from PIL import Image
from skimage import data

from skforensics.datasets import jpeg_with_tables, libjpeg_tables
from skforensics.inspection import jpeg_evidence
from skforensics.inspection._jpeg_evidence import _luminance
from skforensics.inspection._jpeg_replicated import replication
from skforensics.inspection._jpeg_verdict import RESIZED_VERDICT, combine_verdicts


def _nearest(pixels, factor):
    height, width = pixels.shape[:2]
    size = (round(width * factor), round(height * factor))
    return np.asarray(Image.fromarray(pixels).resize(size, Image.NEAREST))


@pytest.mark.parametrize("name", ["coffee", "camera", "astronaut"])
@pytest.mark.parametrize("factor", [2, 3, 4])
def test_a_never_compressed_photograph_enlarged_by_replication(name, factor):
    # Its 8x8 blocks hold (8 / factor)**2 values and their means lie on the
    # integers' sums: read as they were, all but two of these nine (camera
    # by 2 and 3) were called "compressed".
    photo = getattr(data, name)()
    evidence = jpeg_evidence(_nearest(photo, factor))
    assert evidence.verdict == "never compressed"
    assert evidence.native_size == photo.shape[:2]
    assert evidence.resize_kernel == "nearest" and evidence.resize_factor is None
    assert evidence.reason.startswith(
        f"The pixels repeat in {factor}x{factor} blocks: a nearest-neighbour "
        f"enlargement from {photo.shape[0]}x{photo.shape[1]} pixels"
    )
    assert evidence.shape == (photo.shape[0] * factor, photo.shape[1] * factor)


def test_opencv_area_enlargement_replicates_too():
    photo = data.coffee()
    doubled = cv2.resize(photo, (1200, 800), interpolation=cv2.INTER_AREA)
    assert replication(_luminance(doubled)[0]) == ((2, 2), (0, 0))
    assert jpeg_evidence(doubled).verdict == "never compressed"


@pytest.mark.parametrize("factor", [2, 3])
def test_a_jpeg_enlarged_by_replication_then_cropped(factor):
    jpeg = jpeg_with_tables(data.coffee(), *libjpeg_tables(75))
    enlarged = _nearest(jpeg, factor)[5:, 3:]
    evidence = jpeg_evidence(enlarged)
    assert evidence.verdict == "compressed" and evidence.table_quality == 75
    assert evidence.resize_factor == factor and evidence.grid_period == 8 * factor
    # The first block edge of the enlarged grid after the crop.
    assert evidence.grid_offset == (8 * factor - 5, 8 * factor - 3)
    assert evidence.grid_phase is None and evidence.resized_grid == "found"
    # One pixel of each block, from the first whole one.
    top, left = -5 % factor, -3 % factor
    assert evidence.native_size == enlarged[top::factor, left::factor].shape[:2]
    row = {
        "quality": 75.0, "p_compressed": 0.9, "quality_iqr": 2.0,
        "evidence": evidence.verdict, **evidence,
    }
    assert combine_verdicts(row)[0] == RESIZED_VERDICT


def test_a_resize_before_the_replication_keeps_its_size():
    # JPEG, halved on its block grid, then doubled by replication: the
    # factors multiply, and the size is the file's.
    jpeg = jpeg_with_tables(data.coffee(), *libjpeg_tables(75))
    half = np.asarray(Image.fromarray(jpeg).resize((300, 200), Image.BICUBIC))
    evidence = jpeg_evidence(_nearest(half, 2))
    assert evidence.verdict == "compressed"
    assert evidence.resize_factor == 1.0 and evidence.native_size == (400, 600)
    assert "the 4x4 DCT of their 4x4 blocks" in evidence.reason


def test_what_is_not_an_integer_replication():
    photo = data.coffee()
    # Blocks of two sizes (x1.5): no decimation undoes them.
    assert replication(_luminance(_nearest(photo, 1.5))[0]) is None
    # Interpolated, or replicated then compressed: no exact repeats.
    bicubic = np.asarray(Image.fromarray(photo).resize((1200, 800), Image.BICUBIC))
    assert replication(_luminance(bicubic)[0]) is None
    compressed = jpeg_with_tables(_nearest(photo, 2), *libjpeg_tables(90))
    assert replication(_luminance(compressed)[0]) is None
    assert replication(_luminance(photo)[0]) is None
    # Along one axis only.
    wide = np.repeat(photo, 2, axis=1)
    assert replication(_luminance(wide)[0]) == ((1, 2), (0, 0))
    assert jpeg_evidence(wide).native_size == (400, 600)


@pytest.fixture(scope="module")
def jpeg_net():
    pytest.importorskip("torch")
    from skforensics.models import pretrained

    return pretrained("jpeg-quality").set_params(inference_precision="float32")


def test_the_audit_net_reads_replicated_pixels_where_undone(jpeg_net):
    from skforensics.inspection._jpeg_audit import audit_image

    photo = data.coffee()[:200, :300]  # never compressed
    doubled = _nearest(photo, 2)
    row, quality_map, flag_map = audit_image(jpeg_net, doubled)
    reference, native_quality, native_flags = audit_image(jpeg_net, photo)
    # The net's answers are those of the photograph itself (doubled as it
    # is, the net called it compressed: P(ever JPEG) above 0.9) ...
    assert row["p_compressed"] == reference["p_compressed"] < 0.5
    assert row["verdict"] == reference["verdict"] != "compressed"
    # ... and its maps, replicated back to the doubled pixels.
    assert quality_map.shape == flag_map.shape == doubled.shape[:2]
    replicated = np.repeat(np.repeat(native_flags, 2, axis=0), 2, axis=1)
    np.testing.assert_array_equal(flag_map, replicated)
    # A JPEG doubled so: compressed, then resized, at its own quality.
    jpeg = jpeg_with_tables(photo, *libjpeg_tables(80))
    row, _, _ = audit_image(jpeg_net, _nearest(jpeg, 2)[1:, 3:])
    assert row["verdict"] == RESIZED_VERDICT and row["resize_factor"] == 2.0
    assert row["table_quality"] == 80 and row["p_compressed"] > 0.5


def test_a_native_image_too_small_for_the_net_is_read_enlarged(jpeg_net):
    from skforensics.inspection._jpeg_audit import audit_image
    from skforensics.inspection._jpeg_replicated import enlarged_map, undone

    small = data.coffee()[100:160, 200:260]  # 60x60: under the net's 79
    enlarged = _nearest(small, 4)
    assert undone(enlarged, 79) == (None, enlarged)
    assert undone(enlarged, 60)[0] == ((4, 4), (0, 0))
    row, quality_map, _ = audit_image(jpeg_net, enlarged)
    assert quality_map.shape == (240, 240) and 0 <= row["p_compressed"] <= 1
    # The part block before the first whole one repeats the first row.
    native = np.arange(6.0).reshape(2, 3)
    found = ((2, 3), (1, 2))
    np.testing.assert_array_equal(
        enlarged_map(native, found, (5, 8)),
        native[np.ix_([0, 0, 0, 1, 1], [0, 0, 0, 0, 0, 1, 1, 1])],
    )
