"""The training script of the shipped jpeg-quality weights, on a tiny run."""

import importlib.util
import os

import numpy as np
import pytest
from PIL import Image

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

SCRIPT = os.path.join(
    os.path.dirname(__file__), os.pardir, "scripts", "train_jpeg_quality.py"
)


@pytest.fixture(scope="module")
def script():
    spec = importlib.util.spec_from_file_location("train_jpeg_quality", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(autouse=True)
def _no_onednn_jit():
    enabled = torch.backends.mkldnn.enabled
    torch.backends.mkldnn.enabled = False
    yield
    torch.backends.mkldnn.enabled = enabled


def test_quality_boost_weights(script):
    assert script.quality_weights([]) is None
    weights = script.quality_weights(["99:8", "100:4"])
    assert weights.shape == (96,) and weights[0] == 1
    assert weights[99 - 5] == 8 and weights[100 - 5] == 4
    with pytest.raises(SystemExit, match="Q must be an int in 5..100"):
        script.quality_weights(["101:2"])
    with pytest.raises(SystemExit, match="expected Q:W with W a number"):
        script.quality_weights(["99"])


def test_two_stages_record_their_budget(script, tmp_path):
    from skforensics.models import load_pretrained_jpeg

    data = tmp_path / "photos"
    data.mkdir()
    rng = np.random.default_rng(0)
    for i in range(12):
        # At least the 79-pixel receptive field of the widened stage-2 net.
        pixels = rng.integers(0, 256, (80, 88, 3), dtype=np.uint8)
        Image.fromarray(pixels).save(data / f"{i}.png")
    common = [
        "--data", str(data), "--n-filters", "4", "--epochs", "1",
        "--patches-per-epoch", "8", "--batch-size", "4", "--valid-patches", "4",
    ]  # fmt: skip
    stage1 = tmp_path / "out" / "stage1.pt"  # the folder is created
    assert script.main(common + ["--out", str(stage1)]) == 0
    stage2 = tmp_path / "stage2.pt"
    argv = common + [
        "--out", str(stage2), "--init", f"{stage1}.ckpt",
        "--quality-boost", "99:8", "100:8", "--uncompressed-fraction", "0.2",
    ]  # fmt: skip
    assert script.main(argv) == 0
    info = load_pretrained_jpeg(path=stage2).pretrained_info_
    (earlier,) = info["earlier_stages"]
    assert earlier["epochs"] == 1 and earlier["settings"]["quality_boost"] == []
    assert info["settings"]["quality_boost"] == ["99:8", "100:8"]
    assert info["train_seconds_all_stages"] == pytest.approx(
        info["train_seconds"] + earlier["train_seconds"], abs=0.11
    )
    assert "valid_detect_q99_100" in info["final"]
    # The data folder is recorded relative to the repository, not the machine.
    repo = os.path.dirname(os.path.dirname(os.path.abspath(SCRIPT)))
    assert info["data"] == os.path.relpath(data, repo)
    # The weights carry their quality calibration, fitted on the validation
    # images after training ...
    assert info["quality_calibration"]["qualities_per_image"] == 24
    assert load_pretrained_jpeg(path=stage2).quality_calibration_ is not None
    # ... or on its own, for an existing weights file.
    recalibrated = tmp_path / "recalibrated.pt"
    argv = common + [
        "--out", str(recalibrated), "--calibrate-only", str(stage2),
        "--calibration-qualities", "3",
    ]  # fmt: skip
    assert script.main(argv) == 0
    loaded = load_pretrained_jpeg(path=recalibrated)
    assert loaded.pretrained_info_["quality_calibration"]["qualities_per_image"] == 3
    assert loaded.pretrained_info_["train_seconds"] == info["train_seconds"]
    original = load_pretrained_jpeg(path=stage2).module_.state_dict()
    for key, value in loaded.module_.state_dict().items():
        torch.testing.assert_close(value, original[key], rtol=0, atol=0)
    # Resuming must keep the sampling of the run it continues.
    match = r"--quality-boost is \[\] but the checkpoint was made with \['99:8'"
    with pytest.raises(SystemExit, match=match):
        script.main(
            common + ["--out", str(stage2), "--init", f"{stage1}.ckpt",
                      "--resume", f"{stage2}.ckpt"]
        )  # fmt: skip


def test_init_widens_a_net_for_new_quality_tests(script):
    # A stage that adds --lattice-qualities starts from the earlier net with
    # zero weights on the new inputs: the same maps, then it learns.
    from skforensics.nn import JPEGQualityNet

    torch.manual_seed(0)
    old = JPEGQualityNet(n_filters=4).eval()
    new = JPEGQualityNet(n_filters=4, lattice_qualities=(100, 30)).eval()
    script.load_widened(new, old.state_dict())
    assert float(new.layers[0].weight.detach()[:, -2:].abs().sum()) == 0.0
    x = torch.rand(1, 3, 48, 48)
    with torch.no_grad():
        torch.testing.assert_close(new(x), old(x))
