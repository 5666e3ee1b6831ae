"""Full-resolution maps of a fully convolutional net, computed tile by tile."""

import numpy as np
import torch

__all__ = ["tiled_maps"]


def tiled_maps(module, image, *, tile_size, device="cpu"):
    """Run ``module`` over ``image`` in tiles whose halos make them seamless.

    Each ``tile_size`` tile is computed with a halo of
    ``module.receptive_field // 2`` pixels on every side (cut at the image
    border), so the maps equal those of the whole image while the memory
    held at once is that of one tile and its halo, whatever the image size.

    Parameters
    ----------
    module : torch.nn.Module
        A fully convolutional net in eval mode with a ``receptive_field``
        attribute, taking ``(1, C, h, w)`` and returning ``(1, K, h, w)``.
        A net with a ``forward_region(x, (top, bottom, left, right))``
        method (:class:`~skforensics.nn.JPEGQualityNet`) is asked for the
        kept part of each tile only, and computes no more than it needs.
    image : ndarray of shape (H, W, C)
        The image, float32, or uint8 read as ``k / 255`` in float32 (as
        :func:`~skforensics.utils._color.from_uint8` does) one tile at a
        time, so that no float copy of the whole image is made. Any strides
        (a zero-stride view that repeats a grey channel included).
    tile_size : int
        Side of the tiles.
    device : str or torch.device, default="cpu"
        Where the tiles are computed.

    Returns
    -------
    maps : ndarray of shape (K, H, W)
        The net's output maps, float32.
    """
    halo = int(module.receptive_field) // 2
    height, width = image.shape[:2]
    out = None
    with torch.inference_mode():
        for top in range(0, height, tile_size):
            bottom = min(top + tile_size, height)
            y0, y1 = max(0, top - halo), min(height, bottom + halo)
            for left in range(0, width, tile_size):
                right = min(left + tile_size, width)
                x0, x1 = max(0, left - halo), min(width, right + halo)
                piece = _tile(image, y0, y1, x0, x1).to(device)
                region = (top - y0, bottom - y0, left - x0, right - x0)
                if hasattr(module, "forward_region"):
                    # Only what the kept part needs (JPEGQualityNet).
                    maps = module.forward_region(piece, region)[0]
                else:
                    maps = module(piece)[0, :, region[0]:region[1], region[2]:region[3]]
                if out is None:
                    out = np.empty((maps.shape[0], height, width), dtype=np.float32)
                out[:, top:bottom, left:right] = maps.float().cpu().numpy()
    return out


def _tile(image, y0, y1, x0, x1):
    """One tile of an (H, W, C) image as a (1, C, h, w) float32 tensor,
    channels_last (the tile's own copy, so the image may be any view)."""
    piece = image[y0:y1, x0:x1]
    if piece.dtype == np.uint8:
        piece = piece.astype(np.float32) / np.float32(255)
    else:
        piece = np.array(piece, dtype=np.float32, order="C")
    # (h, w, C) memory is (1, C, h, w) in channels_last: no copy.
    return torch.from_numpy(piece).permute(2, 0, 1).unsqueeze(0)
