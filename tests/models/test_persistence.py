"""Model files of the torch estimators: every fitted estimator round-trips.

Refused files (pickles, untrusted names, newer formats) are tested once for
all in tests/utils/test_persistence.py; here, what the torch half adds.
"""

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from sklearn.pipeline import make_pipeline  # noqa: E402

from skforensics.feature import GrayscaleTransformer  # noqa: E402
from skforensics.models import (  # noqa: E402
    HyperImageClassifier,
    HyperImageNetClassifier,
    HyperImageNetRegressor,
    HyperImageRegressor,
    PatchCNNClassifier,
    PatchCNNRegressor,
    PatchEmbedder,
    PatchRankingRegressor,
    PixelwiseJPEGRegressor,
    load_pretrained_jpeg,
)
from skforensics.nn import JPEGQualityNet, PatchCNN  # noqa: E402
from skforensics.utils import load_model, make_test_images, save_model  # noqa: E402
from skforensics.utils._persistence import HEADER_KEY  # noqa: E402

TINY = dict(
    patch_size=8,
    max_epochs=1,
    verbose=0,
    random_state=0,
    module__n_filters=4,
    module__n_hidden=6,
)
STAGE2 = dict(
    max_epochs=1, verbose=0, random_state=0, module__n_filters=(4,), module__n_hidden=(8,)
)
JPEG_TINY = dict(
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
    # oneDNN compiles kernels per input shape, seconds each on 2 shared cores.
    enabled = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False
    yield
    torch.backends.mkldnn.enabled = enabled


GRAY = make_test_images(6, 32, random_state=0)
RGB = make_test_images(4, 48, n_channels=3, dtype=np.uint8, random_state=0)
LABELS = np.array(["native", "upscaled"] * 3)
SCORES = np.linspace(0, 1, 6)
SMALL_PATCH_CNN = dict(module__n_blocks=1, module__pool_size=2)

# name -> (fit the estimator, its images, the methods compared)
CASES = {
    "patch-classifier": (
        lambda: PatchCNNClassifier(module=PatchCNN, **{**TINY, "patch_size": 16})
        .fit(GRAY, LABELS),
        GRAY,
        ["predict_proba", "predict", "predict_patch_map"],
    ),
    "patch-regressor": (
        lambda: PatchCNNRegressor(**TINY).fit(GRAY, SCORES),
        GRAY,
        ["predict", "predict_patch_map"],
    ),
    "ranking-regressor": (
        lambda: PatchRankingRegressor(**TINY).fit(GRAY, SCORES),
        GRAY,
        ["predict"],
    ),
    "embedder": (
        lambda: PatchEmbedder(PatchCNNRegressor(**TINY), grid=(2, 3)).fit(GRAY, SCORES),
        GRAY,
        ["transform"],
    ),
    "hyper-regressor": (
        lambda: HyperImageRegressor(
            PatchEmbedder(PatchCNNRegressor(**TINY), grid=(2, 3)),
            HyperImageNetRegressor(**STAGE2),
            cv=2,
        ).fit(GRAY, SCORES),
        GRAY,
        ["predict"],
    ),
    "hyper-classifier": (
        lambda: HyperImageClassifier(
            PatchEmbedder(
                PatchCNNClassifier(**TINY, **SMALL_PATCH_CNN), grid=(2, 2)
            ),
            HyperImageNetClassifier(**STAGE2),
            cv=2,
        ).fit(GRAY, LABELS),
        GRAY,
        ["predict_proba", "predict"],
    ),
    "jpeg": (
        lambda: PixelwiseJPEGRegressor(**JPEG_TINY).fit(RGB),
        RGB,
        ["predict", "predict_proba", "predict_maps"],
    ),
    "jpeg-module-instance": (
        lambda: PixelwiseJPEGRegressor(
            module=JPEGQualityNet(n_filters=4),
            **{k: v for k, v in JPEG_TINY.items() if k != "module__n_filters"},
        ).fit(RGB),
        RGB,
        ["predict"],
    ),
    "pipeline": (
        lambda: make_pipeline(GrayscaleTransformer(), PatchCNNRegressor(**TINY))
        .fit(RGB, SCORES[:4]),
        RGB,
        ["predict"],
    ),
}


def _same(a, b):
    if isinstance(a, (tuple, list)):
        assert len(a) == len(b)
        for u, v in zip(a, b):
            _same(u, v)
    else:
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", list(CASES))
def test_round_trip_gives_identical_predictions(name, tmp_path):
    fit, X, methods = CASES[name]
    est = fit()
    path = tmp_path / "model.skf"
    save_model(est, path)
    loaded = load_model(path)
    assert type(loaded) is type(est)
    for method in methods:
        _same(getattr(loaded, method)(X), getattr(est, method)(X))
    # Saved again, the loaded estimator gives the same file contents.
    save_model(loaded, tmp_path / "again.skf")
    with np.load(path) as a, np.load(tmp_path / "again.skf") as b:
        assert sorted(a.files) == sorted(b.files)
        for key in a.files:
            if key != HEADER_KEY:
                np.testing.assert_array_equal(a[key], b[key])


def test_fitted_state_and_history_survive(tmp_path):
    est = PatchCNNClassifier(**{**TINY, "max_epochs": 2}, **SMALL_PATCH_CNN).fit(GRAY, LABELS)
    save_model(est, tmp_path / "m.skf")
    loaded = load_model(tmp_path / "m.skf")
    np.testing.assert_array_equal(loaded.classes_, est.classes_)
    assert loaded.patch_size_ == est.patch_size_ == (8, 8)
    assert loaded.random_seeds_ == est.random_seeds_
    assert len(loaded.history) == 2
    assert loaded.history[:, "train_loss"] == est.history[:, "train_loss"]
    # The loaded estimator is an ordinary one: it refits.
    loaded.set_params(max_epochs=1).fit(GRAY, LABELS)


def test_unfitted_estimator_round_trips(tmp_path):
    est = PatchCNNRegressor(**TINY)
    save_model(est, tmp_path / "m.skf")
    loaded = load_model(tmp_path / "m.skf")
    assert not hasattr(loaded, "module_")
    assert loaded.get_params()["module__n_filters"] == 4


def test_pretrained_jpeg_round_trip(tmp_path):
    est = load_pretrained_jpeg()
    save_model(est, tmp_path / "jpeg.skf")
    loaded = load_model(tmp_path / "jpeg.skf")
    X = make_test_images(2, 96, n_channels=3, random_state=0)
    _same(loaded.predict_maps(X), est.predict_maps(X))
    assert loaded.pretrained_info_ == est.pretrained_info_


def _with_device(path, device):
    """Rewrite a model file as if its net had been fitted on ``device``."""
    with np.load(path) as archive:
        entries = {k: archive[k] for k in archive.files}
    header = json.loads(str(entries[HEADER_KEY][()]))
    pairs = header["model"]["params"]["__dict__"]
    for pair in pairs:
        if pair[0] == "device":
            pair[1] = device
    entries[HEADER_KEY] = np.array(json.dumps(header))
    with open(path, "wb") as f:
        np.savez(f, **entries)


def test_a_model_fitted_on_another_device_loads_on_cpu(tmp_path):
    est = PatchCNNRegressor(**TINY).fit(GRAY, SCORES)
    path = tmp_path / "m.skf"
    save_model(est, path)
    _with_device(path, "cuda:3")
    loaded = load_model(path)
    assert loaded.device == "cpu"
    assert next(loaded.module_.parameters()).device.type == "cpu"
    np.testing.assert_array_equal(loaded.predict(GRAY), est.predict(GRAY))
    kept = load_model(path, device=None) if torch.cuda.device_count() > 3 else None
    assert kept is None or kept.device == "cuda:3"


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_model_fitted_on_cuda_loads_on_cpu(tmp_path):
    est = PatchCNNRegressor(**{**TINY, "device": "cuda"}).fit(GRAY, SCORES)
    assert next(est.module_.parameters()).is_cuda
    save_model(est, tmp_path / "m.skf")
    loaded = load_model(tmp_path / "m.skf")
    assert loaded.device == "cpu"
    np.testing.assert_allclose(loaded.predict(GRAY), est.predict(GRAY), rtol=1e-4, atol=1e-5)
    on_gpu = load_model(tmp_path / "m.skf", device=None)
    assert on_gpu.device == "cuda"
    np.testing.assert_array_equal(on_gpu.predict(GRAY), est.predict(GRAY))


def test_untrusted_module_class_is_refused(tmp_path):
    est = PatchCNNRegressor(**TINY).fit(GRAY, SCORES)
    path = tmp_path / "m.skf"
    save_model(est, path)
    with np.load(path) as archive:
        entries = {k: archive[k] for k in archive.files}
    header = json.loads(str(entries[HEADER_KEY][()]))
    header["model"]["__net__"] = "evil_package.Net"
    entries[HEADER_KEY] = np.array(json.dumps(header))
    with open(path, "wb") as f:
        np.savez(f, **entries)
    with pytest.raises(ValueError, match=r"not trusted: evil_package\.Net"):
        load_model(path)


def test_torch_model_loads_with_only_utils_imported(tmp_path):
    # utils never imports models: the torch codec is registered by
    # skforensics.models, which resolving the file's (trusted) names imports.
    import subprocess
    import sys

    est = PatchCNNRegressor(**TINY).fit(GRAY, np.linspace(0, 1, len(GRAY)))
    path = tmp_path / "m.skf"
    save_model(est, path)
    np.save(tmp_path / "expected.npy", est.predict(GRAY))
    np.save(tmp_path / "X.npy", GRAY)
    code = (
        "import sys, numpy as np\n"
        "from skforensics.utils import load_model\n"
        "assert 'skforensics.models' not in sys.modules\n"
        f"est = load_model({str(path)!r})\n"
        f"X = np.load({str(tmp_path / 'X.npy')!r})\n"
        f"expected = np.load({str(tmp_path / 'expected.npy')!r})\n"
        # Another process may pick other kernels: float rounding only.
        "np.testing.assert_allclose(est.predict(X), expected, rtol=1e-5)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr


def test_a_torch_node_without_codec_says_what_to_import(tmp_path, monkeypatch):
    from skforensics.utils import _persistence

    monkeypatch.setattr(_persistence, "_CODECS", [])
    reader = _persistence._Reader({}, "m.skf", None)
    with pytest.raises(ValueError, match="import skforensics.models"):
        reader.decode({"__device__": "cpu"})
    with pytest.raises(ValueError, match="damaged"):
        reader.decode({"__nonsense__": 1})
