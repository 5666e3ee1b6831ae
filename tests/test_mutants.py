"""Tests that kill the hand-made mutants that survived (issue 25, part 6).

Each test pins one behaviour that a small wrong edit of the code changed
without any test failing:

- BT.709 instead of BT.601 weights in ``jpeg_evidence``'s float and uint16
  path: float RGB decoded from Q90/Q95 JPEGs then read "never compressed"
  (only Q60 was tested);
- ``PatchCNNRegressor``'s (and ``PatchCNNClassifier``'s) ``max`` and
  ``minmax`` pooling changed: they were never tested;
- ``upscale_verdict``'s video branch scoring a flat frame instead of the
  frame: its test checked shapes and a mean it recomputed;
- the 5-sample boundary of the logistic PLCC mapping;
- an off-by-one on ``check_image``'s minimum size (caught only by a models
  test).

They test public behaviour only.
"""

import io
import warnings

import numpy as np
import pytest
from PIL import Image


def _photo(size=128):
    """A textured 8-bit RGB photograph (coffee, a sample of the package)."""
    from skforensics.datasets import load_sample_images

    photo = load_sample_images(as_gray=False)[4][:size, :size]
    return np.round(photo * 255).astype(np.uint8)


def _jpeg(image, quality):
    buf = io.BytesIO()
    Image.fromarray(image).save(buf, "JPEG", quality=quality, subsampling=0)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


# ---------------------------------------------------------------------------
# jpeg_evidence: BT.601 luminance on every dtype path.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("quality", [90, 95])
@pytest.mark.parametrize("dtype", ["uint8", "float32", "float64", "uint16"])
def test_jpeg_evidence_reads_high_quality_rgb_in_every_dtype(quality, dtype):
    # JPEG computes its luminance with BT.601 weights; in another matrix
    # (BT.709) the lattice of a fine table is lost and float or uint16 RGB
    # of a Q90/Q95 JPEG read "never compressed".
    from skforensics.inspection import jpeg_evidence

    decoded = _jpeg(_photo(), quality)
    if dtype == "uint16":
        pixels = decoded.astype(np.uint16) * 257
    elif dtype == "uint8":
        pixels = decoded
    else:
        pixels = decoded.astype(dtype) / 255
    evidence = jpeg_evidence(pixels, double=False)
    assert evidence.verdict == "compressed", evidence.reason
    assert abs(evidence.table_quality - quality) <= 3


def test_jpeg_evidence_gives_the_same_answer_for_every_dtype():
    from skforensics.inspection import jpeg_evidence

    decoded = _jpeg(_photo(), 92)
    answers = [
        jpeg_evidence(pixels, double=False)
        for pixels in (decoded, decoded / 255.0, decoded.astype(np.uint16) * 257)
    ]
    for evidence in answers[1:]:
        assert evidence.verdict == answers[0].verdict
        assert evidence.table_quality == answers[0].table_quality
        assert tuple(evidence.grid_phase) == tuple(answers[0].grid_phase)


# ---------------------------------------------------------------------------
# Patch nets: max and minmax pooling.
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def patch_regressor():
    pytest.importorskip("torch")
    from skforensics.models import PatchCNNRegressor

    rng = np.random.default_rng(0)
    X = rng.random((6, 24, 24), dtype=np.float32)
    y = np.linspace(0, 5, 6)
    net = PatchCNNRegressor(patch_size=8, max_epochs=2, verbose=0, random_state=0,
                            module__n_filters=4, module__n_hidden=6)
    return net.fit(X, y), X


@pytest.mark.parametrize(
    "pooling, pool",
    [
        ("mean", np.mean),
        ("median", np.median),
        ("vote", np.median),
        ("max", np.max),
        ("minmax", lambda s: (s.max() + s.min()) / 2),
    ],
)
def test_patch_regressor_pooling_of_the_tile_scores(patch_regressor, pooling, pool):
    net, X = patch_regressor
    net.set_params(pooling=pooling)
    try:
        maps = net.predict_patch_map(X)
        expected = np.array([pool(m.ravel()) for m in maps])
        # The scores differ from tile to tile, or the test could not tell.
        assert all(np.ptp(m) > 1e-4 for m in maps)
        np.testing.assert_allclose(net.predict(X), expected, rtol=1e-5, atol=1e-6)
    finally:
        net.set_params(pooling="mean")


def test_patch_regressor_poolings_differ(patch_regressor):
    net, X = patch_regressor
    answers = {}
    for pooling in ("mean", "max", "minmax"):
        net.set_params(pooling=pooling)
        answers[pooling] = net.predict(X)
    net.set_params(pooling="mean")
    maps = net.predict_patch_map(X)
    assert np.all(answers["max"] >= answers["minmax"])
    assert np.all(answers["max"] >= answers["mean"])
    assert np.all(answers["max"] > np.array([m.min() for m in maps]))
    assert not np.allclose(answers["max"], answers["minmax"])


@pytest.fixture(scope="module")
def patch_classifier():
    pytest.importorskip("torch")
    from skforensics.models import PatchCNNClassifier

    rng = np.random.default_rng(1)
    X = rng.random((6, 24, 24), dtype=np.float32)
    X[::2] *= 0.3  # two classes the net can half learn
    y = np.arange(6) % 2
    net = PatchCNNClassifier(patch_size=8, max_epochs=2, verbose=0, random_state=0,
                             module__n_filters=4, module__n_hidden=6,
                             module__n_blocks=1, module__pool_size=2)
    return net.fit(X, y), X


