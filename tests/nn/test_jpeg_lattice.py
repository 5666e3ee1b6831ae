import numpy as np
import pytest

torch = pytest.importorskip("torch")

from skforensics.nn._jpeg_lattice import (  # noqa: E402
    LatticeFrontEnd,
    _luma_quantisation_table,
    _window_reduce,
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


def _check_projection(front_end, x, chunk):
    weight = torch.randn(5, front_end.out_channels, 1, 1)
    with torch.no_grad():
        whole = torch.nn.functional.conv2d(front_end(x), weight)
        projected = front_end.project(x, weight, chunk=chunk)
    np.testing.assert_allclose(projected.numpy(), whole.numpy(), atol=1e-4)


@pytest.mark.parametrize("chunk", [10, 26, 50, 10_000])
def test_features_and_projection_agree(chunk):
    # Chunks are whole image rows: one (26 pixels) where a chunk is smaller,
    # several, or the whole batch.
    front_end = LatticeFrontEnd((1, 2, 3, 4, 6), 6, qualities=(100, 50))
    _check_projection(front_end, torch.rand(2, 3, 21, 26), chunk=chunk)


def test_quality_tests_pooled_in_strips_equal_the_whole():
    # Inference pools the quality tests a strip of rows at a time, each from
    # the rows it reads: the strips (96 rows) stitch into the whole pooling.
    front_end = LatticeFrontEnd((1, 2, 3, 4, 6), 6, qualities=(100, 50, 20))
    x = torch.rand(1, 3, 250, 30)
    _check_projection(front_end, x, chunk=500)
    sums = torch.rand(2, 250, 30, 6)
    whole = front_end._pool(sums)
    part = front_end._pool_part(sums, 3, 241, 2, 27)
    assert part.is_contiguous() and part.shape == (2, 238, 25, 3)
    np.testing.assert_allclose(part, whole[:, 3:241, 2:27], rtol=1e-6)


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


def _window_reference(x, axis, spacing, taps, op):
    """Centred windows of ``taps`` samples ``spacing`` apart, cut at the border."""
    x = np.moveaxis(x, axis, 0)
    out = np.empty_like(x)
    reach = taps // 2
    for i in range(len(x)):
        index = [i + k * spacing for k in range(-reach, reach + 1)]
        rows = x[[j for j in index if 0 <= j < len(x)]]
        out[i] = rows.sum(0) if op == "sum" else rows.max(0)
    return np.moveaxis(out, 0, axis)


@pytest.mark.parametrize("shape", [(1, 45, 38, 3), (2, 80, 29, 2)])
@pytest.mark.parametrize("axis", [1, 2])
@pytest.mark.parametrize(
    "spacing, taps, op", [(8, 5, "sum"), (1, 9, "max"), (2, 7, "sum"), (1, 5, "max")]
)
def test_window_reduce_matches_a_direct_reference(shape, axis, spacing, taps, op):
    # Long axes go through the doubling path, short ones through the loop;
    # both give every sample its window cut at the borders.
    x = torch.rand(*shape)
    out = _window_reduce(x, axis, spacing, taps, op)
    expected = _window_reference(x.numpy(), axis, spacing, taps, op)
    np.testing.assert_allclose(out.numpy(), expected, rtol=1e-6, atol=1e-6)
    assert out.data_ptr() != x.data_ptr()  # the input is left alone


@pytest.mark.parametrize(
    "qualities, size, runs",
    [
        # The shipped tests' layout: 35 pairs for 100, then 3 per quality.
        ((100, 90, 80, 50, 30), 6, [(0, 0, 35, 1), (1, 35, 3, 4)]),
        ((90, 100, 50), 4, [(0, 0, 3, 1), (1, 3, 15, 1), (2, 18, 3, 1)]),
        # Q97 and Q100 share their step-1 pairs: the 0/1 matrix then.
        ((100, 97, 50), 6, None),
    ],
)
def test_quality_sums_by_runs_agree_with_the_features(qualities, size, runs):
    front_end = LatticeFrontEnd((1, 2, 3, 4, 6), size, qualities=qualities, pool=1)
    assert front_end._quality_runs == runs
    _check_projection(front_end, torch.rand(1, 3, 37, 43), chunk=211)
