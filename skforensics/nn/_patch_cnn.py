"""The VGG-like patch classifier of the fake-4K (re-scaling) report."""

from torch import nn

from ._utils import _dropout, _pair, _positive_int

__all__ = ["PatchCNN"]


class PatchCNN(nn.Module):
    """Small VGG-like CNN that scores one image patch.

    The network of the CNN-based image re-scaling identification report: 3x3
    convolutions with ``n_filters`` filters, each followed by batch
    normalisation and a leaky ReLU, grouped in ``n_blocks`` blocks that end
    in a ``pool_size`` x ``pool_size`` max pooling; then a dense layer of
    ``n_hidden`` units with a ReLU and a linear layer of ``n_outputs``
    logits. The defaults (two blocks of three convolutions, 16 filters,
    4x4 pooling, 64 hidden units, 2 outputs, input 1x64x64) are the
    report's six convolutions.

    Parameters
    ----------
    in_channels : int, default=1
        Channels of the input patches (1 for luminance).
    patch_size : int or tuple of (int, int), default=64
        Height and width of the input patches; they fix the size of the
        dense layer.
    n_filters : int, default=16
        Filters of every convolution.
    n_blocks : int, default=2
        Number of convolution blocks, each ending in a max pooling.
    convs_per_block : int, default=3
        3x3 convolutions per block.
    pool_size : int, default=4
        Side of the max pooling window (and its stride).
    n_hidden : int, default=64
        Units of the dense hidden layer.
    n_outputs : int, default=2
        Number of outputs (logits for a classifier, 1 for a regressor).
    negative_slope : float, default=0.01
        Slope of the leaky ReLU for negative inputs.
    dropout : float, default=0.0
        Dropout rate before the last layer.

    Attributes
    ----------
    features : torch.nn.Sequential
        The convolution blocks.
    head : torch.nn.Sequential
        Flatten, dense layer, ReLU, dropout and output layer.

    Raises
    ------
    ValueError
        If a parameter is out of range, or ``patch_size`` is smaller than
        ``pool_size ** n_blocks`` (the pooled map would be empty).

    Examples
    --------
    >>> import torch
    >>> from skforensics.nn import PatchCNN
    >>> net = PatchCNN().eval()
    >>> net(torch.zeros(5, 1, 64, 64)).shape
    torch.Size([5, 2])
    """

    def __init__(
        self,
        in_channels=1,
        patch_size=64,
        n_filters=16,
        n_blocks=2,
        convs_per_block=3,
        pool_size=4,
        n_hidden=64,
        n_outputs=2,
        negative_slope=0.01,
        dropout=0.0,
    ):
        super().__init__()
        name = type(self).__name__
        in_channels = _positive_int(in_channels, "in_channels", name)
        height, width = _pair(patch_size, "patch_size", name)
        n_filters = _positive_int(n_filters, "n_filters", name)
        n_blocks = _positive_int(n_blocks, "n_blocks", name)
        convs_per_block = _positive_int(convs_per_block, "convs_per_block", name)
        pool_size = _positive_int(pool_size, "pool_size", name)
        n_hidden = _positive_int(n_hidden, "n_hidden", name)
        n_outputs = _positive_int(n_outputs, "n_outputs", name)
        dropout = _dropout(dropout, name)
        reduction = pool_size**n_blocks
        if height < reduction or width < reduction:
            raise ValueError(
                f"{name} with n_blocks={n_blocks} and pool_size={pool_size} needs "
                f"patches of at least {reduction}x{reduction}; got patch_size "
                f"({height}, {width}). Pass larger patches or fewer blocks."
            )
        layers = []
        channels = in_channels
        for _ in range(n_blocks):
            for _ in range(convs_per_block):
                layers += [
                    nn.Conv2d(channels, n_filters, 3, padding=1, bias=False),
                    nn.BatchNorm2d(n_filters),
                    nn.LeakyReLU(negative_slope, inplace=True),
                ]
                channels = n_filters
            layers.append(nn.MaxPool2d(pool_size))
        self.features = nn.Sequential(*layers)
        n_flat = n_filters * (height // reduction) * (width // reduction)
        self.head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(n_flat, n_hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(n_hidden, n_outputs),
        )
        self.in_channels = in_channels
        self.patch_size = (height, width)

    def forward(self, x):
        """Score a batch of patches.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, in_channels, height, width)
            Patches; ``(height, width)`` must equal ``patch_size``.

        Returns
        -------
        out : torch.Tensor of shape (batch, n_outputs)
            Logits (or scores).
        """
        return self.head(self.features(x))