@pytest.mark.parametrize("pooling", ["max", "minmax"])
def test_patch_classifier_max_and_minmax_pooling(patch_classifier, pooling):
    # Documented: for two classes, max (or mid-range) of the second class's
    # tile probabilities, the first class its complement.
    net, X = patch_classifier
    maps = net.predict_patch_map(X)  # P(classes_[1]) of each tile
    net.set_params(pooling=pooling)
    try:
        proba = net.predict_proba(X)
    finally:
        net.set_params(pooling="mean")
    second = [m.ravel() for m in maps]
    pooled = np.array(
        [s.max() if pooling == "max" else (s.max() + s.min()) / 2 for s in second]
    )
    assert all(np.ptp(s) > 1e-4 for s in second)
    np.testing.assert_allclose(proba[:, 1], pooled, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(proba.sum(axis=1), 1, rtol=1e-6)


# ---------------------------------------------------------------------------
# upscale_verdict: a video's verdict is that of its frames.
# ---------------------------------------------------------------------------


def _video_of(frames, path):
    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=5, options={"qp": "0"})
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv444p"
        for image in frames:
            frame = av.VideoFrame.from_ndarray(image, format="rgb24")
            for packet in stream.encode(frame):
                container.mux(packet)
        for packet in stream.encode():
            container.mux(packet)


def test_upscale_verdict_scores_each_frame_of_a_video(tmp_path):
    # Frames of different content get different probabilities, each equal
    # to the verdict on that frame as an image: a branch that scored a flat
    # (or any other) frame instead could not match all of them.
    pytest.importorskip("av")
    pytest.importorskip("torch")
    from skforensics.datasets import LazyVideoFrames
    from skforensics.inspection import upscale_verdict
    from skforensics.models import pretrained

    photo = _photo(256)[:128, :192]
    upscaled = np.asarray(
        Image.fromarray(photo[::3, ::3]).resize((192, 128), Image.Resampling.BICUBIC)
    )
    noise = np.random.default_rng(0).integers(0, 256, (128, 192, 3), dtype=np.uint8)
    frames = [photo, upscaled, noise, upscaled]
    path = tmp_path / "mixed.mp4"
    _video_of(frames, path)
    estimator = pretrained("upscale-factor")
    verdict = upscale_verdict(path, n_frames=4, estimator=estimator)
    assert verdict.kind == "video" and sorted(verdict.frames) == [0, 1, 2, 3]
    decoded = LazyVideoFrames(path)
    per_frame = np.array(
        [upscale_verdict(decoded[i], estimator=estimator).p_upscaled
         for i in verdict.frames]
    )
    decoded.close()
    np.testing.assert_allclose(verdict.frame_p_upscaled, per_frame, atol=1e-5)
    assert np.ptp(per_frame) > 0.2, per_frame  # the frames are told apart
    assert 0.0 <= verdict.p_upscaled <= 1.0


# ---------------------------------------------------------------------------
# plcc: the logistic mapping needs 5 samples, and uses them from 5 on.
# ---------------------------------------------------------------------------


def test_logistic_plcc_from_exactly_five_samples():
    from skforensics.metrics import plcc, rmse

    x = np.array([-2.0, -1.0, 0.0, 1.0, 2.0])
    y = 3 / (1 + np.exp(-4 * x))  # a steep logistic: a line fits it badly
    with warnings.catch_warnings():
        warnings.filterwarnings("error", message=".*needs at least")
        logistic = rmse(y, x, mapping="logistic")
        plcc(y, x, mapping="logistic")
    assert logistic < 0.5 * rmse(y, x, mapping="linear")


def test_logistic_plcc_below_five_samples_is_linear_with_a_warning():
    from skforensics.metrics import plcc, rmse

    x = np.array([-2.0, -1.0, 1.0, 2.0])
    y = 3 / (1 + np.exp(-4 * x))
    with pytest.warns(UserWarning, match="needs at least 5 samples; got 4"):
        mapped = rmse(y, x, mapping="logistic")
    assert mapped == pytest.approx(rmse(y, x, mapping="linear"), rel=1e-9)
    with pytest.warns(UserWarning, match="needs at least 5"):
        assert plcc(y, x, mapping="logistic") == pytest.approx(
            plcc(y, x, mapping="linear"), rel=1e-9
        )


# ---------------------------------------------------------------------------
# check_images: min_size is inclusive, per side.
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("form", ["array", "list"])
@pytest.mark.parametrize("min_size", [16, (16, 20)])
def test_check_images_min_size_is_inclusive(form, min_size):
    from skforensics.utils import check_images

    h, w = np.broadcast_to(min_size, 2)

    def images(height, width):
        X = np.zeros((2, height, width), np.float32)
        return X if form == "array" else list(X)

    assert len(check_images(images(h, w), min_size=min_size)) == 2
    for height, width in ((h - 1, w), (h, w - 1)):
        with pytest.raises(ValueError, match=f"at least {h}x{w}"):
            check_images(images(height, width), min_size=min_size)
