import numpy as np
import pytest

from skforensics.datasets import make_collages
from skforensics.datasets._jpeg import jpeg_round_trip
from skforensics.utils import make_test_images


@pytest.mark.parametrize("n_channels", [None, 3])
def test_region_comes_from_the_jpeg_copy(n_channels):
    images = make_test_images(3, (40, 56), n_channels=n_channels, random_state=1)
    X, y, groups, masks = make_collages(images, qualities=(10, 20), random_state=0)
    assert X.shape == images.shape and X.dtype == np.float32
    assert masks.shape == (3, 40, 56) and masks.dtype == bool
    assert groups.tolist() == [0, 1, 2]
    assert ((y >= 10) & (y <= 20)).all()
    for i in range(3):
        source = np.round(images[i] * 255) / 255
        compressed = jpeg_round_trip(images[i], int(y[i]))
        m = masks[i]
        np.testing.assert_array_equal(X[i][m], compressed[m])
        np.testing.assert_allclose(X[i][~m], source[~m], atol=1e-6)
        share = m.mean()
        assert 0.05 < share < 0.5
        # The region really differs from the source (Q <= 20 is coarse).
        assert np.abs(X[i][m] - source[m]).mean() > 1e-3


def test_chroma_subsampling_of_the_region():
    images = make_test_images(2, 48, n_channels=3, random_state=2)
    X, y, _, masks = make_collages(
        images, qualities=[80], subsampling="4:4:4", random_state=0
    )
    for i in range(2):
        m = masks[i]
        full = jpeg_round_trip(images[i], 80, "4:4:4")
        np.testing.assert_array_equal(X[i][m], full[m])
        assert not np.array_equal(X[i][m], jpeg_round_trip(images[i], 80)[m])


def test_deterministic_and_ellipse():
    images = make_test_images(2, 48)
    a = make_collages(images, mask="ellipse", n_per_image=2, random_state=3)
    b = make_collages(images, mask="ellipse", n_per_image=2, random_state=3)
    for left, right in zip(a, b):
        np.testing.assert_array_equal(left, right)
    X, y, groups, masks = a
    assert len(X) == 4 and groups.tolist() == [0, 0, 1, 1]
    # An ellipse leaves the corners of its box out: no mask is a rectangle.
    for m in masks:
        rows, cols = np.nonzero(m)
        box = (rows.max() - rows.min() + 1) * (cols.max() - cols.min() + 1)
        assert m.sum() < box


