import os

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from skforensics.feature import MSCNTransformer, mscn
from skforensics.utils import LazyImages, make_test_images, to_grayscale

MODES = ["constant", "reflect", "mirror", "nearest", "wrap"]


def _fspecial_gaussian(size, sigma):
    # MATLAB's fspecial('gaussian', size, sigma), written from its definition.
    x = np.arange(size) - (size - 1) / 2
    window = np.exp(-(x[:, None] ** 2 + x[None, :] ** 2) / (2 * sigma**2))
    return window / window.sum()


def _reference_mscn(image, sigma=7 / 6, window=7, C=1 / 255, mode="constant"):
    """Float64 reference: scipy.ndimage.correlate with the exact window."""
    image = np.asarray(image, dtype=np.float64)
    w = _fspecial_gaussian(window, sigma)
    mu = ndimage.correlate(image, w, mode=mode, cval=0.0)
    mean_sq = ndimage.correlate(image * image, w, mode=mode, cval=0.0)
    return (image - mu) / (np.sqrt(np.abs(mean_sq - mu * mu)) + C)


def _smooth_gradient(shape=(96, 128)):
    # 8-bit smooth shading: tiny local variance on a large mean, where the
    # variance G * I**2 - mu**2 cancels most digits.
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    image = 0.6 + 0.3 * np.sin(xx / 30.0) * np.cos(yy / 20.0)
    return (np.round(image * 255) / 255).astype(np.float32)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_matches_float64_scipy_reference(mode, dtype):
    images = [
        make_test_images(1, (23, 31), random_state=1)[0],
        _smooth_gradient(),
    ]
    for image in images:
        image = image.astype(dtype)
        out = mscn(image, mode=mode)
        assert out.dtype == dtype
        np.testing.assert_allclose(out, _reference_mscn(image, mode=mode), atol=1e-5)


def test_float32_variance_alone_would_miss_the_tolerance():
    # The reason the moments are filtered in float64: the same formula in
    # float32 errs by far more than 1e-5 on a smooth gradient.
    image = _smooth_gradient()
    w = _fspecial_gaussian(7, 7 / 6).astype(np.float32)
    mu = ndimage.correlate(image, w, mode="constant")
    var = ndimage.correlate(image * image, w, mode="constant") - mu * mu
    naive = (image - mu) / (np.sqrt(np.abs(var)) + np.float32(1 / 255))
    reference = _reference_mscn(image)
    assert np.abs(naive - reference).max() > 1e-4
    assert np.abs(mscn(image) - reference).max() < 1e-6


@pytest.mark.parametrize("sigma, window, C", [(1.5, 9, 0.01), (0.8, 3, 1e-3)])
def test_other_windows_match_reference(sigma, window, C):
    image = make_test_images(1, 40, random_state=2)[0]
    out = mscn(image, sigma=sigma, window=window, C=C)
    expected = _reference_mscn(image, sigma=sigma, window=window, C=C)
    np.testing.assert_allclose(out, expected, atol=1e-5)


@pytest.mark.parametrize("mode", MODES)
def test_flat_regions_are_exactly_zero(mode):
    # A constant window's mean is the constant itself, bit for bit, so the
    # coefficients there are 0 rather than rounding noise of either sign.
    rng = np.random.default_rng(0)
    image = rng.random((40, 50)).astype(np.float32)
    for value in (0.0, 1.0, 0.123456789, 1 / 255, 0.9999):
        image[5:25, 10:40] = value
        out = mscn(image, mode=mode)
        assert np.count_nonzero(out[8:22, 13:37]) == 0
    if mode != "constant":
        flat = np.full((1, 20, 30), 0.61, dtype=np.float32)
        assert np.count_nonzero(mscn(flat, mode=mode)) == 0


def test_saturated_uint8_region_is_exactly_zero():
    X = make_test_images(2, 48, dtype=np.uint8)
    X[:, 10:30, 5:40] = 255
    out = mscn(X)
    assert np.count_nonzero(out[:, 13:27, 8:37]) == 0


def test_keeps_the_form_of_the_collection(tmp_path):
    images = make_test_images(3, 24)
    out = mscn(images)
    assert isinstance(out, np.ndarray) and out.shape == (3, 24, 24)

    single = mscn(images[0])
    assert single.shape == (24, 24)
    np.testing.assert_array_equal(single, out[0])

    sizes = [make_test_images(1, (20, 30))[0], make_test_images(1, (33, 17))[0]]
    out_list = mscn(sizes)
    assert isinstance(out_list, list)
    assert [o.shape for o in out_list] == [(20, 30), (33, 17)]

    paths = []
    for i, image in enumerate(make_test_images(2, 16, dtype=np.uint8)):
        paths.append(os.path.join(tmp_path, f"{i}.png"))
        Image.fromarray(image).save(paths[-1])
    lazy = mscn(LazyImages(paths))
    assert isinstance(lazy, LazyImages) and len(lazy) == 2
    np.testing.assert_array_equal(lazy[1], mscn(np.asarray(Image.open(paths[1]))))


def test_colour_is_converted_to_luminance():
    rgb = make_test_images(2, 20, n_channels=3)
    np.testing.assert_array_equal(mscn(rgb), mscn(to_grayscale(rgb)))
    gray = make_test_images(2, 20)
    replicated = np.repeat(gray[..., None], 3, axis=-1)
    np.testing.assert_allclose(mscn(replicated), mscn(gray), atol=1e-4)


