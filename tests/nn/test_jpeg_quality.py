import cv2
import numpy as np
import pytest

torch = pytest.importorskip("torch")

from torch.nn import functional as F  # noqa: E402

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
    net = JPEGQualityNet(front_end="pixels", batch_norm=False)
    assert net.features is None
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert [c.dilation[0] for c in convs] == [1, 2, 3, 4, 3, 2, 1]
    assert all(c.kernel_size == (3, 3) and c.padding == c.dilation for c in convs)
    assert [c.out_channels for c in convs] == [64] * 6 + [2]
    assert sum(isinstance(m, torch.nn.ReLU) for m in net.modules()) == 6
    assert not any(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules())
    assert isinstance(net.layers[-1], torch.nn.Conv2d)
    n_params = sum(p.numel() for p in net.parameters())
    n_params_32 = sum(
        p.numel()
        for p in JPEGQualityNet(
            n_filters=32, front_end="pixels", batch_norm=False
        ).parameters()
    )
    assert n_params == 187586 and n_params_32 == 47714


def test_dct_front_end_architecture():
    # The default: fixed lattice features (6x6 coefficients x 5 steps + YCbCr)
    # into a 1x1 convolution, then the dilated 3x3 stack with batch norm.
    net = JPEGQualityNet(n_filters=32)
    assert net.features.out_channels == 36 * 5 + 3
    assert not any(p.requires_grad for p in net.features.parameters())
    convs = [m for m in net.modules() if isinstance(m, torch.nn.Conv2d)]
    assert convs[0].kernel_size == (1, 1) and convs[0].in_channels == 183
    assert [c.dilation[0] for c in convs[1:]] == [2, 3, 4, 3, 2, 1]
    assert sum(isinstance(m, torch.nn.BatchNorm2d) for m in net.modules()) == 6


def _footprint(net, size=71):
    """Rows and columns of the input pixels that output pixel (35, 35) sees."""
    net.eval()
    x = torch.rand(1, 3, size, size, requires_grad=True)
    net(x)[0, :, 35, 35].sum().backward()
    rows, cols = torch.nonzero(x.grad[0].abs().sum(0), as_tuple=True)
    return int(rows.min()), int(rows.max()), int(cols.min()), int(cols.max())


def test_receptive_field_of_the_paper_net_is_33():
    net = JPEGQualityNet(n_filters=4, front_end="pixels", batch_norm=False)
    assert net.receptive_field == 33
    assert _footprint(net) == (19, 51, 19, 51)


def test_receptive_field_of_the_dct_net_is_within_39():
    # The 8x8 block of a pixel starts 3 pixels up-left of it, so the reach is
    # 3 + 15 up and left, 4 + 15 down and right: inside a 39-pixel square.
    net = JPEGQualityNet(n_filters=4)
    assert net.receptive_field == 39
    assert _footprint(net) == (17, 54, 17, 54)


def test_lattice_features_light_up_on_the_jpeg_grid():
    # On a JPEG image, the DCT coefficients of the blocks of its grid are
    # multiples of their quantisation steps, up to the rounding of the decoded
    # pixels (std 0.29 per coefficient), so the comb of step 1 averages
    # exp(-2 pi^2 0.29^2) ~ 0.19 there and 0 off the grid or on a never
    # compressed image.
    rng = np.random.default_rng(0)
    image = np.clip(rng.normal(128, 30, (64, 64)), 0, 255).astype(np.uint8)
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    compressed = cv2.imdecode(buffer, cv2.IMREAD_GRAYSCALE)
    features = JPEGQualityNet(n_filters=4, lattice_steps=(1,)).features

    def comb(gray):
        x = torch.from_numpy(gray.astype(np.float32) / 255).expand(1, 3, 64, 64)
        with torch.no_grad():
            return features(x)[0, :36].mean(0).numpy()[3:56, 3:56]

    # Pixel (8i + 3, 8j + 3) is the one whose block starts on the grid.
    on_grid = np.zeros((53, 53), bool)
    on_grid[::8, ::8] = True
    assert comb(compressed)[on_grid].mean() > 0.12
    assert abs(comb(compressed)[~on_grid].mean()) < 0.03
    assert abs(comb(image).mean()) < 0.03


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
        ({"front_end": "fft"}, "'front_end' parameter .* 'dct' or 'pixels'"),
        ({"lattice_size": 9}, "'lattice_size' parameter .* 1..8"),
        ({"lattice_steps": (0, 2)}, "'lattice_steps' parameter"),
        ({"in_channels": 1}, "'lattice' front end .* RGB .* front_end='pixels'"),
        ({"batch_norm": 1}, "'batch_norm' parameter .* a bool"),
    ],
)
def test_bad_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        JPEGQualityNet(**kwargs)


