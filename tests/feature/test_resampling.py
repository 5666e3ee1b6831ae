import cv2
import numpy as np
import pytest
from skimage import data

from skforensics.feature import resampling_periodicity
from skforensics.feature._resampling import codec_masked, folded_frequency


@pytest.fixture(scope="module")
def camera():
    return data.camera().astype(np.float32) / 255


@pytest.mark.parametrize("factor", [1.25, 1.5, 2.4, 3.0])
@pytest.mark.parametrize("interpolation", [cv2.INTER_LINEAR, cv2.INTER_CUBIC,
                                          cv2.INTER_LANCZOS4])
def test_an_upscale_leaves_a_peak_at_its_period(camera, factor, interpolation):
    size = (round(512 * factor), round(512 * factor))
    up = cv2.resize(camera, size, interpolation=interpolation)
    result = resampling_periodicity(up)
    assert result.z_max > 30
    # The peak lies at the factor's own frequency (folded factors share it).
    assert folded_frequency(result.factor) == pytest.approx(
        folded_frequency(factor), abs=0.01)


@pytest.mark.parametrize("sigma", [0.0, 0.7, 1.5])
def test_native_and_blurred_images_show_no_strong_peak(camera, sigma):
    image = camera if sigma == 0 else cv2.GaussianBlur(camera, (0, 0), sigma)
    assert resampling_periodicity(image).z_max < 15


def test_frames_pool_their_evidence(camera):
    rng = np.random.default_rng(0)
    up = cv2.resize(camera, (768, 768), interpolation=cv2.INTER_CUBIC)
    noisy = [np.clip(up + rng.normal(0, 0.03, up.shape), 0, 1).astype(np.float32)
             for _ in range(8)]
    one = resampling_periodicity(noisy[0]).z_max
    pooled = resampling_periodicity(noisy).z_max
    assert pooled > one


def test_codec_grid_frequencies_are_masked(camera):
    assert codec_masked(2.0) and codec_masked(4.0) and not codec_masked(1.5)
    up = cv2.resize(camera, (1024, 1024), interpolation=cv2.INTER_CUBIC)
    result = resampling_periodicity(up, factors=[2.0, 1.5])
    assert np.isnan(result.z[0]) and np.isfinite(result.z[1])


def test_input_is_not_modified_and_integer_input_works(camera):
    image = np.round(camera * 255).astype(np.uint8)
    before = image.copy()
    z = resampling_periodicity(image).z
    np.testing.assert_array_equal(image, before)
    np.testing.assert_allclose(z, resampling_periodicity(camera).z, rtol=1e-3, atol=1e-3)


@pytest.mark.parametrize("frames, match", [
    (np.zeros((64, 64, 3)), "2-D luminance"),
    (np.zeros((16, 64)), "at least 32x32"),
    ([np.zeros((64, 64)), np.zeros((64, 80))], "one size"),
    ([], "at least one frame"),
])
def test_bad_input_gets_a_clear_error(frames, match):
    with pytest.raises(ValueError, match=match):
        resampling_periodicity(frames)


@pytest.mark.parametrize("factors", [[], [1.0, 2.0], [[1.5]], [np.nan]])
def test_bad_factors_get_a_clear_error(camera, factors):
    with pytest.raises(ValueError, match="factors"):
        resampling_periodicity(camera, factors=factors)


def test_frames_with_nan_or_infinity_are_refused():
    frame = np.random.default_rng(0).random((64, 64))
    frame[3, 7] = np.nan
    with pytest.raises(ValueError, match="resampling_periodicity: a frame contains NaN"):
        resampling_periodicity(frame)


def test_replicated_factors_of_pixel_replication(camera):
    from skforensics.feature._resampling import replicated_factors

    # np.repeat by 3 down the rows and 2 along the columns.
    up = np.repeat(np.repeat(camera[:200, :200], 3, axis=0), 2, axis=1)
    rows, cols = replicated_factors(up)
    assert rows == pytest.approx(3.0) and cols == pytest.approx(2.0)
    assert replicated_factors(up.astype(np.float32) / 255) == (rows, cols)


def test_replicated_factors_refuse_what_is_not_a_replication(camera):
    from skforensics.feature._resampling import replicated_factors

    rng = np.random.default_rng(0)
    assert replicated_factors(camera) == (None, None)
    assert replicated_factors(np.zeros((100, 100))) == (None, None)  # constant
    assert replicated_factors(np.repeat(camera[:12, :12], 2, 0)) == (None, None)  # small
    # Rows repeated here and there (flat content does that), not on a line.
    picks = np.sort(rng.choice(512, 600))
    assert replicated_factors(camera[picks])[0] is None


def test_replicated_factors_are_enlargements(camera):
    from skforensics.feature._resampling import replicated_factors

    # Varied columns, then one column repeated 20 times (a panel beside
    # text): 6% of the pairs repeat, and the new columns lie on a line of
    # slope 1. Nothing was enlarged.
    frame = camera[:200, :320].astype(float)
    frame[:, 300:] = frame[:, 299:300]
    assert replicated_factors(frame)[1] is None
    # A nearest-neighbour enlargement by 1.06 (as scikit-image's ``text``).
    cols = np.floor(np.arange(318) / 1.06).astype(int)
    assert replicated_factors(camera[:200, cols])[1] == pytest.approx(1.06, abs=0.01)
