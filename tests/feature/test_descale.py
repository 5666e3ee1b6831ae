"""Descale and compare (skforensics.feature.descale_curve) and the descale
evidence of the upscale verdict's combiner."""

import cv2
import numpy as np
import pytest
from skimage import data

from skforensics.feature import descale_curve
from skforensics.feature import _descale
from skforensics.inspection import _upscale_evidence as ue


@pytest.fixture(scope="module")
def camera():
    return data.camera().astype(np.float32) / 255


@pytest.mark.parametrize(
    "size, interpolation, factor, kernel",
    [
        (1024, cv2.INTER_CUBIC, 2.0, "bicubic"),
        (768, cv2.INTER_LANCZOS4, 1.5, "lanczos"),
    ],
)
def test_the_dip_finds_the_native_size_and_the_kernel(camera, size, interpolation,
                                                      factor, kernel):
    enlarged = cv2.resize(camera, (size, size), interpolation=interpolation)
    result = descale_curve(enlarged)
    assert result.factor == factor and result.kernel == kernel
    assert result.native_shape == (512, 512)
    assert result.dip > 2
    assert result.curve.shape == result.depth.shape == (3, len(result.factors))
    assert result.dip == result.depth.max()


def test_opencv_area_enlargement_is_a_kernel(camera):
    # INTER_AREA enlarges by box overlaps that depend on the factor: the
    # bilinear kernel fits it only roughly, the area kernel exactly.
    enlarged = cv2.resize(camera, (768, 768), interpolation=cv2.INTER_AREA)
    result = descale_curve(enlarged, kernels=("bilinear", "area"))
    assert result.factor == 1.5 and result.kernel == "area"
    assert result.native_shape == (512, 512)
    area, bilinear = result.curve[1].min(), result.curve[0].min()
    assert area < bilinear - 2


def test_an_8_bit_upscale_keeps_a_dip_above_the_rounding_noise():
    enlarged = cv2.resize(data.camera(), (1024, 1024), interpolation=cv2.INTER_CUBIC)
    result = descale_curve(enlarged)  # uint8: the curve is scale-free
    assert result.factor == 2.0 and result.dip > 1.5
    assert descale_curve(enlarged / 255.0).dip == pytest.approx(result.dip, rel=1e-4)


def test_native_blurred_and_noise_images_have_no_deep_dip(camera):
    noise = np.random.default_rng(0).random((300, 300)).astype(np.float32)
    blurred = cv2.GaussianBlur(camera, (0, 0), 1.5)
    for image in (camera, blurred, noise):
        assert descale_curve(image).dip < 1.2


def test_a_crop_keeps_its_dip_where_the_border_would_differ(camera):
    enlarged = cv2.resize(
        camera[:200, :200], (600, 600), interpolation=cv2.INTER_LINEAR
    )
    result = descale_curve(enlarged)
    assert (result.factor, result.kernel, result.native_shape) == (3.0, "bilinear",
                                                                  (200, 200))


@pytest.mark.parametrize("image", [np.ones((100, 120)), np.zeros((80, 80), np.uint8)])
def test_an_image_without_detail_has_a_flat_curve(image):
    result = descale_curve(image)
    assert result.dip == 0.0 and not result.curve.any()


def test_frames_are_pooled_by_adding_their_residuals(camera):
    a = cv2.resize(camera, (1024, 1024), interpolation=cv2.INTER_CUBIC)
    b = np.ascontiguousarray(a[::-1])
    one, both = descale_curve(a), descale_curve(np.stack([a, b]))
    # Two copies of one frame: residual and detail both double, the curve stays.
    np.testing.assert_allclose(descale_curve([a, a]).curve, one.curve, atol=1e-12)
    ra, ha = _descale._residuals(a, both.factors, both.kernels)
    rb, hb = _descale._residuals(b, both.factors, both.kernels)
    np.testing.assert_allclose(both.curve, _descale._curve(ra + rb, ha + hb))