@pytest.mark.parametrize("front_end, field", [("pixels", 9), ("dct", 15)])
def test_configurable_depth(front_end, field):
    net = JPEGQualityNet(n_filters=4, dilations=(1, 2, 1), front_end=front_end)
    assert net.receptive_field == field
    assert net(torch.rand(2, 3, 12, 12)).shape == (2, 2, 12, 12)


def test_fixed_features_stay_out_of_the_state_dict():
    # The DCT bases and comb frequencies are constants: storing them (in
    # float16, say) could only corrupt them.
    net = JPEGQualityNet(n_filters=4)
    assert not any(key.startswith("features.") for key in net.state_dict())
    other = JPEGQualityNet(n_filters=4)
    other.load_state_dict(net.state_dict())
    x = torch.rand(1, 3, 24, 24)
    torch.testing.assert_close(net.eval()(x), other.eval()(x))


QUALITIES = (100, 50, 30, 10)


def _quality_tests(u8, qualities=QUALITIES):
    """The pooled quality-test channels of an uint8 RGB image, interior only."""
    net = JPEGQualityNet(n_filters=4, lattice_qualities=qualities).eval()
    x = torch.from_numpy(u8.transpose(2, 0, 1).astype(np.float32) / 255.0)
    with torch.no_grad():
        features = net.features(x[None])[0, -len(qualities) :]
    return features[:, 24:-24, 24:-24].numpy()


@pytest.fixture(scope="module")
def photo():
    from skforensics.datasets import load_sample_images

    # astronaut: a photograph without a JPEG lattice (chelsea has one).
    astronaut = load_sample_images(as_gray=False)[0][:128, :128]
    return np.round(astronaut * 255).astype(np.uint8)


def test_quality_tests_read_the_quality(photo):
    from skforensics.datasets._jpeg import jpeg_uint8

    never = np.median(_quality_tests(photo), axis=(1, 2))
    assert (never < 0.3).all()
    for row, quality in enumerate(QUALITIES[1:], start=1):
        medians = np.median(_quality_tests(jpeg_uint8(photo, quality)), axis=(1, 2))
        # Its own test reads near 1; tests of coarser steps (lower qualities)
        # do not.
        assert medians[row] > 0.85, (quality, medians)
        assert (medians[row + 1 :] < 0.6).all(), (quality, medians)
    # Quality 100: every step is 1, blurred by the rounding of the pixels.
    q100 = np.median(_quality_tests(jpeg_uint8(photo, 100))[0])
    assert q100 > never[0] + 0.05


def test_quality_tests_read_zero_on_flat_regions():
    # A saturated region: no coefficient but the DC is away from zero, and a
    # flat block's DC is a multiple of 8 whatever the image's history.
    white = np.full((64, 64, 3), 255, dtype=np.uint8)
    assert np.abs(_quality_tests(white)[0]).max() < 1e-6


def test_quality_tests_reach():
    # An output pixel depends on the pixels of a 79-pixel square around it:
    # 3 + 16 + 4 (block, pooled grid, phase) and 15 (the 3x3 stack) on each
    # side, one more down and right.
    net = JPEGQualityNet(n_filters=4, lattice_qualities=QUALITIES).eval()
    assert net.receptive_field == 79
    assert net.features.out_channels == 183 + len(QUALITIES)
    x = torch.rand(1, 3, 121, 121)
    inside = torch.zeros(121, 121, dtype=torch.bool)
    inside[60 - 39 : 60 + 40, 60 - 39 : 60 + 40] = True
    y = torch.where(inside, x, torch.rand_like(x))
    with torch.no_grad():
        torch.testing.assert_close(net(y)[0, :, 60, 60], net(x)[0, :, 60, 60])


@pytest.mark.parametrize("qualities", [(), QUALITIES])
def test_gradients_reach_the_input(qualities):
    # The window sums and maxima of the quality tests run in place without
    # autograd and out of place with it; both give the same features.
    features = JPEGQualityNet(n_filters=4, lattice_qualities=qualities).features
    x = torch.rand(2, 3, 40, 47)
    with torch.no_grad():
        plain = features(x)
    x.requires_grad_()
    tracked = features(x)
    assert plain.shape == tracked.shape == (2, 183 + len(qualities), 40, 47)
    torch.testing.assert_close(plain, tracked.detach(), rtol=0, atol=1e-6)
    tracked[:, -1].sum().backward()
    assert x.grad is not None and torch.isfinite(x.grad).all()
    assert x.grad.abs().sum() > 0


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"lattice_qualities": (0, 50)}, "'lattice_qualities' parameter"),
        ({"lattice_qualities": (101,)}, "'lattice_qualities' .* 1..100"),
        ({"lattice_qualities": "abc"}, "'lattice_qualities' parameter"),
        ({"lattice_pool": -1}, "'lattice_pool' parameter .* int >= 0"),
        ({"lattice_pool": 1.5}, "'lattice_pool' parameter"),
    ],
)
def test_bad_quality_test_parameters(kwargs, match):
    with pytest.raises(ValueError, match=match):
        JPEGQualityNet(**kwargs)


