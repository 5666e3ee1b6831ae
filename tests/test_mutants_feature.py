"""Tests that kill the mutants mutmut left alive in skforensics/feature/
(issue 25, part 6): the resampling periodicity scan, and BRISQUE (at the end
of the file).

The scan is pinned on its documented parts, each with inputs whose answer
can be worked out by hand: the folded frequency of a factor, the codec
grid mask and its width, the robust z of a peak against its neighbours
(the guard bins, the one-bin tolerance, the 8 background bins it needs),
the spectrum of detrended, windowed profiles averaged over frames, and the
checks and messages of ``resampling_periodicity``.
"""

import numpy as np
import pytest
from scipy.ndimage import uniform_filter1d

from skforensics.feature import resampling_periodicity
from skforensics.feature import _resampling as rs


def test_default_factors_scan_1_1_to_3_3_by_0_01():
    assert len(rs.DEFAULT_FACTORS) == 221
    assert rs.DEFAULT_FACTORS[0] == 1.1 and rs.DEFAULT_FACTORS[-1] == 3.3
    np.testing.assert_allclose(np.diff(rs.DEFAULT_FACTORS), 0.01, atol=1e-9)


def test_folded_frequency():
    np.testing.assert_allclose(
        rs.folded_frequency([1.25, 1.5, 2.0, 3.0, 4.0, 1.2, 2.4]),
        [0.2, 1 / 3, 0.5, 1 / 3, 0.25, 1 / 6, 5 / 12],
    )
    assert rs.folded_frequency(8) == pytest.approx(0.125)
    assert rs.folded_frequency(0.8) == pytest.approx(0.25)  # 1.25 cycles: 0.25


def test_codec_masked_within_its_width_of_every_sixteenth():
    for k in range(1, 9):
        nu = k / 16
        factor = 1 / (1 - nu) if nu < 0.5 else 2.0  # folds onto nu
        assert rs.codec_masked(factor), k
    # 0.25 + 0.0059 is masked, 0.25 + 0.0061 is not (width 0.006).
    assert rs.codec_masked(1 / (0.75 - 0.0059))
    assert not rs.codec_masked(1 / (0.75 - 0.0061))
    assert rs.codec_masked(1 / (0.75 + 0.0059))
    np.testing.assert_array_equal(rs.codec_masked([2.0, 1.5, 4.0, 1.25]),
                                  [True, False, True, False])
    # A frequency near 0 (a factor near 1, or a very long period) is no grid's.
    assert not rs.codec_masked(1.005) and not rs.codec_masked(250.0)


def _background(n_bins, step=0.005):
    freqs = np.arange(n_bins) * step
    # Median 1, MAD 0.1 in every window: a repeating -0.1, 0, +0.1.
    power = 1.0 + 0.1 * (np.arange(n_bins) % 3 - 1)
    return power, freqs


def _window_z(power, centre, peak):
    n, guard = 25, 3
    window = np.concatenate([power[max(centre - n, 0) : centre - guard],
                             power[centre + guard + 1 : centre + n + 1]])
    med = np.median(window)
    mad = 1.4826 * np.median(np.abs(window - med)) + 1e-12
    return (peak - med) / mad


def test_peak_z_is_robust_z_against_the_neighbours():
    power, freqs = _background(101)  # bins of 0.005 cycle per pixel
    factor = 1 / 0.3  # 0.3 cycle per pixel: bin 60, no codec grid near
    power[61] = 9.0  # one bin off the factor's own: still its peak
    power[58] = 50.0  # within the guard, beyond one bin: neither
    (z,) = rs._peak_z(power, freqs, [factor])
    assert z == pytest.approx(_window_z(power, 60, 9.0))
    assert z == pytest.approx((9.0 - 1.0) / (1.4826 * 0.1), rel=1e-3)


