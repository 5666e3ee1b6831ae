"""The Display objects: artists' data under Agg, never pixels."""

import sys

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from skforensics.feature import BRISQUEExtractor, mscn  # noqa: E402
from skforensics.inspection import (  # noqa: E402
    BRISQUEFeatureDisplay,
    JPEGMapDisplay,
    MSCNDisplay,
    PatchScoreDisplay,
)
from skforensics.utils import make_test_images  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def image():
    return make_test_images(n_images=1, size=128, random_state=0)[0]


# PatchScoreDisplay


def test_patch_score_from_predictions_places_tiles(image):
    scores = np.arange(4.0).reshape(2, 2) / 4
    display = PatchScoreDisplay.from_predictions(
        image[:64, :64], scores, patch_size=32, score=0.98
    )
    heat = display.heatmap_.get_array()
    assert heat.shape == (64, 64)
    np.testing.assert_allclose(heat[:32, :32], 0.0)
    np.testing.assert_allclose(heat[:32, 32:], 0.25)
    np.testing.assert_allclose(heat[32:, 32:], 0.75)
    np.testing.assert_allclose(display.image_.get_array(), image[:64, :64])
    assert display.heatmap_.get_clim() == (0.0, 1.0)
    assert display.heatmap_.get_alpha() == 0.5
    assert display.ax_.get_title() == "upscaled, P = 0.98"
    assert display.colorbar_ is not None
    assert display.figure_ is display.ax_.figure


def test_patch_score_uncovered_pixels_are_masked_and_overlaps_averaged():
    image = np.zeros((40, 48), dtype=np.float32)
    # stride 16, patch 32: 1 x 2 tiles, overlapping on columns 16..31; the
    # last 8 rows and no columns beyond 48 are left out.
    display = PatchScoreDisplay.from_predictions(
        image, [[0.2, 0.6]], patch_size=32, stride=16, score=0.1, colorbar=False
    )
    heat = display.heatmap_.get_array()
    assert heat.mask[32:].all() and not heat.mask[:32].any()
    np.testing.assert_allclose(heat[0, [0, 20, 40]], [0.2, 0.4, 0.6])
    assert display.colorbar_ is None
    assert display.ax_.get_title() == "native, P(upscaled) = 0.10"


def test_patch_score_plot_reuses_axes(image):
    fig, ax = plt.subplots()
    display = PatchScoreDisplay(image=image, tile_scores=np.zeros((4, 4)), patch_size=32)
    assert display.plot(ax=ax, vmax=0.5) is display
    assert display.ax_ is ax and display.figure_ is fig
    assert display.heatmap_.get_clim() == (0.0, 0.5)
    assert display.ax_.get_title() == ""


def test_patch_score_tile_map_must_match_the_image(image):
    with pytest.raises(ValueError, match=r"grid of 4x4 tiles; got an array of shape \(3, 4\)"):
        PatchScoreDisplay.from_predictions(image, np.zeros((3, 4)), patch_size=32)
    assert not plt.get_fignums()  # nothing drawn before the check


def test_patch_score_bad_parameters(image):
    with pytest.raises(ValueError, match="'patch_size' parameter"):
        PatchScoreDisplay.from_predictions(image, np.zeros((4, 4)), patch_size=(8, 8, 8))
    with pytest.raises(ValueError, match="'alpha' parameter"):
        PatchScoreDisplay.from_predictions(
            image, np.zeros((4, 4)), patch_size=32, alpha=2
        )
    with pytest.raises(ValueError, match="one image"):
        PatchScoreDisplay.from_predictions(image[None, None], np.zeros((4, 4)), patch_size=32)


def test_patch_score_from_pretrained_pipeline(image):
    pytest.importorskip("torch")
    from skforensics.models import pretrained

    pipe = pretrained("upscale-detector")
    rgb = np.repeat(image[..., None], 3, axis=2)
    display = PatchScoreDisplay.from_estimator(pipe, rgb)
    gray = pipe[:-1].transform([rgb])
    maps, proba = pipe[-1].predict_patch_map(gray, return_proba=True)
    heat = display.heatmap_.get_array()
    np.testing.assert_allclose(heat[::64, ::64], np.asarray(maps[0]), rtol=1e-6)
    p = proba[0, 1]
    verdict = "upscaled, P" if p >= 0.5 else "native, P(upscaled)"
    assert display.ax_.get_title() == f"{verdict} = {p:.2f}"
    assert display.image_.get_array().shape == (128, 128, 3)


def test_patch_score_from_estimator_needs_a_patch_estimator(image):
    with pytest.raises(TypeError, match="predict_patch_map"):
        PatchScoreDisplay.from_estimator(BRISQUEExtractor(), image)


# JPEGMapDisplay


