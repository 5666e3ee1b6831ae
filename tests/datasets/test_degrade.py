import cv2
import numpy as np
import pytest

from skforensics.datasets import (
    make_degraded_images,
    rescale_image,
    resize_image,
    unsharp_mask,
    video_round_trip,
)
from skforensics.datasets._degrade import RESAMPLERS
from skforensics.utils import make_test_images
from skforensics.utils._param_validation import InvalidParameterError

pytest.importorskip("av")


@pytest.fixture(scope="module")
def smooth_rgb():
    """A smooth 8-bit RGB image (a blurred noise field), 64x80."""
    rng = np.random.RandomState(0)
    noise = rng.rand(64, 80, 3).astype(np.float32)
    smooth = cv2.GaussianBlur(noise, (0, 0), 3)
    smooth = (smooth - smooth.min()) / (smooth.max() - smooth.min())
    return np.round(smooth * 255).astype(np.uint8)


@pytest.fixture(scope="module")
def sources():
    """Three 8-bit gray 72x72 sources."""
    images = make_test_images(3, 72, random_state=0)
    return np.round(images * 255).astype(np.uint8)


@pytest.mark.parametrize("resampler", RESAMPLERS)
def test_resize_image_shape_and_dtype(resampler, smooth_rgb):
    out = resize_image(smooth_rgb, (96, 120), resampler=resampler)
    assert out.shape == (96, 120, 3)
    assert out.dtype == np.float32
    gray = resize_image(smooth_rgb[..., :1], (32, 40), resampler=resampler)
    assert gray.shape == (32, 40, 1)


def test_swscale_differs_from_opencv(smooth_rgb):
    small = resize_image(smooth_rgb[..., 0], (32, 40), resampler="opencv-area")
    small = np.round(small * 255) / 255
    sws = resize_image(small, (64, 80), resampler="swscale-bicubic")
    cv = np.clip(resize_image(small, (64, 80), resampler="opencv-bicubic"), 0, 1)
    # Different kernels (a = -0.75 against swscale's), phase and rounding.
    assert np.abs(sws - cv).max() > 1.5 / 255
    # But both are an upscale of the same image.
    assert np.abs(sws - cv).mean() < 0.02


def test_rescale_image_on_8bit_grid(smooth_rgb):
    for resampler in ("opencv-lanczos", "pillow-lanczos", "swscale-spline"):
        fake = rescale_image(smooth_rgb, 2.4, resampler=resampler)
        assert fake.shape == smooth_rgb.shape and fake.dtype == np.float32
        np.testing.assert_allclose(fake * 255, np.round(fake * 255), atol=1e-3)
        assert 0 < np.abs(fake - smooth_rgb / 255.0).mean() < 0.05


@pytest.mark.parametrize("codec", ["h264", "hevc"])
def test_video_codec_changes_pixels(codec, smooth_rgb):
    rng = np.random.RandomState(1)
    textured = np.clip(
        smooth_rgb[..., 0] / 255.0 + 0.1 * rng.randn(64, 80), 0, 1
    ).astype(np.float32)
    textured = np.round(textured * 255) / 255
    decoded = video_round_trip(textured, codec=codec, crf=32)
    assert decoded.shape == textured.shape and decoded.dtype == np.float32
    assert np.abs(decoded - textured).mean() > 2 / 255


def test_lossless_h264_nearly_keeps_pixels(smooth_rgb):
    gray = smooth_rgb[..., 0]
    decoded = video_round_trip(gray, codec="h264", crf=0)
    # Only the full -> limited -> full range step: at most one level.
    assert np.abs(decoded * 255 - gray).max() <= 1.0 + 1e-4
    rgb = video_round_trip(smooth_rgb, codec="h264", crf=0)
    assert rgb.shape == smooth_rgb.shape
    # Exactly the YUV 4:2:0 conversion without a codec.
    import av

    frame = av.VideoFrame.from_ndarray(smooth_rgb, format="rgb24")
    expected = frame.reformat(format="yuv420p").to_ndarray(format="rgb24")
    np.testing.assert_array_equal(np.round(rgb * 255), expected)


