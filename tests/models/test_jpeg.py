import os
import pickle

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.base import clone  # noqa: E402
from sklearn.model_selection import GridSearchCV  # noqa: E402

from skforensics.models import (  # noqa: E402
    PixelwiseJPEGRegressor,
    _calibration,
    _jpeg,
    _jpeg_training,
    _jpeg_datasets,
    _serialization,
    load_pretrained_jpeg,
)
from skforensics.utils import make_test_images  # noqa: E402

TINY = dict(
    module__n_filters=4,
    patch_size=32,
    patches_per_epoch=16,
    batch_size=8,
    max_epochs=1,
    verbose=0,
    random_state=0,
)


@pytest.fixture(autouse=True, scope="module")
def _no_onednn_jit():
    # oneDNN compiles kernels for every new input shape, seconds each on 2
    # shared cores; the tiny nets of these tests run faster without it.
    enabled = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False
    yield
    torch.backends.mkldnn.enabled = enabled


@pytest.fixture(scope="module")
def images():
    return make_test_images(4, 48, n_channels=3, dtype=np.uint8, random_state=0)


@pytest.fixture(scope="module")
def fitted(images):
    return PixelwiseJPEGRegressor(**TINY).fit(images)


def _mid_range(est):
    """Make the tiny net's outputs sit inside (0, 1), so clipping hides nothing."""
    last = est.module_.layers[-1]
    with torch.no_grad():
        last.weight.mul_(0.1)
        last.bias.fill_(0.5)
    return est


