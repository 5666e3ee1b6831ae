"""The dilated fully convolutional net of the pixelwise JPEG quality paper."""

from torch import nn

from ._jpeg_lattice import LatticeFrontEnd
from ._utils import _bool, _int_sequence, _invalid, _positive_int

__all__ = ["JPEGQualityNet"]

# Old names of the front ends, kept because weights files store them.
_FRONT_END_ALIASES = {"dct": "lattice"}


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

    ``front_end`` chooses what the first convolution sees: the pixels, as in
    the paper, or (the default) fixed JPEG-lattice features (see Notes)
    through a 1x1 convolution, with batch normalisation in the stack.
    :meth:`paper` builds the paper's net exactly.

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
    front_end : {"lattice", "pixels"}, default="lattice"
        What the first convolution sees.

        - ``"pixels"``: the RGB pixels in [0, 1], as in the paper. With
          ``batch_norm=False`` this is the paper's net exactly
          (:meth:`paper`).
        - ``"lattice"``: the fixed JPEG-lattice features (see Notes), and
          the first convolution is 1x1. Needs ``in_channels=3``. ``"dct"``
          is its former name, still accepted (weights files store it).
    lattice_steps : tuple of int, default=(1, 2, 3, 4, 6)
        Quantisation steps of the lattice responses of each coefficient;
        ignored by ``"pixels"``.
    lattice_size : int in 1..8, default=6
        The lattice front end reads the ``lattice_size**2`` DCT coefficients
        whose two frequencies are below ``lattice_size`` (8: all 64);
        ignored by ``"pixels"``.
    lattice_qualities : tuple of int, default=()
        JPEG qualities whose whole luminance quantisation table the lattice
        front end tests, pooled over neighbouring blocks: one more input
        channel each (see Notes). Empty: none.
    lattice_pool : int, default=2
        The quality tests pool ``(2 * lattice_pool + 1)**2`` blocks; ignored
        without ``lattice_qualities``.
    batch_norm : bool, default=True
        Batch normalisation after every hidden convolution (the paper has
        none). It speeds training up; in evaluation mode it is an affine map.
    chunk_size : int or None, default=None
        How :meth:`forward` computes the lattice features in evaluation
        mode. None: whole, as in training (differentiable, but about 200
        float channels per pixel are held at once). An int: projected by
        the first convolution ``chunk_size`` pixels at a time, never all
        held, and **without gradient** to the input or the first
        convolution; for inference on large images
        (:meth:`~skforensics.models.PixelwiseJPEGRegressor.predict_maps`
        uses 8192). Training mode always computes them whole.

    Attributes
    ----------
    features : LatticeFrontEnd or None
        The fixed lattice front end (None for ``"pixels"``).
    layers : torch.nn.Sequential
        The convolutions, batch norms and ReLUs.
    receptive_field : int
        Side of the square of input pixels that one output pixel sees (at
        most): ``1 + 2 * sum(dilations)`` (33 by default) for ``"pixels"``,
        ``9 + 2 * sum(dilations[1:])`` (39) for ``"lattice"``, and ``17 + 16
        * lattice_pool + 2 * sum(dilations[1:])`` (79) with
        ``lattice_qualities``. An output pixel
        farther than ``receptive_field // 2`` from a border does not see the
        zero padding, which is why tiled inference needs a halo of that width.

    Raises
    ------
    ValueError
        If a parameter is out of range.

    Notes
    -----
    **The lattice front end.** The luminance (JPEG's Y, level-shifted by
    128) around every pixel is taken to JPEG's own 8x8 DCT, at every
    position, and each coefficient ``c`` gives its lattice response ``cos(2
    pi c / s)`` to each step ``s`` of ``lattice_steps``. On a block of the
    image's JPEG grid the coefficients are multiples of their quantisation
    step ``q``, so the responses are near 1 for the steps that divide ``q``;
    elsewhere they average out. The pattern encodes the quantisation table,
    hence the quality factor, directly; the YCbCr pixels are appended for
    the chroma subsampling and the content.

    A single block is weak evidence at high quality, where the decoded
    pixels' rounding blurs steps of 1 or 2, and responses to small steps
    cannot tell quality 10 from quality 50 (the steps of one are five times
    the other's). ``lattice_qualities`` adds one channel per quality ``Q``:
    the responses to ``Q``'s own steps, summed over the coefficients not
    quantised to zero and over the blocks of one 8x8 grid around the pixel,
    divided by their count (plus one), at the best of the 64 grid phases
    around the pixel. It reads near 1 after compression at ``Q`` and near 0
    on never-compressed pixels, flat regions included.

    The paper's net has to discover all of this from pixels, and learns far
    more slowly on a CPU (the user guide compares them).

    **Cost.** About ``9 * (d - 2) * n_filters**2`` multiply-adds per pixel
    for ``d`` dilations, plus ``9 * 3 * n_filters`` (``"pixels"``) or ``(
    lattice_size**2 * len(lattice_steps) + 3) * n_filters`` and
    ``lattice_size**2`` cosines per step (``"lattice"``): 0.19 M for the
    paper's 64 filters, 0.05 M for the lattice net with 32. With
    ``chunk_size``, the response to a step whose double is also a step
    comes from the double's (``cos 2a = 2 cos**2 a - 1``), so the default
    steps cost 72 cosines, not 180. The quality tests add a cosine, a
    comparison and a few sums per tested (coefficient, step) pair (74 for
    the shipped weights' 14 qualities), and widen the receptive field.

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
    >>> JPEGQualityNet.paper().receptive_field
    33
    """

    def __init__(
        self,
        in_channels=3,
        n_filters=64,
        dilations=(1, 2, 3, 4, 3, 2, 1),
        n_outputs=2,
        front_end="lattice",
        lattice_steps=(1, 2, 3, 4, 6),
        lattice_size=6,
        lattice_qualities=(),
        lattice_pool=2,
        batch_norm=True,
        chunk_size=None,
    ):
        super().__init__()
        name = type(self).__name__
        in_channels = _positive_int(in_channels, "in_channels", name)
        n_filters = _positive_int(n_filters, "n_filters", name)
        n_outputs = _positive_int(n_outputs, "n_outputs", name)
        dilations = _int_sequence(dilations, "dilations", name, min_length=2)
        if isinstance(front_end, str):
            front_end = _FRONT_END_ALIASES.get(front_end, front_end)
        if front_end not in ("lattice", "pixels"):
            _invalid(
                "front_end", name, "one of 'lattice', 'dct' or 'pixels'", front_end
            )
        if front_end == "lattice" and in_channels != 3:
            raise ValueError(
                f"The 'lattice' front end of {name} works on RGB images "
                f"(in_channels=3); got in_channels={in_channels}. Use "
                "front_end='pixels'."
            )
        lattice_steps = _int_sequence(lattice_steps, "lattice_steps", name)
        lattice_size = _positive_int(lattice_size, "lattice_size", name, maximum=8)
        if lattice_qualities is None or (
            hasattr(lattice_qualities, "__len__") and len(lattice_qualities) == 0
        ):
            lattice_qualities = ()
        else:
            lattice_qualities = _int_sequence(
                lattice_qualities, "lattice_qualities", name, maximum=100
            )
        lattice_pool = _positive_int(lattice_pool, "lattice_pool", name, minimum=0)
        batch_norm = _bool(batch_norm, "batch_norm", name)
        if chunk_size is not None:
            chunk_size = _positive_int(chunk_size, "chunk_size", name)
        if front_end == "lattice":
            self.features = LatticeFrontEnd(
                lattice_steps, lattice_size, lattice_qualities, lattice_pool
            )
            channels = self.features.out_channels
        else:
            self.features = None
            channels = in_channels
        layers = []
        for i, dilation in enumerate(dilations):
            last = i == len(dilations) - 1
            out = n_outputs if last else n_filters
            size = 1 if (i == 0 and front_end == "lattice") else 3
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
        self.lattice_qualities = lattice_qualities
        self.lattice_pool = lattice_pool
        self.batch_norm = batch_norm
        self.chunk_size = chunk_size
        if front_end == "lattice" and lattice_qualities:
            self.receptive_field = 17 + 16 * lattice_pool + 2 * sum(dilations[1:])
        elif front_end == "lattice":
            self.receptive_field = 9 + 2 * sum(dilations[1:])
        else:
            self.receptive_field = 1 + 2 * sum(dilations)

    @classmethod
    def paper(cls, **kwargs):
        """The net of Uchida et al. exactly: pixels in, no batch norm.

        Seven 3x3 convolutions with dilations 1, 2, 3, 4, 3, 2, 1 and 64
        filters, on the RGB pixels. Being a callable that returns a module,
        it also serves as an estimator's module:
        ``PixelwiseJPEGRegressor(module=JPEGQualityNet.paper)``.

        Parameters
        ----------
        **kwargs
            Other constructor arguments, e.g. ``n_filters=32``.

        Returns
        -------
        net : JPEGQualityNet
            The paper's net.

        Examples
        --------
        >>> from skforensics.nn import JPEGQualityNet
        >>> net = JPEGQualityNet.paper()
        >>> net.features is None, net.batch_norm, net.n_filters
        (True, False, 64)
        """
        return cls(**{"front_end": "pixels", "batch_norm": False, **kwargs})

    def config(self):
        """The constructor arguments that rebuild this net, as plain values.

        Weights files store them next to the state dict
        (:func:`~skforensics.models._serialization.save_jpeg_weights`), so
        ``JPEGQualityNet(**net.config())`` has the layers of ``net``.

        Returns
        -------
        config : dict
            Every constructor argument, normalised (``front_end`` by its
            current name, sequences as tuples of int).
        """
        return {
            "in_channels": self.in_channels,
            "n_filters": self.n_filters,
            "dilations": self.dilations,
            "n_outputs": self.n_outputs,
            "front_end": self.front_end,
            "lattice_steps": self.lattice_steps,
            "lattice_size": self.lattice_size,
            "lattice_qualities": self.lattice_qualities,
            "lattice_pool": self.lattice_pool,
            "batch_norm": self.batch_norm,
            "chunk_size": self.chunk_size,
        }

    def forward(self, x):
        """Compute the maps of a batch of images.

        The path depends on the mode alone, never on whether autograd is
        on: in training mode, or with ``chunk_size=None``, the lattice
        features are computed whole and go through :attr:`layers`; in
        evaluation mode with a ``chunk_size``, they are projected by the
        first convolution chunk by chunk, with no gradient to the input or
        to the first convolution.

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
        x = self._checked_input(x)
        if self.features is None:
            return self.layers(x)
        if self.training or self.chunk_size is None:
            return self.layers(self.features(x))
        first = self.layers[0]
        projected = self.features.project(
            x, first.weight, first.bias, chunk=self.chunk_size
        )
        return self._dilated(projected)

    def forward_region(self, x, region):
        """``self(x)[:, :, top:bottom, left:right]``, computing only that.

        Tiled inference keeps the middle of each tile: the net sees a halo
        of ``receptive_field // 2`` pixels around it so that its maps equal
        those of the whole image. The lattice features, though, are needed
        only within ``sum(dilations[1:])`` pixels of the kept part (what
        the dilated convolutions see), and the convolutions only there:
        in evaluation mode with a ``chunk_size``, this computes just that
        (the same values as ``self(x)`` cropped, about a quarter less
        work on the default 400-pixel tiles). Otherwise it is ``self(x)``
        cropped.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, in_channels, height, width)
            Images with values in [0, 1].
        region : tuple of int (top, bottom, left, right)
            The part of the maps wanted, in pixels of ``x``.

        Returns
        -------
        maps : torch.Tensor of shape (batch, n_outputs, bottom - top, right - left)
            The output maps of :meth:`forward` inside ``region``.
        """
        top, bottom, left, right = region
        if self.features is None or self.training or self.chunk_size is None:
            return self(x)[:, :, top:bottom, left:right]
        x = self._checked_input(x)
        height, width = x.shape[2:]
        margin = sum(self.dilations[1:])
        outer = (
            max(0, top - margin),
            min(height, bottom + margin),
            max(0, left - margin),
            min(width, right + margin),
        )
        first = self.layers[0]
        projected = self.features.project(
            x, first.weight, first.bias, chunk=self.chunk_size, region=outer
        )
        maps = self._dilated(projected)
        return maps[
            :, :, top - outer[0] : bottom - outer[0], left - outer[2] : right - outer[2]
        ]

    def _dilated(self, projected):
        """The layers after the first convolution, in their weights' dtype.

        An inference copy may hold them in bfloat16
        (:meth:`~skforensics.models.PixelwiseJPEGRegressor.predict_maps`
        with ``inference_precision``): the projected features are cast to
        it and the maps come back in float32.
        """
        dtype = self.layers[-1].weight.dtype
        if dtype == projected.dtype:
            return self.layers[1:](projected)
        return self.layers[1:](projected.to(dtype)).to(projected.dtype)

    def _checked_input(self, x):
        """``x`` checked to be 4-D, with one channel repeated to in_channels."""
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
        return x
