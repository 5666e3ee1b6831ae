"""The 8x8 block DCT of JPEG evidence: the transform and libjpeg's tables.

Shared by the grid and lattice tests (:mod:`._jpeg_evidence`) and the test
of an earlier compression (:mod:`._jpeg_double`).
"""

import numpy as np

from ..datasets._jpeg_tables import libjpeg_tables

# Orthonormal 8-point DCT-II, the transform libjpeg's forward DCT computes
# (up to its fixed-point arithmetic): rows are frequencies.
_k = np.arange(8)
_DCT = np.sqrt(2 / 8) * np.cos(np.pi * (2 * _k[None, :] + 1) * _k[:, None] / 16)
_DCT[0] /= np.sqrt(2)
del _k
_DCT2_T = np.kron(_DCT, _DCT).T.astype(np.float32)

# libjpeg's luminance tables at qualities 1..100, for the table quality.
_LIBJPEG_LUMA = np.stack([libjpeg_tables(q)[0] for q in range(1, 101)])


def _dct_blocks(blocks):
    """2-D orthonormal DCT-II of the last two axes (each of length 8).

    One matrix product with the 64x64 Kronecker product of the 1-D DCT, in
    float32 (coefficients within 1024 keep 1e-4 of precision).
    """
    shape = blocks.shape
    flat = np.asarray(blocks, dtype=np.float32).reshape(-1, 64)
    return (flat @ _DCT2_T).reshape(shape)


def _blocks_at(luma, clipped, phase, *, coefficients=None):
    """DCT coefficients (n_blocks, 8, 8) of the usable blocks at a phase.

    With ``coefficients`` (flat indices into the 8x8 block), only those are
    kept: an array of shape (n_blocks, len(coefficients)).
    """
    dy, dx = phase
    height, width = luma.shape
    n_y, n_x = (height - dy) // 8, (width - dx) // 8
    # A band of block rows at a time, into one array of the largest size:
    # its pages past the usable blocks are never touched, so memory holds
    # the coefficients and one band, not copies of the whole luminance.
    kept = (8, 8) if coefficients is None else (len(coefficients),)
    coefs = np.empty((n_y * n_x,) + kept, dtype=np.float32)
    band = max(1, _BAND_PIXELS // max(1, 64 * n_x))
    n_usable = 0
    for y0 in range(0, n_y, band):
        rows = min(band, n_y - y0)
        crop = (
            slice(dy + 8 * y0, dy + 8 * (y0 + rows)),
            slice(dx, dx + 8 * n_x),
        )
        blocks = luma[crop].reshape(rows, 8, n_x, 8).swapaxes(1, 2).reshape(-1, 8, 8)
        clip = clipped[crop].reshape(rows, 8, n_x, 8).swapaxes(1, 2).reshape(-1, 64)
        usable = ~clip.any(axis=1) & (np.ptp(blocks, axis=(1, 2)) > 0)
        found = _dct_blocks(blocks[usable] - 128.0)
        if coefficients is not None:
            found = found.reshape(-1, 64)[:, coefficients]
        coefs[n_usable : n_usable + len(found)] = found
        n_usable += len(found)
    return coefs[:n_usable]


# Pixels per band of _blocks_at.
_BAND_PIXELS = 1 << 20
