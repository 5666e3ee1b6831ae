"""The second-stage network of the hyper-image model (Chandakkar & Li)."""

from torch import nn

from ._utils import _dropout, _int_sequence, _is_int, _pair, _positive_int

__all__ = ["HyperImageCNN"]


class HyperImageCNN(nn.Module):
    """CNN that maps a hyper-image of patch embeddings to an image label.

    The second stage of the hyper-image model of Chandakkar & Li: the input
    is a ``U x V`` grid of ``D``-dimensional patch embeddings, laid out as a
    ``D``-channel image, so that 3x3 convolutions see neighbouring patches
    together and learn how the position and severity of local artifacts
    combine. One block per entry of ``n_filters`` stacks
    ``convs_per_block`` 3x3 convolutions (padding 1, ReLU) and ends in a 2x2
    max pooling (ceil mode, so odd and 1-wide grids work); dense layers of
    ``n_hidden`` units with dropout follow, the last hidden one with a tanh,
    then a linear output.

    Parameters
    ----------
    in_channels : int, default=800
        ``D``, the embedding size (800 for the penultimate layer of
        :class:`KangCNN`).
    grid : int or tuple of (int, int), default=(8, 8)
        ``(U, V)``, the size of the hyper-image; it fixes the size of the
        first dense layer.
    n_filters : int or tuple of int, default=(64, 64)
        Filters of the convolutions of each block; one block per entry.
    convs_per_block : int, default=2
        3x3 convolutions per block.
    n_hidden : int or tuple of int, default=(256, 64)
        Units of the dense hidden layers; the last one uses a tanh, the
        others a ReLU.
    dropout : float, default=0.25
        Dropout rate after each dense hidden layer.
    input_norm : bool, default=True
        Standardise each input channel with a batch normalisation without
        learned affine parameters. Post-ReLU embeddings have arbitrary
        scales per channel; this puts them on one scale.
    n_outputs : int, default=1
        Number of outputs: 1 for a score, the number of classes for logits.

    Attributes
    ----------
    norm : torch.nn.Module
        The input normalisation (an identity when ``input_norm=False``).
    features : torch.nn.Sequential
        The convolution blocks.
    head : torch.nn.Sequential
        Flatten, dense layers and the output layer.

    Raises
    ------
    ValueError
        If a parameter is out of range.

    See Also
    --------
    KangCNN : A first-stage patch network whose penultimate layer gives
        800-dimensional embeddings.

    References
    ----------
    .. [1] P. Chandakkar and B. Li, "Capturing Localized Image Artifacts
       through a CNN-based Hyper-image Representation", arXiv:1711.04945,
       2017.

    Examples
    --------
    >>> import torch
    >>> from skforensics.nn import HyperImageCNN
    >>> net = HyperImageCNN(in_channels=16, grid=(7, 7)).eval()
    >>> net(torch.zeros(3, 16, 7, 7)).shape
    torch.Size([3, 1])
    """

    def __init__(
        self,
        in_channels=800,
        grid=(8, 8),
        n_filters=(64, 64),
        convs_per_block=2,
        n_hidden=(256, 64),
        dropout=0.25,
        input_norm=True,
        n_outputs=1,
    ):
        super().__init__()
        name = type(self).__name__
        in_channels = _positive_int(in_channels, "in_channels", name)
        height, width = _pair(grid, "grid", name)
        # An int is a 1-tuple: one block, or one hidden layer.
        n_filters = _int_sequence(
            (n_filters,) if _is_int(n_filters) else n_filters, "n_filters", name
        )
        convs_per_block = _positive_int(convs_per_block, "convs_per_block", name)
        n_hidden = _int_sequence(
            (n_hidden,) if _is_int(n_hidden) else n_hidden, "n_hidden", name
        )
        n_outputs = _positive_int(n_outputs, "n_outputs", name)
        dropout = _dropout(dropout, name)
        self.norm = (
            nn.BatchNorm2d(in_channels, affine=False) if input_norm else nn.Identity()
        )
        layers = []
        channels = in_channels
        for filters in n_filters:
            for _ in range(convs_per_block):
                layers += [nn.Conv2d(channels, filters, 3, padding=1), nn.ReLU()]
                channels = filters
            layers.append(nn.MaxPool2d(2, ceil_mode=True))
            height, width = -(-height // 2), -(-width // 2)
        self.features = nn.Sequential(*layers)
        dense = [nn.Flatten()]
        size = channels * height * width
        for i, units in enumerate(n_hidden):
            last = i == len(n_hidden) - 1
            dense += [
                nn.Linear(size, units),
                nn.Tanh() if last else nn.ReLU(),
                nn.Dropout(dropout),
            ]
            size = units
        dense.append(nn.Linear(size, n_outputs))
        self.head = nn.Sequential(*dense)
        self.in_channels = in_channels
        self.grid = _pair(grid, "grid", name)

    def forward(self, x):
        """Score a batch of hyper-images.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, in_channels, U, V)
            Hyper-images, channels first; ``(U, V)`` must equal ``grid``.

        Returns
        -------
        out : torch.Tensor of shape (batch, n_outputs)
            Scores or logits.
        """
        return self.head(self.features(self.norm(x)))
