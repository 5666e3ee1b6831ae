"""Each shipped weight file is pinned by its sha256 and its outputs (issue 25).

A changed or damaged weight file fails here: the hash says that the bytes
changed, the outputs on fixed inputs say by how much the answers moved.
Retraining a model means updating both, deliberately, in the same commit
as the weights.

The outputs were computed on CPU with torch 2.13 (constraints.txt); the
tolerances leave room for other BLAS builds, not for other weights.
"""

import hashlib
import io
import os

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("torch")


SHA256 = {
    "jpeg-quality.skf": "ba2e783758522ea614a40dd95fb9a6a87172c39b3b087da53892796851710d2b",
    "jpeg-quality-fast.skf": (
        "2016521c2f750bd95b43a5091f22954042f16f73aed81324c18e3e40230a5cc1"
    ),
    "upscale.skf": "1001539eff9070339ddddb075b06b19b13c2fa22c123be7365475d5207152633",
    # upscale_verdict's combiner (JSON, read by load_upscale_pooling).
    "upscale-pooling.json": (
        "cd53b4a695159bf4f5df2b60ca650df5f4eee97a51d08ea4734aa32d7795398e"
    ),
}
# Weight files not pinned here, with why.
NOT_PINNED = {}


def _weights_dir():
    from importlib import resources

    return str(resources.files("skforensics.models").joinpath("weights"))


def test_every_weight_file_is_pinned_or_said_not_to_be():
    shipped = {f for f in os.listdir(_weights_dir())
               if f.endswith((".skf", ".pt")) or f == "upscale-pooling.json"}
    assert shipped == set(SHA256) | (shipped & set(NOT_PINNED))
    assert set(SHA256) <= shipped


@pytest.mark.parametrize("name", sorted(SHA256))
def test_weight_file_sha256(name):
    with open(os.path.join(_weights_dir(), name), "rb") as f:
        digest = hashlib.sha256(f.read()).hexdigest()
    assert digest == SHA256[name], (
        f"{name} changed: if it was retrained on purpose, update SHA256 and the "
        "pinned outputs in this file"
    )


def _inputs():
    """Coffee (a sample image of the package), 96x128, as PNG, Q50 and Q90 JPEG."""
    from skforensics.datasets import load_sample_images

    photo = np.round(load_sample_images(as_gray=False)[4][:96, :128] * 255)
    photo = photo.astype(np.uint8)

    def jpeg(quality):
        buf = io.BytesIO()
        Image.fromarray(photo).save(buf, "JPEG", quality=quality)
        return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))

    return [photo, jpeg(50), jpeg(90)]


# name -> (predict, predict_proba[:, -1], mean of each quality map, mean of
# each flag map) on _inputs().
PINNED = {
    "jpeg-quality": (
        [100.000000, 48.038899, 88.179703],
        [0.113307, 0.997006, 0.984610],
        [99.647377, 48.181553, 88.074974],
        [0.142888, 0.989469, 0.977247],
    ),
    "jpeg-quality-fast": (
        [99.778898, 46.145536, 87.796408],
        [0.149038, 0.988860, 0.950081],
        [99.384956, 46.595531, 87.176910],
        [0.174469, 0.981752, 0.933843],
    ),
}


def _check_pinned(model, name, scale=1.0):
    X = _inputs()
    quality, proba, quality_maps, flag_maps = PINNED[name]
    np.testing.assert_allclose(model.predict(X), quality, atol=0.05 * scale)
    np.testing.assert_allclose(model.predict_proba(X)[:, -1], proba, atol=2e-3 * scale)
    maps = model.predict_maps(X)
    means = [np.mean(m) for m in maps[0]], [np.mean(m) for m in maps[1]]
    np.testing.assert_allclose(means[0], quality_maps, atol=0.05 * scale)
    np.testing.assert_allclose(means[1], flag_maps, atol=2e-3 * scale)


@pytest.mark.parametrize("name", sorted(PINNED))
def test_pretrained_outputs_are_pinned(name):
    # In float32, whatever the CPU (pretrained() picks bfloat16 where the
    # CPU has it: pinned below with its own tolerance).
    from skforensics.models import pretrained

    _check_pinned(pretrained(name).set_params(inference_precision="float32"), name)


@pytest.mark.parametrize("name", sorted(PINNED))
def test_pretrained_outputs_in_bfloat16_stay_near_the_pins(name):
    import torch

    from skforensics.models import pretrained
    from skforensics.models._inference import resolve_precision

    if resolve_precision("auto", "cpu") != "bfloat16":
        pytest.skip("this CPU has no native bfloat16 (AVX512-BF16)")
    model = pretrained(name)
    assert model.inference_precision == "auto"
    assert model._inference_module().layers[-1].weight.dtype == torch.bfloat16
    # bfloat16 moves the quality by ~0.1 and the probabilities by ~1e-3 here.
    _check_pinned(model, name, scale=8.0)


def test_upscale_verdict_outputs_are_pinned():
    """The shipped verdict on a sample crop, native and upscaled x2 (bicubic)."""
    import cv2

    from skforensics.datasets import load_sample_images
    from skforensics.inspection import upscale_verdict
    from skforensics.models import pretrained

    native = np.round(load_sample_images()[4][:192, :256] * 255).astype(np.uint8)
    small = cv2.resize(native, (128, 96), interpolation=cv2.INTER_AREA)
    upscaled = cv2.resize(small, (256, 192), interpolation=cv2.INTER_CUBIC)
    estimator = pretrained("upscale-factor")
    a = upscale_verdict(native, estimator=estimator)
    b = upscale_verdict(upscaled, estimator=estimator)
    assert not a.upscaled and a.p_upscaled < 1e-6
    assert b.upscaled and b.factor == 2.0 and b.p_upscaled > 0.9999
    assert a.evidence["logit_mean"] == pytest.approx(-11.138853, abs=1e-3)
    assert b.evidence["logit_mean"] == pytest.approx(9.103356, abs=1e-3)
    assert a.evidence["periodicity_x"] == pytest.approx(2.002948, abs=1e-3)
    assert b.evidence["periodicity_x"] == pytest.approx(2.15345, abs=1e-3)