def test_jpeg_map_from_predictions(image):
    quality = np.tile(np.linspace(0, 100, 128), (128, 1))
    flag = np.full((128, 128), 0.75)
    display = JPEGMapDisplay.from_predictions(
        image, quality, flag, quality=85.2, p_compressed=1.0
    )
    assert len(display.axes_) == 4 and len(display.figure_.axes) == 6  # + 2 colour bars
    np.testing.assert_allclose(display.quality_image_.get_array(), quality)
    np.testing.assert_allclose(display.flag_image_.get_array(), flag)
    assert display.quality_image_.get_clim() == (0.0, 100.0)
    assert display.flag_image_.get_clim() == (0.0, 1.0)
    heights = [bar.get_height() for bar in display.hist_]
    assert len(heights) == 50 and sum(heights) == 128 * 128
    assert display.figure_.get_suptitle() == "JPEG quality ≈ 85, P(compressed) = 1.00"


def test_jpeg_map_plot_reuses_axes(image):
    fig, axes = plt.subplots(2, 2)
    display = JPEGMapDisplay(
        image=image, quality_map=np.full((128, 128), 90.0), flag_map=np.ones((128, 128))
    )
    assert display.plot(ax=axes, bins=10) is display
    assert list(display.axes_) == list(axes.ravel()) and display.figure_ is fig
    assert len(display.hist_) == 10
    assert display.figure_.get_suptitle() == ""
    with pytest.raises(ValueError, match="draws on 4 axes; got 2"):
        display.plot(ax=axes[0])


def test_jpeg_map_shapes_must_match(image):
    with pytest.raises(ValueError, match=r"quality_map must have .* \(128, 128\)"):
        JPEGMapDisplay.from_predictions(image, np.zeros((64, 64)), np.zeros((128, 128)))
    with pytest.raises(ValueError, match="'p_compressed' parameter"):
        JPEGMapDisplay.from_predictions(
            image, np.zeros((128, 128)), np.zeros((128, 128)), p_compressed=3
        )


def test_jpeg_map_from_pretrained(image):
    pytest.importorskip("torch")
    from skforensics.models import pretrained

    estimator = pretrained("jpeg-quality")
    crop = image[:80, :96]
    display = JPEGMapDisplay.from_estimator(estimator, crop)
    quality, flag, summary = estimator.predict_maps([crop], return_summary=True)
    np.testing.assert_allclose(display.quality_image_.get_array(), quality[0], rtol=1e-5)
    np.testing.assert_allclose(display.flag_image_.get_array(), flag[0], rtol=1e-5)
    # The title is the one of the HTML report: no quality beside "no JPEG
    # history" (this crop of a never-compressed photograph reads 100).
    p = summary.proba[0, 1]
    assert p < 0.5
    assert display.figure_.get_suptitle() == f"no JPEG history, P(compressed) = {p:.2f}"
    assert sum(bar.get_height() for bar in display.hist_) == 80 * 96


def test_from_estimator_takes_a_pil_image(image):
    # The estimators take PIL images; their Displays do too.
    pytest.importorskip("torch")
    from PIL import Image

    from skforensics.models import pretrained

    pil = Image.fromarray(np.round(image[:96, :96] * 255).astype(np.uint8))
    array = np.asarray(pil)
    jpeg = pretrained("jpeg-quality")
    a = JPEGMapDisplay.from_estimator(jpeg, pil)
    b = JPEGMapDisplay.from_estimator(jpeg, array)
    np.testing.assert_array_equal(a.quality_map, b.quality_map)
    assert (a.quality, a.p_compressed) == (b.quality, b.p_compressed)
    up = pretrained("upscale-detector")
    c = PatchScoreDisplay.from_estimator(up, pil)
    d = PatchScoreDisplay.from_estimator(up, array)
    np.testing.assert_array_equal(c.tile_scores, d.tile_scores)
    assert c.score == d.score and isinstance(c.image, np.ndarray)


# BRISQUEFeatureDisplay


def test_brisque_from_features():
    rng = np.random.RandomState(0)
    features = rng.normal(size=(30, 36))
    y = np.repeat(["real", "fake"], 15)
    display = BRISQUEFeatureDisplay.from_features(
        features, y, feature_names=["s2_d1_shape", "s1_mscn_var"], kind="hist", bins=5
    )
    assert display.artists_.shape == (2, 2)
    assert [a.get_title() for a in display.axes_] == ["s2_d1_shape", "s1_mscn_var"]
    assert list(display.classes_) == ["fake", "real"]
    # Each histogram is a density: its area is 1, over the column of that name.
    values, edges, _ = display.artists_[1, 1].get_data()
    assert values.sum() * (edges[1] - edges[0]) == pytest.approx(1.0)
    assert edges[0] == pytest.approx(features[:, 1].min())  # s1_mscn_var is column 1


