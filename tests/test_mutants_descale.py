"""Fast tests of descale-and-compare, ``skforensics/feature/_descale.py``,
for mutation testing (issue 25, part 6).

tests/feature/test_descale.py checks the curve on full-size frames (about a
CPU-second a call); these check the same contracts on small frames and on
the helpers' documented behaviour, so that each mutant is judged in well
under a second: the upscale matrices reproduce OpenCV's and Pillow's
resizes, the projection is the least-squares one, the lines are the most
textured central ones, and the dip is read against the median of its
neighbours.
"""

import cv2
import numpy as np
import pytest
from PIL import Image

from skforensics.feature import _descale, descale_curve


@pytest.fixture(autouse=True)
def fresh_solvers(monkeypatch):
    """An empty factorisation cache: each test sees what ``_solver`` computes
    now, not what an earlier call (or process) kept."""
    monkeypatch.setattr(_descale, "_SOLVERS", {})


@pytest.fixture(scope="module")
def native():
    """A 48x64 textured image, float32 in [0, 1]."""
    rng = np.random.default_rng(0)
    smooth = cv2.GaussianBlur(rng.random((48, 64)).astype(np.float32), (0, 0), 0.7)
    return (smooth - smooth.min()) / (smooth.max() - smooth.min())


@pytest.mark.parametrize(
    "kernel, interpolation",
    [("bilinear", cv2.INTER_LINEAR), ("bicubic", cv2.INTER_CUBIC),
     ("lanczos", cv2.INTER_LANCZOS4)],
)
@pytest.mark.parametrize("m, n", [(40, 100), (64, 96)])
def test_the_upscale_matrix_is_opencvs_resize(kernel, interpolation, m, n):
    x = np.random.default_rng(1).random((m, 3)).astype(np.float32)
    U = _descale._solver(n, m, kernel, 0, n)[0]
    expected = cv2.resize(x, (3, n), interpolation=interpolation)
    # Border included: both clamp the taps to the first and last samples.
    np.testing.assert_allclose(U @ x, expected, atol=5e-6)


@pytest.mark.parametrize(
    "kernel, resample",
    [("bilinear", Image.BILINEAR), ("cubic-0.5", Image.BICUBIC),
     ("lanczos3", Image.LANCZOS)],
)
def test_the_upscale_matrix_is_pillows_resize_inside_the_margin(kernel, resample):
    m, n = 40, 100
    x = np.random.default_rng(2).random(m).astype(np.float32)
    U = _descale._solver(n, m, kernel, 0, n)[0]
    expected = np.asarray(Image.fromarray(x[:, None]).resize((1, n), resample))[:, 0]
    margin = _descale._MARGIN
    np.testing.assert_allclose((U @ x)[margin:-margin], expected[margin:-margin],
                               atol=1e-6)


def test_keys_cubics_and_their_partition_of_unity():
    for a in (-0.5, -0.6, -0.75):
        k = _descale._keys(a)
        np.testing.assert_allclose(k(np.array([0.0, 1.0, -1.0, 2.0, -2.0, 2.5])),
                                   [1, 0, 0, 0, 0, 0], atol=1e-15)
        # Keys' cubic: (a + 2) t^3 - (a + 3) t^2 + 1 within 1 (here at 0.5),
        # a (t^3 - 5 t^2 + 8 t - 4) from 1 to 2 (here at 1.5).
        np.testing.assert_allclose(k(np.array([0.5, -1.5])),
                                   [(a + 2) / 8 - (a + 3) / 4 + 1,
                                    a * (3.375 - 5 * 2.25 + 8 * 1.5 - 4)])
        t = np.linspace(0, 1, 7)[:, None] + np.arange(-2, 2)
        np.testing.assert_allclose(k(t).sum(axis=1), 1.0, atol=1e-12)
    # a = -0.6 is swscale's: at 1.5 the far lobe is a * -0.125.
    assert _descale.KERNELS["cubic-0.6"][0](np.array(1.5)) == pytest.approx(-0.075)


