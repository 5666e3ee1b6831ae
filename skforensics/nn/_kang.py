"""Kang et al.'s patch network for no-reference image quality assessment."""

import torch
from torch import nn

from ._utils import _dropout, _pair, _positive_int

__all__ = ["KangCNN"]


class KangCNN(nn.Module):
    """Shallow CNN that predicts the quality score of one image patch.

    The network of Kang et al. (2014): one ``kernel_size`` x ``kernel_size``
    convolution with ``n_filters`` filters, global max pooling and global
    min pooling of each feature map concatenated (``2 * n_filters``
    values), two dense layers of ``n_hidden`` units with ReLUs (and
    dropout), and a linear output. The paper feeds 32x32 patches of
    locally normalised luminance; put a
    :class:`~skforensics.feature.MSCNTransformer` before the estimator to
    do the same.

    Parameters
    ----------
    in_channels : int, default=1
        Channels of the input patches.
    patch_size : int or tuple of (int, int), default=32
        Height and width of the input patches; they must be at least
        ``kernel_size``.
    n_filters : int, default=50
        Filters of the convolution.
    kernel_size : int, default=7
        Side of the convolution kernel.
    n_hidden : int, default=800
        Units of each of the two dense layers.
    n_outputs : int, default=1
        Number of outputs.
    dropout : float, default=0.5
        Dropout rate after each dense hidden layer.

    Attributes
    ----------
    conv : torch.nn.Conv2d
        The convolution.
    head : torch.nn.Sequential
        The dense layers.

    References
    ----------
    .. [1] L. Kang, P. Ye, Y. Li and D. Doermann, "Convolutional Neural
       Networks for No-Reference Image Quality Assessment", CVPR 2014.

    Examples
    --------
    >>> import torch
    >>> from skforensics.nn import KangCNN
    >>> net = KangCNN().eval()
    >>> net(torch.zeros(4, 1, 32, 32)).shape
    torch.Size([4, 1])
    """

    def __init__(
        self,
        in_channels=1,
        patch_size=32,
        n_filters=50,
        kernel_size=7,
        n_hidden=800,
        n_outputs=1,
        dropout=0.5,
    ):
        super().__init__()
        name = type(self).__name__
        in_channels = _positive_int(in_channels, "in_channels", name)
        height, width = _pair(patch_size, "patch_size", name)
        n_filters = _positive_int(n_filters, "n_filters", name)
        kernel_size = _positive_int(kernel_size, "kernel_size", name)
        n_hidden = _positive_int(n_hidden, "n_hidden", name)
        n_outputs = _positive_int(n_outputs, "n_outputs", name)
        dropout = _dropout(dropout, name)
        if height < kernel_size or width < kernel_size:
            raise ValueError(
                f"{name} with kernel_size={kernel_size} needs patches of at least "
                f"{kernel_size}x{kernel_size}; got patch_size ({height}, {width})."
            )
        self.conv = nn.Conv2d(in_channels, n_filters, kernel_size)
        self.head = nn.Sequential(
            nn.Linear(2 * n_filters, n_hidden),
            nn.ReLU(inplace=True),
            nn.Dropout(dropout),
            nn.Linear(n_hidden, n_hidden),
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
            Patches.

        Returns
        -------
        out : torch.Tensor of shape (batch, n_outputs)
            Predicted scores.
        """
        maps = self.conv(x).flatten(2)
        pooled = torch.cat([maps.amax(dim=2), maps.amin(dim=2)], dim=1)
        return self.head(pooled)
