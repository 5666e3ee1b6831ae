"""Full-resolution maps of a fully convolutional net, computed tile by tile."""

import ctypes
import ctypes.util
import functools
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import numpy as np
import torch

__all__ = ["tiled_maps"]


def tiled_maps(module, image, *, tile_size, device="cpu", n_threads=None):
    """Run ``module`` over ``image`` in tiles whose halos make them seamless.

    Each ``tile_size`` tile is computed with a halo of
    ``module.receptive_field // 2`` pixels on every side (cut at the image
    border), so the maps equal those of the whole image while the memory
    held at once is that of one tile and its halo (per thread), whatever
    the image size.

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
    n_threads : int or None, default=None
        On CPU, how many tiles are computed at once. None: torch's
        intra-op thread count (:func:`torch.get_num_threads`). With more
        than one, each tile runs on one torch thread: torch's intra-op
        threads are set to 1 while the tiles run and restored afterwards,
        as scikit-learn limits the BLAS threads inside its own parallel
        loops. Whole tiles share the cores far better than the many small
        operations of one tile do (on 2 idle cores, 1920x1080 JPEG maps
        took 1.8 s and 3.4 CPU-s instead of 2.5 s and 5.0 CPU-s, and far
        less than that when another process takes a core). Ignored on
        other devices and for a single tile.

    Returns
    -------
    maps : ndarray of shape (K, H, W)
        The net's output maps, float32.
    """
    height, width = image.shape[:2]
    corners = [
        (top, left)
        for top in range(0, height, tile_size)
        for left in range(0, width, tile_size)
    ]
    if n_threads is None:
        n_threads = torch.get_num_threads()
    if torch.device(device).type != "cpu":
        n_threads = 1
    n_threads = max(1, min(int(n_threads), len(corners)))
    halo = int(module.receptive_field) // 2
    out, made = None, threading.Lock()

    def compute(corner):
        nonlocal out
        maps = _tile_maps(module, image, *corner, tile_size, halo, device)
        with made:  # the first tile done tells the number of maps
            if out is None:
                out = np.empty((len(maps), height, width), dtype=np.float32)
        top, left = corner
        # Tiles write disjoint parts of ``out``.
        out[:, top : top + tile_size, left : left + tile_size] = maps

    try:
        if n_threads == 1:
            for corner in corners:
                compute(corner)
        else:
            with _one_torch_thread(), ThreadPoolExecutor(n_threads) as pool:
                # list() re-raises the first error of a tile.
                list(pool.map(compute, corners))
    finally:
        _release_freed_memory()
    return out


def _release_freed_memory():
    """Give the memory the tiles freed back to the system (glibc only).

    glibc's allocator keeps freed blocks in its pools (arenas, one per
    thread that allocates, up to a limit) rather than returning them: after the maps of a 3-megapixel
    image, about 190 MB (one thread) to 250 MB (two) of tile temporaries,
    held under whatever the caller allocates next. ``malloc_trim`` returns
    them; elsewhere (no glibc) nothing is done.
    """
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim():
    """glibc's ``malloc_trim``, looked up once; None without it."""
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):
        return None


_limit = {"lock": threading.Lock(), "users": 0, "before": None}


@contextmanager
def _one_torch_thread():
    """Torch's intra-op threads set to 1 while any caller is inside.

    Calls may overlap (several threads mapping images at once): the first
    one in saves the thread count and the last one out restores it.
    """
    with _limit["lock"]:
        if _limit["users"] == 0:
            _limit["before"] = torch.get_num_threads()
            torch.set_num_threads(1)
        _limit["users"] += 1
    try:
        yield
    finally:
        with _limit["lock"]:
            _limit["users"] -= 1
            if _limit["users"] == 0:
                torch.set_num_threads(_limit["before"])


def _tile_maps(module, image, top, left, tile_size, halo, device):
    """The maps of the tile at (top, left), computed with its halo."""
    height, width = image.shape[:2]
    bottom, right = min(top + tile_size, height), min(left + tile_size, width)
    y0, y1 = max(0, top - halo), min(height, bottom + halo)
    x0, x1 = max(0, left - halo), min(width, right + halo)
    region = (top - y0, bottom - y0, left - x0, right - x0)
    with torch.inference_mode():
        piece = _tile(image, y0, y1, x0, x1).to(device)
        if hasattr(module, "forward_region"):
            # Only what the kept part needs (JPEGQualityNet).
            maps = module.forward_region(piece, region)[0]
        else:
            maps = module(piece)[0, :, region[0] : region[1], region[2] : region[3]]
        return maps.float().cpu().numpy()


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
