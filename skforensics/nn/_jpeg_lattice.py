"""The fixed JPEG-lattice front end of :class:`JPEGQualityNet`.

A JPEG file stores, for every 8x8 block of its grid, the DCT coefficients of
the block divided by the steps of its quantisation table and rounded, so
after decoding each coefficient ``c`` of such a block lies (up to the
rounding of the pixels) on the **lattice** of multiples of its step ``q``.
This module measures that, at every pixel and with nothing learned:

- the *lattice responses* ``cos(2 pi c / s)`` of the lowest-frequency DCT
  coefficients of the block around the pixel, for a few steps ``s``: near 1
  for every ``s`` that divides ``q`` on a block of the JPEG grid, averaging
  out elsewhere;
- optionally, one *quality test* per JPEG quality ``Q``: the lattice
  responses against ``Q``'s whole quantisation table, pooled over the
  blocks of one 8x8 grid around the pixel and over the 64 grid phases.

"Lattice" is this module's one name for the idea (the net's
``front_end="lattice"`` and its ``lattice_*`` parameters).
"""

import math

import numpy as np
import scipy.fft
import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["LatticeFrontEnd"]

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
# qualities read all the AC coefficients of the lattice.
_ALL_COEFFICIENTS_FROM = 97


# Rows of quality tests pooled at once in inference (see _pool_part).
_POOL_STRIP = 96


def _window_reduce(x, axis, spacing, taps, op):
    """Sum or max (``op``) of ``taps`` samples ``spacing`` apart along ``axis``.

    The window is centred and samples outside ``x`` are left out; the result
    has the shape of ``x``. It is built from shifted slices, which on CPU
    beat dilated convolutions and pooling kernels several times over: in
    place on a copy, or out of place where autograd has to follow.
    """
    length = x.shape[axis]
    differentiable = torch.is_grad_enabled() and x.requires_grad
    reach = taps // 2 * spacing
    if not differentiable and taps % 2 and taps >= 5 and length > 4 * reach:
        return _window_reduce_doubling(x, axis, spacing, taps, op)
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


def _window_reduce_doubling(x, axis, spacing, taps, op):
    """:func:`_window_reduce` in fewer passes over memory (no gradient).

    Windows of 2, 4, 8, ... samples are made from two of the half size,
    and the centred window of ``taps`` samples from the largest of them
    (two overlapping ones for a max, the remaining samples added one by one
    for a sum): 4 passes instead of 8 for a max of 9, 3 instead of 4 for a
    sum of 5. The samples whose window is cut by the border are done by
    :func:`_window_reduce` on the ``2 * reach`` samples at each end. A sum
    adds in another order (the same up to float rounding); a max is exact.
    """
    length = x.shape[axis]
    reach = taps // 2 * spacing
    combine = torch.add if op == "sum" else torch.maximum
    buffers = [torch.empty_like(x), torch.empty_like(x)]
    current, size = x, 1
    while 2 * size <= taps:
        # current[i] holds samples i, i + s, ..., i + (size - 1) s.
        valid = length - (2 * size - 1) * spacing
        target = buffers[0] if current is not buffers[0] else buffers[1]
        combine(
            current.narrow(axis, 0, valid),
            current.narrow(axis, size * spacing, valid),
            out=target.narrow(axis, 0, valid),
        )
        current, size = target, 2 * size
    out = buffers[0] if current is not buffers[0] else buffers[1]
    inner = length - 2 * reach
    window = out.narrow(axis, reach, inner)
    if op == "max":  # two overlapping windows of ``size`` cover ``taps``
        second = current.narrow(axis, (taps - size) * spacing, inner)
        torch.maximum(current.narrow(axis, 0, inner), second, out=window)
    else:
        window.copy_(current.narrow(axis, 0, inner))
        for tap in range(size, taps):
            window.add_(x.narrow(axis, tap * spacing, inner))
    for start in (0, length - 2 * reach):
        edge = _window_reduce(x.narrow(axis, start, 2 * reach), axis, spacing, taps, op)
        keep = 0 if start == 0 else reach
        out.narrow(axis, start + keep, reach).copy_(edge.narrow(axis, keep, reach))
    return out