def test_dtypes():
    X = make_test_images(2, 16, dtype=np.uint8)
    assert mscn(X).dtype == np.float32
    np.testing.assert_allclose(mscn(X), mscn(X / 255.0), atol=1e-5)
    assert mscn(X / 255.0).dtype == np.float64


def test_wrap_mode_commutes_with_circular_shifts():
    image = make_test_images(1, (30, 44), random_state=3)[0]
    shifted = np.roll(image, (7, -5), axis=(0, 1))
    np.testing.assert_allclose(
        mscn(shifted, mode="wrap"),
        np.roll(mscn(image, mode="wrap"), (7, -5), axis=(0, 1)),
        atol=1e-6,
    )


def test_transposition_and_scaling_with_C():
    image = make_test_images(1, (30, 44), random_state=4)[0]
    np.testing.assert_allclose(mscn(image.T), mscn(image).T, atol=1e-6)
    # Scaling the image scales mu and sigma: only C breaks the invariance,
    # and scaling C along restores it (a factor 2 is exact in floating point).
    np.testing.assert_array_equal(mscn(image / 2, C=0.5 / 255), mscn(image))
    assert np.abs(mscn(image / 2) - mscn(image)).max() > 1e-3


def test_float_images_outside_unit_range_refused():
    # C is in the units of [0, 1] images: 0..255 floats would be misread.
    image = make_test_images(1, (30, 44), random_state=4)
    with pytest.raises(ValueError, match="divide it by 255 or pass it as uint8"):
        mscn(image * 255)
    with pytest.raises(ValueError, match="divide it by 255"):
        MSCNTransformer().fit(image).transform(image * 255)


def test_input_is_not_modified():
    X = make_test_images(3, 16)
    before = X.copy()
    mscn(X)
    MSCNTransformer().fit(X).transform(X)
    np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_transformer_matches_function_and_keeps_dtype(dtype):
    X = make_test_images(4, 20, dtype=dtype)
    Xt = MSCNTransformer(mode="reflect").fit_transform(X)
    assert Xt.dtype == dtype
    np.testing.assert_array_equal(Xt, mscn(X, mode="reflect"))


def test_transformer_refuses_other_channel_counts():
    transformer = MSCNTransformer().fit(make_test_images(2, 16, n_channels=3))
    assert transformer.n_channels_in_ == 3
    with pytest.raises(ValueError, match="fitted on 3-channel images"):
        transformer.transform(make_test_images(2, 16))


def test_not_fitted():
    with pytest.raises(NotFittedError):
        MSCNTransformer().transform(make_test_images(2, 16))


@pytest.mark.parametrize(
    "params, message",
    [
        ({"sigma": 0}, "The 'sigma' parameter of MSCNTransformer must be a float"),
        ({"sigma": "7/6"}, "The 'sigma' parameter of MSCNTransformer must be"),
        ({"window": 2}, "The 'window' parameter of MSCNTransformer must be an int"),
        ({"window": 6}, "The 'window' parameter of MSCNTransformer must be an odd"),
        ({"C": -1.0}, "The 'C' parameter of MSCNTransformer must be a float"),
        ({"mode": "zeros"}, "The 'mode' parameter of MSCNTransformer must be a str"),
    ],
)
def test_bad_parameters(params, message):
    X = make_test_images(2, 16)
    transformer = MSCNTransformer(**params)  # stored, not checked
    assert transformer.get_params()[next(iter(params))] == params[next(iter(params))]
    with pytest.raises((ValueError, TypeError), match=message):
        transformer.fit(X)
    with pytest.raises(
        (ValueError, TypeError), match=message.replace("MSCNTransformer", "mscn")
    ):
        mscn(X, **params)


def test_bad_images():
    with pytest.raises(ValueError, match="NaN"):
        mscn(np.full((1, 16, 16), np.nan))
    with pytest.raises(ValueError, match="reshape them first"):
        MSCNTransformer().fit(np.zeros((4, 256)))
    with pytest.raises(ValueError, match="single image needs a leading axis"):
        mscn(np.zeros(16))


def test_clone_keeps_parameters():
    transformer = clone(MSCNTransformer(sigma=2.0, window=9, C=0.1, mode="nearest"))
    assert transformer.get_params() == {
        "sigma": 2.0,
        "window": 9,
        "C": 0.1,
        "mode": "nearest",
        "n_jobs": None,
    }


def test_narrow_gray_images_are_not_taken_for_colour():
    # (n, H, 3) with H <= 12 is a collection of n gray images 3 pixels wide,
    # not colour; taller strips read as one RGB image and need a channel axis.
    X = make_test_images(2, (12, 3))
    out = mscn(X)
    assert out.shape == (2, 12, 3)
    np.testing.assert_array_equal(out[1], mscn(X[1]))
    tall = make_test_images(2, (20, 3))
    with pytest.raises(ValueError, match=r"X\[\.\.\., np.newaxis\]"):
        mscn(tall)
    np.testing.assert_array_equal(mscn(tall[..., np.newaxis])[1], mscn(tall[1]))
    for shape in [(1, 1), (2, 2), (1, 5)]:
        for mode in MODES:
            assert mscn(np.ones(shape, dtype=np.float32), mode=mode).shape == shape
