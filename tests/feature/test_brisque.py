import os

import joblib
import numpy as np
import pytest
from PIL import Image
from scipy import ndimage, stats
from scipy.special import gamma
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skforensics.feature import BRISQUEExtractor, _brisque, _mscn, brisque_features
from skforensics.utils import LazyImages, make_test_images

SHAPES = [0, 2, 6, 10, 14, 18, 20, 24, 28, 32]  # columns holding a shape
NAMES = BRISQUEExtractor().get_feature_names_out()
# Columns of each orientation's 4 features, at both scales.
ORIENT = {
    o: [i for i, name in enumerate(NAMES) if f"_{o}_" in name]
    for o in ("h", "v", "d1", "d2")
}


# A direct float64 transcription of the release's brisque_feature.m (masks,
# circshift, a scan of the grid) and of MATLAB's imresize contributions(),
# written independently of the implementation under test.
GRID = np.arange(200, 10001) / 1000.0
R_GGD = gamma(1 / GRID) * gamma(3 / GRID) / gamma(2 / GRID) ** 2
R_AGGD = gamma(2 / GRID) ** 2 / (gamma(1 / GRID) * gamma(3 / GRID))


def _matlab_cubic(x):
    x = np.abs(x)
    return (1.5 * x**3 - 2.5 * x**2 + 1) * (x <= 1) + (
        -0.5 * x**3 + 2.5 * x**2 - 4 * x + 2
    ) * ((x > 1) & (x <= 2))


def _imresize_half_matrix(n):
    """Rows of weights of MATLAB's imresize(., 0.5) along one axis."""
    scale, width = 0.5, 4 / 0.5  # antialiasing widens the 4-tap kernel
    m = int(np.ceil(n * scale))
    u = np.arange(1, m + 1) / scale + 0.5 * (1 - 1 / scale)
    left = np.floor(u - width / 2)
    idx = left[:, None] + np.arange(int(np.ceil(width)) + 2)[None, :]
    weights = scale * _matlab_cubic(scale * (u[:, None] - idx))
    weights /= weights.sum(axis=1, keepdims=True)
    aux = np.r_[np.arange(1, n + 1), np.arange(n, 0, -1)]  # mirror
    idx = aux[np.mod(idx.astype(int) - 1, len(aux))] - 1
    matrix = np.zeros((m, n))
    for row in range(m):
        np.add.at(matrix[row], idx[row], weights[row])
    return matrix


def _reference_brisque(image):
    x = np.asarray(image, dtype=np.float64) * 255
    xs = np.arange(7) - 3
    window = np.exp(-(xs[:, None] ** 2 + xs[None, :] ** 2) / (2 * (7 / 6) ** 2))
    window /= window.sum()
    feat = []
    for _ in range(2):
        mu = ndimage.correlate(x, window, mode="constant")
        sigma = np.sqrt(
            np.abs(ndimage.correlate(x * x, window, mode="constant") - mu**2)
        )
        structdis = (x - mu) / (sigma + 1)
        sigma_sq = np.mean(structdis**2)
        rho = sigma_sq / np.mean(np.abs(structdis)) ** 2
        feat += [GRID[np.argmin(np.abs(rho - R_GGD))], sigma_sq]
        for shift in [(0, 1), (1, 0), (1, 1), (-1, 1)]:
            pair = (structdis * np.roll(structdis, shift, axis=(0, 1))).ravel()
            left = np.sqrt(np.mean(pair[pair < 0] ** 2))
            right = np.sqrt(np.mean(pair[pair > 0] ** 2))
            g = left / right
            rhat = np.mean(np.abs(pair)) ** 2 / np.mean(pair**2)
            rhatnorm = rhat * (g**3 + 1) * (g + 1) / (g**2 + 1) ** 2
            alpha = GRID[np.argmin((R_AGGD - rhatnorm) ** 2)]
            const = np.sqrt(gamma(1 / alpha)) / np.sqrt(gamma(3 / alpha))
            mean = (right - left) * gamma(2 / alpha) / gamma(1 / alpha) * const
            feat += [alpha, mean, left**2, right**2]
        x = _imresize_half_matrix(x.shape[0]) @ x @ _imresize_half_matrix(x.shape[1]).T
    return np.array(feat)