@pytest.mark.parametrize("a", [3, 4])
def test_lanczos_is_windowed_and_linear_is_a_tent(a):
    lanczos = _descale._lanczos(a)
    t = np.array([0.0, -0.5, 1.0, 2.5, a - 0.01, a + 0.5, -a - 0.5])
    window = np.sinc(t) * np.sinc(t / a)
    np.testing.assert_allclose(lanczos(t), np.where(np.abs(t) < a, window, 0),
                               atol=1e-15)
    assert lanczos(np.array(a + 0.5)) == 0 and lanczos(np.array(0.0)) == 1
    assert _descale.KERNELS[{3: "lanczos3", 4: "lanczos"}[a]][1] == a
    np.testing.assert_allclose(_descale._linear(np.array([-1.5, -0.25, 0.0, 0.5, 1.0])),
                               [0, 0.75, 1, 0.5, 0])


def _projection(U, X):
    """Least squares onto the columns of dense ``U``, with the solver's ridge
    of 1e-9 of the largest diagonal of the normal equations (it keeps the
    taps cut by the ends of a line, seen by few rows, from blowing up)."""
    G = U.T @ U
    G[np.diag_indices_from(G)] += 1e-9 * np.diag(G).max()
    return U @ np.linalg.solve(G, U.T @ X)


@pytest.mark.parametrize("kernel", sorted(_descale.KERNELS))
def test_the_projection_is_the_least_squares_one(kernel):
    n, m, start, stop = 90, 50, 9, 81
    U, Ut, chol = _descale._solver(n, m, kernel, start, stop)
    dense = U.toarray()
    np.testing.assert_array_equal(Ut.toarray(), dense.T)
    X = np.random.default_rng(3).random((stop - start, 4))
    got = U @ _descale.cho_solve_banded((chol, False), Ut @ X)
    np.testing.assert_allclose(got, _projection(dense, X), atol=1e-9)
    # A signal in the span is explained to the rounding noise.
    inside = dense @ np.random.default_rng(4).random(dense.shape[1])
    r = inside - U @ _descale.cho_solve_banded((chol, False), Ut @ inside)
    assert np.sum(r * r) < 1e-6 * np.sum(inside * inside)


def test_factorisations_are_kept_and_the_cache_is_bounded(monkeypatch):
    monkeypatch.setattr(_descale, "_MAX_SOLVERS", 2)
    first = _descale._solver(60, 30, "bilinear", 8, 52)
    assert _descale._solver(60, 30, "bilinear", 8, 52) is first
    _descale._solver(60, 31, "bilinear", 8, 52)
    assert len(_descale._SOLVERS) == 2
    _descale._solver(60, 32, "bilinear", 8, 52)  # full: emptied first
    assert list(_descale._SOLVERS) == [(60, 32, "bilinear", 8, 52)]


def test_the_lines_are_the_most_textured_central_columns():
    rng = np.random.default_rng(5)
    y = np.zeros((100, 10), dtype=np.float32)
    texture = rng.random((100, 3)).astype(np.float32)
    y[:, [2, 5, 7]] = texture * [1, 3, 2]
    y[:, 4] = np.linspace(0, 1, 100)  # a ramp: no second derivative
    X, start, detail = _descale._lines(y, 2)
    assert start == 8 and X.shape == (84, 2) and X.dtype == np.float64
    np.testing.assert_array_equal(X, y[8:92][:, [5, 7]])  # in column order
    seg = y[8:92].astype(np.float64)
    d2 = seg[:-2] - 2 * seg[1:-1] + seg[2:]
    expected = (np.mean(d2[:, 5] ** 2) + np.mean(d2[:, 7] ** 2)) * 82
    assert detail == pytest.approx(expected, rel=1e-5)


def test_long_lines_are_cut_to_their_central_512_samples():
    y = np.random.default_rng(6).random((700, 80)).astype(np.float32)
    X, start, _ = _descale._lines(y, _descale._N_LINES)
    assert start == 94 and X.shape == (512, 64)


