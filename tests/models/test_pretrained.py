import numpy as np
import pytest

pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.pipeline import Pipeline  # noqa: E402

from skforensics.datasets import load_sample_images, make_rescaled_images  # noqa: E402
from skforensics.models import PatchCNNClassifier, pretrained  # noqa: E402
from skforensics.utils import make_test_images  # noqa: E402


@pytest.fixture(scope="module")
def detector():
    return pretrained("upscale-detector")


@pytest.fixture(scope="module")
def rescaled():
    # The package's own photographs (not the training data): real crops and
    # their x2 bicubic / Lanczos upscaled twins.
    X, y, groups = make_rescaled_images(
        load_sample_images(as_gray=False), factor=2, kernels=("bicubic", "lanczos"),
        crop_size=256, n_crops=2, random_state=0,
    )
    return X, y


def test_pretrained_is_a_fitted_pipeline(detector):
    assert isinstance(detector, Pipeline)
    clf = detector[-1]
    assert isinstance(clf, PatchCNNClassifier)
    assert clf.classes_.tolist() == [0, 1]
    assert clf.n_channels_in_ == 1 and clf.patch_size_ == (64, 64)
    assert next(clf.module_.parameters()).device.type == "cpu"


def test_pretrained_detects_upscaling_on_unseen_photographs(detector, rescaled):
    X, y = rescaled
    proba = detector.predict_proba(X)[:, 1]
    accuracy = np.mean((proba > 0.5) == y)
    assert accuracy >= 0.9, accuracy
    # Upscaled images get higher scores than their own real crops.
    assert np.mean(proba[y == 1] > proba[y == 0]) >= 0.9


def test_factor_model_is_the_same_net_with_every_class(detector, rescaled):
    X, y = rescaled
    factor = pretrained("upscale-factor")
    clf = factor[-1]
    assert clf.classes_.tolist() == [1.0, 1.25, 1.5, 2.0, 2.4, 3.0]
    proba = factor.predict_proba(X)
    # The detector's P(upscaled) is one minus the factor model's P(native).
    np.testing.assert_allclose(
        detector.predict_proba(X)[:, 1], 1 - proba[:, 0], atol=1e-5
    )
    predicted = factor.predict(X)
    assert set(predicted) <= set(clf.classes_)
    # x2 upscales are called upscaled, and x2 is their most probable factor
    # among the upscaled classes for most of them.
    best = clf.classes_[1 + proba[:, 1:].argmax(axis=1)]
    assert np.mean(best[y == 1] == 2.0) >= 0.6


def test_factor_model_finds_x3_and_x1_5(rescaled):
    from skforensics.datasets import load_sample_images, rescale_image

    factor = pretrained("upscale-factor")
    images = [
        im for im in load_sample_images(as_gray=True) if min(im.shape) >= 256
    ][:4]
    for f in (1.5, 3.0):
        fakes = [rescale_image(im, f, resampler="opencv-bicubic") for im in images]
        proba = factor.predict_proba(fakes)
        assert np.mean(1 - proba[:, 0] > 0.5) >= 0.75
        best = factor[-1].classes_[1 + proba[:, 1:].argmax(axis=1)]
        assert np.mean(best == f) >= 0.5, (f, best)


def test_pretrained_accepts_gray_rgb_uint8_float_and_sizes(detector, rescaled):
    X, _ = rescaled
    rgb8 = np.round(X[:2] * 255).astype(np.uint8)
    from_rgb8 = detector.predict_proba(rgb8)
    from_float = detector.predict_proba(rgb8.astype(np.float32) / 255)
    np.testing.assert_allclose(from_rgb8, from_float, atol=1e-5)
    gray = detector[0].transform(rgb8.astype(np.float32) / 255)
    np.testing.assert_allclose(detector.predict_proba(gray), from_float, atol=1e-5)
    sizes = [X[0], X[1][:64, :100], np.zeros((70, 64, 3), np.uint8)]
    assert detector.predict_proba(sizes).shape == (3, 2)
    assert set(detector.predict(sizes)) <= {0, 1}
    # A list mixing gray and colour images is refused, as everywhere.
    with pytest.raises(ValueError, match="mixes grayscale and colour"):
        detector.predict_proba([X[0], gray[1][:64, :100]])


