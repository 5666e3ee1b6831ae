import pytest

torch = pytest.importorskip("torch")

from skforensics.nn import JPEGQualityNet  # noqa: E402


@pytest.mark.parametrize("shape", [(2, 3, 40, 50), (1, 3, 7, 5), (1, 3, 60, 60)])
def test_output_has_input_size(shape):
    net = JPEGQualityNet(n_filters=4).eval()
    with torch.no_grad():
        out = net(torch.rand(shape))
    assert out.shape == (shape[0], 2, shape[2], shape[3])


def test_paper_architecture():
    # Seven 3x3 convolutions, dilations 1,2,3,4,3,2,1, 64 filters, ReLU after
    # all but the last, 2 output maps; the narrow variant is one argument away.
    net = JPEGQualityNet()
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.dilation[0] for c in convs] == [1, 2, 3, 4, 3, 2, 1]
    assert all(c.kernel_size == (3, 3) and c.padding == c.dilation for c in convs)
    assert [c.out_channels for c in convs] == [64] * 6 + [2]
    assert sum(isinstance(m, torch.nn.ReLU) for m in net.modules()) == 6
    assert isinstance(net.layers[-1], torch.nn.Conv2d)
    n_params = sum(p.numel() for p in net.parameters())
    n_params_32 = sum(p.numel() for p in JPEGQualityNet(n_filters=32).parameters())
    assert n_params == 187586 and n_params_32 == 47714


def test_receptive_field_is_33():
    net = JPEGQualityNet(n_filters=4)
    assert net.receptive_field == 33
    x = torch.rand(1, 3, 71, 71, requires_grad=True)
    net(x)[0, :, 35, 35].sum().backward()
    rows, cols = torch.nonzero(x.grad[0].abs().sum(0), as_tuple=True)
    assert (rows.min(), rows.max(), cols.min(), cols.max()) == (19, 51, 19, 51)


def test_grayscale_input_is_repeated_to_rgb():
    net = JPEGQualityNet(n_filters=4).eval()
    gray = torch.rand(2, 1, 20, 24)
    with torch.no_grad():
        torch.testing.assert_close(net(gray), net(gray.repeat(1, 3, 1, 1)))


def test_wrong_channels_or_dims():
    net = JPEGQualityNet(n_filters=4)
    with pytest.raises(ValueError, match="built for 3-channel images; got 2 channels"):
        net(torch.rand(1, 2, 10, 10))
    with pytest.raises(ValueError, match="batch of shape"):
        net(torch.rand(3, 10, 10))


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (
            {"n_filters": 0},
            "'n_filters' parameter of JPEGQualityNet must be an int >= 1",
        ),
        ({"dilations": (1,)}, "'dilations' parameter .* at least 2 ints >= 1"),
        ({"dilations": (1, 0, 1)}, "'dilations'"),
        ({"dilations": 3}, "'dilations'"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        JPEGQualityNet(**kwargs)


def test_configurable_depth():
    net = JPEGQualityNet(n_filters=4, dilations=(1, 2, 1))
    assert net.receptive_field == 9
    assert net(torch.rand(1, 3, 12, 12)).shape == (1, 2, 12, 12)