def test_the_residual_is_the_least_squares_one_of_each_native_size():
    y = np.random.default_rng(7).random((72, 70)).astype(np.float32)
    factors = np.array([1.5, 1.51, 2.0, 40.0])  # 1.5 and 1.51: one size, 48
    res, high = _descale._axis_residuals(y, factors, ("bilinear", "lanczos"), 5)
    X, start, detail = _descale._lines(y, 5)
    assert high == detail and res.shape == (2, 4)
    for i, kernel in enumerate(("bilinear", "lanczos")):
        for j, m in enumerate([48, 48, 36, 2]):  # at least 2 samples
            U = _descale._solver(72, m, kernel, start, start + 56)[0].toarray()
            r = X - _projection(U, X)
            assert res[i, j] == pytest.approx(np.sum(r * r), rel=1e-6)


def test_rows_and_columns_are_added(native):
    y = cv2.resize(native, (128, 96), interpolation=cv2.INTER_CUBIC)
    factors, kernels = np.array([1.8, 2.0]), ("bicubic",)
    res, high = _descale._residuals(y, factors, kernels)
    down, high_down = _descale._axis_residuals(y, factors, kernels, 64)
    across, high_across = _descale._axis_residuals(y.T, factors, kernels, 64)
    np.testing.assert_allclose(res, down + across)
    assert high == pytest.approx(high_down + high_across)


def test_the_curve_is_the_log_of_residual_over_detail():
    np.testing.assert_allclose(_descale._curve([[1e-3, 0.0]], 10.0), [[-4.0, -12.0]])
    assert _descale._curve([[5.0]], 1e-9).tolist() == [[0.0]]  # no detail: flat
    assert _descale._curve([[5.0]], 2e-9)[0, 0] == pytest.approx(np.log10(2.5e9))


def _brute_depth(curve, factors, window=0.12, guard=0.015):
    depth = np.zeros_like(curve)
    for j, f in enumerate(factors):
        gap = np.abs(factors - f)
        near = (gap <= window) & (gap > guard)
        if not near.any():
            near = gap > guard
        depth[:, j] = np.median(curve[:, near], axis=1) - curve[:, j]
    return depth


def test_the_depth_is_read_against_the_neighbours_median():
    rng = np.random.default_rng(8)
    factors = np.array([1.2, 1.21, 1.3, 1.32, 1.44, 1.45, 1.6, 2.4, 3.0])
    curve = rng.normal(size=(2, len(factors)))
    depth = _descale._dip_depth(curve, factors)
    np.testing.assert_allclose(depth, _brute_depth(curve, factors), atol=1e-15)
    # The window's edge is in (0.12 away), the guard's edge out (0.015 away).
    factors = np.array([0.0, 0.015, 0.12, 0.2])
    curve = np.array([[0.0, 10.0, 3.0, 100.0]])
    assert _descale._dip_depth(curve, factors)[0, 0] == 3.0
    assert _descale._dip_depth(curve[:, :1], factors[:1]).tolist() == [[0.0]]


def test_a_small_upscale_is_found_on_both_axes(native):
    enlarged = cv2.resize(native, (128, 96), interpolation=cv2.INTER_CUBIC)
    factors = [1.5, 1.9, 2.0, 2.1, 2.5]
    result = descale_curve(enlarged, factors=factors)
    assert result.kernels == ("bilinear", "bicubic", "lanczos")
    assert (result.factor, result.kernel) == (2.0, "bicubic")
    assert result.native_shape == (48, 64)
    np.testing.assert_array_equal(result.factors, factors)
    res, high = _descale._residuals(enlarged, result.factors, result.kernels)
    np.testing.assert_allclose(result.curve, _descale._curve(res, high))
    np.testing.assert_allclose(result.depth,
                               _descale._dip_depth(result.curve, result.factors))
    assert result.dip == result.depth[1, 2] == result.depth.max() > 2
    assert isinstance(result.dip, float) and isinstance(result.factor, float)


def test_small_frames_are_pooled_by_adding(native):
    a = cv2.resize(native, (128, 96), interpolation=cv2.INTER_LINEAR)
    b = np.ascontiguousarray(a[::-1, ::-1]) * 0.5
    factors = np.array([1.5, 2.0, 2.5])
    both = descale_curve(np.stack([a, b]), factors=factors, kernels=["bilinear"])
    ra, ha = _descale._residuals(a, factors, ("bilinear",))
    rb, hb = _descale._residuals(b, factors, ("bilinear",))
    np.testing.assert_allclose(both.curve, _descale._curve(ra + rb, ha + hb))
    assert both.kernels == ("bilinear",) and both.native_shape == (48, 64)