def test_brisque_kde_and_reused_axes():
    rng = np.random.RandomState(0)
    features = rng.normal(size=(20, 36))
    y = np.repeat([0, 1], 10)
    fig, ax = plt.subplots()
    display = BRISQUEFeatureDisplay.from_features(
        features, y, feature_names=["s1_h_mean"], ax=ax, class_names={0: "real", 1: "up"}
    )
    assert display.axes_[0] is ax and display.figure_ is fig
    line = display.artists_[0, 0]
    x, density = line.get_data()
    assert np.trapezoid(density, x) == pytest.approx(1.0, abs=0.1)
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["real", "up"]


def test_brisque_bad_inputs():
    features = np.zeros((4, 36))
    with pytest.raises(ValueError, match=r"Unknown BRISQUE feature name\(s\) \['s3_shape'\]"):
        BRISQUEFeatureDisplay.from_features(features, [0, 0, 1, 1], feature_names=["s3_shape"])
    with pytest.raises(ValueError, match=r"shape \(n_samples, 36\)"):
        BRISQUEFeatureDisplay.from_features(
            np.zeros((4, 5)), [0, 0, 1, 1], feature_names=["s1_mscn_var"]
        )
    with pytest.raises(ValueError, match=r"y must have shape \(4,\)"):
        BRISQUEFeatureDisplay.from_features(features, [0, 1], feature_names=["s1_mscn_var"])
    with pytest.raises(ValueError, match="'kind' parameter"):
        BRISQUEFeatureDisplay.from_features(
            features, [0, 0, 1, 1], feature_names=["s1_mscn_var"], kind="violin"
        )


def test_brisque_from_estimator():
    X = make_test_images(n_images=6, size=48, random_state=0)
    y = np.array([0, 1] * 3)
    extractor = BRISQUEExtractor().fit(X)
    display = BRISQUEFeatureDisplay.from_estimator(
        extractor, X, y, feature_names=["s1_mscn_shape"], kind="hist"
    )
    assert display.artists_.shape == (1, 2)
    assert display.axes_[0].get_title() == "s1_mscn_shape"


# MSCNDisplay


def test_mscn_display_maps_and_histograms():
    X = make_test_images(n_images=2, size=32, random_state=0)
    display = MSCNDisplay.from_images(
        X, labels=["real", "upscaled"], hist_range=None, density=False, log=False
    )
    assert len(display.axes_) == 3
    np.testing.assert_allclose(display.images_[1].get_array(), mscn(X)[1], rtol=1e-6)
    assert display.images_[0].get_clim() == (-2.0, 2.0)
    assert display.axes_[0].get_title() == "MSCN, real"
    for step in display.hist_:  # the full range: every pixel counted once
        values, _, _ = step.get_data()
        assert values.sum() == 32 * 32
    assert display.axes_[2].get_yscale() == "linear"


def test_mscn_display_reuses_axes_and_checks_labels():
    X = make_test_images(n_images=2, size=32, random_state=0)
    fig, axes = plt.subplots(1, 3)
    display = MSCNDisplay.from_images(X, ax=axes, vlim=1.0)
    assert display.figure_ is fig and display.axes_[2] is axes[2]
    assert display.images_[0].get_clim() == (-1.0, 1.0)
    assert display.axes_[2].get_yscale() == "log"
    with pytest.raises(ValueError, match="one entry per image"):
        MSCNDisplay.from_images(X, labels=["only one"])


# matplotlib stays optional


@pytest.mark.parametrize(
    "make",
    [
        lambda im: PatchScoreDisplay(image=im, tile_scores=np.zeros((4, 4)), patch_size=32),
        lambda im: JPEGMapDisplay(
            image=im, quality_map=np.zeros((128, 128)), flag_map=np.zeros((128, 128))
        ),
        lambda im: BRISQUEFeatureDisplay(features=np.zeros((2, 1)), y=[0, 1], feature_names=["a"]),
        lambda im: MSCNDisplay(mscn_maps=[im]),
    ],
    ids=["patch", "jpeg", "brisque", "mscn"],
)
def test_missing_matplotlib_names_the_extra(make, image, monkeypatch):
    display = make(image)
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "skforensics\[torch\]"'):
        display.plot()


def test_importing_inspection_imports_neither_matplotlib_nor_torch():
    import subprocess

    code = (
        "import sys, skforensics.inspection; "
        "print(sorted({'matplotlib', 'torch'} & set(sys.modules)))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "[]"


def test_displays_accept_uint8_and_rgb_images(image):
    rgb = np.round(np.repeat(image[..., None], 3, axis=2) * 255).astype(np.uint8)
    display = PatchScoreDisplay.from_predictions(rgb, np.zeros((4, 4)), patch_size=32)
    np.testing.assert_allclose(display.image_.get_array(), rgb / 255, atol=1e-6)
    with pytest.raises(ValueError, match="Float images must lie in"):
        PatchScoreDisplay.from_predictions(image * 255, np.zeros((4, 4)), patch_size=32)
