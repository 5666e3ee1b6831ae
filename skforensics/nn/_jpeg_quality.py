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


# JPEG's luminance quantisation table at quality 50 (ITU T.81, Annex K),
# row-major over (vertical, horizontal) frequency.
_LUMA_TABLE = np.array(
    [
        [16, 11, 10, 16, 24, 40, 51, 61],
        [12, 12, 14, 19, 26, 58, 60, 55],
        [14, 13, 16, 24, 40, 57, 69, 56],
        [14, 17, 22, 29, 51, 87, 80, 62],
        [18, 22, 37, 56, 68, 109, 103, 77],
        [24, 35, 55, 64, 81, 104, 113, 92],
        [49, 64, 78, 87, 103, 121, 120, 101],
        [72, 92, 95, 98, 112, 100, 103, 99],
    ]
)


def _luma_quantisation_table(quality):
    """libjpeg's (and Pillow's, OpenCV's) luminance steps at ``quality``."""
    scale = 5000.0 / quality if quality < 50 else 200.0 - 2.0 * quality
    return np.clip(np.floor((_LUMA_TABLE * scale + 50.0) / 100.0), 1, 255)


# The pooled tests of qualities below this read only the DC and the two
# lowest AC coefficients (the others are mostly quantised to zero there, and
# each coefficient tested costs time at every pixel); the tests of higher
# qualities read all the combed AC coefficients.
_ALL_COEFFICIENTS_FROM = 97


