"""The VGG-like patch classifier of the fake-4K (re-scaling) report."""

import torch
from torch import nn
from torch.nn import functional as F

from ._utils import _dropout, _invalid, _pair, _positive_int

__all__ = ["PatchCNN"]

_FRONT_ENDS = ("pixels", "residual", "constrained")

# Fixed second derivatives, one 3x3 kernel each: along the rows, along the
# columns and along the two diagonals. They remove the content's local mean
# and slope, which is all that resampling, blur and exposure share.
_SECOND_DERIVATIVES = (
    ((0, 0, 0), (1, -2, 1), (0, 0, 0)),
    ((0, 1, 0), (0, -2, 0), (0, 1, 0)),
    ((1, 0, 0), (0, -2, 0), (0, 0, 1)),
    ((0, 0, 1), (0, -2, 0), (1, 0, 0)),
)


class _ResidualFrontEnd(nn.Module):
    """Fixed second-derivative filters of each input channel (not trained)."""

    def __init__(self, in_channels):
        super().__init__()
        kernels = torch.tensor(_SECOND_DERIVATIVES, dtype=torch.float32)
        weight = kernels[:, None].repeat(in_channels, 1, 1, 1)
        # Not stored in weights files: rebuilt from the constants above.
        self.register_buffer("weight", weight, persistent=False)
        self.groups = in_channels
        self.out_channels = len(_SECOND_DERIVATIVES) * in_channels

    def forward(self, x):
        x = F.pad(x, (1, 1, 1, 1), mode="replicate")
        return F.conv2d(x, self.weight.to(x.dtype), groups=self.groups)


class _ConstrainedFrontEnd(nn.Module):
    """Bayar & Stamm's constrained convolution: learnt prediction errors.

    Each 5x5 filter predicts its centre pixel from the 24 around it and
    returns the error: the centre weight is -1 and the others sum to 1 (on
    every input channel), so any constant (and the content the prediction
    captures) gives 0. The constraint is applied in :meth:`forward`, so
    every step trains a projected filter and no optimizer hook is needed.
    """

    def __init__(self, in_channels, out_channels=3, size=5):
        super().__init__()
        self.weight = nn.Parameter(torch.rand(out_channels, in_channels, size, size))
        centre = torch.zeros(1, 1, size, size)
        centre[..., size // 2, size // 2] = 1
        self.register_buffer("centre", centre, persistent=False)
        self.out_channels = out_channels

    def constrained_weight(self):
        """The filters with their centre at -1 and the rest summing to 1."""
        around = self.weight * (1 - self.centre)
        total = around.sum(dim=(2, 3), keepdim=True)  # per input channel
        # Keep the sum away from 0, where the projection is undefined.
        total = torch.where(total.abs() < 1e-3, torch.full_like(total, 1e-3), total)
        return around / total - self.centre

    def forward(self, x):
        pad = self.weight.shape[-1] // 2
        x = F.pad(x, (pad,) * 4, mode="replicate")
        return F.conv2d(x, self.constrained_weight())


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
    front_end : {"pixels", "residual", "constrained"}, default="pixels"
        What the first convolution sees.

        - ``"pixels"``: the input itself, as in the report.
        - ``"residual"``: four fixed second derivatives of each input
          channel (along the rows, the columns and both diagonals), not
          trained: the content's mean and slope removed, what resampling
          leaves between neighbouring pixels kept.
        - ``"constrained"``: three learnt 5x5 prediction-error filters per
          patch (Bayar & Stamm's constrained convolution: centre weight -1,
          the other 24 summing to 1), trained with the net.

        The borders are padded by replicating the edge pixels.

    Attributes
    ----------
    front : torch.nn.Module or None
        The residual front end (None for ``"pixels"``).
    features : torch.nn.Sequential
        The convolution blocks.
    head : torch.nn.Sequential
        Flatten, dense layer, ReLU, dropout and output layer.

    Raises
    ------
    ValueError
        If a parameter is out of range, or ``patch_size`` is smaller than
        ``pool_size ** n_blocks`` (the pooled map would be empty).

    References
    ----------
    .. [1] B. Bayar and M. C. Stamm, "Constrained convolutional neural
       networks: a new approach towards general purpose image manipulation
       detection", IEEE Transactions on Information Forensics and Security,
       13(11), 2018.

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
        front_end="pixels",
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
        if front_end not in _FRONT_ENDS:
            _invalid("front_end", name, f"one of {_FRONT_ENDS}", front_end)
        reduction = pool_size**n_blocks
        if height < reduction or width < reduction:
            raise ValueError(
                f"{name} with n_blocks={n_blocks} and pool_size={pool_size} needs "
                f"patches of at least {reduction}x{reduction}; got patch_size "
                f"({height}, {width}). Pass larger patches or fewer blocks."
            )
        self.front = None
        channels = in_channels
        if front_end == "residual":
            self.front = _ResidualFrontEnd(in_channels)
            channels = self.front.out_channels
        elif front_end == "constrained":
            self.front = _ConstrainedFrontEnd(in_channels)
            channels = self.front.out_channels
        layers = []
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
        self.front_end = front_end

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
        if self.front is not None:
            x = self.front(x)
        return self.head(self.features(x))