@pytest.mark.parametrize("qualities", [(), QUALITIES])
@pytest.mark.parametrize("chunk", [8192, 333])
def test_projected_features_equal_the_convolved_ones(qualities, chunk):
    # Without a gradient the net projects the features chunk by chunk (here
    # chunks also straddle the two images) instead of computing them all.
    net = JPEGQualityNet(n_filters=4, lattice_qualities=qualities).eval()
    first = net.layers[0]
    x = torch.rand(2, 3, 37, 44)
    with torch.no_grad():
        whole = F.conv2d(net.features(x), first.weight, first.bias)
        projected = net.features.project(x, first.weight, first.bias, chunk=chunk)
        from_net = net(x)
    torch.testing.assert_close(projected, whole, rtol=0, atol=1e-5)
    # With a gradient the net runs on the whole features.
    torch.testing.assert_close(from_net, net.layers(net.features(x)), atol=1e-5, rtol=0)


def test_paper_net_is_one_step_away():
    net = JPEGQualityNet.paper()
    assert net.features is None and net.batch_norm is False
    assert net.front_end == "pixels" and net.n_filters == 64
    assert sum(p.numel() for p in net.parameters()) == 187586
    assert JPEGQualityNet.paper(n_filters=32).n_filters == 32


def test_dct_is_the_former_name_of_the_lattice_front_end():
    # Weights files store front_end="dct"; it builds the lattice net.
    old = JPEGQualityNet(n_filters=4, front_end="dct")
    assert old.front_end == "lattice" and old.config()["front_end"] == "lattice"
    new = JPEGQualityNet(n_filters=4)
    new.load_state_dict(old.state_dict())
    x = torch.rand(1, 3, 20, 20)
    torch.testing.assert_close(old.eval()(x), new.eval()(x))


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"front_end": "pixels", "batch_norm": False, "dilations": (1, 2, 1)},
        {"lattice_qualities": (100, 30), "lattice_pool": 1, "lattice_size": 4},
        {"n_outputs": 3, "lattice_steps": (2, 4), "chunk_size": 100},
    ],
)
def test_config_rebuilds_the_net(kwargs):
    net = JPEGQualityNet(n_filters=4, **kwargs)
    config = net.config()
    again = JPEGQualityNet(**config)
    assert again.config() == config
    assert repr(again) == repr(net)
    again.load_state_dict(net.state_dict())


@pytest.mark.parametrize("qualities", [(), QUALITIES])
def test_forward_does_not_depend_on_grad_mode(qualities):
    # The path is chosen by the mode and chunk_size, never by autograd.
    net = JPEGQualityNet(n_filters=4, lattice_qualities=qualities).eval()
    x = torch.rand(1, 3, 30, 33)
    with torch.no_grad():
        plain = net(x)
    tracked = net(x)
    assert tracked.requires_grad
    torch.testing.assert_close(plain, tracked.detach(), rtol=0, atol=0)
    # With chunk_size, evaluation mode projects the features chunk by chunk,
    # with no gradient to the first convolution, whether or not autograd is
    # on; training mode does not.
    net.chunk_size = 97
    chunked = net(x)
    torch.testing.assert_close(chunked, plain, rtol=0, atol=1e-5)
    chunked.sum().backward()
    assert net.layers[0].weight.grad is None and net.layers[-1].weight.grad is not None
    net.zero_grad(set_to_none=True)
    net.train()(x).sum().backward()
    assert net.layers[0].weight.grad is not None


@pytest.mark.parametrize("chunk_size", [0, 2.5, "big"])
def test_bad_chunk_size(chunk_size):
    with pytest.raises(ValueError, match="'chunk_size' parameter .* int >= 1"):
        JPEGQualityNet(chunk_size=chunk_size)


@pytest.mark.parametrize("qualities", [(), (90, 50)])
@pytest.mark.parametrize("front_end", ["lattice", "pixels"])
def test_forward_region_is_the_crop_of_forward(front_end, qualities):
    kwargs = {"lattice_qualities": qualities} if front_end == "lattice" else {}
    torch.manual_seed(0)
    net = JPEGQualityNet(
        n_filters=4, front_end=front_end, lattice_pool=1, chunk_size=101, **kwargs
    )
    # Batch norm with statistics of its own, as after training.
    for module in net.modules():
        if isinstance(module, torch.nn.BatchNorm2d):
            module.running_mean.uniform_(-0.2, 0.2)
            module.running_var.uniform_(0.5, 2.0)
    net.eval()
    x = torch.rand(1, 3, 70, 83)
    with torch.no_grad():
        whole = net(x)
        for top, bottom, left, right in [(0, 70, 0, 83), (20, 45, 31, 50), (0, 10, 60, 83)]:
            part = net.forward_region(x, (top, bottom, left, right))
            np.testing.assert_allclose(
                part.numpy(), whole[:, :, top:bottom, left:right].numpy(), atol=1e-5
            )