class LatticeFrontEnd(nn.Module):
    """The fixed JPEG-lattice features of every pixel (nothing is learned).

    For each pixel, the luminance block whose top-left corner lies 3 pixels up
    and left of it is taken to JPEG's 8x8 DCT (two separable convolutions),
    and each of its ``size**2`` lowest-frequency coefficients ``c`` (both
    frequencies below ``size``) gives its lattice response ``cos(2 pi c /
    s)`` for every step ``s`` of ``steps``. Where the block is one of the
    image's JPEG blocks, ``c`` is a multiple of its quantisation step ``q``
    (up to the rounding of the decoded pixels), so the response is close to
    1 for every ``s`` that divides ``q``: the pattern over steps and
    frequencies encodes the quantisation table, hence the quality. The YCbCr
    pixels (divided by 64) are appended, for the chroma subsampling and the
    content.

    With ``qualities``, one more channel per quality ``Q`` tests the whole
    quantisation table of ``Q`` at once, pooled over a neighbourhood: at each
    block position, the lattice responses ``cos(2 pi c / q)`` with ``q`` the
    step of ``Q`` are summed over the coefficients not quantised to zero
    (``|c| >= q / 2``), together with their count; both sums are added over
    the ``(2 * pool + 1)**2`` blocks of one 8x8 grid around the pixel, their
    ratio (count plus one below, so that a flat region reads 0) is taken,
    and its largest value over the 8x8 grid phases around the pixel is kept.
    It is near 1 where the pixels were compressed at ``Q`` (or at a quality
    whose steps ``Q``'s divide) and near 0 where they never were. Qualities
    from 97 test all the AC coefficients of the lattice, lower ones only the
    DC and the two lowest AC coefficients.

    :meth:`forward` returns the features; :meth:`project` returns a 1x1
    convolution of them without ever holding them all (no gradient).

    Parameters
    ----------
    steps : tuple of int
        The quantisation steps of the lattice responses.
    size : int in 1..8
        The ``size**2`` coefficients whose two frequencies are below
        ``size`` give lattice responses.
    qualities : tuple of int, default=()
        The JPEG qualities of the quality tests (none by default).
    pool : int, default=2
        The quality tests pool ``(2 * pool + 1)**2`` blocks.

    Attributes
    ----------
    out_channels : int
        ``size**2 * len(steps) + 3 + len(qualities)``: the lattice responses
        (coefficient ``k`` against step ``j`` in channel ``k * len(steps) +
        j``), the YCbCr pixels, the quality tests.
    """

    def __init__(self, steps, size, qualities=(), pool=2):
        super().__init__()
        dct = torch.tensor(_dct_matrix()[:size], dtype=torch.float32)
        # Constants, rebuilt here and kept out of the state dict (saving them
        # in float16 would wreck the phases of the lattice responses).
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
        self.n_responses = size * size * len(steps)
        for name, value in buffers.items():
            self.register_buffer(name, value, persistent=False)
        self.out_channels = self.n_responses + 3 + len(qualities)

    @staticmethod
    def _phase_buffers(steps, size, qualities):
        """The phases ``2 pi c / s`` of every lattice response, as matrices.

        ``phases`` takes the ``size**2`` coefficients of a pixel to the
        phases of its lattice responses (coefficient ``k`` against step
        ``j`` in column ``k * len(steps) + j``), then to those of the
        (coefficient, step) pairs the quality tests read: each column holds
        one frequency and zeros, so the product gives exactly the elementwise
        products, in one matrix product. ``quality_sums`` adds up each quality's pairs.
        """
        frequencies = 2 * math.pi / torch.tensor(steps, dtype=torch.float32)
        responses = torch.kron(torch.eye(size * size), frequencies.view(1, -1))
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
            # A float32 division, as for the responses: the same phases.
            tests[c, column] = 2 * math.pi / torch.tensor(float(step))
        sums = torch.zeros(len(pairs), len(qualities))
        for column, group in enumerate(members):
            sums[[pairs.index(pair) for pair in group], column] = 1.0
        return {"phases": torch.cat([responses, tests], 1), "quality_sums": sums}

    def _projection_buffers(self, steps, size, buffers):
        """The layout :meth:`project` computes the features in.

        A response to step ``s`` where ``2 s`` is also a step is not computed
        from its phase but from the response to ``2 s``: ``cos 2a = 2 cos**2 a -
        1``, and in float32 its phase is exactly twice the other's, so only
        the cosine's rounding differs (about 1e-6). The blocks of the steps,
        each holding the ``size**2`` coefficients, are laid out with those
        computed directly first, then the others from the largest step down.

        Every phase is one coefficient times one frequency, so the phases are
        gathered (``projection_index``) and scaled (``projection_frequencies``)
        rather than multiplied by a matrix of zeros: the same float32 products,
        at a fraction of the cost. The directly computed responses come
        first, then the (coefficient, step) pairs of the quality tests.
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
        n_pairs, n = buffers["quality_sums"].shape
        pairs = buffers["phases"][:, len(steps) * n_coefficients :]
        # The pairs quality by quality where no pair is shared (the shipped
        # tests): each quality's sums are then sums over contiguous columns.
        self._quality_runs = None
        if n_pairs and bool((buffers["quality_sums"].sum(1) == 1).all()):
            owners = buffers["quality_sums"].argmax(1)
            pair_order = torch.sort(owners, stable=True).indices
            self._quality_runs = _runs(torch.bincount(owners, minlength=n).tolist())
        else:
            pair_order = torch.arange(n_pairs)
        pairs = pairs[:, pair_order]
        quality_sums = buffers["quality_sums"][pair_order]
        # One non-zero per column: its row is the coefficient, its value the
        # frequency.
        pair_index = pairs.abs().argmax(0)
        pair_frequencies = pairs[pair_index, torch.arange(n_pairs)]
        k = torch.arange(n_coefficients)
        direct = order[: self._n_direct]
        sums = torch.zeros(2 * n_pairs, 2 * n)
        # Rows: the flags of the pairs (counted), then their responses (summed).
        sums[:n_pairs, n:] = quality_sums
        sums[n_pairs:, :n] = quality_sums
        # Feature channel of the response at each column of the layout.
        channels = torch.cat([k * len(steps) + j for j in order])
        return {
            "projection_index": torch.cat([k.repeat(len(direct)), pair_index]),
            "projection_frequencies": torch.cat(
                [*(frequencies[j].expand(n_coefficients) for j in direct),
                 pair_frequencies]
            ),
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

        ``sums`` is (batch, H, W, 2 * n_qualities), channels last: the lattice responses
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
        """The features of a batch of RGB images.

        Parameters
        ----------
        x : torch.Tensor of shape (batch, 3, height, width)
            RGB images with values in [0, 1].

        Returns
        -------
        features : torch.Tensor of shape (batch, out_channels, height, width)
            The lattice responses, the YCbCr pixels and the quality tests.
        """
        ycbcr, coefficients = self._coefficients(x)
        phases = coefficients.permute(0, 2, 3, 1) @ self.phases
        parts = [
            torch.cos(phases[..., : self.n_responses]),
            ycbcr.permute(0, 2, 3, 1) / 64,
        ]
        if self.n_qualities:
            # |phase| serves both (the cosine is even). Coefficients quantised
            # to zero (|c| < s / 2, a phase below pi) say nothing about s.
            pairs = phases[..., self.n_responses :].abs()
            informative = torch.ge(pairs, math.pi).to(pairs.dtype)
            responses = torch.cos(pairs) * informative
            sums = torch.cat(
                [responses @ self.quality_sums, informative @ self.quality_sums], -1
            )
            parts.append(self._pool(sums))
        return torch.cat(parts, dim=-1).permute(0, 3, 1, 2)

    def _pool_part(self, sums, top, bottom, left, right):
        """``self._pool(sums)[:, top:bottom, left:right]``, contiguous.

        Computed a strip of rows at a time, each from the rows of ``sums``
        within :attr:`pool_margin` of it (all that it reads, so the strip is
        exact): memory then holds a strip's temporaries rather than the
        tile's, and they stay in the processor's cache.
        """
        batch, height = sums.shape[:2]
        margin = self.pool_margin
        tests = sums.new_empty((batch, bottom - top, right - left, self.n_qualities))
        for first in range(top, bottom, _POOL_STRIP):
            last = min(first + _POOL_STRIP, bottom)
            start, stop = max(0, first - margin), min(height, last + margin)
            strip = self._pool(sums[:, start:stop])
            tests[:, first - top : last - top] = strip[
                :, first - start : last - start, left:right
            ]
        return tests

    @property
    def pool_margin(self):
        """Pixels around a pixel whose DCT coefficients its quality tests read."""
        return 8 * self.pool + 4 if self.n_qualities else 0

    @torch.no_grad()
    def project(self, x, weight, bias=None, chunk=8192, region=None):
        """``F.conv2d(self(x), weight, bias)`` for a 1x1 ``weight``, no gradient.

        The ~200 feature channels of a pixel are computed ``chunk`` pixels
        at a time, in buffers reused from one chunk to the next, and
        projected at once: on CPU, writing them all out (and faulting in
        fresh memory for them) costs more than computing them. Each block
        of responses that elementwise operations touch is contiguous
        (elementwise operations run several times faster on whole rows than
        on column blocks). The result is channels_last.

        With ``region=(top, bottom, left, right)``, only the pixels
        ``[top:bottom, left:right]`` of the result are computed (exactly
        those of the whole result): the responses there, and the quality
        tests from the coefficients within :attr:`pool_margin` of it.
        """
        ycbcr, coefficients = self._coefficients(x)
        batch, n_coefficients, height, width = coefficients.shape
        top, bottom, left, right = region or (0, height, 0, width)
        margin = self.pool_margin
        # The quality tests' neighbourhood of the region, inside the image.
        p_top, p_left = max(0, top - margin), max(0, left - margin)
        p_bottom, p_right = min(height, bottom + margin), min(width, right + margin)
        n_responses, n = self.n_responses, self.n_qualities
        weight = weight.flatten(1).t()
        out = self._project_responses(
            _pixel_part(coefficients, top, bottom, left, right), weight, chunk
        )
        pixels = _pixel_rows(ycbcr, top, bottom, left, right) / 64
        out.addmm_(pixels, weight[n_responses : n_responses + 3])
        rows, cols = bottom - top, right - left
        if n:
            sums = self._quality_sums(
                _pixel_part(coefficients, p_top, p_bottom, p_left, p_right), chunk
            )
            del coefficients  # not needed any more: memory for the pooling
            sums = sums.view(batch, p_bottom - p_top, p_right - p_left, 2 * n)
            tests = self._pool_part(
                sums, top - p_top, bottom - p_top, left - p_left, right - p_left
            )
            out.addmm_(tests.view(-1, n), weight[n_responses + 3 :])
        if bias is not None:
            out.add_(bias)
        return out.view(batch, rows, cols, -1).permute(0, 3, 1, 2)

    def _project_responses(self, coefficients, weight, chunk):
        """The lattice responses of the pixels of a ``(batch, h, w,
        coefficients)`` view, as rows projected by ``weight``'s rows."""
        *shape, n_coefficients = coefficients.shape
        n_pixels = math.prod(shape)
        response_weight = weight[self.projection_channels]
        n_direct = self._n_direct * n_coefficients
        n_blocks = self.n_responses // n_coefficients
        index = self.projection_index[:n_direct]
        frequencies = self.projection_frequencies[:n_direct]
        rows = _chunk_pixels(coefficients, chunk)
        # The responses computed directly, then those computed from others,
        # a contiguous buffer a block.
        phases = coefficients.new_empty((rows, n_direct))
        doubled = [
            coefficients.new_empty((rows, n_coefficients))
            for _ in range(n_blocks - self._n_direct)
        ]
        doubled_weight = [
            response_weight[b * n_coefficients : (b + 1) * n_coefficients]
            for b in range(self._n_direct, n_blocks)
        ]
        out = coefficients.new_empty((n_pixels, weight.shape[1]))
        minus_one = coefficients.new_full((), -1.0)

        def step_block(position, count):
            if position < self._n_direct:
                start = position * n_coefficients
                return phases[:count, start : start + n_coefficients]
            return doubled[position - self._n_direct][:count]

        for start, block in _row_chunks(coefficients, chunk):
            count = len(block)
            rows_out = out[start : start + count]
            chunk_phases = phases[:count]
            torch.index_select(block, 1, index, out=chunk_phases)
            chunk_phases.mul_(frequencies).cos_()
            for target, source in self._doubled:
                half, twice = step_block(source, count), step_block(target, count)
                # 2 cos**2 - 1 in one pass.
                torch.addcmul(minus_one, half, half, value=2.0, out=twice)
            torch.mm(chunk_phases, response_weight[:n_direct], out=rows_out)
            for block, block_weight in zip(doubled, doubled_weight):
                rows_out.addmm_(block[:count], block_weight)
        return out

    def _quality_sums(self, coefficients, chunk):
        """Per pixel of a ``(batch, h, w, coefficients)`` view, as rows, each
        quality's summed pair responses, then their count."""
        n_pixels = math.prod(coefficients.shape[:-1])
        n_pairs = len(self.projection_sums) // 2
        n_direct = len(self.projection_index) - n_pairs
        index = self.projection_index[n_direct:]
        frequencies = self.projection_frequencies[n_direct:]
        rows = _chunk_pixels(coefficients, chunk)
        pairs = coefficients.new_empty((rows, n_pairs))
        # The flags of the pairs, then their responses.
        features = coefficients.new_empty((rows, 2 * n_pairs))
        sums = coefficients.new_empty((n_pixels, 2 * self.n_qualities))
        for start, block in _row_chunks(coefficients, chunk):
            count = len(block)
            stop = start + count
            chunk_pairs = pairs[:count]
            torch.index_select(block, 1, index, out=chunk_pairs)
            # As in forward: |phase| >= pi flags an informative pair.
            chunk_pairs.mul_(frequencies).abs_()
            flags = features[:count, :n_pairs]
            torch.ge(chunk_pairs, math.pi, out=flags)
            torch.mul(chunk_pairs.cos_(), flags, out=features[:count, n_pairs:])
            if self._quality_runs is None:
                torch.mm(features[:count], self.projection_sums, out=sums[start:stop])
                continue
            # Each quality owns contiguous columns: add them up (a third of
            # the time of a product by the 0/1 matrix).
            n = self.n_qualities
            for first, column, width, n_runs in self._quality_runs:
                for half, offset in ((features[:count, n_pairs:], 0), (flags, n)):
                    block = half[:, column : column + width * n_runs]
                    target = sums[start:stop, offset + first : offset + first + n_runs]
                    if n_runs == 1 or width == 0:
                        torch.sum(block, 1, keepdim=True, out=target)
                        continue
                    # Column j of every group: strided, added group-wise.
                    target.copy_(block[:, 0::width])
                    for j in range(1, width):
                        target.add_(block[:, j::width])
        return sums


