"""The dilated fully convolutional net of the pixelwise JPEG quality paper."""

import math
import numbers

import numpy as np
import scipy.fft
import torch
from torch import nn
from torch.nn import functional as F

from ._utils import _positive_int

__all__ = ["JPEGQualityNet"]

# JPEG's RGB -> YCbCr (JFIF, full range); the chroma rows sum to zero, so Cb
# and Cr come out centred on 0.
_YCBCR = (
    (0.299, 0.587, 0.114),
    (-0.168736, -0.331264, 0.5),
    (0.5, -0.418688, -0.081312),
)


def _dct_matrix(n=8):
    """Orthonormal DCT-II matrix, JPEG's transform: row u is frequency u."""
    return scipy.fft.dct(np.eye(n), norm="ortho", axis=0)


class _LatticeFeatures(nn.Module):
    """Fixed JPEG features: 8x8 DCT of the luminance around every pixel, combed.

    For each pixel, the luminance block whose top-left corner lies 3 pixels up
    and left of it is taken to JPEG's 8x8 DCT (two separable convolutions),
    and each of its ``size**2`` lowest-frequency coefficients ``c`` (both
    frequencies below ``size``) goes through ``cos(2 pi c / s)`` for every
    step ``s`` of ``steps``. Where the block is one of the image's JPEG
    blocks, ``c`` is a multiple of its quantisation step ``q`` (up to the
    rounding of the decoded pixels), so the comb is close to 1 for every
    ``s`` that divides ``q``: the pattern over steps and frequencies encodes
    the quantisation table, hence the quality. The YCbCr pixels (divided by
    64) are appended, for the chroma subsampling and the content. Nothing
    here is learned.
    """

    def __init__(self, steps, size):
        super().__init__()
        dct = torch.tensor(_dct_matrix()[:size], dtype=torch.float32)
        # Constants, rebuilt here and kept out of the state dict (saving them
        # in float16 would wreck the phases of the combs).
        buffers = {
            # RGB in [0, 1] to YCbCr in [0, 255], as a 1x1 convolution.
            "ycbcr": 255.0 * torch.tensor(_YCBCR, dtype=torch.float32).view(3, 3, 1, 1),
            # Horizontal frequencies first, then the vertical ones of each.
            "dct_rows": dct.reshape(size, 1, 1, 8).clone(),
            "dct_cols": dct.repeat(size, 1).reshape(size * size, 1, 8, 1).clone(),
            "frequencies": 2 * math.pi / torch.tensor(steps, dtype=torch.float32),
            # JPEG centres the luminance on 0 before its DCT.
            "level_shift": torch.tensor([128.0, 0.0, 0.0]).view(1, 3, 1, 1),
        }
        for name, value in buffers.items():
            self.register_buffer(name, value, persistent=False)
        self.size = size
        self.out_channels = size * size * len(steps) + 3

    def forward(self, x):
        ycbcr = F.conv2d(x, self.ycbcr) - self.level_shift
        rows = F.conv2d(F.pad(ycbcr[:, :1], (3, 4, 3, 4)), self.dct_rows)
        coefficients = F.conv2d(rows, self.dct_cols, groups=self.size)
        if x.requires_grad:
            phases = coefficients.unsqueeze(2) * self.frequencies.view(-1, 1, 1)
            comb = torch.cos(phases)
            comb = comb.flatten(1, 2)
            return torch.cat([comb, ycbcr / 64.0], dim=1)
        # The same numbers without a gradient, written straight into one
        # channels_last buffer: the combs are most of the cost of the net, and
        # the 1x1 convolution that reads them runs fastest on that layout.
        batch, n_coefficients, height, width = coefficients.shape
        n_combs = n_coefficients * self.frequencies.numel()
        out = x.new_empty((batch, height, width, n_combs + 3))
        comb = out[..., :n_combs].view(batch, height, width, n_coefficients, -1)
        coefficients = coefficients.permute(0, 2, 3, 1).unsqueeze(-1)
        torch.mul(coefficients, self.frequencies, out=comb)
        comb.cos_()
        torch.div(ycbcr.permute(0, 2, 3, 1), 64.0, out=out[..., n_combs:])
        return out.permute(0, 3, 1, 2)


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
    front_end : {"dct", "pixels"}, default="dct"
        What the first convolution sees.

        - ``"pixels"``: the RGB pixels in [0, 1], as in the paper. With
          ``batch_norm=False`` this is the paper's net exactly.
        - ``"dct"``: fixed JPEG features (see Notes), and the first
          convolution is 1x1. Needs ``in_channels=3``.
    lattice_steps : tuple of int, default=(1, 2, 3, 4, 6)
        Quantisation steps the ``"dct"`` front end tests each coefficient
        against; ignored by ``"pixels"``.
    lattice_size : int in 1..8, default=6
        The ``"dct"`` front end combs the ``lattice_size**2`` DCT
        coefficients whose two frequencies are below ``lattice_size`` (8: all
        64); ignored by ``"pixels"``.
    batch_norm : bool, default=True
        Batch normalisation after every hidden convolution (the paper has
        none). It speeds training up; in evaluation mode it is an affine map.

    Attributes
    ----------
    features : torch.nn.Module or None
        The fixed ``"dct"`` front end (None for ``"pixels"``).
    layers : torch.nn.Sequential
        The convolutions, batch norms and ReLUs.
    receptive_field : int
        Side of the square of input pixels that one output pixel sees (at
        most): ``1 + 2 * sum(dilations)`` (33 by default) for ``"pixels"``,
        ``9 + 2 * sum(dilations[1:])`` (39) for ``"dct"``. An output pixel
        farther than ``receptive_field // 2`` from a border does not see the
        zero padding, which is why tiled inference needs a halo of that width.

    Raises
    ------
    ValueError
        If a parameter is out of range.

    Notes
    -----
    **The "dct" front end.** The luminance (JPEG's Y, level-shifted by 128)
    around every pixel is taken to JPEG's own 8x8 DCT, at every position, and
    each of the 64 coefficients ``c`` through ``cos(2 pi c / s)`` for each
    step ``s`` of ``lattice_steps``. On a block of the image's JPEG grid the
    coefficients are multiples of their quantisation step ``q``, so these
    combs are near 1 for the steps that divide ``q``; elsewhere they average
    out. The pattern encodes the quantisation table, hence the quality
    factor, directly; the YCbCr pixels are appended for the chroma
    subsampling and the content. The paper's net has to discover all of this
    from pixels: on 2 CPU cores, 18,000 training patches moved it nowhere
    (it predicted the mean), while the ``"dct"`` net had learned the coarse
    quality after 2,000 (see the user guide).

    **Cost.** About ``9 * (d - 2) * n_filters**2`` multiply-adds per pixel
    for ``d`` dilations, plus ``9 * 3 * n_filters`` (``"pixels"``) or ``(
    lattice_size**2 * len(lattice_steps) + 3) * n_filters`` and
    ``lattice_size**2`` cosines per step (``"dct"``): 0.19 M for the paper's
    64 filters, 0.05 M (and 180 cosines) for the ``"dct"`` net with 32.

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
    39
    >>> JPEGQualityNet(front_end="pixels", batch_norm=False).receptive_field
    33
    """

    def __init__(
        self,
        in_channels=3,
        n_filters=64,
        dilations=(1, 2, 3, 4, 3, 2, 1),
        n_outputs=2,
        front_end="dct",
        lattice_steps=(1, 2, 3, 4, 6),
        lattice_size=6,
        batch_norm=True,
    ):
        super().__init__()
        name = type(self).__name__
        in_channels = _positive_int(in_channels, "in_channels", name)
        n_filters = _positive_int(n_filters, "n_filters", name)
        n_outputs = _positive_int(n_outputs, "n_outputs", name)
        dilations = _int_sequence(dilations, "dilations", name, min_length=2)
        if front_end not in ("dct", "pixels"):
            raise ValueError(
                f"The 'front_end' parameter of {name} must be 'dct' or 'pixels'. "
                f"Got {front_end!r} instead."
            )
        if front_end == "dct" and in_channels != 3:
            raise ValueError(
                f"The 'dct' front end of {name} works on RGB images "
                f"(in_channels=3); got in_channels={in_channels}. Use "
                "front_end='pixels'."
            )
        lattice_steps = _int_sequence(lattice_steps, "lattice_steps", name)
        lattice_size = _positive_int(lattice_size, "lattice_size", name)
        if lattice_size > 8:
            raise ValueError(
                f"The 'lattice_size' parameter of {name} must be an int in 1..8. "
                f"Got {lattice_size!r} instead."
            )
        if not isinstance(batch_norm, (bool, np.bool_)):
            raise ValueError(
                f"The 'batch_norm' parameter of {name} must be a bool. "
                f"Got {batch_norm!r} instead."
            )
        if front_end == "dct":
            self.features = _LatticeFeatures(lattice_steps, lattice_size)
            channels = self.features.out_channels
        else:
            self.features = None
            channels = in_channels
        layers = []
        for i, dilation in enumerate(dilations):
            last = i == len(dilations) - 1
            out = n_outputs if last else n_filters
            size = 1 if (i == 0 and front_end == "dct") else 3
            padding = dilation if size == 3 else 0
            layers.append(
                nn.Conv2d(
                    channels,
                    out,
                    size,
                    padding=padding,
                    dilation=dilation if size == 3 else 1,
                    bias=last or not batch_norm,
                )
            )
            if not last:
                if batch_norm:
                    layers.append(nn.BatchNorm2d(out))
                layers.append(nn.ReLU(inplace=True))
            channels = out
        self.layers = nn.Sequential(*layers)
        self.in_channels = in_channels
        self.n_filters = n_filters
        self.dilations = dilations
        self.n_outputs = n_outputs
        self.front_end = front_end
        self.lattice_steps = lattice_steps
        self.lattice_size = lattice_size
        self.batch_norm = bool(batch_norm)
        if front_end == "dct":
            self.receptive_field = 9 + 2 * sum(dilations[1:])
        else:
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
        if self.features is not None:
            x = self.features(x)
        return self.layers(x)


def _int_sequence(value, name, owner, min_length=1):
    """A non-empty tuple of ints >= 1, or a ValueError naming the parameter."""
    try:
        values = tuple(value)
    except TypeError:
        values = None
    if (
        not values
        or len(values) < min_length
        or not all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1
            for v in values
        )
    ):
        raise ValueError(
            f"The '{name}' parameter of {owner} must be a sequence of at "
            f"least {min_length} int{'s' if min_length > 1 else ''} >= 1. "
            f"Got {value!r} instead."
        )
    return tuple(int(v) for v in values)