def test_given_masks_and_quality_list():
    images = [make_test_images(1, 32)[0], make_test_images(1, (40, 24))[0]]
    given = [np.zeros((32, 32), bool), np.zeros((40, 24), bool)]
    given[0][:8] = True
    given[1][:, :4] = True
    X, y, _, masks = make_collages(
        images, qualities=[30, 60], mask=given, random_state=0
    )
    assert isinstance(X, list) and set(y.tolist()) <= {30, 60}
    np.testing.assert_array_equal(masks[1], given[1])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"qualities": (0, 50)}, "'qualities' parameter of make_collages"),
        ({"qualities": (60, 50)}, "'qualities'"),
        ({"qualities": 101}, "'qualities'"),
        ({"area_range": (0.0, 0.5)}, "'area_range' parameter of make_collages"),
        ({"area_range": (0.5, 0.2)}, "'area_range'"),
        ({"mask": "star"}, "'mask' parameter"),
        ({"subsampling": "4:2"}, "'subsampling' parameter of make_collages"),
        ({"mask": np.ones((5, 5), bool)}, "mask 0 must be a boolean array of shape"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_collages(make_test_images(2, 16), **kwargs)


def test_bad_images():
    bad = make_test_images(2, 16)
    bad[0, 0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        make_collages(bad)


def _box(mask):
    rows = np.flatnonzero(mask.any(axis=1))
    cols = np.flatnonzero(mask.any(axis=0))
    return rows[0], rows[-1] + 1, cols[0], cols[-1] + 1


def test_default_collages_are_unchanged_by_the_new_options():
    images = make_test_images(3, 48, random_state=4)
    a = make_collages(images, random_state=7)
    b = make_collages(
        images,
        sources=["jpeg"],
        grid_alignment="any",
        return_details=True,
        random_state=7,
    )
    for left, right in zip(a, b[:4]):
        np.testing.assert_array_equal(left, right)
    assert b[4]["source"].tolist() == ["jpeg"] * 3
    np.testing.assert_array_equal(b[4]["quality"], a[1])


@pytest.mark.parametrize("n_channels", [None, 3])
def test_sources_other_resample_and_noise(n_channels):
    from skforensics.datasets import rescale_image

    images = make_test_images(6, 40, n_channels=n_channels, random_state=3)
    X, y, groups, masks, details = make_collages(
        images,
        sources=("other", "resample", "noise"),
        n_per_image=3,
        return_details=True,
        random_state=0,
    )
    assert set(details["source"]) == {"other", "resample", "noise"}
    assert np.isnan(y).all()
    for i, kind in enumerate(details["source"]):
        source = np.round(images[groups[i]] * 255) / 255
        m = masks[i]
        np.testing.assert_allclose(X[i][~m], source[~m], atol=1e-6)
        pasted = X[i][m]
        if kind == "other":
            donor = details["donor"][i]
            assert donor != groups[i] and 0 <= donor < 6
            assert np.isnan(details["factor"][i]) and np.isnan(details["sigma"][i])
            # The region's box is a window of the donor.
            r0, r1, c0, c1 = _box(m)
            box = X[i][r0:r1, c0:c1]
            donor_px = np.round(images[donor] * 255) / 255
            h, w = box.shape[:2]
            assert any(
                np.allclose(donor_px[r : r + h, c : c + w], box, atol=1e-6)
                for r in range(donor_px.shape[0] - h + 1)
                for c in range(donor_px.shape[1] - w + 1)
            )
        elif kind == "resample":
            assert 1.25 <= details["factor"][i] <= 2.0
            expected = rescale_image(
                np.round(images[groups[i]] * 255).astype(np.uint8), details["factor"][i]
            )
            np.testing.assert_allclose(pasted, expected[m], atol=1e-6)
        else:
            sigma = details["sigma"][i]
            assert 2.0 <= sigma <= 8.0 and details["donor"][i] == -1
            residual = (pasted - source[m]) * 255
            assert np.allclose(residual, np.round(residual), atol=1e-3)
            # The added noise has about the drawn standard deviation.
            assert 0.6 * sigma < residual.std() < 1.4 * sigma + 0.5
        # Every sample stays on the 8-bit grid.
        assert np.allclose(X[i] * 255, np.round(X[i] * 255), atol=1e-3)


@pytest.mark.parametrize("alignment", ["on", "off"])
def test_grid_alignment_of_the_box(alignment):
    images = make_test_images(4, (64, 72), random_state=0)
    _, _, _, masks, details = make_collages(
        images, grid_alignment=alignment, n_per_image=5, return_details=True,
        random_state=1,
    )  # fmt: skip
    for m, on in zip(masks, details["on_grid"]):
        edges = _box(m)
        if alignment == "on":
            assert all(e % 8 == 0 for e in edges) and on
        else:
            assert all(e % 8 != 0 for e in edges) and not on
        assert m.sum() == (edges[1] - edges[0]) * (edges[3] - edges[2])


def test_random_alignment_and_shapes_mix():
    images = make_test_images(10, 64, random_state=0)
    _, _, _, masks, details = make_collages(
        images, mask="random", grid_alignment="random", n_per_image=4,
        return_details=True, random_state=2,
    )  # fmt: skip
    rectangles = [
        m.sum() == np.prod(np.diff(np.reshape(_box(m), (2, 2)))) for m in masks
    ]
    assert 0 < sum(rectangles) < len(masks)
    rect_on = [on for on, r in zip(details["on_grid"], rectangles) if r]
    assert any(rect_on) and not all(rect_on)


def test_polygon_masks_are_not_boxes():
    images = make_test_images(5, 64, random_state=0)
    _, _, _, masks = make_collages(images, mask="polygon", random_state=0)
    for m in masks:
        r0, r1, c0, c1 = _box(m)
        assert 0 < m.sum() < (r1 - r0) * (c1 - c0)


def test_other_needs_a_donor_of_the_right_size():
    images = [make_test_images(1, 64)[0], make_test_images(1, 8)[0]]
    with pytest.raises(ValueError, match="no other image is large enough"):
        make_collages(images, sources=("other",), area_range=(0.5, 0.5), random_state=0)
    # Images of different sizes are fine when the regions fit the others.
    images = [make_test_images(1, (64, 90))[0], make_test_images(1, 48)[0]]
    X, _, _, _ = make_collages(
        images, sources=("other",), area_range=(0.05, 0.1), random_state=0
    )
    assert [x.shape for x in X] == [(64, 90), (48, 48)]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"sources": ("jpeg", "blur")}, "The 'sources' parameter of make_collages"),
        ({"sources": ()}, "'sources'"),
        ({"resample_factors": (1.0, 2.0)}, "The 'resample_factors' parameter"),
        ({"noise_sigmas": (3, 1)}, "The 'noise_sigmas' parameter"),
        ({"grid_alignment": "yes"}, "The 'grid_alignment' parameter"),
    ],
)
def test_bad_new_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        make_collages(make_test_images(2, 16), **kwargs)


@pytest.mark.parametrize("n_per_image", [1, 2])
def test_include_sources_puts_the_authentic_images_first(n_per_image):
    images = make_test_images(3, 48, random_state=2)
    kwargs = dict(
        sources=("jpeg", "noise"), n_per_image=n_per_image, return_details=True,
        random_state=0,
    )
    X0, y0, groups0, masks0, details0 = make_collages(images, **kwargs)
    X, y, groups, masks, details = make_collages(
        images, include_sources=True, **kwargs
    )
    n = len(images)
    assert len(X) == n + len(X0)
    # The collages are unchanged; the sources come first, on the 8-bit grid.
    np.testing.assert_array_equal(X[n:], X0)
    np.testing.assert_array_equal(masks[n:], masks0)
    np.testing.assert_array_equal(y[n:], y0)
    np.testing.assert_array_equal(X[:n], np.round(images * 255) / 255)
    assert not masks[:n].any() and np.isnan(y[:n]).all()
    assert groups.tolist() == list(range(n)) + groups0.tolist()
    assert details["source"].tolist() == ["authentic"] * n + details0["source"].tolist()
    assert (details["donor"][:n] == -1).all() and not details["on_grid"][:n].any()
    # The image labels of a forgery classifier.
    assert masks.any(axis=(1, 2)).tolist() == [False] * n + [True] * len(X0)
