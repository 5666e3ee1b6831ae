import numpy as np
import pytest

torch = pytest.importorskip("torch")

from skforensics.nn._jpeg_lattice import (  # noqa: E402
    LatticeFrontEnd,
    _luma_quantisation_table,
)


def test_quantisation_tables_match_libjpeg():
    # libjpeg's scaling of the Annex K table: quality 50 is the table, 100
    # all ones, and quality 10 five times quality 50 (clipped to 255).
    assert _luma_quantisation_table(50)[0, 0] == 16
    assert (_luma_quantisation_table(100) == 1).all()
    assert _luma_quantisation_table(10)[0, 0] == 80


def test_constants_are_non_persistent_buffers():
    front_end = LatticeFrontEnd((1, 2, 4), 3, qualities=(90, 50), pool=1)
    buffers = dict(front_end.named_buffers())
    assert {"ycbcr", "dct_rows", "dct_cols", "phases", "quality_sums"} <= set(buffers)
    assert front_end.state_dict() == {}
    assert list(front_end.parameters()) == []
    assert front_end.out_channels == 9 * 3 + 3 + 2
    # Buffers follow the module (dtype, device) like any buffer.
    assert front_end.double().phases.dtype == torch.float64


def test_features_and_projection_agree():
    front_end = LatticeFrontEnd((1, 2, 3, 4, 6), 6, qualities=(100, 50))
    x = torch.rand(2, 3, 21, 26)
    weight = torch.randn(5, front_end.out_channels, 1, 1)
    with torch.no_grad():
        whole = torch.nn.functional.conv2d(front_end(x), weight)
        projected = front_end.project(x, weight, chunk=50)
    np.testing.assert_allclose(projected.numpy(), whole.numpy(), atol=1e-4)


@pytest.mark.parametrize(
    "region", [(0, 60, 0, 70), (5, 17, 30, 41), (0, 9, 50, 70), (40, 60, 0, 3)]
)
def test_projection_of_a_region_is_the_crop_of_the_whole(region):
    # Tiled inference projects only the part of a tile its maps need.
    front_end = LatticeFrontEnd((1, 2, 3, 4, 6), 6, qualities=(95, 50), pool=1)
    x = torch.rand(1, 3, 60, 70)
    weight = torch.randn(4, front_end.out_channels, 1, 1)
    top, bottom, left, right = region
    whole = front_end.project(x, weight, chunk=97)
    part = front_end.project(x, weight, chunk=97, region=region)
    assert part.shape == (1, 4, bottom - top, right - left)
    np.testing.assert_allclose(
        part.numpy(), whole[:, :, top:bottom, left:right].numpy(), atol=1e-5
    )