def test_video_round_trip_odd_size_and_single_channel(smooth_rgb):
    odd = smooth_rgb[:33, :47, :1]
    decoded = video_round_trip(odd, codec="h264", crf=18)
    assert decoded.shape == (33, 47, 1)


def test_unsharp_mask_sharpens_edges():
    image = np.zeros((16, 16), dtype=np.float32)
    image[:, 8:] = 0.5
    out = unsharp_mask(image, radius=1.0, amount=1.0)
    assert out[0, 8] > 0.5  # overshoot on the bright side of the edge
    np.testing.assert_array_equal(unsharp_mask(image, amount=0), image)


def test_shapes_labels_and_groups(sources):
    X, y, groups = make_degraded_images(
        sources, crop_size=32, n_crops=2, random_state=0
    )
    assert X.shape == (12, 32, 32) and X.dtype == np.float32
    np.testing.assert_array_equal(y, [0, 1] * 6)
    np.testing.assert_array_equal(groups, np.repeat([0, 1, 2], 4))
    assert X.min() >= 0 and X.max() <= 1

    X, y, _ = make_degraded_images(
        sources, factors=(1.5, 3), labels="factor", random_state=0
    )
    assert X.shape == (6, 72, 72)
    assert set(y[::2]) == {1.0} and set(y[1::2]) <= {1.5, 3.0}


def test_deterministic_with_random_state(sources):
    kwargs = {
        "crop_size": 24,
        "n_crops": 2,
        "codecs": ("none", "jpeg", "h264"),
        "resamplers": ("opencv-bicubic", "swscale-lanczos"),
    }
    a = make_degraded_images(sources, random_state=0, **kwargs)
    b = make_degraded_images(sources, random_state=0, **kwargs)
    c = make_degraded_images(sources, random_state=1, **kwargs)
    for first, second in zip(a, b):
        np.testing.assert_array_equal(first, second)
    assert not np.array_equal(a[0], c[0])


def test_real_and_fake_share_the_degradation(sources):
    *_, details = make_degraded_images(
        sources,
        crop_size=32,
        n_crops=6,
        filters=("none", "sharpen", "denoise"),
        codecs=("jpeg", "h264", "hevc"),
        return_details=True,
        random_state=0,
    )
    posts = [d.split("; ")[1] for d in details]
    for real, fake in zip(posts[::2], posts[1::2]):
        assert real == fake
    assert all(d.startswith("original;") for d in details[::2])
    # Every codec was drawn, and the chains vary between windows.
    assert {p.split(", ")[-1].split()[0] for p in posts} == {"jpeg", "h264", "hevc"}
    assert len(set(posts)) > 6


def test_codec_applied_to_real_too(sources):
    clean, _, _ = make_degraded_images(
        sources, codecs="none", filters="none", random_state=0
    )
    coded, _, _ = make_degraded_images(
        sources, codecs="h264", filters="none", crf=32, random_state=0
    )
    # Without post-processing the real samples are the sources themselves.
    np.testing.assert_array_equal(clean[::2], sources / np.float32(255))
    assert np.abs(coded[::2] - clean[::2]).mean() > 1 / 255
    # The first fake drew the same factor and resampler in both calls.
    assert np.abs(coded[1] - clean[1]).mean() > 1 / 255


@pytest.mark.parametrize(
    "kwargs, name",
    [
        ({"factors": 1.0}, "factors"),
        ({"factors": ()}, "factors"),
        ({"resamplers": "cubic"}, "resamplers"),
        ({"resamplers": ("opencv-bicubic", "opencv-bicubic")}, "resamplers"),
        ({"codecs": ("vp9",)}, "codecs"),
        ({"filters": ()}, "filters"),
        ({"crf": (30, 20)}, "crf"),
        ({"crf": 52}, "crf"),
        ({"jpeg_quality": (0, 90)}, "jpeg_quality"),
        ({"downscale": "bicubic"}, "downscale"),
        ({"labels": "kernel"}, "labels"),
        ({"preset": "placebo"}, "preset"),
    ],
)
def test_bad_parameters(kwargs, name, sources):
    with pytest.raises(InvalidParameterError, match=f"'{name}' parameter"):
        make_degraded_images(sources, **kwargs)


