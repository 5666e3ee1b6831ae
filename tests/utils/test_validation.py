import numpy as np
import pytest

from skforensics.utils import LazyImages, check_images, make_test_images, to_grayscale


def test_uint8_and_uint16_scale_to_unit_float32():
    X8 = np.array([[[0, 255], [128, 1]]], dtype=np.uint8)
    X16 = X8.astype(np.uint16) * 257
    out8, out16 = check_images(X8), check_images(X16)
    assert out8.dtype == np.float32 and out16.dtype == np.float32
    np.testing.assert_allclose(out8, X8 / 255.0, rtol=1e-6)
    np.testing.assert_allclose(out16, out8, rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_float_dtype_kept(dtype):
    X = make_test_images(2, 8, dtype=dtype)
    assert check_images(X).dtype == dtype


def test_float16_and_bool_become_float32():
    assert check_images(np.zeros((1, 4, 4), np.float16)).dtype == np.float32
    out = check_images(np.ones((1, 4, 4), bool))
    assert out.dtype == np.float32 and out.max() == 1


def test_input_never_modified():
    X = make_test_images(3, 8, dtype=np.uint8)
    before = X.copy()
    out = check_images(X, copy=True)
    out[...] = 0
    np.testing.assert_array_equal(X, before)
    Xf = make_test_images(3, 8)
    assert check_images(Xf, copy=True) is not Xf


def test_list_of_varying_sizes_stays_a_list():
    X = [np.zeros((8, 9)), np.zeros((10, 12), np.uint8)]
    out = check_images(X)
    assert isinstance(out, list)
    assert [img.shape for img in out] == [(8, 9), (10, 12)]
    assert out[1].dtype == np.float32


@pytest.mark.parametrize(
    "X, match",
    [
        (np.zeros((0, 8, 8)), "empty"),
        ([], "empty"),
        (np.zeros(16), "single image needs a leading axis"),
        (np.zeros((4, 256)), r"reshape them first, e.g. X.reshape\(4, 16, 16\)"),
        (np.zeros((2, 8, 8, 3, 1)), "must have shape"),
        (np.zeros((2, 3, 8, 8)), "channel-first"),
        (np.zeros((2, 8, 8, 2)), "grayscale .* or RGB"),
    ],
)
def test_bad_shapes(X, match):
    with pytest.raises(ValueError, match=match):
        check_images(X)


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_names_the_image(bad):
    X = make_test_images(3, 8)
    X[2, 1, 1] = bad
    with pytest.raises(ValueError, match=r"NaN or infinity.*image 2"):
        check_images(X)
    with pytest.raises(ValueError, match=r"image 2"):
        check_images(list(X))


@pytest.mark.parametrize("form", ["array", "list"])
def test_float_outside_unit_range_refused_with_the_fix(form):
    X = make_test_images(2, 8).astype(np.float64) * 255
    X = X if form == "array" else list(X)
    with pytest.raises(ValueError, match=r"lie in \[0, 1\].*8-bit data: divide it by 255 or pass it as uint8"):
        check_images(X)
    with pytest.raises(ValueError, match=r"lie in \[0, 1\].*Divide 8-bit data by 255"):
        check_images(-make_test_images(2, 8))
    with pytest.raises(ValueError, match=r"lie in \[0, 1\]"):
        check_images(make_test_images(2, 8) * 2.0)


def test_float_range_names_the_image():
    X = make_test_images(3, 8)
    X[1, 0, 0] = 3.0
    with pytest.raises(ValueError, match=r"\(image 1\)"):
        check_images(X)


def test_float_range_tolerates_rounding():
    X = make_test_images(2, 8)
    X[0, 0, 0], X[1, 0, 0] = 1 + 5e-4, -5e-4
    out = check_images(X)
    assert out.max() == X.max() and out.min() == X.min()  # kept as given


def test_range_check_can_be_turned_off_for_feature_maps():
    X = make_test_images(2, 8) * 255
    assert check_images(X, check_range=False).max() > 1


@pytest.mark.filterwarnings("ignore:Dropping the alpha")
@pytest.mark.parametrize("channels", [3, 4])
@pytest.mark.parametrize("shape", [(100, 80), (20, 17), (64, 64)])
def test_one_colour_image_is_not_a_collection(shape, channels):
    image = np.zeros(shape + (channels,), np.uint8)
    with pytest.raises(ValueError, match=r"one .* image with .* channels.*image\[np.newaxis\]"):
        check_images(image)
    assert check_images(image[np.newaxis]).shape == (1,) + shape + (3,)
    assert check_images([image])[0].shape == shape + (3,)


@pytest.mark.parametrize("shape", [(4, 5, 3), (10, 12, 3), (10, 16, 4), (2, 64, 64)])
def test_gray_collections_stay_collections(shape):
    # n images of H x W with W == 3 or 4 are gray while H <= 4 * W.
    X = np.zeros(shape, np.float32)
    assert check_images(X).shape == shape


def test_narrow_gray_collection_passes_with_a_channel_axis():
    X = np.zeros((5, 40, 3), np.float32)
    with pytest.raises(ValueError, match=r"X\[\.\.\., np.newaxis\]"):
        check_images(X)
    assert check_images(X[..., np.newaxis]).shape == (5, 40, 3, 1)


def test_single_gray_image_message():
    with pytest.raises(ValueError, match=r"single grayscale image.*image\[np.newaxis\]"):
        check_images(np.zeros((32, 40)))


@pytest.mark.parametrize("form", ["array", "list"])
def test_uint16_holding_8bit_values_warns(form):
    X = make_test_images(2, 8, dtype=np.uint8).astype(np.uint16)
    X = X if form == "array" else list(X)
    with pytest.warns(UserWarning, match=r"uint16 .* never exceed .*X.astype\(np.uint8\)"):
        check_images(X)


def test_uint16_warning_not_raised_on_16bit_data_or_black_images():
    import warnings

    X = make_test_images(2, 8, dtype=np.uint8).astype(np.uint16) * 257
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_images(X)
        check_images(np.zeros((1, 8, 8), np.uint16))


@pytest.mark.parametrize("convert_to", [None, "gray", "rgb"])
def test_mixed_gray_and_rgb_refused_whatever_the_policy(convert_to):
    with pytest.raises(ValueError, match=r"mixes grayscale and colour.*image 0 is grayscale, image 1"):
        check_images([np.zeros((8, 8)), np.zeros((8, 8, 3))], convert_to=convert_to)


def test_convert_to_gray_and_rgb():
    rgb = make_test_images(2, 8, n_channels=3)
    gray = check_images(rgb, convert_to="gray")
    np.testing.assert_allclose(gray, to_grayscale(rgb), rtol=1e-6)
    assert check_images(list(rgb), convert_to="gray")[0].shape == (8, 8)
    back = check_images(gray, convert_to="rgb")
    assert back.shape == (2, 8, 8, 3)
    np.testing.assert_array_equal(back[..., 2], gray)
    assert check_images(list(gray), convert_to="rgb", n_channels=3)[1].shape == (8, 8, 3)
    assert check_images(gray[..., None], convert_to="gray").shape == (2, 8, 8)
    with pytest.raises(ValueError, match="convert_to"):
        check_images(gray, convert_to="cmyk")


@pytest.mark.filterwarnings("ignore:Dropping the alpha")
def test_read_only_input_is_accepted_and_never_written():
    Xs = [
        make_test_images(3, 8, dtype=np.uint8),
        make_test_images(3, 8, dtype=np.uint8).astype(np.uint16) * 257,
        make_test_images(3, 8, n_channels=3),
        np.concatenate([make_test_images(2, 8, n_channels=3)] * 2, axis=-1)[..., :4],
    ]
    for X in Xs:
        X.setflags(write=False)
        before = X.copy()
        for form in (X, list(X)):
            for policy in (None, "gray", "rgb"):
                check_images(form, convert_to=policy)
        np.testing.assert_array_equal(X, before)


def test_signed_integers_refused():
    with pytest.raises(TypeError, match="uint8 or uint16"):
        check_images(np.zeros((2, 8, 8), dtype=np.int64))


def test_strings_and_objects_refused():
    with pytest.raises(TypeError, match="LazyImages"):
        check_images(["a.png", "b.png"])
    with pytest.raises(TypeError, match="LazyImages"):
        check_images([np.asarray("a.png")])
    with pytest.raises(TypeError, match="image collection"):
        check_images(42)


def test_sparse_matrices_refused_with_a_message_saying_sparse():
    import scipy.sparse

    with pytest.raises(TypeError, match="Sparse input is not supported"):
        check_images(scipy.sparse.csr_matrix(np.eye(8)))


def test_rgba_drops_alpha_with_warning():
    X = np.zeros((2, 8, 8, 4), dtype=np.uint8)
    with pytest.warns(UserWarning, match="alpha"):
        out = check_images(X)
    assert out.shape == (2, 8, 8, 3)
    with pytest.warns(UserWarning, match="alpha"):
        assert check_images([X[0]])[0].shape == (8, 8, 3)


def test_mixed_gray_and_rgb_refused():
    with pytest.raises(ValueError, match="mixes grayscale and colour"):
        check_images([np.zeros((8, 8)), np.zeros((8, 8, 3))])


def test_channel_requirement():
    rgb = np.zeros((2, 8, 8, 3))
    with pytest.raises(ValueError, match="Expected 1-channel.*to_grayscale"):
        check_images(rgb, n_channels=1)
    with pytest.raises(ValueError, match="Expected 1-channel"):
        check_images(rgb, allow_color=False)
    assert check_images(np.zeros((2, 8, 8, 1)), n_channels=1).shape == (2, 8, 8, 1)


def test_min_size_message_names_both_sizes():
    with pytest.raises(ValueError, match=r"at least 64x64.* for patch_size.*got a 32x40"):
        check_images(
            np.zeros((2, 32, 40)), min_size=64, min_size_hint=" for patch_size=(64, 64)"
        )
    with pytest.raises(ValueError, match=r"got a 16x16 image \(image 1\)"):
        check_images([np.zeros((64, 64)), np.zeros((16, 16))], min_size=32)


def test_lazy_images_validated_on_read(tmp_path):
    from PIL import Image

    paths = []
    for i, value in enumerate([0, 255]):
        path = tmp_path / f"{i}.png"
        Image.fromarray(np.full((8, 8), value, np.uint8)).save(path)
        paths.append(path)
    X = check_images(LazyImages(paths), min_size=16)
    assert isinstance(X, LazyImages) and len(X) == 2
    with pytest.raises(ValueError, match=r"0\.png.*at least 16x16"):
        X[0]
    ok = check_images(LazyImages(paths))
    assert ok[1].dtype == np.float32 and ok[1].max() == 1


def test_to_grayscale_uses_bt601():
    rgb = np.zeros((1, 2, 2, 3), np.float32)
    rgb[..., 0] = 1
    np.testing.assert_allclose(to_grayscale(rgb), 0.298936021293775, rtol=1e-6)
    gray8 = to_grayscale(np.full((1, 2, 2, 3), 255, np.uint8))
    np.testing.assert_allclose(gray8, 1.0, rtol=1e-6)
    assert to_grayscale([np.zeros((4, 4)), np.zeros((5, 5, 3))])[1].shape == (5, 5)


def test_to_grayscale_scales_integer_gray_like_colour():
    gray8 = np.full((1, 2, 2), 255, np.uint8)
    out = to_grayscale(gray8)
    assert out.dtype == np.float32 and out.max() == 1
    assert to_grayscale([np.full((2, 2, 1), 65535, np.uint16)])[0].max() == 1


def test_to_grayscale_never_reads_a_gray_collection_as_colour():
    X = np.random.RandomState(0).rand(4, 5, 3).astype(np.float32)  # W == 3
    np.testing.assert_array_equal(to_grayscale(X), X)


def test_warnings_point_at_the_users_line():
    # However deep the package's calls (a transformer's fit, a metric), the
    # warning names this file, not a file of the package.
    import warnings

    from skforensics.feature import GrayscaleTransformer
    from skforensics.metrics import srocc

    low16 = np.full((2, 16, 16), 200, dtype=np.uint16)
    calls = (
        lambda: check_images(low16),
        lambda: GrayscaleTransformer().fit_transform(low16),
        lambda: srocc([1.0, 1.0, 1.0], [1.0, 2.0, 3.0]),
    )
    for call in calls:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            call()
        assert caught and {w.filename for w in caught} == {__file__}
