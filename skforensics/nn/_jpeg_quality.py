"""The dilated fully convolutional net of the pixelwise JPEG quality paper."""

import numbers

from torch import nn

from ._utils import _positive_int

__all__ = ["JPEGQualityNet"]


class JPEGQualityNet(nn.Module):
    """Fully convolutional net that maps an image to two JPEG maps.

    The network of Uchida, Tanaka & Okutomi: a stack of 3x3 convolutions with
    growing then shrinking dilation (1, 2, 3, 4, 3, 2, 1 by default), each
    padded to keep the image size and followed by a ReLU except the last.
    It has no pooling and no dense layer, so it takes images of any size and
    returns maps of the same size:

    - channel 0, the **quality map**: the JPEG quality factor ``Q`` the pixel
      was ever compressed with, as ``1 - Q / 100`` (0 for quality 100 or a
      pixel never compressed, 1 for quality 0);
    - channel 1, the **flag map**: 1 where the pixel was ever JPEG-compressed,
      0 where it never was.

    The outputs are not squashed (the last layer is linear, as in the paper);
    clip them to [0, 1] to read them as the quantities above.

    Parameters
    ----------
    in_channels : int, default=3
        Channels of the input (RGB). A one-channel (grayscale) input is
        repeated to ``in_channels`` channels in :meth:`forward`, which is
        exactly the RGB image a grayscale photograph decodes to.
    n_filters : int, default=64
        Filters of every hidden convolution. The paper uses 64; 32 costs
        about a quarter of the compute and suits CPU training.
    dilations : tuple of int, default=(1, 2, 3, 4, 3, 2, 1)
        Dilation of each 3x3 convolution; their number is the depth.
    n_outputs : int, default=2
        Output maps (quality and flag).

    Attributes
    ----------
    layers : torch.nn.Sequential
        The convolutions and ReLUs.
    receptive_field : int
        Side of the square of input pixels that one output pixel sees,
        ``1 + 2 * sum(dilations)`` (33 by default). An output pixel farther
        than ``receptive_field // 2`` from a border does not see the zero
        padding, which is why tiled inference needs a halo of that width.

    Raises
    ------
    ValueError
        If a parameter is out of range.

    Notes
    -----
    The cost is about ``9 * (3 * n_filters + (depth - 2) * n_filters**2 +
    2 * n_filters)`` multiply-adds per pixel: 0.19 M for 64 filters, 0.05 M
    for 32.

    References
    ----------
    .. [1] K. Uchida, M. Tanaka and M. Okutomi, "Pixelwise JPEG compression
       detection and quality factor estimation based on convolutional neural
       network", IS&T Electronic Imaging, 2019.

    Examples
    --------
    >>> import torch
    >>> from skforensics.nn import JPEGQualityNet
    >>> net = JPEGQualityNet(n_filters=8).eval()
    >>> net(torch.zeros(2, 3, 40, 50)).shape
    torch.Size([2, 2, 40, 50])
    >>> net.receptive_field
    33
    """

    def __init__(
        self,
        in_channels=3,
        n_filters=64,
        dilations=(1, 2, 3, 4, 3, 2, 1),
        n_outputs=2,
    ):
        super().__init__()
        name = type(self).__name__
        in_channels = _positive_int(in_channels, "in_channels", name)
        n_filters = _positive_int(n_filters, "n_filters", name)
        n_outputs = _positive_int(n_outputs, "n_outputs", name)
        try:
            dilations = tuple(dilations)
        except TypeError:
            dilations = None
        if (
            not dilations
            or len(dilations) < 2
            or not all(
                isinstance(d, numbers.Integral) and not isinstance(d, bool) and d >= 1
                for d in dilations
            )
        ):
            raise ValueError(
                f"The 'dilations' parameter of {name} must be a sequence of at "
                f"least 2 ints >= 1. Got {dilations!r} instead."
            )
        dilations = tuple(int(d) for d in dilations)
        layers = []
        channels = in_channels
        for i, dilation in enumerate(dilations):
            last = i == len(dilations) - 1
            out = n_outputs if last else n_filters
            layers.append(
                nn.Conv2d(channels, out, 3, padding=dilation, dilation=dilation)
            )
            if not last:
                layers.append(nn.ReLU(inplace=True))
            channels = out
        self.layers = nn.Sequential(*layers)
        self.in_channels = in_channels
        self.n_filters = n_filters
        self.dilations = dilations
        self.n_outputs = n_outputs
        self.receptive_field = 1 + 2 * sum(dilations)

    def forward(self, x):
        """Compute the maps of a batch of images.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, in_channels, height, width)
            Images with values in [0, 1]. A tensor with one channel is
            repeated to ``in_channels`` channels.

        Returns
        -------
        maps : torch.Tensor of shape (batch, n_outputs, height, width)
            Quality map (channel 0) and flag map (channel 1), unclipped.

        Raises
        ------
        ValueError
            If ``x`` is not 4-D or has a channel count other than 1 or
            ``in_channels``.
        """
        if x.ndim != 4:
            raise ValueError(
                f"{type(self).__name__} takes a batch of shape (batch, channels, "
                f"height, width); got a tensor of shape {tuple(x.shape)}."
            )
        channels = x.shape[1]
        if channels != self.in_channels:
            if channels != 1:
                raise ValueError(
                    f"{type(self).__name__} was built for {self.in_channels}-"
                    f"channel images; got {channels} channels. Pass "
                    f"{self.in_channels}-channel or grayscale (1-channel) images."
                )
            x = x.repeat(1, self.in_channels, 1, 1)
        return self.layers(x)
