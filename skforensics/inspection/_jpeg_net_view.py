"""The pixels the JPEG net reads: an enlargement undone where the evidence
found one.

The pixelwise net was trained on JPEGs at their own size. Enlarged after
compression, a JPEG's blocks and quantisation noise are spread over 8 f
pixels and the net no longer knows them: on 16 held-out photographs
compressed at quality 50 or 75 and enlarged by 1.3 with Pillow's bicubic,
it called 5 and 3 compressed. Where :func:`jpeg_evidence` undid the
enlargement (its ``native_size`` and ``resize_kernel``: the descaled
lattice's search, or pixel replication), the net reads the image at its
native size, as decoded before the enlargement up to its rounding, and
its maps are brought back to the image's size: the same JPEGs were then
called compressed 16 and 16 times, their quality read within 4.4 and 2.3
points of the quality before the enlargement. A never-compressed
enlargement is read where undone too, where the net's answer is the
photograph's own (enlarged by 2, the net had called 6 of 16 compressed).

Downscales are read as they are: no least squares undoes them, and the net
read no better on a downscaled JPEG enlarged back to its native size.
"""

import cv2
import numpy as np

from ._jpeg_descaled import descaled_image
from ._jpeg_replicated import enlarged_map, undone

__all__ = ["net_view"]


def _enlargement(shape, evidence):
    """The native size (rows, columns) and kernel of an enlargement by a
    kernel that least squares undoes, from the evidence; None otherwise.

    Not where the 8x8 test could not tell (``unknown``): the blocks of a
    JPEG too small or smooth for it can fit an enlargement by about 8/7
    (96x96 at quality 60 read as enlarged from 84x84: 11 of 460 JPEGs of
    96 to 384 pixels a side at quality 60 or 90, none of 230 never
    compressed), which the net would read distorted.
    """
    if evidence is None or evidence.native_size is None:
        return None
    if evidence.verdict == "unknown":
        return None
    kernel = evidence.resize_kernel
    native = tuple(int(n) for n in evidence.native_size)
    if kernel in (None, "nearest") or any(
        m >= n for m, n in zip(native, shape[:2])
    ):
        return None
    return native, kernel


def net_view(image, evidence, min_size):
    """``(pixels, to_image, descaled)``: what the JPEG net reads of
    ``image``, the function that brings a map of those pixels back to
    ``image``'s size (None where the net reads ``image`` itself), and
    whether an enlargement was undone by least squares (where the lattice
    test on the undone pixels cannot rule a JPEG out: the enlargement's
    rounding hides fine lattices), not by keeping one pixel of each block.

    ``evidence`` is :func:`jpeg_evidence`'s Bunch for the same pixels, or
    None; ``min_size`` the net's receptive field: a native image smaller
    than it is read enlarged, as it is.
    """
    shape = image.shape[:2]
    # The evidence screened the same pixels for replication, and reports any
    # it found as an enlargement (native_size): screened again only then, for
    # the blocks' factors and phase, or without evidence.
    if evidence is None or evidence.native_size is not None:
        replicated, pixels = undone(image, min_size)
        if replicated is not None:
            return pixels, lambda m: enlarged_map(m, replicated, shape), False
    found = _enlargement(shape, evidence)
    if found is None or min(found[0]) < min_size:
        return image, None, False
    native, kernel = found
    return descaled_image(image, native, kernel), lambda m: _enlarged(m, shape), True


def _enlarged(native_map, shape):
    """A map of native pixels resized (bilinear) to ``shape``."""
    size = (shape[1], shape[0])
    return cv2.resize(
        np.asarray(native_map, np.float32), size, interpolation=cv2.INTER_LINEAR
    )