def _window_reduce(x, axis, spacing, taps, op):
    """Sum or max (``op``) of ``taps`` samples ``spacing`` apart along ``axis``.

    The window is centred and samples outside ``x`` are left out; the result
    has the shape of ``x``. It is built from shifted slices, which on CPU
    beat dilated convolutions and pooling kernels several times over: in
    place on a copy, or out of place where autograd has to follow.
    """
    length = x.shape[axis]
    differentiable = torch.is_grad_enabled() and x.requires_grad
    out = x if differentiable else x.clone()
    for tap in range(1, taps // 2 + 1):
        shift = tap * spacing
        if shift >= length:
            break
        kept = length - shift
        if differentiable:
            # Outside samples add nothing to a sum, and a max of the sample
            # itself changes nothing.
            fill = torch.zeros_like(x) if op == "sum" else x
            combine = torch.add if op == "sum" else torch.maximum
            ahead = torch.cat(
                [x.narrow(axis, shift, kept), fill.narrow(axis, kept, shift)], axis
            )
            behind = torch.cat(
                [fill.narrow(axis, 0, shift), x.narrow(axis, 0, kept)], axis
            )
            out = combine(combine(out, ahead), behind)
            continue
        # out[i] with x[i + shift], then out[i] with x[i - shift].
        for target, source in ((0, shift), (shift, 0)):
            window = out.narrow(axis, target, kept)
            sample = x.narrow(axis, source, kept)
            if op == "sum":
                window.add_(sample)
            else:
                torch.maximum(window, sample, out=window)
    return out


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
    64) are appended, for the chroma subsampling and the content.

    With ``qualities``, one more channel per quality ``Q`` tests the whole
    quantisation table of ``Q`` at once, pooled over a neighbourhood: at each
    block position, the combs ``cos(2 pi c / q)`` with ``q`` the step of
    ``Q`` are summed over the coefficients not quantised to zero
    (``|c| >= q / 2``), together with their count; both sums are added over
    the ``(2 * pool + 1)**2`` blocks of one 8x8 grid around the pixel, their
    ratio (count plus one below, so that a flat region reads 0) is taken,
    and its largest value over the 8x8 grid phases around the pixel is kept.
    It is near 1 where the pixels were compressed at ``Q`` (or at a quality
    whose steps ``Q``'s divide) and near 0 where they never were. Qualities
    from 97 test all the combed AC coefficients, lower ones only the DC and
    the two lowest AC coefficients. Nothing here is learned.

    :meth:`forward` returns the features; :meth:`project`, what the net runs
    without a gradient, returns a 1x1 convolution of them without ever
    holding them all.
    """

    def __init__(self, steps, size, qualities=(), pool=2):
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
            # JPEG centres the luminance on 0 before its DCT.
            "level_shift": torch.tensor([128.0, 0.0, 0.0]).view(1, 3, 1, 1),
        }
        buffers.update(self._phase_buffers(steps, size, qualities))
        buffers.update(self._projection_buffers(steps, size, buffers))
        self.size = size
        self.pool = pool
        self.n_qualities = len(qualities)
        self.n_combs = size * size * len(steps)
        for name, value in buffers.items():
            self.register_buffer(name, value, persistent=False)
        self.out_channels = self.n_combs + 3 + len(qualities)

    @staticmethod
    def _phase_buffers(steps, size, qualities):
        """The phases ``2 pi c / s`` of every comb, as matrices.

        ``phases`` takes the ``size**2`` coefficients of a pixel to the
        phases of its combs (coefficient ``k`` against step ``j`` in column
        ``k * len(steps) + j``), then to those of the (coefficient, step)
        pairs the quality tests read: each column holds one frequency and
        zeros, so the product gives exactly the elementwise products, in one
        matrix product. ``quality_sums`` adds up each quality's pairs.
        """
        frequencies = 2 * math.pi / torch.tensor(steps, dtype=torch.float32)
        combs = torch.kron(torch.eye(size * size), frequencies.view(1, -1))
        # Channel k of the coefficients holds horizontal frequency k // size
        # and vertical frequency k % size.
        k = np.arange(size * size)
        horizontal, vertical = k // size, k % size
        members = []
        for quality in qualities:
            table = _luma_quantisation_table(quality)[vertical, horizontal]
            if quality >= _ALL_COEFFICIENTS_FROM:
                # Not the DC: that of a flat block, as in a saturated
                # region, is 8 times an integer luminance whatever the image.
                used = k[1:]
            else:
                used = k[horizontal + vertical <= 1]
            members.append([(int(c), int(table[c])) for c in used])
        pairs = sorted({pair for group in members for pair in group})
        tests = torch.zeros(size * size, len(pairs))
        for column, (c, step) in enumerate(pairs):
            # A float32 division, as for the combs: the same phases.
            tests[c, column] = 2 * math.pi / torch.tensor(float(step))
        sums = torch.zeros(len(pairs), len(qualities))
        for column, group in enumerate(members):
            sums[[pairs.index(pair) for pair in group], column] = 1.0
        return {"phases": torch.cat([combs, tests], 1), "quality_sums": sums}

    def _projection_buffers(self, steps, size, buffers):
        """The layout :meth:`project` computes the features in.

        A comb of step ``s`` where ``2 s`` is also a step is not computed
        from its phase but from the comb of ``2 s``: ``cos 2a = 2 cos**2 a -
        1``, and in float32 its phase is exactly twice the other's, so only
        the cosine's rounding differs (about 1e-6). The blocks of the steps,
        each holding the ``size**2`` coefficients, are laid out with those
        computed directly first, then the others from the largest step down.
        """
        n_coefficients = size * size
        derived = sorted(
            (j for j, step in enumerate(steps) if 2 * step in steps),
            key=lambda j: -steps[j],
        )
        order = [j for j in range(len(steps)) if j not in derived] + derived
        # Source block of each derived block, both as positions in ``order``.
        self._doubled = [
            (order.index(j), order.index(steps.index(2 * steps[j]))) for j in derived
        ]
        self._n_direct = len(order) - len(derived)
        frequencies = 2 * math.pi / torch.tensor(steps, dtype=torch.float32)
        direct = [torch.diag(frequencies[j].expand(n_coefficients)) for j in order]
        n_pairs, n = buffers["quality_sums"].shape
        pairs = buffers["phases"][:, len(steps) * n_coefficients :]
        sums = torch.zeros(2 * n_pairs, 2 * n)
        # Rows: the flags of the pairs (counted), then their combs (summed).
        sums[:n_pairs, n:] = buffers["quality_sums"]
        sums[n_pairs:, :n] = buffers["quality_sums"]
        # Feature channel of the comb at each column of the layout.
        k = torch.arange(n_coefficients)
        channels = torch.cat([k * len(steps) + j for j in order])
        return {
            "projection_phases": torch.cat([pairs, *direct[: self._n_direct]], 1),
            "projection_sums": sums,
            "projection_channels": channels,
        }

    def _coefficients(self, x):
        """YCbCr (level-shifted) and the DCT coefficients around every pixel."""
        ycbcr = F.conv2d(x, self.ycbcr) - self.level_shift
        rows = F.conv2d(F.pad(ycbcr[:, :1], (3, 4, 3, 4)), self.dct_rows)
        return ycbcr, F.conv2d(rows, self.dct_cols, groups=self.size)

    def _pool(self, sums):
        """The quality tests from the per-block sums (see the class docstring).

        ``sums`` is (batch, H, W, 2 * n_qualities), channels last: the combs
        of each quality's informative pairs summed, then their count.
        """
        # Add up the blocks of one grid, (2 pool + 1) blocks 8 pixels apart
        # along each axis, then keep the best of the 8x8 grid phases around
        # the pixel, since the image's is unknown (a centred 9x9 window holds
        # them all). Both are separable.
        for axis in (1, 2):
            sums = _window_reduce(sums, axis, 8, 2 * self.pool + 1, "sum")
        n = self.n_qualities
        ratio = sums[..., :n] / (sums[..., n:] + 1.0)
        for axis in (1, 2):
            ratio = _window_reduce(ratio, axis, 1, 9, "max")
        return ratio

    def forward(self, x):
        ycbcr, coefficients = self._coefficients(x)
        phases = coefficients.permute(0, 2, 3, 1) @ self.phases
        parts = [torch.cos(phases[..., : self.n_combs]), ycbcr.permute(0, 2, 3, 1) / 64]
        if self.n_qualities:
            # |phase| serves both (the cosine is even). Coefficients quantised
            # to zero (|c| < s / 2, a phase below pi) say nothing about s.
            pairs = phases[..., self.n_combs :].abs()
            informative = torch.ge(pairs, math.pi).to(pairs.dtype)
            combs = torch.cos(pairs) * informative
            sums = torch.cat(
                [combs @ self.quality_sums, informative @ self.quality_sums], -1
            )
            parts.append(self._pool(sums))
        return torch.cat(parts, dim=-1).permute(0, 3, 1, 2)

    @torch.no_grad()
    def project(self, x, weight, bias=None, chunk=8192):
        """``F.conv2d(self(x), weight, bias)`` for a 1x1 ``weight``, no gradient.

        The ~200 feature channels of a pixel are computed ``chunk`` pixels
        at a time, in buffers reused from one chunk to the next, and
        projected at once: on CPU, writing them all out (and faulting in
        fresh memory for them) costs more than computing them. The result
        is channels_last.
        """
        ycbcr, coefficients = self._coefficients(x)
        batch, n_coefficients, height, width = coefficients.shape
        coefficients = coefficients.permute(0, 2, 3, 1).reshape(-1, n_coefficients)
        n_pixels, n_combs, n = len(coefficients), self.n_combs, self.n_qualities
        weight = weight.flatten(1).t()
        comb_weight = weight[self.projection_channels]
        n_pairs = len(self.projection_sums) // 2
        n_direct = self._n_direct * n_coefficients
        rows = min(chunk, n_pixels)
        # Elementwise ops run several times faster on whole rows than on
        # column blocks, hence three buffers: the phases of the pairs and of
        # the combs computed directly (then their cosines), the flags and
        # combs of the pairs, and the combs computed from others.
        phases = x.new_empty((rows, n_pairs + n_direct))
        pair_features = x.new_empty((rows, 2 * n_pairs))
        doubled = x.new_empty((rows, n_combs - n_direct))
        out = x.new_empty((n_pixels, weight.shape[1]))
        sums = x.new_empty((n_pixels, 2 * n))

        def step_block(position, count):
            if position < self._n_direct:
                block = phases[:count, n_pairs + position * n_coefficients :]
            else:
                position -= self._n_direct
                block = doubled[:count, position * n_coefficients :]
            return block[:, :n_coefficients]

        for start in range(0, n_pixels, chunk):
            stop = min(start + chunk, n_pixels)
            count, rows_out = stop - start, out[start:stop]
            torch.mm(
                coefficients[start:stop], self.projection_phases, out=phases[:count]
            )
            if n:
                # As in forward: |phase| >= pi flags an informative pair.
                pairs = phases[:count, :n_pairs].abs_()
                flags = pair_features[:count, :n_pairs]
                torch.ge(pairs, math.pi, out=flags)
            phases[:count].cos_()
            for target, source in self._doubled:
                half, twice = step_block(source, count), step_block(target, count)
                torch.mul(half, half, out=twice).mul_(2.0).sub_(1.0)
            torch.mm(phases[:count, n_pairs:], comb_weight[:n_direct], out=rows_out)
            rows_out.addmm_(doubled[:count], comb_weight[n_direct:])
            if n:
                torch.mul(pairs, flags, out=pair_features[:count, n_pairs:])
                torch.mm(
                    pair_features[:count], self.projection_sums, out=sums[start:stop]
                )
        pixels = ycbcr.permute(0, 2, 3, 1).reshape(-1, 3) / 64
        out.addmm_(pixels, weight[n_combs : n_combs + 3])
        if n:
            tests = self._pool(sums.view(batch, height, width, 2 * n))
            out.addmm_(tests.view(-1, n), weight[n_combs + 3 :])
        if bias is not None:
            out.add_(bias)
        return out.view(batch, height, width, -1).permute(0, 3, 1, 2)


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
    lattice_qualities : tuple of int, default=()
        JPEG qualities whose whole luminance quantisation table the
        ``"dct"`` front end tests, pooled over neighbouring blocks: one more
        input channel each (see Notes). Empty: none.
    lattice_pool : int, default=2
        The quality tests pool ``(2 * lattice_pool + 1)**2`` blocks; ignored
        without ``lattice_qualities``.
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
        ``9 + 2 * sum(dilations[1:])`` (39) for ``"dct"``, and ``17 + 16 *
        lattice_pool + 2 * sum(dilations[1:])`` (79) with
        ``lattice_qualities``. An output pixel
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
    subsampling and the content.

    A single block is weak evidence at high quality, where the decoded
    pixels' rounding blurs steps of 1 or 2, and combs of small steps cannot
    tell quality 10 from quality 50 (the steps of one are five times the
    other's). ``lattice_qualities`` adds one channel per quality ``Q``: the
    combs against ``Q``'s own steps, summed over the coefficients not
    quantised to zero and over the blocks of one 8x8 grid around the pixel,
    divided by their count (plus one), at the best of the 64 grid phases
    around the pixel. It reads near 1 after compression at ``Q`` and near 0
    on never-compressed pixels, flat regions included.

    The paper's net has to discover all of this
    from pixels: on 2 CPU cores, 18,000 training patches moved it nowhere
    (it predicted the mean), while the ``"dct"`` net had learned the coarse
    quality after 2,000 (see the user guide).

    **Cost.** About ``9 * (d - 2) * n_filters**2`` multiply-adds per pixel
    for ``d`` dilations, plus ``9 * 3 * n_filters`` (``"pixels"``) or ``(
    lattice_size**2 * len(lattice_steps) + 3) * n_filters`` and
    ``lattice_size**2`` cosines per step (``"dct"``): 0.19 M for the paper's
    64 filters, 0.05 M for the ``"dct"`` net with 32. Without a gradient,
    the comb of a step whose double is also a step comes from the double's
    (``cos 2a = 2 cos**2 a - 1``), so the default steps cost 72 cosines,
    not 180, and the features are projected by the first convolution a
    chunk of pixels at a time, never all held at once.
    The quality tests add a cosine, a comparison and a few sums per tested
    (coefficient, step) pair (74 for the shipped weights' 14 qualities),
    and the wider receptive field widens the halo of tiled inference: on 2
    CPU cores the shipped net's maps take 1.7 times as long as those of the
    same net without them.

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
        lattice_qualities=(),
        lattice_pool=2,
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
        if lattice_qualities is None or (
            hasattr(lattice_qualities, "__len__") and len(lattice_qualities) == 0
        ):
            lattice_qualities = ()
        else:
            lattice_qualities = _int_sequence(
                lattice_qualities, "lattice_qualities", name
            )
            if max(lattice_qualities) > 100:
                raise ValueError(
                    f"The 'lattice_qualities' parameter of {name} must hold "
                    f"qualities in 1..100. Got {lattice_qualities!r} instead."
                )
        if (
            not isinstance(lattice_pool, numbers.Integral)
            or isinstance(lattice_pool, bool)
            or lattice_pool < 0
        ):
            raise ValueError(
                f"The 'lattice_pool' parameter of {name} must be an int >= 0. "
                f"Got {lattice_pool!r} instead."
            )
        if not isinstance(batch_norm, (bool, np.bool_)):
            raise ValueError(
                f"The 'batch_norm' parameter of {name} must be a bool. "
                f"Got {batch_norm!r} instead."
            )
        if front_end == "dct":
            self.features = _LatticeFeatures(
                lattice_steps, lattice_size, lattice_qualities, int(lattice_pool)
            )
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
        self.lattice_qualities = lattice_qualities
        self.lattice_pool = int(lattice_pool)
        self.batch_norm = bool(batch_norm)
        if front_end == "dct" and lattice_qualities:
            self.receptive_field = 17 + 16 * self.lattice_pool + 2 * sum(dilations[1:])
        elif front_end == "dct":
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
        if self.features is None:
            return self.layers(x)
        if torch.is_grad_enabled():
            return self.layers(self.features(x))
        first = self.layers[0]
        return self.layers[1:](self.features.project(x, first.weight, first.bias))


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