def test_the_default_factors_and_kernels(native):
    np.testing.assert_array_equal(_descale.DEFAULT_FACTORS,
                                  np.arange(120, 321) / 100)
    result = descale_curve(cv2.resize(native, (96, 72)))
    np.testing.assert_array_equal(result.factors, _descale.DEFAULT_FACTORS)
    assert result.kernels == _descale.DEFAULT_KERNELS
    assert result.curve.shape == (3, 201)


@pytest.mark.parametrize(
    "frames, kwargs, match",
    [
        (np.zeros((47, 100)), {}, "at least 48x48"),
        (np.zeros((48, 48)), {"factors": [1.0]}, "above 1"),
        (np.zeros((48, 48)), {"factors": [[1.5, 2.0]]}, "1-D"),
        (np.zeros((48, 48)), {"factors": [np.nan]}, "above 1"),
        (np.zeros((48, 48)), {"kernels": ["sinc"]},
         r"kernels must be among \['area', 'bicubic', 'bilinear', 'cubic-0.5', "
         r"'cubic-0.6', 'lanczos', 'lanczos3'\]; got \['sinc'\]\.$"),
    ],
)
def test_the_limits_of_the_input(frames, kwargs, match):
    with pytest.raises(ValueError, match=match):
        descale_curve(frames, **kwargs)
    if "factors" not in kwargs and "kernels" not in kwargs:
        assert descale_curve(np.zeros((48, 48))).dip == 0.0  # 48 is enough


def test_ties_go_to_the_later_lines():
    # Columns that are one texture times 1, 2 or 3 tie within each scale;
    # a stable sort breaks the ties alike on every platform.
    rng = np.random.default_rng(9)
    texture = rng.random(100).astype(np.float32)
    scale = rng.integers(1, 4, 90)
    y = texture[:, None] * scale.astype(np.float32)
    X, _, _ = _descale._lines(y, 40)
    order = sorted(range(90), key=lambda j: (-scale[j], -j))[:40]
    np.testing.assert_array_equal(X, y[8:92][:, sorted(order)])


def test_8_bit_frames_give_the_curve_of_their_floats(native):
    enlarged = cv2.resize(native, (128, 96), interpolation=cv2.INTER_CUBIC)
    as_8_bit = np.round(enlarged * 255).astype(np.uint8)
    factors = [1.5, 2.0, 2.5]
    got = descale_curve(as_8_bit, factors=factors, kernels=["bicubic"])
    expected = descale_curve(as_8_bit / 255.0, factors=factors, kernels=["bicubic"])
    np.testing.assert_allclose(got.curve, expected.curve, atol=1e-4)
    assert got.factors.dtype == np.float64
    ints = descale_curve(as_8_bit, factors=[2, 3], kernels=["bicubic"])
    assert ints.factors.dtype == np.float64 and ints.factor == 2.0


def test_two_factors_are_each_others_neighbours():
    curve = np.array([[1.0, 3.0]])
    np.testing.assert_array_equal(_descale._dip_depth(curve, np.array([2.0, 2.5])),
                                  [[2.0, -2.0]])


def test_a_lonely_factor_leaves_out_the_guard_too():
    # Nothing within the window but beyond the guard: every other factor
    # farther than the guard is a neighbour; 0.015 away is not.
    curve = np.array([[0.0, 10.0, 3.0]])
    depth = _descale._dip_depth(curve, np.array([0.0, 0.015, 0.5]))
    assert depth[0, 0] == 3.0


def test_the_errors_name_descale_curve():
    with pytest.raises(ValueError, match="^descale_curve needs at least one frame.$"):
        descale_curve([])
    with pytest.raises(ValueError,
                       match="^factors must be a non-empty 1-D sequence of numbers "
                             r"above 1\.$"):
        descale_curve(np.zeros((48, 48)), factors=[])