def test_peak_z_peak_is_within_one_bin_either_side():
    power, freqs = _background(101)
    factor = 1 / 0.3  # bin 60
    below = power.copy()
    below[59] = 9.0
    assert rs._peak_z(below, freqs, [factor])[0] == pytest.approx(
        _window_z(below, 60, 9.0))
    two_above = power.copy()
    two_above[62] = 9.0  # guarded, and not the peak
    assert rs._peak_z(two_above, freqs, [factor])[0] == pytest.approx(
        _window_z(two_above, 60, 1.1))


def test_peak_z_background_reaches_25_bins_each_side():
    power, freqs = _background(101)
    power[35:57] = 0.0  # the 22 background bins below the factor's
    power[64:86] = 1.0  # the 22 above: the median is 0.5, the MAD 0.5
    power[59:62] = 2.0
    (z,) = rs._peak_z(power, freqs, [1 / 0.3])
    assert z == pytest.approx((2.0 - 0.5) / (1.4826 * 0.5))


def test_peak_z_background_leaves_out_the_guard_bins():
    power, freqs = _background(101)
    factor = 1 / 0.3
    base = rs._peak_z(power, freqs, [factor])[0]
    guarded = power.copy()
    guarded[[57, 63]] = 1e6  # inside centre +- 3: not background
    assert rs._peak_z(guarded, freqs, [factor])[0] == pytest.approx(base)
    outside = power.copy()
    outside[35:57] = outside[64:86] = 0.5  # all of the background, and only it
    outside[[35, 85]] = 0.4
    assert rs._peak_z(outside, freqs, [factor])[0] == pytest.approx(
        (1.1 - 0.5) / 1e-12)
    outside[[35, 85]] = 1e6  # the ends of the window count, one each side
    outside[[36, 84]] = 1e6
    assert rs._peak_z(outside, freqs, [factor])[0] == pytest.approx(
        _window_z(outside, 60, 1.1))
    far = power.copy()
    far[:35] = far[86:] = 1e6  # beyond 25 bins: not looked at
    assert rs._peak_z(far, freqs, [factor])[0] == pytest.approx(base)


def test_peak_z_needs_8_background_bins():
    # 15 bins, the factor's at bin 7: 8 background bins around the guard.
    freqs = np.arange(15) * 0.03
    factor = 1 / freqs[7]  # 0.21: no codec grid within 0.006
    assert not rs.codec_masked(factor)
    power = 1.0 + 0.1 * (np.arange(15) % 3 - 1)
    power[7] = 5.0
    (z,) = rs._peak_z(power, freqs, [factor])
    assert np.isfinite(z) and z == pytest.approx(_window_z(power, 7, 5.0))
    (z,) = rs._peak_z(power[:14], freqs[:14], [factor])  # 7 left
    assert np.isnan(z)
    # Counted for each factor: bin 1 of the 14 has 9.
    z = rs._peak_z(power[:14], freqs[:14], [1 / freqs[1], factor])
    assert np.isfinite(z[0]) and np.isnan(z[1])


def test_peak_z_is_nan_where_a_codec_grid_masks_the_factor():
    power, freqs = _background(101)
    z = rs._peak_z(power, freqs, [2.0, 4.0, 1 / 0.3])
    assert np.isnan(z[:2]).all() and np.isfinite(z[2])
    assert np.isnan(rs._peak_z(power, freqs, [2.0, 4.0])).all()
    assert rs._peak_z(power, freqs, [2.0]).shape == (1,)


def test_peak_z_of_many_factors_at_once():
    power, freqs = _background(101)
    power[40] = 6.0
    factors = [1 / 0.2, 1 / 0.3, 2.0, 1 / 0.4]
    together = rs._peak_z(power, freqs, factors)
    alone = [rs._peak_z(power, freqs, [f])[0] for f in factors]
    np.testing.assert_array_equal(together, alone)
    assert together[0] == pytest.approx(_window_z(power, 40, 6.0))


