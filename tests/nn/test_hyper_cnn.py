import pytest

torch = pytest.importorskip("torch")

from skforensics.nn import (  # noqa: E402
    HyperImageCNN,
    KangCNN,
    RankingHingeLoss,
    SiameseRankingNet,
    ranking_hinge_loss,
)


@pytest.mark.parametrize("grid", [(1, 1), (2, 3), (7, 7), (8, 8), (5, 12)])
@pytest.mark.parametrize("n_outputs", [1, 3])
def test_hyper_image_cnn_output_shape(grid, n_outputs):
    net = HyperImageCNN(in_channels=6, grid=grid, n_outputs=n_outputs).eval()
    assert net(torch.zeros(4, 6, *grid)).shape == (4, n_outputs)


def test_hyper_image_cnn_layout():
    net = HyperImageCNN(
        in_channels=5, grid=(8, 8), n_filters=(4, 6, 8), convs_per_block=3,
        n_hidden=(16, 8),
    )
    convs = [m for m in net.features if isinstance(m, torch.nn.Conv2d)]
    pools = [m for m in net.features if isinstance(m, torch.nn.MaxPool2d)]
    assert len(convs) == 9 and len(pools) == 3
    assert all(c.kernel_size == (3, 3) for c in convs)
    assert [c.out_channels for c in convs[::3]] == [4, 6, 8]
    head = list(net.head)
    # tanh right before the (linear) output, dropout after each hidden layer
    assert isinstance(head[-1], torch.nn.Linear)
    assert isinstance(head[-3], torch.nn.Tanh)
    assert sum(isinstance(m, torch.nn.Dropout) for m in head) == 2
    # 8 -> 4 -> 2 -> 1 after three poolings
    assert head[1].in_features == 8


def test_hyper_image_cnn_input_norm_standardises():
    net = HyperImageCNN(in_channels=3, grid=(4, 4), input_norm=True).train()
    x = torch.randn(64, 3, 4, 4) * torch.tensor([1.0, 100.0, 0.01]).view(1, 3, 1, 1)
    out = net.norm(x)
    assert torch.allclose(out.std(dim=(0, 2, 3)), torch.ones(3), atol=0.05)
    plain = HyperImageCNN(in_channels=3, input_norm=False)
    assert isinstance(plain.norm, torch.nn.Identity)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"grid": (0, 4)}, "'grid' parameter of HyperImageCNN"),
        ({"grid": (4, -1)}, "'grid' parameter of HyperImageCNN"),
        ({"n_filters": ()}, "'n_filters' parameter"),
        ({"n_hidden": (8, 0)}, "'n_hidden' parameter"),
        ({"dropout": 1.0}, "'dropout' parameter"),
        ({"in_channels": 0}, "'in_channels' parameter"),
    ],
)
def test_hyper_image_cnn_bad_params(kwargs, match):
    with pytest.raises(ValueError, match=match):
        HyperImageCNN(**kwargs)


def test_ranking_hinge_loss_matches_margin_ranking_loss():
    c1, c2 = torch.randn(50), torch.randn(50)
    y = torch.where(torch.rand(50) < 0.5, -1.0, 1.0)
    expected = torch.nn.MarginRankingLoss(margin=3.0)(c1, c2, y)
    assert torch.allclose(ranking_hinge_loss(c1, c2, y), expected)
    assert torch.allclose(
        RankingHingeLoss()(torch.stack([c1, c2], 1), y), expected
    )
    none = ranking_hinge_loss(c1, c2, y, reduction="none")
    assert none.shape == (50,) and (none >= 0).all()
    assert torch.allclose(ranking_hinge_loss(c1, c2, y, reduction="sum"), none.sum())


def test_ranking_hinge_loss_values():
    # Right order by more than the margin: no loss; wrong order: margin + gap.
    c1, c2 = torch.tensor([5.0, 0.0]), torch.tensor([1.0, 2.0])
    y = torch.tensor([1.0, 1.0])
    assert ranking_hinge_loss(c1, c2, y, reduction="none").tolist() == [0.0, 5.0]
    flipped = ranking_hinge_loss(c1, c2, -y, margin=1.0, reduction="none")
    assert flipped.tolist() == [5.0, 0.0]


def test_ranking_hinge_loss_bad_reduction():
    with pytest.raises(ValueError, match="'reduction' parameter"):
        zero = torch.zeros(1)
        ranking_hinge_loss(zero, zero, torch.ones(1), reduction="max")


def test_siamese_net_shares_weights():
    branch = KangCNN(n_filters=4, n_hidden=8, dropout=0.0)
    net = SiameseRankingNet(branch).eval()
    x1, x2 = torch.rand(3, 1, 32, 32), torch.rand(3, 1, 32, 32)
    pair = net(x1, x2)
    assert pair.shape == (3, 2)
    assert torch.allclose(pair[:, 0:1], branch(x1), atol=1e-6)
    assert torch.allclose(pair[:, 1:2], branch(x2), atol=1e-6)
    # swapping the channels swaps the scores
    assert torch.allclose(net(x2, x1), pair.flip(1), atol=1e-6)
    assert net(x1).shape == (3, 1)
    # one set of parameters: those of the branch
    assert sum(p.numel() for p in net.parameters()) == sum(
        p.numel() for p in branch.parameters()
    )
    assert net.in_channels == 1 and net.patch_size == (32, 32)
