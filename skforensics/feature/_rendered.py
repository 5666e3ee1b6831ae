"""Rendered pictures: text, charts and flat colour.

The shipped models were trained on photographs, and rendered pictures
fool them: antialiased text reads as an interpolated upscale, and the
JPEG net calls most screenshots compressed. Rendering also leaves what a
camera does not: a photograph's noise makes two neighbouring pixels
exactly equal only by chance, while a rendering is made of exactly flat
areas and the thin edges between them. :func:`rendered_shares` measures
that, and :func:`looks_rendered` decides.
"""

import numpy as np
from scipy import ndimage

# Rendered: at least _FLAT of neighbouring pixels exactly equal, at every
# phase of an 8x8 grid (the flat blocks of a heavily compressed JPEG are
# equal inside, not across its grid), or one value over _PAGE of the
# picture (a page whose codec noise breaks many pairs: a screen
# recording); at most _TEXTURED of the pixels more than _REACH pixels from
# a flat area (pixels equal to their 8 neighbours): lines of text and plots
# are thin, a photograph's textured parts are not; and one value over
# _BACKGROUND of the picture (the page, a panel). Constant rows and columns
# at the borders (margins, letterbox bars) are left out first. Measured
# (2026-12-07) on 52 renderings made with Pillow and matplotlib (text in
# three fonts at 11-32 px on light and dark pages, charts, colour ramps
# with buttons): the 40 of text and charts read so (equal 0.68-0.97, far
# 0, background 0.49-0.92); not the contour and heat-map charts and the six
# ramps (background 0-0.15). On 237 photographs never compressed: equal at
# most 0.98 (two synthetic texture mosaics; the others 0.30), background at
# most 0.16, and none reads so; after JPEG at quality 10, six (five dark
# video frames) do. Photographs on a white canvas 1.6 to 4 times their size
# (228): far at least 0.04, none reads so; saved as JPEG at quality 90, two
# do (a 512x512 photograph on a canvas 3.2 and 4 times its size, its sky
# flattened). Frames of H.264 and HEVC files of photographs (3,192): none.
_FLAT = 0.5
_TEXTURED = 0.02
_BACKGROUND = 0.25
_PAGE = 0.4
_REACH = 10
# The equal share and the background are read on every _SAMPLE-th row
# (column).
_SAMPLE = 4


def _inside_constant_borders(image):
    """``image`` without the constant rows and columns at its borders, at
    most a quarter of each side (a ramp along one axis is constant along
    the other)."""
    for axis in (0, 1):
        lines = np.moveaxis(image, axis, 0)
        n = len(lines)
        first = 0
        while first < n // 4 and np.all(lines[first] == lines[first][0]):
            first += 1
        last = n
        while n - last < n // 4 and np.all(lines[last - 1] == lines[last - 1][0]):
            last -= 1
        image = np.moveaxis(lines[first:last], 0, axis)
    return image


def rendered_shares(image):
    """``(equal, far, background)``: how much of ``image`` is exactly flat.

    After the constant rows and columns at its borders are left out,
    ``equal`` is the share of horizontally and of vertically neighbouring
    pixels that are exactly equal (every channel), the smallest over the
    eight phases of an 8x8 grid and the two directions; ``far`` the share
    of pixels more than ten pixels (along each axis) from a flat area, a
    pixel equal to its eight neighbours; ``background`` the share of the
    most common value. ``equal`` and ``background`` are read on every
    fourth row and column. ``far`` is computed only where ``equal`` or
    ``background`` reaches its threshold in :func:`looks_rendered`, else
    NaN: photographs rarely do.

    Parameters
    ----------
    image : ndarray of shape (height, width) or (height, width, n_channels)
        One image, in any dtype.

    Returns
    -------
    equal, far, background : float
    """
    image = np.asarray(image)
    if image.ndim == 2:
        image = image[..., np.newaxis]
    image = _inside_constant_borders(image)
    if min(image.shape[:2]) < 2:
        return 1.0, 0.0, 1.0  # one value, or one line of them
    rows, cols = image[::_SAMPLE], image[:, ::_SAMPLE]
    across = _equal(rows[:, 1:], rows[:, :-1])
    down = _equal(cols[1:], cols[:-1])
    equal = min(
        min(float(across[:, p::8].mean()) for p in range(min(8, across.shape[1]))),
        min(float(down[p::8].mean()) for p in range(min(8, down.shape[0]))),
    )
    del across, down
    background = _background(image[::_SAMPLE, ::_SAMPLE])
    if equal < _FLAT and background < _PAGE:
        return equal, float("nan"), background
    # Pixels equal to their eight neighbours: the inside of flat areas.
    across = _equal(image[:, 1:], image[:, :-1])
    row_flat = across[:, 1:] & across[:, :-1]  # equal to left and right
    del across
    down = _equal(image[2:, 1:-1], image[1:-1, 1:-1]) & _equal(
        image[:-2, 1:-1], image[1:-1, 1:-1]
    )
    flat = np.zeros(image.shape[:2], dtype=bool)
    flat[1:-1, 1:-1] = row_flat[1:-1] & row_flat[2:] & row_flat[:-2] & down
    del row_flat, down
    near = ndimage.maximum_filter(flat, size=2 * _REACH + 1)
    return equal, 1.0 - float(near.mean()), background


def _background(image):
    """The share of ``image``'s most common value, the value found among at
    most 4,096 of its pixels (a page's fills them)."""
    pixels = image.reshape(-1, image.shape[-1])
    step = max(1, len(pixels) // 4096)
    values, counts = np.unique(pixels[::step], axis=0, return_counts=True)
    return float(_equal(pixels, values[np.argmax(counts)]).mean())


def _equal(a, b):
    """Where the pixels of ``a`` and ``b`` are equal in every channel."""
    equal = a[..., 0] == b[..., 0]
    for channel in range(1, a.shape[-1]):
        equal &= a[..., channel] == b[..., channel]
    return equal


def looks_rendered(image):
    """Whether ``image`` looks rendered (text, charts, flat colour) rather
    than photographed: see :func:`rendered_shares`."""
    equal, far, background = rendered_shares(image)
    flat = equal >= _FLAT or background >= _PAGE
    return bool(flat and far <= _TEXTURED and background >= _BACKGROUND)
