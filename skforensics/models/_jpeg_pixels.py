"""The pixels the pixelwise JPEG net reads: the 8-bit grid and the texture.

Whole-image passes of :class:`~skforensics.models.PixelwiseJPEGRegressor`'s
prediction, strip by strip so that memory follows a strip, not the image.
"""

import numpy as np

from ..utils._color import _gray_one, to_uint8

# Rows per strip of the whole-image passes of prediction.
_STRIP_ROWS = 256

# An image with fewer textured pixels than this share (pixels whose 8x8
# neighbourhood varies by at least half a grey level) carries no JPEG
# evidence: a flat block quantises to itself at every quality, so its
# answer is "unknown" (quality NaN, probability 0.5), never a number.
MIN_TEXTURED_FRACTION = 0.01
_TEXTURE_VARIANCE = 0.25  # (grey levels of 0-255)^2


def textured_fraction(image):
    """Share of the pixels of a float image in [0, 1] that carry texture.

    A pixel is textured when the variance of the 8-bit luminance (BT.601)
    over the 8x8 window around it is at least a quarter of a grey level
    squared; a flat window is the same JPEG at every quality.
    """
    from scipy.ndimage import uniform_filter

    # Strip by strip (each with the 4 rows its 8x8 windows reach beyond
    # it), so that memory follows a strip, not the image; the sums are of
    # integers, exact in float64, so the answer is that of the whole image.
    image = np.asarray(image)
    height = image.shape[0]
    n_textured = 0
    for top in range(0, height, _STRIP_ROWS):
        bottom = min(height, top + _STRIP_ROWS)
        lo, hi = max(0, top - 4), min(height, bottom + 4)
        y = to_uint8(_gray_one(image[lo:hi])).astype(np.float64)
        mean = uniform_filter(y, 8, mode="reflect")
        variance = uniform_filter(y * y, 8, mode="reflect") - mean * mean
        n_textured += np.count_nonzero(
            variance[top - lo : bottom - lo] >= _TEXTURE_VARIANCE
        )
    return float(n_textured / (height * image.shape[1]))



def _on_8bit_grid(image):
    """The pixels the net sees, uint8: 8-bit images as they are, float ones
    rounded to the 8-bit grid strip by strip (as JPEG stores them); grey
    repeated to RGB by a zero-stride view."""
    image = np.asarray(image)
    if image.dtype != np.uint8:
        pixels = np.empty(image.shape, dtype=np.uint8)
        for top in range(0, image.shape[0], _STRIP_ROWS):
            pixels[top : top + _STRIP_ROWS] = to_uint8(image[top : top + _STRIP_ROWS])
        image = pixels
    if image.ndim == 3 and image.shape[2] == 1:
        image = image[..., 0]
    if image.ndim == 2:
        image = np.broadcast_to(image[..., np.newaxis], image.shape + (3,))
    return image
