"""The one inference module: cached evaluation copies, probe, batched loop."""

import numpy as np
import pytest
import torch

from skforensics.feature import extract_patches
from skforensics.models import PatchCNNRegressor, PixelwiseJPEGRegressor
from skforensics.models._inference import (
    ProbeCaptured,
    clear_inference_cache,
    inference_module,
    patch_grid_outputs,
    probe_module,
)
from skforensics.utils import make_test_images


def _net():
    torch.manual_seed(0)
    return torch.nn.Sequential(
        torch.nn.Conv2d(1, 4, 3),
        torch.nn.BatchNorm2d(4),
        torch.nn.ReLU(),
        torch.nn.AdaptiveAvgPool2d(1),
        torch.nn.Flatten(),
        torch.nn.Linear(4, 2),
    )


def test_inference_module_is_cached_and_matches_eval():
    net = _net()
    net[1].running_mean.fill_(0.3)
    first = inference_module(net)
    assert inference_module(net) is first
    assert net.training  # the trained net is left as it was
    x = torch.rand(3, 1, 10, 10)
    with torch.no_grad():
        expected = net.eval()(x)
    net.train()
    np.testing.assert_allclose(first(x).detach(), expected, atol=1e-5)
    # Another device or layout is another copy.
    assert inference_module(net, fuse=False) is not first


def test_inference_module_follows_weight_changes():
    net = _net()
    first = inference_module(net)
    with torch.no_grad():
        net[0].weight.add_(1.0)  # a training step changes tensors in place
    second = inference_module(net)
    assert second is not first
    np.testing.assert_allclose(
        second[0].weight.detach(), net[0].weight.detach()
        * (net[1].weight / torch.sqrt(net[1].running_var + net[1].eps)).view(-1, 1, 1, 1).detach(),
        rtol=1e-5,
    )
    net.load_state_dict(_net().state_dict())
    assert inference_module(net) is not second
    clear_inference_cache()
    assert inference_module(net) is not second


def test_estimator_copy_invalidated_by_refit_and_partial_fit():
    X = make_test_images(6, 32, n_channels=1)
    y = np.linspace(0, 1, 6)
    est = PatchCNNRegressor(
        patch_size=16, module__n_filters=4, max_epochs=1, verbose=0, random_state=0
    ).fit(X, y)
    copy1 = est._inference_module()
    before = est.predict(X)
    assert est._inference_module() is copy1
    est.partial_fit(X, y)
    assert est._inference_module() is not copy1
    after = est.predict(X)
    clear_inference_cache()
    np.testing.assert_array_equal(est.predict(X), after)
    assert not np.array_equal(before, after)
    old_module = est.module_
    est.set_params(module__n_filters=3).fit(X, y)
    assert est.module_ is not old_module
    assert est._inference_module() is not copy1
    n_filters = [m.out_channels for m in est._inference_module().modules()
                 if isinstance(m, torch.nn.Conv2d)]
    assert n_filters[0] == 3


@pytest.mark.parametrize("batch_size", [1, 5, 64])
def test_patch_grid_outputs_match_patch_by_patch(batch_size):
    rng = np.random.default_rng(0)
    X = [rng.random((20, 27, 2), dtype=np.float32), rng.random((9, 16, 2), np.float32)]
    net = torch.nn.Sequential(torch.nn.Conv2d(2, 3, 8), torch.nn.Flatten()).eval()

    def patches_of(image):
        return extract_patches(image, (8, 8), sampling="grid", stride=(4, 3))

    outputs = patch_grid_outputs(
        X,
        patches_of=patches_of,
        forward=lambda x: net(x).numpy(),
        batch_size=batch_size,
        n_channels=2,
        patch_size=(8, 8),
    )
    for image, out in zip(X, outputs):
        view = patches_of(image)
        assert out.shape == view.shape[:2] + (3,)
        for u in range(view.shape[0]):
            for v in range(view.shape[1]):
                patch = torch.from_numpy(np.ascontiguousarray(view[u, v]))
                with torch.no_grad():
                    expected = net(patch.permute(2, 0, 1)[None])[0].numpy()
                np.testing.assert_allclose(out[u, v], expected, atol=1e-6)


def test_probe_module_restores_mode_and_stops_at_hook():
    net = _net().train()
    assert probe_module(net, 1, (8, 8)).shape == (2, 2)
    assert net.training
    seen = []

    def hook(mod, inputs, output):
        seen.append(output.shape)
        raise ProbeCaptured

    assert probe_module(net, 1, (8, 8), hooks=[(net[2], hook)]) is None
    assert seen == [torch.Size([2, 4, 6, 6])]
    assert not net[2]._forward_hooks  # removed
    with pytest.raises(RuntimeError):
        probe_module(net, 1, (2, 2))
    assert net.training


def test_jpeg_estimator_reuses_its_copy():
    est = PixelwiseJPEGRegressor(
        module__n_filters=4, patches_per_epoch=4, max_epochs=1, verbose=0,
        random_state=0,
    ).fit(make_test_images(2, 64, n_channels=3))
    module = est._inference_module()
    assert module.chunk_size is not None
    assert est._inference_module() is module
    assert est.module_.chunk_size is None  # the fitted net is left alone


def test_embedder_shares_its_copy_safely_between_threads():
    from joblib import parallel_backend

    from skforensics.models import PatchEmbedder

    X = make_test_images(8, 32, n_channels=1)
    y = np.linspace(0, 1, 8)
    est = PatchCNNRegressor(
        patch_size=16, module__n_filters=4, max_epochs=1, verbose=0, random_state=0
    )
    emb = PatchEmbedder(est, grid=(3, 3), batch_size=5).fit(X, y)
    serial = emb.transform(X)
    with parallel_backend("threading", n_jobs=2):
        threaded = emb.set_params(n_jobs=2).transform(X)
    # Chunks of images batch differently (float rounding only); a hook of
    # one thread firing in another's forward would mix whole embeddings.
    np.testing.assert_allclose(threaded, serial, atol=1e-6)
    # The one cached copy served both and carries no hook afterwards.
    copy = inference_module(
        emb.estimator_.module_, fuse=False, channels_last=False
    )
    assert not any(m._forward_hooks for m in copy.modules())