def _spectrum_of(profile):
    p = np.asarray(profile, dtype=np.float64)
    c = p / (uniform_filter1d(p, 9, mode="nearest") + 1e-6) - 1
    c -= c.mean()
    return np.abs(np.fft.rfft(c * np.hanning(len(c)))) ** 2


def test_spectrum_of_detrended_windowed_profiles_averaged_over_frames():
    rng = np.random.default_rng(0)
    a = 1 + 0.3 * np.cos(2 * np.pi * np.arange(120) / 3) + 0.05 * rng.random(120)
    b = 2 + 0.1 * rng.random(120)
    power, freqs = rs._spectrum([a, b])
    np.testing.assert_array_equal(freqs, np.fft.rfftfreq(120))
    np.testing.assert_allclose(power, (_spectrum_of(a) + _spectrum_of(b)) / 2,
                               rtol=1e-10)
    assert np.argmax(rs._spectrum([a])[0]) == 40  # 1/3 cycle per pixel
    # Scaled profiles have the same spectrum (divided by their local mean).
    np.testing.assert_allclose(rs._spectrum([5 * a])[0], rs._spectrum([a])[0],
                               rtol=1e-4)
    # float32 profiles are read in float64.
    single = a.astype(np.float32)
    np.testing.assert_allclose(rs._spectrum([single])[0],
                               _spectrum_of(single.astype(np.float64)), rtol=1e-10)
    flat = rs._spectrum([np.full(64, 3.0)])[0]
    np.testing.assert_allclose(flat, 0, atol=1e-20)


# ---------------------------------------------------------------------------
# resampling_periodicity: what it takes and what it answers.
# ---------------------------------------------------------------------------


def test_result_keys_and_the_factor_where_z_is_largest():
    frame = np.random.default_rng(0).random((64, 80))
    factors = np.array([1.5, 2.0, 1.2, 3.0])
    result = resampling_periodicity(frame, factors=factors)
    profile_x, profile_y = rs._profiles(frame)
    z_x = rs._peak_z(*rs._spectrum([profile_x]), factors)
    z_y = rs._peak_z(*rs._spectrum([profile_y]), factors)
    np.testing.assert_array_equal(result.factors, factors)
    np.testing.assert_array_equal(result.z_x, z_x)
    np.testing.assert_array_equal(result.z_y, z_y)
    np.testing.assert_array_equal(result.z, (z_x + z_y) / 2)
    z = (z_x + z_y) / 2
    best = np.nanargmax(z)
    assert result.z_max == z[best] and type(result.z_max) is float
    assert result.factor == factors[best] and type(result.factor) is float


def test_result_without_any_finite_z():
    frame = np.random.default_rng(0).random((64, 64))
    result = resampling_periodicity(frame, factors=[2.0, 4.0])
    assert result.z_max == 0.0 and np.isnan(result.factor)
    assert np.isnan(result.z).all()


def test_frames_pool_their_spectra():
    rng = np.random.default_rng(1)
    frames = rng.random((3, 48, 40)).astype(np.float32)
    factors = np.array([1.3, 1.7, 2.6])
    pooled = resampling_periodicity(frames, factors=factors)
    profiles = [rs._profiles(f) for f in frames]
    z_x = rs._peak_z(*rs._spectrum([p[0] for p in profiles]), factors)
    z_y = rs._peak_z(*rs._spectrum([p[1] for p in profiles]), factors)
    np.testing.assert_array_equal(pooled.z, (z_x + z_y) / 2)
    as_list = resampling_periodicity(list(frames), factors=factors)
    np.testing.assert_array_equal(as_list.z, pooled.z)
    single = resampling_periodicity(frames[0], factors=factors)
    np.testing.assert_array_equal(
        single.z, resampling_periodicity(frames[:1], factors=factors).z)