def test_one_factor_has_no_depth_and_lonely_factors_read_all_others(camera):
    enlarged = cv2.resize(camera, (1024, 1024), interpolation=cv2.INTER_CUBIC)
    one = descale_curve(enlarged, factors=[2.0])
    assert one.depth.tolist() == [[0.0], [0.0], [0.0]] and one.factor == 2.0
    spread = descale_curve(enlarged, factors=[1.5, 2.0, 2.5])
    assert np.isfinite(spread.depth).all() and spread.factor == 2.0


def test_the_factors_and_kernels_asked_for(camera):
    enlarged = cv2.resize(camera, (1024, 1024), interpolation=cv2.INTER_CUBIC)
    result = descale_curve(enlarged, factors=[1.5, 1.9, 2.0, 2.1, 2.5],
                           kernels=("cubic-0.5", "bicubic"))
    assert result.kernels == ("cubic-0.5", "bicubic")
    assert result.curve.shape == (2, 5)
    assert (result.factor, result.kernel) == (2.0, "bicubic")


def test_the_input_is_not_modified(camera):
    image = cv2.resize(camera, (600, 600), interpolation=cv2.INTER_CUBIC)
    before = image.copy()
    image.setflags(write=False)
    descale_curve(image)
    np.testing.assert_array_equal(image, before)


@pytest.mark.parametrize(
    "frames, kwargs, match",
    [
        (np.zeros((100, 100, 3)), {}, "looks like one RGB image"),
        (np.zeros((40, 100)), {}, "at least 48x48"),
        ([], {}, "at least one frame"),
        ([np.zeros((64, 64)), np.zeros((64, 80))], {}, "one size"),
        (np.zeros((64, 64)), {"factors": [0.5, 2.0]}, "above 1"),
        (np.zeros((64, 64)), {"factors": []}, "non-empty"),
        (np.zeros((64, 64)), {"kernels": ("bicubic", "sinc")}, "kernels must be among"),
        (np.zeros((64, 64)), {"kernels": ()}, "kernels must be among"),
        (np.full((64, 64), np.nan), {}, "NaN or infinity"),
        ([np.zeros((64, 64)), np.full((64, 64), np.inf)], {}, "NaN or infinity"),
    ],
)
def test_bad_input_gets_a_clear_error(frames, kwargs, match):
    with pytest.raises(ValueError, match=match):
        descale_curve(frames, **kwargs)


def test_the_evidence_adds_descale_per_frame_and_pools_it(camera):
    a = cv2.resize(camera, (1024, 1024), interpolation=cv2.INTER_CUBIC)
    blank = ue.Evidence()
    assert ue.descale_features(blank, 2.0) is None
    first = ue.Evidence().add_descale(a)
    second = ue.Evidence().add_descale(np.ascontiguousarray(a[::-1]))
    merged = first.merge(second)
    assert len(merged.descale_residuals) == 2 and len(merged.descale_detail) == 2
    features = ue.descale_features(merged, 2.0)
    assert features.shape == (len(ue.DESCALE_FEATURES),)
    result = descale_curve([a, a[::-1]])
    depth = result.depth.max(axis=0)
    assert features[0] == pytest.approx(result.dip)
    # The factor the tiles favour reads the dip there; far from it, chance dips.
    assert features[2] == pytest.approx(result.dip)
    assert ue.descale_features(merged, 3.0)[2] < 1
    far = np.abs(result.factors - 2.0) >= 0.1
    assert features[1] == pytest.approx(depth[far].max()) and features[1] < 1
    assert features[3] == pytest.approx(result.curve.min() - np.median(result.curve))


def test_evidence_pickled_before_descale_merges_without_it():
    old = ue.Evidence()
    del old.descale_residuals, old.descale_detail
    assert old._descale() == ([], [])
    merged = old.merge(ue.Evidence())
    assert merged.descale_residuals == [] and ue.descale_features(merged, 2.0) is None