def test_bad_parameters_single_image_functions(smooth_rgb):
    with pytest.raises(InvalidParameterError, match="'resampler'"):
        resize_image(smooth_rgb, (8, 8), resampler="bicubic")
    with pytest.raises(InvalidParameterError, match="'size'"):
        resize_image(smooth_rgb, (8, 0))
    with pytest.raises(InvalidParameterError, match="'factor'"):
        rescale_image(smooth_rgb, 1)
    with pytest.raises(InvalidParameterError, match="'crf'"):
        video_round_trip(smooth_rgb, crf=-1)
    with pytest.raises(InvalidParameterError, match="'codec'"):
        video_round_trip(smooth_rgb, codec="vp9")
    with pytest.raises(InvalidParameterError, match="'radius'"):
        unsharp_mask(smooth_rgb, radius=0)
    with pytest.raises(InvalidParameterError, match="'image'"):
        unsharp_mask(np.zeros((4, 4, 2)))


SINGLE_IMAGE_FUNCTIONS = {
    "resize_image": lambda image: resize_image(image, (40, 50)),
    "rescale_image": lambda image: rescale_image(image, 1.5),
    "unsharp_mask": unsharp_mask,
    "video_round_trip": video_round_trip,
}


@pytest.mark.parametrize("name", SINGLE_IMAGE_FUNCTIONS)
@pytest.mark.parametrize(
    "kind, error, message",
    [
        # 8-bit data in a float array was read as it was (or clipped to 1).
        ("float 0-255", ValueError, "It looks like 8-bit data"),
        ("nan", ValueError, "must not contain NaN"),
        ("int64", TypeError, "must be uint8 or uint16"),
    ],
)
def test_single_image_functions_refuse_what_check_images_refuses(
    name, kind, error, message, smooth_rgb
):
    image = smooth_rgb.astype(np.float64)
    if kind == "nan":
        image = image / 255
        image[3, 4, 1] = np.nan
    elif kind == "int64":
        image = smooth_rgb.astype(np.int64)
    before = image.copy()
    with pytest.raises(error, match=message):
        SINGLE_IMAGE_FUNCTIONS[name](image)
    np.testing.assert_array_equal(image, before)


@pytest.mark.parametrize("name", SINGLE_IMAGE_FUNCTIONS)
def test_single_image_functions_read_uint16_on_its_range(name, smooth_rgb):
    # uint16 was taken as floats up to 65535 by all but video_round_trip.
    wide = smooth_rgb.astype(np.uint16) * 257
    np.testing.assert_allclose(
        SINGLE_IMAGE_FUNCTIONS[name](wide),
        SINGLE_IMAGE_FUNCTIONS[name](smooth_rgb),
        atol=1e-6,
    )


def test_missing_av_names_the_extra(monkeypatch, sources):
    import builtins

    real_import = builtins.__import__

    def no_av(name, *args, **kwargs):
        if name == "av":
            raise ImportError("No module named 'av'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_av)
    with pytest.raises(ImportError, match=r"skforensics\[video\]"):
        make_degraded_images(sources, codecs="h264")
    with pytest.raises(ImportError, match=r"skforensics\[video\]"):
        resize_image(sources[0], (8, 8), resampler="swscale-bicubic")
    # Without a swscale resampler or a video codec, av is not needed.
    make_degraded_images(sources, codecs=("none", "jpeg"), random_state=0)


def test_split_modules_keep_the_old_names():
    # The resamplers, codecs and filters moved out of _degrade.py; every
    # name imported from there before still is, as the same object.
    from skforensics.datasets import _codecs, _degrade, _filters, _resampling

    for module, names in [
        (_resampling, ["RESAMPLERS", "FACTORS", "resize_image", "rescale_image", "_rescale"]),
        (_codecs, ["CODECS", "video_round_trip", "_video_uint8"]),
        (_filters, ["FILTERS", "unsharp_mask", "_unsharp", "_denoise"]),
    ]:
        for name in names:
            assert getattr(_degrade, name) is getattr(module, name)
    for name in ["_draw_post", "_post_process", "make_degraded_images"]:
        assert callable(getattr(_degrade, name))