def test_32_pixels_a_side_are_enough():
    frame = np.random.default_rng(0).random((32, 32))
    assert resampling_periodicity(frame).z.shape == (221,)
    for shape in ((31, 40), (40, 31)):
        with pytest.raises(ValueError) as exc:
            resampling_periodicity(np.zeros(shape))
        assert str(exc.value) == (
            f"resampling_periodicity needs frames of at least 32x32; got {shape}."
        )


@pytest.mark.parametrize("shape", [(64, 64, 3), (64, 48, 4), (5, 40, 3), (64, 5, 3)])
def test_an_rgb_image_is_refused_with_the_fix(shape):
    with pytest.raises(ValueError) as exc:
        resampling_periodicity(np.zeros(shape))
    assert str(exc.value) == (
        "resampling_periodicity takes 2-D luminance frames; got an array of "
        f"shape {shape}, which looks like one RGB image. Convert it with "
        "skforensics.utils.to_grayscale."
    )


def test_frames_that_are_not_2d_or_not_one_size():
    # (n_frames, H, 3) with H <= 4 reads as frames, then as too small.
    with pytest.raises(ValueError, match="at least 32x32"):
        resampling_periodicity(np.zeros((2, 4, 3)))
    three = resampling_periodicity(np.random.default_rng(0).random((3, 40, 40)))
    assert three.z.shape == (221,)
    with pytest.raises(ValueError) as exc:
        resampling_periodicity([np.zeros((40, 40, 3))])
    assert str(exc.value) == (
        "resampling_periodicity takes 2-D luminance frames; got an array of shape "
        "(40, 40, 3). Convert RGB with skforensics.utils.to_grayscale."
    )
    with pytest.raises(ValueError) as exc:
        resampling_periodicity([np.zeros((40, 40)), np.zeros((40, 41))])
    assert str(exc.value) == "All frames must have one size; got (40, 40) and (40, 41)."
    with pytest.raises(ValueError) as exc:
        resampling_periodicity(np.zeros((0, 40, 40)))
    assert str(exc.value) == "resampling_periodicity needs at least one frame."


@pytest.mark.parametrize("factors", [[], [1.0], [1.5, 1.0], [[1.5]], [np.nan], [0.5]])
def test_factors_must_lie_above_1(factors):
    with pytest.raises(ValueError) as exc:
        resampling_periodicity(np.zeros((40, 40)), factors=factors)
    assert str(exc.value) == (
        "factors must be a non-empty 1-D sequence of numbers above 1."
    )
    assert resampling_periodicity(np.zeros((40, 40)), factors=[1.01]).z.shape == (1,)
    integers = resampling_periodicity(np.zeros((40, 40)), factors=[2, 3]).factors
    assert integers.dtype == np.float64 and integers.tolist() == [2.0, 3.0]


@pytest.mark.parametrize("band_rows", [5, 10, 64])
def test_profiles_in_bands_that_leave_a_shorter_last_one(monkeypatch, band_rows):
    frame = np.random.default_rng(2).random((203, 57)).astype(np.float32)
    whole = rs._profiles(frame)
    monkeypatch.setattr(rs, "_BAND_ROWS", band_rows)
    banded = rs._profiles(frame)
    np.testing.assert_allclose(banded[0], whole[0], rtol=1e-6)
    np.testing.assert_array_equal(banded[1], whole[1])
    assert banded[0].dtype == banded[1].dtype == np.float32


# BRISQUE (feature/_brisque.py). mutmut found these unpinned: the kernel of
# the second scale (computed once, at import), the [0, 1] check of fit and
# transform, n_jobs reaching the workers, the messages, ties of the shape
# search, fits of samples whose moments are below 1, the strips of the
# half-scale filter, the float32 luminance and the float64 output tag.


def _matlab_cubic(x):
    """MATLAB imresize's 'cubic' kernel (Keys, a = -0.5), written out."""
    x = np.abs(x)
    inner = 1.5 * x**3 - 2.5 * x**2 + 1
    outer = -0.5 * x**3 + 2.5 * x**2 - 4 * x + 2
    return np.where(x <= 1, inner, np.where(x <= 2, outer, 0.0))


