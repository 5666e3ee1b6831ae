import pytest

torch = pytest.importorskip("torch")

from skforensics.nn import KangCNN, PatchCNN  # noqa: E402


@pytest.mark.parametrize(
    "kwargs, shape, n_out",
    [
        ({}, (3, 1, 64, 64), 2),
        ({"in_channels": 3, "n_outputs": 5}, (2, 3, 64, 64), 5),
        ({"patch_size": 32, "pool_size": 2}, (2, 1, 32, 32), 2),
        ({"patch_size": (48, 80), "n_blocks": 1}, (2, 1, 48, 80), 2),
        ({"n_filters": 8, "n_hidden": 16, "convs_per_block": 1}, (2, 1, 64, 64), 2),
    ],
)
def test_patch_cnn_output_shape(kwargs, shape, n_out):
    net = PatchCNN(**kwargs).eval()
    assert net(torch.zeros(shape)).shape == (shape[0], n_out)


def test_patch_cnn_report_architecture():
    # Six 3x3 convolutions of 16 filters, each with batch norm and leaky ReLU,
    # 4x4 max pooling, dense 64 + ReLU, 2 outputs.
    net = PatchCNN()
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 6
    assert all(c.kernel_size == (3, 3) and c.out_channels == 16 for c in convs)
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules()) == 6
    assert sum(isinstance(m, torch.nn.LeakyReLU) for m in net.modules()) == 6
    pools = [m for m in net.modules() if isinstance(m, torch.nn.MaxPool2d)]
    assert pools and all(p.kernel_size == 4 for p in pools)
    linears = [m for m in net.modules() if isinstance(m, torch.nn.Linear)]
    assert [lin.out_features for lin in linears] == [64, 2]


def test_patch_cnn_too_small_patch():
    with pytest.raises(ValueError, match="at least 16x16.*patch_size \\(8, 8\\)"):
        PatchCNN(patch_size=8)


@pytest.mark.parametrize(
    "param, value",
    [("n_filters", 0), ("patch_size", (8, 8, 8)), ("in_channels", 1.5),
     ("dropout", 1.0), ("n_outputs", True), ("front_end", "laplacian")],
)
def test_patch_cnn_bad_params(param, value):
    with pytest.raises(ValueError, match=f"The '{param}' parameter of PatchCNN"):
        PatchCNN(**{param: value})


@pytest.mark.parametrize("front_end", ["residual", "constrained"])
def test_patch_cnn_residual_front_ends_ignore_a_constant(front_end):
    # Both residual front ends remove the content's level: two patches that
    # differ by a constant give the same logits, which the pixel net does not.
    torch.manual_seed(0)
    x = torch.rand(2, 2, 64, 64)
    nets = {fe: PatchCNN(in_channels=2, front_end=fe).eval() for fe in ("pixels", front_end)}
    for fe, net in nets.items():
        same = torch.allclose(net(x), net(x + 0.3), atol=1e-5)
        assert same == (fe != "pixels")
    assert nets[front_end](x).shape == (2, 2)


def test_patch_cnn_residual_front_end_is_second_derivatives():
    net = PatchCNN(front_end="residual").eval()
    assert not list(net.front.parameters())  # fixed, not trained
    assert "front.weight" not in net.state_dict()  # rebuilt, not stored
    ramp = torch.arange(64.0).repeat(64, 1)[None, None] / 64  # linear along rows
    out = net.front(ramp)
    assert out.shape == (1, 4, 64, 64)
    # A ramp has no second derivative away from the replicated border.
    assert out[..., 1:-1, 1:-1].abs().max() < 1e-5
    row = torch.zeros(1, 1, 5, 5)
    row[..., 2, 2] = 1.0
    assert net.front(row)[0, :, 2, 2].tolist() == [-2.0, -2.0, -2.0, -2.0]


def test_patch_cnn_constrained_filters_keep_their_constraint():
    # Bayar & Stamm: centre -1, the other weights summing to 1, whatever the
    # raw weights become during training.
    torch.manual_seed(0)
    net = PatchCNN(front_end="constrained")
    with torch.no_grad():
        net.front.weight.normal_()
    w = net.front.constrained_weight()
    assert w.shape == (3, 1, 5, 5)
    assert torch.allclose(w[:, :, 2, 2], torch.full((3, 1), -1.0))
    assert torch.allclose(w.sum(dim=(2, 3)), torch.zeros(3, 1), atol=1e-4)
    loss = net(torch.rand(4, 1, 64, 64)).sum()
    loss.backward()
    assert net.front.weight.grad is not None and net.front.weight.grad.abs().sum() > 0


def test_patch_cnn_trains_on_a_toy_task():
    # Patches with a checkerboard of period 2 versus constant ones: a few
    # steps must bring the loss down, so gradients reach every layer.
    torch.manual_seed(0)
    x = torch.rand(32, 1, 16, 16) * 0.1
    x[16:, :, ::2, ::2] += 0.5
    y = torch.tensor([0] * 16 + [1] * 16)
    net = PatchCNN(patch_size=16, pool_size=2)
    opt = torch.optim.Adam(net.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(net(x), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]
    assert all(p.grad is not None for p in net.parameters())


def test_kang_cnn_architecture_and_shape():
    net = KangCNN().eval()
    assert net.conv.kernel_size == (7, 7) and net.conv.out_channels == 50
    linears = [m for m in net.head if isinstance(m, torch.nn.Linear)]
    assert [lin.in_features for lin in linears] == [100, 800, 800]
    assert linears[-1].out_features == 1
    assert net(torch.zeros(4, 1, 32, 32)).shape == (4, 1)


def test_kang_cnn_max_min_pooling():
    # With an identity-like single filter, the pooled features are exactly
    # the max and min of the (valid) convolution output.
    net = KangCNN(n_filters=1, kernel_size=1, n_hidden=4, dropout=0.0).eval()
    with torch.no_grad():
        net.conv.weight.fill_(1.0)
        net.conv.bias.zero_()
    x = torch.rand(3, 1, 8, 8)
    maps = net.conv(x).flatten(1)
    pooled = torch.cat([maps.amax(1, keepdim=True), maps.amin(1, keepdim=True)], 1)
    captured = {}

    def hook(module, inputs, output):
        captured["in"] = inputs[0]

    net.head[0].register_forward_hook(hook)
    net(x)
    torch.testing.assert_close(captured["in"], pooled)


def test_kang_cnn_patch_smaller_than_kernel():
    with pytest.raises(ValueError, match="at least 7x7"):
        KangCNN(patch_size=5)


def test_modules_are_configurable_for_grid_search():
    net = KangCNN(n_filters=8, n_hidden=16, in_channels=3, patch_size=16)
    assert net(torch.zeros(2, 3, 16, 16)).shape == (2, 1)
    assert net.head[0].in_features == 16