def _assert_features_close(actual, expected, rtol=1e-4):
    actual, expected = np.atleast_2d(actual), np.atleast_2d(expected)
    other = [i for i in range(36) if i not in SHAPES]
    # A shape is a grid point: it may move by one step (0.001) when the
    # measured ratio falls near the middle of two grid points.
    np.testing.assert_allclose(actual[:, SHAPES], expected[:, SHAPES], atol=1.1e-3)
    np.testing.assert_allclose(
        actual[:, other], expected[:, other], rtol=rtol, atol=1e-7
    )


@pytest.mark.parametrize("shape", [(64, 64), (37, 45), (13, 13), (50, 121)])
def test_matches_transcription_of_the_release(shape):
    image = make_test_images(1, shape, random_state=3)[0]
    _assert_features_close(brisque_features(image), _reference_brisque(image))


@pytest.mark.parametrize("shape", [(40, 52), (37, 45), (13, 13), (14, 15), (301, 300)])
def test_half_scale_is_matlab_imresize(shape):
    image = np.random.default_rng(1).random(shape).astype(np.float32)
    expected = (
        _imresize_half_matrix(shape[0])
        @ image.astype(np.float64)
        @ _imresize_half_matrix(shape[1]).T
    )
    for rows in (None, 1, 3):
        out = _brisque._half_scale(image, rows=rows)
        assert out.shape == expected.shape == ((shape[0] + 1) // 2, (shape[1] + 1) // 2)
        np.testing.assert_allclose(out, expected, rtol=1e-6, atol=1e-7)
    # The fixed kernel: MATLAB's cubic (a = -0.5) widened by 2, phase 2v + 0.5.
    np.testing.assert_array_equal(
        _brisque._HALF_TAPS * 256, [-3, -9, 29, 111, 111, 29, -9, -3]
    )


@pytest.mark.parametrize("shape", [0.5, 1.0, 2.0, 3.0])
def test_ggd_fit_recovers_gennorm_parameters(shape):
    # Reference draws: scipy.stats.gennorm, the generalised normal with
    # density beta / (2 scale G(1/beta)) exp(-|x / scale|^beta), whose
    # variance is scale^2 G(3/beta) / G(1/beta).
    scale = 0.7
    x = stats.gennorm.rvs(shape, scale=scale, size=200_000, random_state=0)
    fitted_shape, variance = _brisque._ggd_fit(x @ x, np.abs(x).sum(), x.size)
    assert fitted_shape == pytest.approx(shape, rel=0.02)
    assert variance == pytest.approx(
        scale**2 * gamma(3 / shape) / gamma(1 / shape), rel=0.03
    )


@pytest.mark.parametrize(
    "shape, beta_left, beta_right",
    [(0.6, 0.5, 1.0), (1.0, 1.0, 1.0), (2.0, 0.3, 0.9), (1.5, 1.2, 0.4)],
)
def test_aggd_fit_recovers_known_parameters(shape, beta_left, beta_right):
    # An AGGD is two half generalised normals (scipy.stats.gennorm) with
    # scales beta_left and beta_right, the left one taken with probability
    # beta_left / (beta_left + beta_right).
    n = 400_000
    rng = np.random.default_rng(0)
    left = rng.random(n) < beta_left / (beta_left + beta_right)
    magnitude = np.abs(stats.gennorm.rvs(shape, size=n, random_state=rng))
    x = np.where(left, -beta_left * magnitude, beta_right * magnitude)
    fitted = _brisque._aggd_fit(
        x @ x,
        x @ np.abs(x),
        np.abs(x).sum(),
        np.count_nonzero(x),
        np.sign(x).sum(),
        n,
    )
    ratio = gamma(3 / shape) / gamma(1 / shape)
    mean = (beta_right - beta_left) * gamma(2 / shape) / gamma(1 / shape)
    assert fitted[0] == pytest.approx(shape, rel=0.02)
    assert fitted[1] == pytest.approx(mean, abs=0.01 * (beta_left + beta_right))
    assert fitted[2] == pytest.approx(beta_left**2 * ratio, rel=0.03)
    assert fitted[3] == pytest.approx(beta_right**2 * ratio, rel=0.03)


def test_shape_search_is_matlab_min_over_the_grid():
    rng = np.random.default_rng(0)
    ggd_values = np.r_[rng.uniform(1.2, 16, 500), R_GGD[[0, 17, 9800]], 0.5, 40.0]
    for value in ggd_values:
        k = _brisque._nearest_shape(_brisque._GGD_RATIO_REVERSED, value, True)
        assert k == np.argmin(np.abs(value - R_GGD))
    aggd_values = np.r_[rng.uniform(0.05, 0.8, 500), R_AGGD[[0, 5, 9800]], 0.0, 2.0]
    for value in aggd_values:
        k = _brisque._nearest_shape(_brisque._AGGD_RATIO, value)
        assert k == np.argmin((R_AGGD - value) ** 2)
    assert np.all(np.diff(_brisque._AGGD_RATIO) > 0)


def test_regression_pinned_features():
    # Pinned from this implementation itself (its own documented choices),
    # so that any change of the numerics is deliberate. They agree with the
    # float64 transcription of the release above to 1e-6.
    expected = [
        2.636, 0.44290054,
        0.895, 0.045468665, 0.14695923, 0.20211965,
        0.884, 0.051105869, 0.1494654, 0.21280141,
        0.86, 0.027859348, 0.16859306, 0.2039841,
        0.876, 0.024894246, 0.16530795, 0.19630329,
        2.578, 0.45066729,
        0.909, 0.16727437, 0.087935896, 0.29064949,
        0.916, 0.17219822, 0.080822416, 0.28460601,
        0.856, 0.02567259, 0.16980854, 0.20245832,
        0.867, 0.050152977, 0.15331952, 0.21648142,
    ]  # fmt: skip
    features = brisque_features(make_test_images(1, 64, random_state=0))
    assert features.shape == (1, 36) and features.dtype == np.float64
    _assert_features_close(features[0], expected, rtol=1e-5)


def test_feature_names():
    names = BRISQUEExtractor().get_feature_names_out()
    assert names.dtype == object and len(names) == 36 == len(set(names))
    assert list(names[:6]) == [
        "s1_mscn_shape",
        "s1_mscn_var",
        "s1_h_shape",
        "s1_h_mean",
        "s1_h_left_var",
        "s1_h_right_var",
    ]
    assert names[18] == "s2_mscn_shape" and names[-1] == "s2_d2_right_var"
    assert [i for i, n in enumerate(names) if n.endswith("_shape")] == SHAPES


def test_transposition_swaps_horizontal_and_vertical():
    image = make_test_images(1, (48, 70), random_state=5)[0]
    features, transposed = brisque_features(image), brisque_features(image.T)
    swapped = features.copy()
    swapped[ORIENT["h"]], swapped[ORIENT["v"]] = (
        features[ORIENT["v"]],
        features[ORIENT["h"]],
    )
    _assert_features_close(transposed, swapped, rtol=1e-5)


def test_mirroring_swaps_the_diagonals():
    # Even sizes: the half-scale grid is then symmetric under the flip too.
    image = make_test_images(1, (48, 70), random_state=6)[0]
    features, mirrored = brisque_features(image), brisque_features(image[:, ::-1])
    swapped = features.copy()
    swapped[ORIENT["d1"]] = features[ORIENT["d2"]]
    swapped[ORIENT["d2"]] = features[ORIENT["d1"]]
    _assert_features_close(mirrored, swapped, rtol=1e-5)


def test_uint8_float_and_colour_inputs_agree():
    X = make_test_images(3, 40, dtype=np.uint8)
    features = brisque_features(X)
    # uint8 is read as float32 k / 255: the same values as float input.
    _assert_features_close(
        brisque_features(X.astype(np.float32) / np.float32(255)), features, rtol=1e-6
    )
    _assert_features_close(brisque_features(X / 255.0), features)
    rgb = np.repeat(X[..., None], 3, axis=-1)
    _assert_features_close(brisque_features(rgb), features)


def test_flat_and_saturated_images_are_finite_and_stable(monkeypatch):
    flat = np.full((2, 32, 40), 0.5, dtype=np.float32)
    saturated = make_test_images(2, 64, dtype=np.uint8, random_state=7)
    saturated[:, :30, 10:50] = 255
    saturated[1, 40:, :] = 0
    results = []
    for strip in (1 << 18, 97):  # the moments in other strips: other sums
        monkeypatch.setattr(_brisque, "_CHUNK", strip)
        monkeypatch.setattr(_brisque, "_STRIP_PIXELS", strip)
        monkeypatch.setattr(_mscn, "_STRIP_PIXELS", strip)
        results.append((brisque_features(flat), brisque_features(saturated)))
    for features in results[0]:
        assert np.all(np.isfinite(features))
    for a, b in zip(*results, strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-7)
    # The saturated regions' coefficients are exact zeros at both scales,
    # so none of them is counted on either side of the asymmetric fits.
    image = saturated[0].astype(np.float32) / np.float32(255)
    coefs = _brisque._mscn_map(image, **_brisque._MSCN_PARAMS)
    assert np.count_nonzero(coefs[3:27, 13:47]) == 0
    half = _brisque._mscn_map(_brisque._half_scale(image), **_brisque._MSCN_PARAMS)
    assert np.count_nonzero(half[3:10, 10:20]) == 0


def test_degenerate_samples_give_documented_values():
    features = np.empty(18)
    _brisque._nss_features(np.zeros((20, 30), dtype=np.float32), features)
    shapes = features[[0, 2, 6, 10, 14]]
    np.testing.assert_array_equal(shapes, 0.2)  # MATLAB's min on all-NaN ratios
    np.testing.assert_array_equal(np.delete(features, [0, 2, 6, 10, 14]), 0.0)
    # Only positive products (a constant map): the empty left side has
    # variance 0 and the fit stays finite.
    _brisque._nss_features(np.ones((20, 30), dtype=np.float32), features)
    assert np.all(np.isfinite(features))
    assert features[4] == 0.0 and features[5] == pytest.approx(1.0)


def test_moments_do_not_depend_on_the_strip_size():
    coefs = np.random.default_rng(0).standard_normal((50, 61)).astype(np.float32)
    coefs[:5] = 0.0
    expected = _brisque._nss_features(coefs, np.empty(18))
    for rows in (1, 2, 7, 49, 50):
        np.testing.assert_allclose(
            _brisque._nss_features(coefs, np.empty(18), rows=rows), expected, rtol=1e-6
        )


def test_collections_lists_lazy_and_single_images(tmp_path):
    images = make_test_images(3, 32, dtype=np.uint8)
    expected = brisque_features(images)
    assert expected.shape == (3, 36)
    np.testing.assert_array_equal(brisque_features(images[1]), expected[1])
    np.testing.assert_array_equal(brisque_features(list(images)), expected)
    paths = [os.path.join(tmp_path, f"{i}.png") for i in range(3)]
    for path, image in zip(paths, images, strict=True):
        Image.fromarray(image).save(path)
    lazy = LazyImages(paths)
    np.testing.assert_array_equal(brisque_features(lazy), expected)
    np.testing.assert_array_equal(
        BRISQUEExtractor().fit(lazy).transform(lazy), expected
    )
    mixed = [make_test_images(1, (20, 30))[0], make_test_images(1, (41, 17))[0]]
    assert brisque_features(mixed).shape == (2, 36)


def test_n_jobs_goes_through_joblib():
    X = make_test_images(4, 24)
    expected = brisque_features(X)
    with joblib.parallel_backend("threading"):
        np.testing.assert_array_equal(brisque_features(X, n_jobs=2), expected)
        np.testing.assert_array_equal(
            BRISQUEExtractor(n_jobs=2).fit_transform(X), expected
        )


def test_extractor_in_a_pipeline():
    X = make_test_images(8, 32, random_state=0)
    X[4:] = np.clip(
        X[4:] + 0.1 * np.random.default_rng(0).standard_normal(X[4:].shape), 0, 1
    )
    y = np.r_[np.zeros(4), np.ones(4)]
    model = make_pipeline(BRISQUEExtractor(), StandardScaler(), LogisticRegression())
    assert model.fit(X, y).score(X, y) == 1.0
    Xt = BRISQUEExtractor().fit_transform(X)
    assert Xt.shape == (8, 36) and Xt.dtype == np.float64


def test_input_is_not_modified():
    X = make_test_images(2, 32, n_channels=3, dtype=np.uint8)
    before = X.copy()
    brisque_features(X)
    BRISQUEExtractor().fit(X).transform(X)
    np.testing.assert_array_equal(X, before)


def test_too_small_images(tmp_path):
    brisque_features(make_test_images(1, 13))
    with pytest.raises(ValueError, match=r"at least 13x13 pixels .* got a 12x40 image"):
        brisque_features(make_test_images(1, (12, 40)))
    with pytest.raises(ValueError, match=r"12x12 image.*\(image 1\)"):
        brisque_features([make_test_images(1, 20)[0], make_test_images(1, 12)[0]])
    with pytest.raises(ValueError, match="upsampling small ones"):
        BRISQUEExtractor().fit(make_test_images(2, (40, 9)))
    path = os.path.join(tmp_path, "small.png")
    Image.fromarray(make_test_images(1, 12, dtype=np.uint8)[0]).save(path)
    with pytest.raises(ValueError, match=r"small.png': BRISQUE needs images"):
        brisque_features(LazyImages([path]))


def test_bad_input():
    with pytest.raises(ValueError, match="NaN"):
        brisque_features(np.full((1, 20, 20), np.nan))
    with pytest.raises(ValueError, match="reshape them first"):
        BRISQUEExtractor().fit(np.zeros((4, 256)))
    with pytest.raises(ValueError, match="single image needs a leading axis"):
        brisque_features(np.zeros(256))
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        brisque_features(np.full((1, 20, 20), 255.0))
    with pytest.raises(ValueError, match="The 'n_jobs' parameter of BRISQUEExtractor"):
        BRISQUEExtractor(n_jobs="two").fit(make_test_images(2, 20))
    with pytest.raises(NotFittedError):
        BRISQUEExtractor().transform(make_test_images(2, 20))


def test_set_output_pandas_names_the_36_features():
    pd = pytest.importorskip("pandas")
    X = make_test_images(4, size=32, random_state=0)
    extractor = BRISQUEExtractor().set_output(transform="pandas")
    df = extractor.fit_transform(X)
    assert isinstance(df, pd.DataFrame)
    assert df.shape == (4, 36)
    assert df.columns.tolist() == NAMES.tolist()
    assert df.columns[:2].tolist() == ["s1_mscn_shape", "s1_mscn_var"]
    np.testing.assert_array_equal(df.to_numpy(), BRISQUEExtractor().fit_transform(X))
    # Images have no index of their own: rows are numbered as the images.
    assert df.index.tolist() == [0, 1, 2, 3]


def test_set_output_pandas_names_survive_a_pipeline():
    pd = pytest.importorskip("pandas")
    X = make_test_images(6, size=32, random_state=1)
    pipe = make_pipeline(BRISQUEExtractor(), StandardScaler()).set_output(
        transform="pandas"
    )
    out = pipe.fit_transform(X)
    assert isinstance(out, pd.DataFrame)
    assert out.columns.tolist() == NAMES.tolist()
    assert pipe.get_feature_names_out().tolist() == NAMES.tolist()
    # The scaler saw a named table: it records the names as its input.
    assert pipe[-1].feature_names_in_.tolist() == NAMES.tolist()
    np.testing.assert_allclose(out.mean().to_numpy(), 0, atol=1e-12)
