"""PixelwiseJPEGRegressor's ``inference_precision``: bfloat16 dilated layers."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("skorch")

from skforensics.models import PixelwiseJPEGRegressor  # noqa: E402
from skforensics.models._inference import resolve_precision  # noqa: E402
from skforensics.utils import make_test_images  # noqa: E402

NATIVE_BF16 = resolve_precision("auto", "cpu") == "bfloat16"


@pytest.fixture(scope="module")
def fitted():
    X = make_test_images(n_images=3, size=96, n_channels=3, random_state=0)
    settings = dict(patch_size=32, patches_per_epoch=16, batch_size=8, max_epochs=1)
    est = PixelwiseJPEGRegressor(
        module__n_filters=8, module__lattice_qualities=(100, 50), **settings,
        verbose=0, random_state=0,
    )
    return est.fit(X), X


def test_precision_is_checked():
    X = make_test_images(n_images=2, size=40, n_channels=3, random_state=0)
    with pytest.raises(ValueError, match="'inference_precision'"):
        PixelwiseJPEGRegressor(inference_precision="float16", max_epochs=1).fit(X)


def test_precision_is_checked_at_predict(fitted):
    est, X = fitted
    est.set_params(inference_precision="half")
    try:
        with pytest.raises(ValueError, match="'inference_precision'.*'half'"):
            est.predict_maps(X[:1])
    finally:
        est.set_params(inference_precision="float32")


def test_auto_is_float32_off_the_cpu_and_without_native_bfloat16(monkeypatch):
    assert resolve_precision("auto", "cuda") == "float32"
    assert resolve_precision("float32", "cpu") == "float32"
    assert resolve_precision("bfloat16", "cuda") == "bfloat16"
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: False)
    assert resolve_precision("auto", "cpu") == "float32"
    monkeypatch.setattr(torch.cpu, "_is_avx512_bf16_supported", lambda: True)
    assert resolve_precision("auto", "cpu") == "bfloat16"


@pytest.mark.skipif(not NATIVE_BF16, reason="this CPU has no native bfloat16")
def test_bfloat16_maps_are_close_and_leave_the_float32_copy_alone(fitted):
    est, X = fitted
    est.set_params(inference_precision="float32")
    full = est._inference_module()
    q32, f32 = est.predict_maps(X)
    est.set_params(inference_precision="bfloat16")
    half = est._inference_module()
    assert half is not full and half is est._inference_module()  # made once
    # The first convolution (the front end's projection) stays float32.
    assert half.layers[0].weight.dtype == torch.float32
    assert {p.dtype for p in half.layers[1:].parameters()} == {torch.bfloat16}
    assert {p.dtype for p in full.parameters()} == {torch.float32}
    q16, f16 = est.predict_maps(X)
    for a, b in zip(q16, q32):
        assert a.dtype == np.float32
        assert 0 < np.abs(a - b).max() < 2.0  # quality points
    for a, b in zip(f16, f32):
        assert np.abs(a - b).max() < 0.05
    est.set_params(inference_precision="float32")
    q, _ = est.predict_maps(X)
    for a, b in zip(q, q32):
        np.testing.assert_array_equal(a, b)  # float32 untouched by the detour


@pytest.mark.skipif(not NATIVE_BF16, reason="this CPU has no native bfloat16")
def test_new_weights_make_a_new_bfloat16_copy(fitted):
    est, X = fitted
    est.set_params(inference_precision="bfloat16")
    before = est._inference_module()
    with torch.no_grad():
        est.module_.layers[-1].bias.add_(0.25)
    try:
        after = est._inference_module()
        assert after is not before
        torch.testing.assert_close(
            after.layers[-1].bias.float(), est.module_.layers[-1].bias, atol=1e-2,
            rtol=0,
        )
    finally:
        with torch.no_grad():
            est.module_.layers[-1].bias.sub_(0.25)
        est.set_params(inference_precision="float32")