def test_output_shapes(fitted, images):
    assert fitted.predict(images).shape == (4,)
    proba = fitted.predict_proba(images)
    assert proba.shape == (4, 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    quality, flag = fitted.predict_maps(images)
    assert quality.shape == flag.shape == (4, 48, 48)
    assert quality.dtype == flag.dtype == np.float32
    assert (quality >= 0).all() and (quality <= 100).all()
    assert (flag >= 0).all() and (flag <= 1).all()
    # Images of different sizes give lists.
    quality, flag = fitted.predict_maps([images[0], images[1][:44, :40]])
    assert isinstance(quality, list) and quality[1].shape == (44, 40)


@pytest.mark.parametrize("pooling", ["median", "mean"])
def test_image_values_pool_the_maps(fitted, images, pooling):
    est = clone(fitted).set_params(pooling=pooling).initialize()
    est.module_.load_state_dict(fitted.module_.state_dict())
    _mid_range(est)
    quality, flag = est.predict_maps(images)
    pool = getattr(np, pooling)
    expected_q, expected_p = pool(quality, axis=(1, 2)), pool(flag, axis=(1, 2))
    np.testing.assert_allclose(est.predict(images), expected_q, rtol=1e-5)
    np.testing.assert_allclose(
        est.predict_proba(images)[:, 1], expected_p, rtol=1e-5, atol=1e-7
    )
    # On skewed maps (a flat region reading 50 in a Q90 image) the two differ.
    skewed = np.full((10, 10), 90.0, dtype=np.float32)
    skewed[:3] = 50.0
    est._iter_maps = lambda X: iter([(skewed, skewed / 100, 1.0)])
    expected = {"median": 90.0, "mean": 78.0}[pooling]
    assert est.predict(images[:1])[0] == pytest.approx(expected)
    assert est.predict_proba(images[:1])[0, 1] == pytest.approx(expected / 100)


def test_pooling_is_checked_at_predict(fitted, images):
    est = pickle.loads(pickle.dumps(fitted)).set_params(pooling="max")
    with pytest.raises(ValueError, match="'pooling' parameter .* a str among"):
        est.predict(images)


@pytest.mark.parametrize("tile_size", [16, 23, 40])
def test_tiled_maps_equal_whole_image_maps(tile_size):
    # The key property of tiling: with a halo of half the receptive field,
    # tiles stitch into exactly the maps of the whole image.
    est = _mid_range(
        PixelwiseJPEGRegressor(
            module__n_filters=4, verbose=0, random_state=0
        ).initialize()
    )
    torch.backends.mkldnn.enabled = True  # the production path
    try:
        _check_tiling(est, tile_size)
    finally:
        torch.backends.mkldnn.enabled = False


@pytest.mark.parametrize("tile_size", [24, 61])
def test_tiled_maps_equal_whole_image_maps_with_quality_tests(tile_size):
    # The pooled quality tests reach 39 pixels: the halo grows with them.
    est = _mid_range(
        PixelwiseJPEGRegressor(
            module__n_filters=4,
            module__lattice_qualities=(100, 50, 20),
            verbose=0,
            random_state=0,
        ).initialize()
    )
    assert est.module_.receptive_field == 79
    with torch.no_grad():  # make the tests matter in the maps
        est.module_.layers[0].weight[:, -3:] = 1.0
    _check_tiling(est, tile_size, shape=(110, 131))


def _check_tiling(est, tile_size, shape=(70, 93)):
    image = make_test_images(1, shape, n_channels=3, random_state=2)[0]
    whole = est.set_params(tile_size=512)._image_maps(image)
    tiled = est.set_params(tile_size=tile_size)._image_maps(image)
    assert 0.05 < whole.min() and whole.max() < 0.95  # nothing clipped
    np.testing.assert_allclose(tiled, whole, atol=1e-5, rtol=0)
    q_whole, f_whole = est.set_params(tile_size=512).predict_maps(image[np.newaxis])
    q_tiled, f_tiled = est.set_params(tile_size=tile_size).predict_maps(
        image[np.newaxis]
    )
    np.testing.assert_allclose(q_tiled, q_whole, atol=1e-3)
    np.testing.assert_allclose(f_tiled, f_whole, atol=1e-5)


def test_training_is_deterministic(images):
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    a = PixelwiseJPEGRegressor(**TINY).fit(images)
    # Fitting does not move torch's global random stream.
    torch.testing.assert_close(torch.rand(3), expected)
    b = PixelwiseJPEGRegressor(**TINY).fit(images)
    c = PixelwiseJPEGRegressor(**{**TINY, "random_state": 1}).fit(images)
    for (name, pa), pb, pc in zip(
        a.module_.named_parameters(), b.module_.parameters(), c.module_.parameters()
    ):
        torch.testing.assert_close(pa, pb, rtol=0, atol=0, msg=name)
    assert any(
        not torch.equal(pa, pc)
        for pa, pc in zip(a.module_.parameters(), c.module_.parameters())
    )


def test_patches_are_seeded_per_item_and_epoch(fitted, images):
    ds = fitted.get_dataset(images)
    first = [ds[i][0] for i in (5, 0, 3)]
    again = [ds[i][0] for i in (0, 3, 5)]
    for x, y in zip(first, [again[2], again[0], again[1]]):
        assert torch.equal(x, y)
    ds.epoch = 1
    assert not torch.equal(ds[5][0], first[0])


def test_online_patches_are_jpeg_with_the_right_labels(images, monkeypatch):
    calls = []
    real = _jpeg_datasets.jpeg_uint8

    def spy(rgb, quality, subsampling="4:2:0"):
        out = real(rgb, quality, subsampling)
        calls.append((rgb.copy(), quality, subsampling, out))
        return out

    monkeypatch.setattr(_jpeg_datasets, "jpeg_uint8", spy)
    est = PixelwiseJPEGRegressor(
        **{**TINY, "quality_range": (20, 40), "uncompressed_fraction": 0.25},
        chroma_subsampling=("4:2:0", "4:4:4"),
    ).initialize()
    ds = est.get_dataset(images)
    n, n_compressed, qualities, samplings = 200, 0, set(), set()
    for i in range(n):
        del calls[:]
        patch, quality_map, flag_map = ds.draw(i)
        assert patch.shape == (32, 32, 3) and patch.dtype == np.uint8
        assert np.ptp(quality_map) == 0 and np.ptp(flag_map) == 0
        if flag_map[0, 0] == 1:
            n_compressed += 1
            ((rgb, quality, subsampling, out),) = calls
            assert quality_map[0, 0] == pytest.approx(1 - quality / 100)
            qualities.add(quality)
            samplings.add(subsampling)
            assert out.shape == rgb.shape and not np.array_equal(out, rgb)
            source = rgb
        else:
            assert not calls and quality_map[0, 0] == 0
            source = None
        # The patch is a window of the (possibly compressed) region.
        if source is not None:
            windows = np.lib.stride_tricks.sliding_window_view(out, (32, 32, 3))
            assert (windows == patch).all(axis=(-3, -2, -1)).any()
    assert 0.6 < n_compressed / n < 0.9
    assert min(qualities) >= 20 and max(qualities) <= 40 and len(qualities) > 10
    assert samplings == {"4:2:0", "4:4:4"}


def test_foreign_tables_are_labelled_with_their_closest_libjpeg_quality(
    images, monkeypatch
):
    from skforensics.datasets import closest_libjpeg_quality

    calls = []
    real = _jpeg_datasets.jpeg_with_tables

    def spy(rgb, luma, chroma=None, subsampling="4:2:0"):
        calls.append(np.asarray(luma))
        return real(rgb, luma, chroma, subsampling)

    monkeypatch.setattr(_jpeg_datasets, "jpeg_with_tables", spy)
    est = PixelwiseJPEGRegressor(
        **{**TINY, "quality_range": (40, 95), "uncompressed_fraction": 0.0},
        quantization_tables={"libjpeg": 1, "jpegli": 1, "monotone": 1},
    ).initialize()
    ds = est.get_dataset(images)
    n_foreign, libjpeg_like = 0, 0
    for i in range(60):
        del calls[:]
        _, quality_map, flag_map = ds.draw(i)
        assert flag_map[0, 0] == 1
        if calls:
            n_foreign += 1
            quality, exact, _ = closest_libjpeg_quality(calls[0])
            assert quality_map[0, 0] == pytest.approx(1 - quality / 100)
            libjpeg_like += exact
    # About two thirds foreign, none of them libjpeg's own tables.
    assert 25 < n_foreign < 55 and libjpeg_like == 0


def test_libjpeg_tables_by_default_draw_the_same_patches(images):
    default = PixelwiseJPEGRegressor(**TINY).initialize().get_dataset(images)
    named = PixelwiseJPEGRegressor(**TINY, quantization_tables={"libjpeg": 2})
    named = named.initialize().get_dataset(images)
    for i in range(20):
        for a, b in zip(default.draw(i), named.draw(i)):
            np.testing.assert_array_equal(a, b)


def test_quality_weights_set_the_quality_frequencies(images):
    # Qualities 20..25: never 21-24, 25 three times as often as 20.
    weights = [1, 0, 0, 0, 0, 3]
    est = PixelwiseJPEGRegressor(
        **{**TINY, "quality_range": (20, 25), "uncompressed_fraction": 0.0},
        quality_weights=weights,
    ).initialize()
    ds = est.get_dataset(images)
    qualities = [round(100 * (1 - float(ds.draw(i)[1][0, 0]))) for i in range(400)]
    counts = {q: qualities.count(q) for q in set(qualities)}
    assert set(counts) == {20, 25}
    assert 2.3 < counts[25] / counts[20] < 3.9
    # The caller's list is not normalised in place, and uniform is the default.
    assert weights == [1, 0, 0, 0, 0, 3]
    uniform = PixelwiseJPEGRegressor(**{**TINY, "quality_range": (20, 25)})
    assert uniform.initialize().get_dataset(images).quality_weights is None


def test_fit_with_targets(images):
    per_image = np.array([np.nan, 30.0, 60.0, 90.0])
    est = PixelwiseJPEGRegressor(**TINY).fit(images, per_image)
    ds = est.get_dataset(images, per_image)
    levels = {round(float(ds.draw(i)[1][0, 0]), 5) for i in range(40)}
    assert levels == {0.0, 0.7, 0.4, 0.1}
    per_pixel = np.full((4, 48, 48), np.nan, dtype=np.float32)
    per_pixel[:, :, :24] = 50.0
    est.fit(images, per_pixel)
    x, y = est.get_dataset(images, per_pixel)[0]
    assert set(np.unique(y[1].numpy())) <= {0.0, 1.0}
    assert set(np.round(np.unique(y[0].numpy()), 4)) <= {0.0, 0.5}


def test_train_split_is_by_image(images):
    from skorch.dataset import ValidSplit

    est = PixelwiseJPEGRegressor(**TINY, train_split=ValidSplit(2))
    train, valid = est.initialize().get_split_datasets(images)
    assert len(train.images) == len(valid.images) == 2
    assert not any(a is b for a in train.images for b in valid.images)
    est.fit(images)
    assert "valid_loss" in est.history[-1]


def test_score(fitted, images):
    assert fitted.score(images) <= 0
    y = np.array([np.nan, 50, 50, 100])
    expected = -np.abs(fitted.predict(images) - np.array([100, 50, 50, 100])).mean()
    assert fitted.score(images, y) == pytest.approx(expected)


def test_clone_gridsearch_pickle(fitted, images):
    cloned = clone(fitted)
    assert cloned.get_params()["patch_size"] == 32
    assert not hasattr(cloned, "module_")
    search = GridSearchCV(
        PixelwiseJPEGRegressor(**TINY), {"lr": [1e-3, 1e-2]}, cv=2
    ).fit(images)
    assert search.best_params_["lr"] in (1e-3, 1e-2)
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_allclose(restored.predict(images), fitted.predict(images))
    assert restored.module_.layers[0].weight.device.type == "cpu"


def test_grayscale_input_is_repeated_to_rgb(fitted, images):
    gray = images[..., 0]
    rgb = np.repeat(gray[..., np.newaxis], 3, axis=-1)
    np.testing.assert_array_equal(fitted.predict(gray), fitted.predict(rgb))
    # Mixed lists are refused, as by every estimator; grayscale images train.
    with pytest.raises(ValueError, match="mixes grayscale and colou?r"):
        fitted.predict([gray[0], images[1]])
    PixelwiseJPEGRegressor(**TINY).fit(gray)


def test_16_bit_images_are_read_as_8_bit(fitted, images):
    sixteen = images.astype(np.uint16) * 257
    np.testing.assert_allclose(
        fitted.predict(sixteen), fitted.predict(images), rtol=1e-6
    )
    assert fitted.predict(sixteen + 1).shape == (4,)  # not on the 8-bit grid


def test_images_smaller_than_the_receptive_field(fitted, images):
    with pytest.raises(ValueError, match="39-pixel receptive field"):
        fitted.predict_maps(images[:, :20, :20])
    with pytest.raises(ValueError, match="at least 32x32 .* for patch_size=32"):
        PixelwiseJPEGRegressor(**TINY).fit(images[:, :20, :20])


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_images(fitted, images, bad):
    X = images.astype(np.float32) / 255
    X[1, 3, 4, 0] = bad
    with pytest.raises(ValueError, match="NaN or infinity"):
        fitted.predict(X)
    with pytest.raises(ValueError, match="NaN or infinity"):
        PixelwiseJPEGRegressor(**TINY).fit(X)


def test_float_images_out_of_range(fitted):
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        fitted.predict(np.full((1, 40, 40, 3), 2.0, dtype=np.float32))


@pytest.mark.parametrize(
    "params, match",
    [
        (
            {"quality_range": (0, 100)},
            (
                "The 'quality_range' parameter of PixelwiseJPEGRegressor must be a "
                "tuple \\(low, high\\) of ints with 1 <= low <= high <= 100. Got "
                "\\(0, 100\\) instead."
            ),
        ),
        ({"quality_range": (5, 101)}, "'quality_range'.*Got \\(5, 101\\)"),
        ({"quality_range": (60, 50)}, "'quality_range'"),
        ({"quality_range": (5.5, 50)}, "'quality_range'"),
        ({"quality_range": 50}, "'quality_range'"),
        (
            {"quality_range": (90, 100), "quality_weights": [1] * 10},
            "'quality_weights' .* 11 non-negative finite weights, one per quality "
            "of quality_range=\\(90, 100\\)",
        ),
        ({"quality_weights": [0] * 96}, "'quality_weights' .* not all zero"),
        ({"quality_weights": [-1] + [1] * 95}, "'quality_weights'"),
        ({"quality_weights": [np.nan] * 96}, "'quality_weights'"),
        ({"quality_weights": "high"}, "'quality_weights'"),
        (
            {"uncompressed_fraction": 1.5},
            "'uncompressed_fraction' .* range \\[0.0, 1.0\\]",
        ),
        ({"patch_size": 8}, "'patch_size' .* an int in the range \\[16, inf\\)"),
        ({"patches_per_epoch": 0}, "'patches_per_epoch'"),
        ({"tile_size": 4}, "'tile_size'"),
        ({"pooling": "max"}, "'pooling'"),
        ({"chroma_subsampling": "4:1:1"}, "'chroma_subsampling'"),
        ({"quantization_tables": "photoshop"}, "'quantization_tables'"),
        ({"quantization_tables": {"jpegli": 1, "gimp": 1}}, "'quantization_tables'"),
        ({"quantization_tables": {"jpegli": -1}}, "'quantization_tables'"),
        ({"quantization_tables": {"jpegli": 0}}, "'quantization_tables'.*not all zero"),
        ({"quantization_tables": {}}, "'quantization_tables'"),
        ({"random_state": "seed"}, "'random_state'"),
    ],
)
def test_bad_parameters_are_checked_at_fit(images, params, match):
    est = PixelwiseJPEGRegressor(**{**TINY, **params})  # __init__ only stores
    with pytest.raises(ValueError, match=match):
        est.fit(images)


@pytest.mark.parametrize(
    "y, match",
    [
        (np.array([1, 2, 3]), "y has 3 entries but X has 4 images"),
        (np.array([10, 20, 30, 130]), "qualities in \\[0, 100\\]"),
        (np.array([10, 20, np.inf, 30]), "qualities in \\[0, 100\\]"),
        (np.zeros((4, 48, 40)), "quality map of image 0 has shape"),
        (np.zeros((4, 2)), "per image, of shape \\(n_images,\\)"),
    ],
)
def test_bad_targets(images, y, match):
    with pytest.raises(ValueError, match=match):
        PixelwiseJPEGRegressor(**TINY).fit(images, y)


def test_calibration_undoes_a_pull_towards_the_middle(fitted, monkeypatch):
    # Stand-ins: the "JPEG" of quality q is an image of value q, and the net
    # reads it as 50 + (q - 50) / 2, pulled halfway towards the middle.
    est = pickle.loads(pickle.dumps(fitted))
    monkeypatch.setattr(
        _jpeg_training, "jpeg_uint8", lambda pixels, q: np.full_like(pixels, q)
    )

    def pulled_maps(image, module=None):
        # 8-bit images reach _image_maps as uint8 (no float copy), others as floats.
        level = image.mean() if image.dtype == np.uint8 else image.mean() * 255.0
        read = 50.0 + (np.round(level) - 50.0) / 2.0
        maps = np.empty((2,) + image.shape[:2], dtype=np.float32)
        maps[0], maps[1] = 1.0 - read / 100.0, 0.25
        return maps

    monkeypatch.setattr(est, "_image_maps", pulled_maps)
    # The stand-in images are flat: make them count as textured.
    monkeypatch.setattr(_jpeg, "textured_fraction", lambda image: 1.0)
    never = np.full((2, 40, 40, 3), 100, dtype=np.uint8)
    assert est.predict(np.full((1, 40, 40, 3), 30, np.uint8))[0] == pytest.approx(40)
    assert est.calibrate_quality(never, n_qualities=30, random_state=0) is est
    for pooling in ("median", "mean"):
        knots, qualities = est.quality_calibration_[pooling]
        assert (np.diff(knots) > 0).all() and (np.diff(qualities) >= 0).all()
        est.set_params(pooling=pooling)
        for q in (20, 33, 71):
            seen = np.full((1, 40, 40, 3), q, dtype=np.uint8)
            assert est.predict(seen)[0] == pytest.approx(q, abs=1.0)
            # The flag map's pooled value does not change.
            assert est.predict_proba(seen)[0, 1] == pytest.approx(0.25)
    # Deterministic given random_state.
    first = est.quality_calibration_["median"]
    est.calibrate_quality(never, n_qualities=30, random_state=0)
    np.testing.assert_array_equal(est.quality_calibration_["median"][0], first[0])


def test_calibration_resists_an_image_read_far_off():
    # Every image reads 3 high, but one Q90 image reads 12: the band
    # medians keep the correction at -3 (a least-squares or isotonic fit
    # would bend towards the outlier).
    truth = np.repeat(np.arange(10.0, 100.0, 5.0), 4)
    pooled = truth + 3.0
    pooled[np.flatnonzero(truth == 90.0)[0]] = 12.0
    knots, corrected = _calibration._band_corrections(pooled, truth)
    inside = (knots > 15) & (knots < 95)
    np.testing.assert_allclose(corrected[inside] - knots[inside], -3.0)
    assert (np.diff(knots) > 0).all() and (np.diff(corrected) >= 0).all()
    assert knots[0] == 0 and knots[-1] == 100 and corrected[-1] <= 100


def test_calibration_is_kept_by_weights_and_dropped_by_fit(images, tmp_path):
    est = PixelwiseJPEGRegressor(**TINY).fit(images)
    assert est.quality_calibration_ is None
    raw = est.predict(images)
    est.calibrate_quality(images[:2], n_qualities=2, random_state=0)
    calibrated = est.predict(images)
    median = est.quality_calibration_["median"]
    np.testing.assert_allclose(calibrated, np.interp(raw, *median))
    path = tmp_path / "w.pt"
    _serialization.save_jpeg_weights(est, path, dtype=torch.float32)
    loaded = load_pretrained_jpeg(path=path)
    np.testing.assert_allclose(loaded.predict(images), calibrated, rtol=1e-6)
    assert est.fit(images).quality_calibration_ is None
    np.testing.assert_allclose(est.predict(images), raw, rtol=1e-6)
    with pytest.raises(ValueError, match="'n_qualities'"):
        est.calibrate_quality(images, n_qualities=0)
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        PixelwiseJPEGRegressor().calibrate_quality(images)


@pytest.mark.parametrize("colour", [0.0, 0.5, 1.0, (0.2, 0.5, 0.7)])
def test_an_image_without_texture_is_unknown(fitted, images, colour):
    flat = np.zeros((2, 48, 48, 3), dtype=np.float32)
    flat[0] = colour
    flat[1] = images[0] / 255.0
    quality, proba = fitted.predict(flat), fitted.predict_proba(flat)
    assert np.isnan(quality[0]) and proba[0].tolist() == [0.5, 0.5]
    assert np.isfinite(quality[1]) and proba[1, 1] != 0.5
    *_, summary = fitted.predict_maps(flat, return_summary=True)
    np.testing.assert_array_equal(summary.quality, quality)
    np.testing.assert_array_equal(summary.proba, proba)
    # A little texture is enough: a 12x12 textured square in 2,304 pixels.
    flat[0, 10:22, 10:22] = images[1][10:22, 10:22] / 255.0
    assert np.isfinite(fitted.predict(flat[:1])[0])


def test_not_fitted(images):
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        PixelwiseJPEGRegressor().predict(images)


def test_weights_round_trip(fitted, images, tmp_path):
    path = tmp_path / "w.pt"
    _serialization.save_jpeg_weights(
        fitted, path, metadata={"note": np.float32(1.5)}, dtype=torch.float32
    )
    loaded = load_pretrained_jpeg(path=path)
    np.testing.assert_allclose(
        loaded.predict(images), fitted.predict(images), rtol=1e-6
    )
    assert loaded.pretrained_info_ == {"note": 1.5}
    assert loaded.module_.lattice_qualities == ()
    assert loaded.module_.layers[0].weight.dtype == torch.float32
    _serialization.save_jpeg_weights(fitted, path)  # float16 by default
    loaded = load_pretrained_jpeg(path=path)
    assert loaded.module_.layers[0].weight.dtype == torch.float32
    np.testing.assert_allclose(
        loaded.predict(images), fitted.predict(images), atol=0.05
    )


def test_weights_keep_the_quality_tests(images, tmp_path):
    est = PixelwiseJPEGRegressor(
        **{**TINY, "module__lattice_qualities": (100, 30), "module__lattice_pool": 1}
    ).fit(images)
    path = tmp_path / "w.pt"
    _serialization.save_jpeg_weights(est, path, dtype=torch.float32)
    loaded = load_pretrained_jpeg(path=path)
    assert loaded.module_.lattice_qualities == (100, 30)
    assert loaded.module_.lattice_pool == 1
    # 64 px: the quality tests widen the receptive field to 63 pixels.
    large = np.concatenate([images, images[:, :16]], axis=1)[:, :, :]
    large = np.concatenate([large, large[:, :, :16]], axis=2)
    np.testing.assert_allclose(loaded.predict(large), est.predict(large), rtol=1e-6)


def test_missing_or_bad_weights(tmp_path, monkeypatch):
    monkeypatch.setattr(
        _serialization, "_default_weights_path", lambda: os.fspath(tmp_path / "no.pt")
    )
    with pytest.raises(FileNotFoundError, match="weights are missing.*reinstall"):
        load_pretrained_jpeg()
    # Any file the package should hold, pretrained("jpeg-quality-fast")'s too.
    shipped = os.path.join(_serialization._weights_dir(), "gone.pt")
    with pytest.raises(FileNotFoundError, match="'gone' weights are missing.*reins"):
        load_pretrained_jpeg(path=shipped)
    with pytest.raises(FileNotFoundError, match="not found"):
        load_pretrained_jpeg(path=tmp_path / "other.pt")
    with pytest.raises(FileNotFoundError, match="'gone' weights are missing"):
        load_pretrained_jpeg(
            path=os.path.join(_serialization._weights_dir(), "gone.skf")
        )
    with pytest.raises(FileNotFoundError, match="not found"):
        load_pretrained_jpeg(path=tmp_path / "other.skf")
    torch.save({"something": 1}, tmp_path / "bad.pt")
    with pytest.raises(ValueError, match="not a pixelwise JPEG weights file"):
        load_pretrained_jpeg(path=tmp_path / "bad.pt")


@pytest.mark.slow
def test_workers_give_the_same_patches(images):
    a = PixelwiseJPEGRegressor(**TINY).fit(images)
    b = PixelwiseJPEGRegressor(**TINY, iterator_train__num_workers=2).fit(images)
    for pa, pb in zip(a.module_.parameters(), b.module_.parameters()):
        torch.testing.assert_close(pa, pb)


def test_small_images_are_refused_by_every_method(fitted, images):
    # No answer without evidence: an image smaller than the receptive field
    # has no pixel whose view stays inside it.
    small = images[:1, :20, :20]
    for method in (fitted.predict_maps, fitted.predict, fitted.predict_proba):
        with pytest.raises(ValueError, match="39-pixel receptive field"):
            method(small)
    with pytest.raises(ValueError, match=r"at least 39x39"):
        fitted.predict(np.zeros((1, 3, 3, 3), dtype=np.uint8))


def test_maps_and_summary_in_one_pass(fitted, images, monkeypatch):
    expected_maps = fitted.predict_maps(images)
    expected_q, expected_p = fitted.predict(images), fitted.predict_proba(images)
    calls = []
    original = type(fitted)._image_maps

    def counting(self, image, module=None):
        calls.append(image.shape)
        return original(self, image, module)

    monkeypatch.setattr(type(fitted), "_image_maps", counting)
    quality_maps, flag_maps, summary = fitted.predict_maps(images, return_summary=True)
    assert len(calls) == len(images)  # one pass of the net per image
    np.testing.assert_array_equal(quality_maps, expected_maps[0])
    np.testing.assert_array_equal(flag_maps, expected_maps[1])
    np.testing.assert_allclose(summary.quality, expected_q)
    np.testing.assert_allclose(summary.proba, expected_p)


def test_paper_net_as_the_module(images, tmp_path):
    from skforensics.nn import JPEGQualityNet

    est = PixelwiseJPEGRegressor(
        module=JPEGQualityNet.paper, **{**TINY, "module__n_filters": 2}
    ).initialize()
    assert est.module_.features is None and not est.module_.batch_norm
    assert clone(est).module == JPEGQualityNet.paper
    assert pickle.loads(pickle.dumps(est)).module_.receptive_field == 33
    # Any configuration of the net goes through a weights file.
    path = tmp_path / "paper.pt"
    _serialization.save_jpeg_weights(est, path, dtype=torch.float32)
    loaded = load_pretrained_jpeg(path=path)
    assert loaded.module_.config() == est.module_.config()
    np.testing.assert_allclose(
        loaded.predict_maps(images[:1])[0], est.predict_maps(images[:1])[0]
    )