def test_pretrained_refuses_small_images_and_unknown_names(detector):
    with pytest.raises(ValueError, match=r"64x64.*got a 32x48 image"):
        detector.predict(make_test_images(1, size=(32, 48)))
    match = "Unknown pretrained model 'foo'.*upscale-detector"
    with pytest.raises(ValueError, match=match):
        pretrained("foo")


def test_pretrained_weights_are_small():
    from skforensics.models._pretrained import UPSCALE_FILE, _weights_path

    assert _weights_path(UPSCALE_FILE).stat().st_size < 1_000_000


def test_upscale_weights_are_a_model_file_read_without_pickle(rescaled, monkeypatch):
    # The shipped file is what save_model writes (an .npz whose arrays load
    # with allow_pickle=False), and load_model reads it with the default
    # trusted names only: the same path as any shared model file.
    import torch

    from skforensics.models import _pretrained
    from skforensics.utils import load_model

    path = _pretrained._weights_path(_pretrained.UPSCALE_FILE)
    assert path.read_bytes()[:4] == b"PK\x03\x04"
    with np.load(path, allow_pickle=False) as archive:
        assert "skforensics_model" in archive.files
        for key in archive.files:
            archive[key]  # no entry needs pickle
    factor = load_model(path)
    assert isinstance(factor, PatchCNNClassifier)
    assert factor.classes_.tolist() == [1.0, 1.25, 1.5, 2.0, 2.4, 3.0]

    # pretrained() goes through load_model, never torch.load.
    def refuse(*args, **kwargs):
        raise AssertionError("torch.load called")

    monkeypatch.setattr(torch, "load", refuse)
    X, _ = rescaled
    for name in ("upscale-detector", "upscale-factor"):
        model = _pretrained._load_upscale(name)
        rebuilt = _pretrained.upscale_factor_classifier(
            factor.module_.state_dict(),
            classes=factor.classes_,
            patch_size=factor.patch_size,
            seed=factor.random_state,
            front_end=factor.module_.front_end,
        )
        if name == "upscale-factor":
            np.testing.assert_array_equal(
                model.predict_proba(X), rebuilt.predict_proba(model[0].transform(X))
            )
        else:
            # The detector's P(upscaled) is one minus the factor model's
            # P(native), bit for bit up to the two softmax roundings.
            p_native = rebuilt.predict_proba(model[0].transform(X))[:, 0]
            np.testing.assert_allclose(
                model.predict_proba(X)[:, 1], 1 - p_native, atol=1e-6
            )


@pytest.fixture(scope="module")
def jpeg_estimator():
    return pretrained("jpeg-quality")


@pytest.fixture(scope="module")
def jpeg_crops():
    # The package's own photographs, never JPEG-compressed (not the training
    # data): a 192x192 crop of each, uncompressed and at qualities 20..95.
    from skforensics.datasets._jpeg import jpeg_round_trip

    crops = [photo[:192, :192] for photo in load_sample_images(as_gray=False)]
    qualities = [20, 50, 80, 95]
    X = {q: [jpeg_round_trip(c, q) for c in crops] for q in qualities}
    X[None] = crops
    return X


def test_jpeg_quality_is_a_fitted_estimator(jpeg_estimator):
    from skforensics.models import PixelwiseJPEGRegressor

    assert isinstance(jpeg_estimator, PixelwiseJPEGRegressor)
    info = jpeg_estimator.pretrained_info_
    assert info["preliminary"] is False
    assert info["train_seconds"] > 0 and info["train_images"]
    # Training and benchmark images never overlap.
    assert not set(info["train_images"]) & set(info["test_images"])
    assert next(jpeg_estimator.module_.parameters()).device.type == "cpu"