def test_brisque_half_scale_kernel_is_matlabs_cubic_widened_by_2():
    from skforensics.feature import _brisque

    x = np.r_[np.linspace(-3.0, 3.0, 97), -2.0, -1.0, 0.0, 1.0, 2.0, 2.5]
    np.testing.assert_allclose(_brisque._keys_cubic(x), _matlab_cubic(x), atol=1e-15)
    # brisque_features' Notes: [-3, -9, 29, 111, 111, 29, -9, -3] / 256.
    taps = np.array([-3, -9, 29, 111, 111, 29, -9, -3]) / 256
    np.testing.assert_array_equal(_brisque._half_scale_taps(), taps)
    np.testing.assert_array_equal(_brisque._HALF_TAPS, taps)


def test_brisque_refuses_floats_outside_0_1_in_fit_and_transform():
    from skforensics.feature import BRISQUEExtractor, brisque_features
    from skforensics.utils import make_test_images

    X = make_test_images(2, 20)
    for value in (1.5, -0.25):
        bad = X.copy()
        bad[1, 3, 4] = value
        with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
            brisque_features(bad)
        with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
            BRISQUEExtractor().fit(bad)
        with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
            BRISQUEExtractor().fit(X).transform(bad)


def test_brisque_n_jobs_reaches_the_workers(monkeypatch):
    # Under joblib's threading backend (one job unless told otherwise),
    # n_jobs=2 computes the images in worker threads, the default in the
    # caller's thread; the features are the same.
    import threading

    import joblib

    from skforensics.feature import BRISQUEExtractor, _brisque, brisque_features
    from skforensics.utils import make_test_images

    threads = set()
    one = _brisque._brisque_one

    def recording(image):
        threads.add(threading.get_ident())
        return one(image)

    monkeypatch.setattr(_brisque, "_brisque_one", recording)
    X = make_test_images(3, 16)
    features = brisque_features(X)
    caller = {threading.get_ident()}
    with joblib.parallel_backend("threading", n_jobs=1):
        for n_jobs, where_expected in ((None, "caller"), (2, "workers")):
            runs = [
                lambda: brisque_features(X, n_jobs=n_jobs),
                lambda: brisque_features(X[0], n_jobs=n_jobs),
                lambda: BRISQUEExtractor(n_jobs=n_jobs).fit(X).transform(X),
            ]
            for run, expected in zip(runs, (features, features[0], features)):
                threads.clear()
                np.testing.assert_array_equal(run(), expected)
                if where_expected == "caller":
                    assert threads == caller
                else:
                    assert threads and not threads & caller


def test_brisque_errors_name_the_function_and_the_fix():
    from skforensics.feature import brisque_features
    from skforensics.utils import make_test_images

    with pytest.raises(ValueError) as exc:
        brisque_features(make_test_images(1, 16), n_jobs=0)
    assert str(exc.value).startswith("The 'n_jobs' parameter of brisque_features")
    with pytest.raises(ValueError) as exc:
        brisque_features(make_test_images(1, (12, 40)))
    assert str(exc.value) == (
        "BRISQUE needs images of at least 13x13 pixels (height x width), so that "
        "the half-scale image holds the 7x7 Gaussian window; got a 12x40 image. "
        "Pass larger images, for example by upsampling small ones with "
        "cv2.resize(image, None, fx=2, fy=2, interpolation=cv2.INTER_CUBIC)."
    )


def test_brisque_shape_search_keeps_the_first_grid_point_on_a_tie():
    # _nearest_shape's contract: MATLAB's min, the first grid point on a tie.
    from skforensics.feature import _brisque

    table = np.array([1.0, 2.0, 4.0])
    values = (1.4, 1.5, 1.6, 3.0, 3.5)  # ties at 1.5 and 3.0
    assert [_brisque._nearest_shape(table, v) for v in values] == [0, 0, 1, 1, 2]
    # A reversed table runs over the grid from its end: on a tie the first
    # grid point is the upper table entry.
    assert [
        _brisque._nearest_shape(table, v, reversed_grid=True) for v in values
    ] == [2, 1, 1, 0, 0]