def _runs(counts):
    """``(first, column, width, n)`` for each run of equal ``counts``: ``n``
    consecutive groups from group ``first``, each ``width`` columns wide,
    from ``column`` on."""
    runs, column, first = [], 0, 0
    while first < len(counts):
        n = 1
        while first + n < len(counts) and counts[first + n] == counts[first]:
            n += 1
        runs.append((first, column, counts[first], n))
        column += counts[first] * n
        first += n
    return runs


def _pixel_part(maps, top, bottom, left, right):
    """``maps[:, :, top:bottom, left:right]`` as a (batch, h, w, channels)
    view (no copy)."""
    return maps[:, :, top:bottom, left:right].permute(0, 2, 3, 1)


def _rows_per_chunk(width, chunk):
    """Image rows of ``width`` pixels in a chunk of about ``chunk`` pixels."""
    return max(1, chunk // width)


def _chunk_pixels(part, chunk):
    """The most pixels :func:`_row_chunks` yields at once."""
    height, width = part.shape[1:3]
    return min(_rows_per_chunk(width, chunk), height) * width


def _row_chunks(part, chunk):
    """Yield ``(first pixel, rows)`` over a (batch, h, w, channels) view:
    whole image rows, about ``chunk`` pixels at a time (one row where a row
    holds more), as ``(pixels, channels)`` rows. Each chunk is copied, where
    the view is a crop, a chunk at a time: the whole crop never is."""
    height, width, channels = part.shape[1:]
    step = _rows_per_chunk(width, chunk)
    first = 0
    for image in part:
        for top in range(0, height, step):
            rows = image[top : top + step].reshape(-1, channels)
            yield first, rows
            first += len(rows)


def _pixel_rows(maps, top, bottom, left, right):
    """``maps[:, :, top:bottom, left:right]`` as (pixels, channels) rows."""
    part = maps[:, :, top:bottom, left:right].permute(0, 2, 3, 1)
    return part.reshape(-1, maps.shape[1])