def test_jpeg_quality_finds_the_jpeg_history_of_unseen_photographs(
    jpeg_estimator, jpeg_crops
):
    p_never = jpeg_estimator.predict_proba(jpeg_crops[None])[:, 1]
    assert np.mean(p_never < 0.5) >= 0.75, p_never
    for quality in (20, 50, 80, 95):
        p = jpeg_estimator.predict_proba(jpeg_crops[quality])[:, 1]
        assert np.mean(p > 0.5) >= 0.75, (quality, p)
    estimates = {q: jpeg_estimator.predict(jpeg_crops[q]) for q in (20, 50, 80)}
    for quality, estimate in estimates.items():
        assert np.median(np.abs(estimate - quality)) < 10, (quality, estimate)
    # Lower quality, lower estimate, image by image.
    assert np.all(estimates[20] < estimates[80])


def test_jpeg_quality_accepts_gray_rgb_uint8_float_and_sizes(
    jpeg_estimator, jpeg_crops
):
    image = jpeg_crops[50][0]
    rgb8 = np.round(image * 255).astype(np.uint8)
    np.testing.assert_allclose(
        jpeg_estimator.predict([rgb8]), jpeg_estimator.predict([image]), atol=1e-4
    )
    gray = rgb8[..., 1]
    quality_maps, flag_maps = jpeg_estimator.predict_maps([gray, gray[:80, :97]])
    assert quality_maps[0].shape == (192, 192) and flag_maps[1].shape == (80, 97)
    assert 0 <= flag_maps[0].min() and flag_maps[0].max() <= 1
    # 50x77 is below the shipped net's 79-pixel receptive field: refused.
    with pytest.raises(ValueError, match="79-pixel receptive field"):
        jpeg_estimator.predict_maps([rgb8, rgb8[:50, :77]])


def test_jpeg_quality_fast_is_the_net_without_quality_tests(
    jpeg_estimator, jpeg_crops
):
    from skforensics.models import pretrained

    fast = pretrained("jpeg-quality-fast")
    assert fast.module_.lattice_qualities == () and fast.module_.receptive_field == 39
    assert len(jpeg_estimator.module_.lattice_qualities) == 14
    assert jpeg_estimator.module_.receptive_field == 79
    # Both read the quality of the package's photographs saved at Q50.
    for estimator in (fast, jpeg_estimator):
        estimate = estimator.predict(jpeg_crops[50])
        assert np.median(np.abs(estimate - 50)) < 10, estimate
    assert fast.pretrained_info_["test_images"] == (
        jpeg_estimator.pretrained_info_["test_images"]
    )


@pytest.mark.parametrize("name", ["jpeg-quality", "jpeg-quality-fast"])
def test_shipped_jpeg_models_carry_their_quality_calibration(name):
    # Fitted on the validation images by the training script: increasing,
    # a few points at most, never on the held-out benchmark images.
    from skforensics.models import pretrained

    est = pretrained(name)
    info = est.pretrained_info_
    assert info["quality_calibration"]["images"] > len(info["valid_images"])
    for pooling in ("median", "mean"):
        knots, corrected = est.quality_calibration_[pooling]
        assert knots[0] == 0 and knots[-1] == 100
        assert (np.diff(knots) > 0).all() and (np.diff(corrected) >= 0).all()
        assert np.abs(corrected - knots).max() < 6
        # Low qualities come out high before the correction, not after.
        assert np.interp(20.0, knots, corrected) < 20.0


def test_jpeg_quality_weights_are_small():
    from skforensics.models._pretrained import _weights_path

    assert _weights_path("jpeg-quality.skf").stat().st_size < 1_000_000
    assert _weights_path("jpeg-quality-fast.skf").stat().st_size < 1_000_000


def test_unknown_pretrained_name_lists_the_models():
    from skforensics.models import pretrained

    with pytest.raises(
        ValueError,
        match="'jpeg-quality', 'jpeg-quality-fast', 'upscale-detector', 'upscale-factor'",
    ):
        pretrained("deepfake-oracle")