def test_brisque_variances_of_faint_coefficients_are_their_moments():
    # A nearly black image: MSCN coefficients of about 1e-4, whose sums of
    # |x| and x^2 are far below 1. The variance features are still their
    # moments (brisque_features' Notes), computed here from mscn().
    from skforensics.feature import brisque_features, mscn

    rng = np.random.default_rng(2)
    image = (2e-6 * rng.random((24, 28))).astype(np.float32)
    coefs = mscn(image[None])[0].astype(np.float64)
    assert np.abs(coefs).sum() < 1
    features = brisque_features(image)
    assert features[1] == pytest.approx(np.mean(coefs**2), rel=1e-5)
    pair = (coefs * np.roll(coefs, (0, 1), axis=(0, 1))).ravel()  # horizontal
    left = np.mean(pair[pair < 0] ** 2)
    right = np.mean(pair[pair > 0] ** 2)
    assert features[4] == pytest.approx(left, rel=1e-4)
    assert features[5] == pytest.approx(right, rel=1e-4)


def test_brisque_fits_scale_with_the_coefficients():
    # Shapes do not depend on the scale s of the coefficients x; the
    # variance of x scales with s^2, the means of the pair products with s^2
    # and their variances with s^4, whether the moments are below or above 1.
    from skforensics.feature import _brisque

    coefs = np.random.default_rng(3).laplace(size=(20, 26)).astype(np.float32)
    small = _brisque._nss_features(coefs / 1024, np.empty(18))
    large = _brisque._nss_features(coefs * 4, np.empty(18))
    shapes = [0, 2, 6, 10, 14]
    squares = [1, 3, 7, 11, 15]  # the variance of x, the products' means
    fourth = [4, 5, 8, 9, 12, 13, 16, 17]  # the products' variances
    np.testing.assert_array_equal(small[shapes], large[shapes])
    np.testing.assert_allclose(large[squares], small[squares] * 4096.0**2, rtol=1e-5)
    np.testing.assert_allclose(large[fourth], small[fourth] * 4096.0**4, rtol=1e-5)


def test_brisque_half_scale_does_not_depend_on_its_strips(monkeypatch):
    from skforensics.feature import _brisque, brisque_features
    from skforensics.utils import make_test_images

    X = make_test_images(2, (58, 40), random_state=1)
    expected = brisque_features(X)
    # 500 // (2 * 40) = 6 rows of the half-scale image per strip, 29 rows.
    monkeypatch.setattr(_brisque, "_STRIP_PIXELS", 500)
    np.testing.assert_array_equal(brisque_features(X), expected)


def test_brisque_float64_images_give_the_features_of_their_float32_luminance():
    from skforensics.feature import brisque_features
    from skforensics.utils import make_test_images

    X = make_test_images(2, 30, dtype=np.float64, random_state=4)
    X += np.random.default_rng(4).uniform(0, 1e-7, X.shape)  # below float32's step
    X = np.clip(X, 0, 1)
    np.testing.assert_array_equal(
        brisque_features(X), brisque_features(X.astype(np.float32))
    )


def test_brisque_features_are_float64_for_every_input_dtype():
    from skforensics.feature import BRISQUEExtractor
    from skforensics.utils import make_test_images

    extractor = BRISQUEExtractor()
    assert extractor.__sklearn_tags__().transformer_tags.preserves_dtype == ["float64"]
    for dtype in (np.uint8, np.float32, np.float64):
        X = make_test_images(2, 16, dtype=dtype)
        assert extractor.fit(X).transform(X).dtype == np.float64
