"""JPEG quantisation tables: libjpeg's and other encoders', and what quality
a foreign table corresponds to.

Tables are 8x8 integer arrays in natural (row-major, not zigzag) order, the
order Pillow's ``qtables=`` and ``Image.quantization`` use. The numbers of
the published tables below are facts about those encoders (the JPEG
standard's Annex K, mozjpeg's alternative base tables, jpegli's YCbCr base
matrices), written out here so that nothing is downloaded.
"""

import io

import numpy as np
from PIL import Image

__all__ = [
    "TABLE_FAMILIES",
    "closest_libjpeg_quality",
    "draw_quantization_tables",
    "jpeg_with_tables",
    "libjpeg_tables",
]

# JPEG standard, Annex K (libjpeg's base tables at quality 50).
_ANNEX_K_LUMA = (
    (16, 11, 10, 16, 24, 40, 51, 61),
    (12, 12, 14, 19, 26, 58, 60, 55),
    (14, 13, 16, 24, 40, 57, 69, 56),
    (14, 17, 22, 29, 51, 87, 80, 62),
    (18, 22, 37, 56, 68, 109, 103, 77),
    (24, 35, 55, 64, 81, 104, 113, 92),
    (49, 64, 78, 87, 103, 121, 120, 101),
    (72, 92, 95, 98, 112, 100, 103, 99),
)
_ANNEX_K_CHROMA = (
    (17, 18, 24, 47, 99, 99, 99, 99),
    (18, 21, 26, 66, 99, 99, 99, 99),
    (24, 26, 56, 99, 99, 99, 99, 99),
    (47, 66, 99, 99, 99, 99, 99, 99),
) + ((99,) * 8,) * 4

# mozjpeg's alternative base tables (``-quant-table N``), luminance; the
# chrominance of 3 and 5-8 is the same table. Scaled by quality like
# libjpeg's. Index 3 (N. Robidoux's, tuned on ImageMagick's forum) is
# mozjpeg's default.
_MOZJPEG_LUMA = {
    2: (
        (12, 17, 20, 21, 30, 34, 56, 63),
        (18, 20, 20, 26, 28, 51, 61, 55),
        (19, 20, 21, 26, 33, 58, 69, 55),
        (26, 26, 26, 30, 46, 87, 86, 66),
        (31, 33, 36, 40, 46, 96, 100, 73),
        (40, 35, 46, 62, 81, 100, 111, 91),
        (46, 66, 76, 86, 102, 121, 120, 101),
        (68, 90, 90, 96, 113, 102, 105, 103),
    ),
    3: (
        (16, 16, 16, 18, 25, 37, 56, 85),
        (16, 17, 20, 27, 34, 40, 53, 75),
        (16, 20, 24, 31, 43, 62, 91, 135),
        (18, 27, 31, 40, 53, 74, 106, 156),
        (25, 34, 43, 53, 69, 94, 131, 189),
        (37, 40, 62, 74, 94, 124, 169, 238),
        (56, 53, 91, 106, 131, 169, 226, 311),
        (85, 75, 135, 156, 189, 238, 311, 418),
    ),
    4: (
        (9, 10, 12, 14, 27, 32, 51, 62),
        (11, 12, 14, 19, 27, 44, 59, 73),
        (12, 14, 18, 25, 42, 59, 79, 78),
        (17, 18, 25, 42, 61, 92, 87, 92),
        (23, 28, 42, 75, 79, 112, 112, 99),
        (40, 42, 59, 84, 88, 124, 132, 111),
        (42, 64, 78, 95, 105, 126, 125, 99),
        (70, 75, 100, 102, 116, 100, 107, 98),
    ),
    # Klein, Silverstein and Carney (1992).
    5: (
        (10, 12, 14, 19, 26, 38, 57, 86),
        (12, 18, 21, 28, 35, 41, 54, 76),
        (14, 21, 25, 32, 44, 63, 92, 136),
        (19, 28, 32, 41, 54, 75, 107, 157),
        (26, 35, 44, 54, 70, 95, 132, 190),
        (38, 41, 63, 75, 95, 125, 170, 239),
        (57, 54, 92, 107, 132, 170, 227, 312),
        (86, 76, 136, 157, 190, 239, 312, 419),
    ),
    # DCTune, Watson, Taylor and Borthwick (1997).
    6: (
        (7, 8, 10, 14, 23, 44, 95, 241),
        (8, 8, 11, 15, 25, 47, 102, 255),
        (10, 11, 13, 19, 31, 58, 127, 255),
        (14, 15, 19, 27, 44, 83, 181, 255),
        (23, 25, 31, 44, 72, 136, 255, 255),
        (44, 47, 58, 83, 136, 255, 255, 255),
        (95, 102, 127, 181, 255, 255, 255, 255),
        (241, 255, 255, 255, 255, 255, 255, 255),
    ),
    # Ahumada, Watson and Peterson (1993).
    7: (
        (15, 11, 11, 12, 15, 19, 25, 32),
        (11, 13, 10, 10, 12, 15, 19, 24),
        (11, 10, 14, 14, 16, 18, 22, 27),
        (12, 10, 14, 18, 21, 24, 28, 33),
        (15, 12, 16, 21, 26, 31, 36, 42),
        (19, 15, 18, 24, 31, 38, 45, 53),
        (25, 19, 22, 28, 36, 45, 55, 65),
        (32, 24, 27, 33, 42, 53, 65, 77),
    ),
    # Peterson, Ahumada and Watson (1993).
    8: (
        (14, 10, 11, 14, 19, 25, 34, 45),
        (10, 11, 11, 12, 15, 20, 26, 33),
        (11, 11, 15, 18, 21, 25, 31, 38),
        (14, 12, 18, 24, 28, 33, 39, 47),
        (19, 15, 21, 28, 36, 43, 51, 59),
        (25, 20, 25, 33, 43, 54, 64, 74),
        (34, 26, 31, 39, 51, 64, 77, 91),
        (45, 33, 38, 47, 59, 74, 91, 108),
    ),
}
_MOZJPEG_CHROMA = {
    2: (
        (8, 12, 15, 15, 86, 96, 96, 98),
        (13, 13, 15, 26, 90, 96, 99, 98),
        (12, 15, 18, 96, 99, 99, 99, 99),
        (17, 16, 90, 96, 99, 99, 99, 99),
        (96, 96, 99, 99, 99, 99, 99, 99),
    )
    + ((99,) * 8,) * 3,
    4: (
        (9, 10, 17, 19, 62, 89, 91, 97),
        (12, 13, 18, 29, 84, 91, 88, 98),
        (14, 19, 29, 93, 95, 95, 98, 97),
        (20, 26, 84, 88, 95, 95, 98, 94),
        (26, 86, 91, 93, 97, 99, 98, 99),
        (99, 100, 98, 99, 99, 99, 99, 99),
        (99, 99, 99, 99, 99, 99, 99, 99),
        (97, 97, 99, 99, 99, 99, 97, 99),
    ),
}

# jpegli's YCbCr base matrices (luminance; the Cr matrix serves both chroma
# components when two tables are written), its global scale, and the
# frequency-dependent exponent of its distance-to-scale curve.
_JPEGLI_LUMA = (
    (1.23974, 1.72271, 2.92122, 2.81274, 3.33982, 3.46360, 3.84092, 3.86956),
    (1.72271, 2.09289, 2.84568, 2.70451, 3.44077, 3.16623, 4.02521, 4.03532),
    (2.92122, 2.84568, 2.95874, 3.38629, 3.61952, 3.90463, 3.75784, 4.23745),
    (2.81274, 2.70451, 3.38629, 3.38006, 4.16799, 4.80551, 4.78426, 4.60593),
    (3.33982, 3.44077, 3.61952, 4.16799, 4.57985, 4.92324, 5.57411, 5.48533),
    (3.46360, 3.16623, 3.90463, 4.80551, 4.92324, 5.43936, 5.09390, 6.08723),
    (3.84092, 4.02521, 3.75784, 4.78426, 5.57411, 5.09390, 5.43846, 5.40374),
    (3.86956, 4.03532, 4.23745, 4.60593, 5.48533, 6.08723, 5.40374, 4.37787),
)
_JPEGLI_CHROMA = (
    (2.92173, 4.49768, 7.35634, 6.58389, 8.53561, 8.79943, 9.18834, 9.48270),
    (4.49768, 6.30955, 7.02461, 7.15645, 8.04906, 7.01243, 6.71192, 8.38031),
    (7.35634, 7.02461, 6.89210, 6.88282, 8.78223, 6.87748, 7.88582, 8.67909),
    (6.58389, 7.15645, 6.88282, 7.00307, 7.72235, 7.95543, 7.47341, 8.36293),
    (8.53561, 8.04906, 8.78223, 7.72235, 6.77801, 9.48492, 9.04370, 8.05318),
    (8.79943, 7.01243, 6.87748, 7.95543, 9.48492, 8.60761, 9.92270, 64.25135),
    (9.18834, 6.71192, 7.88582, 7.47341, 9.04370, 9.92270, 63.18494, 83.35294),
    (9.48270, 8.38031, 8.67909, 8.36293, 8.05318, 64.25135, 83.35294, 114.89202),
)
_JPEGLI_SCALE = 1.73966
_JPEGLI_EXPONENT = (
    (1.00, 0.51, 0.67, 0.74, 1.00, 1.00, 1.00, 1.00),
    (0.51, 0.66, 0.69, 0.87, 1.00, 1.00, 1.00, 1.00),
    (0.67, 0.69, 0.84, 0.83, 0.96, 1.00, 1.00, 1.00),
    (0.74, 0.87, 0.83, 1.00, 1.00, 0.91, 0.91, 1.00),
    (1.00, 1.00, 0.96, 1.00, 1.00, 1.00, 1.00, 1.00),
    (1.00, 1.00, 1.00, 0.91, 1.00, 1.00, 1.00, 1.00),
    (1.00, 1.00, 1.00, 0.91, 1.00, 1.00, 1.00, 1.00),
    (1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00, 1.00),
)

#: The table families :func:`draw_quantization_tables` draws from, a tuple of
#: strings: ``"libjpeg"``, ``"mozjpeg"``, ``"mozjpeg-research"``,
#: ``"jpegli"``, ``"flat"``, ``"perturbed"`` and ``"monotone"`` (see
#: :func:`draw_quantization_tables` for what each one is).
TABLE_FAMILIES = (
    "libjpeg",
    "mozjpeg",
    "mozjpeg-research",
    "jpegli",
    "flat",
    "perturbed",
    "monotone",
)


def _scaled(base, quality):
    """``base`` scaled by libjpeg's quality curve, baseline (1..255)."""
    quality = min(max(int(quality), 1), 100)
    scale = 5000 // quality if quality < 50 else 200 - 2 * quality
    table = (np.asarray(base, dtype=np.int64) * scale + 50) // 100
    return np.clip(table, 1, 255).astype(np.int32)


def libjpeg_tables(quality):
    """Return libjpeg's luminance and chrominance tables at a quality.

    Parameters
    ----------
    quality : int
        The libjpeg quality, 1-100 (what ``cjpeg -quality``, Pillow and
        OpenCV take).

    Returns
    -------
    luma, chroma : ndarray of shape (8, 8) and dtype int32
        The tables, in natural order.

    See Also
    --------
    draw_quantization_tables : Tables of other encoders.

    Examples
    --------
    >>> from skforensics.datasets import libjpeg_tables
    >>> luma, chroma = libjpeg_tables(50)
    >>> luma[0], chroma[0]
    (array([16, 11, 10, 16, 24, 40, 51, 61], dtype=int32), array([17, 18, 24, 47, 99, 99, 99, 99], dtype=int32))
    """
    return _scaled(_ANNEX_K_LUMA, quality), _scaled(_ANNEX_K_CHROMA, quality)


_LIBJPEG_LUMA = np.stack([libjpeg_tables(q)[0] for q in range(1, 101)])


def closest_libjpeg_quality(table):
    """Return the libjpeg quality whose luminance table is closest to ``table``.

    This is what "quality" means for a JPEG whose table is not libjpeg's
    (a camera's, Photoshop's, mozjpeg's, jpegli's): the quality a libjpeg
    encoder would need to quantise about as coarsely, in the spirit of
    ImageMagick's ``identify -format %Q``. Closest is the smallest mean
    absolute difference of the logarithms of the 64 entries (a step of 2
    against 1 counts like 20 against 10); a tie goes to the higher quality.

    Parameters
    ----------
    table : array-like of shape (8, 8) or (64,)
        A luminance quantisation table, natural order, entries >= 1.

    Returns
    -------
    quality : int
        The closest libjpeg quality, 1-100.
    libjpeg : bool
        Whether ``table`` is exactly libjpeg's table at that quality.
    distance : float
        The mean absolute log2 difference to it (0 for libjpeg's own).

    See Also
    --------
    libjpeg_tables : The tables of libjpeg at a quality.

    Examples
    --------
    >>> from skforensics.datasets import closest_libjpeg_quality, libjpeg_tables
    >>> closest_libjpeg_quality(libjpeg_tables(83)[0])
    (83, True, 0.0)
    """
    table = np.asarray(table, dtype=np.float64).reshape(8, 8)
    if not np.all(np.isfinite(table)) or np.any(table < 1):
        raise ValueError("A quantisation table has finite entries >= 1.")
    gaps = np.abs(np.log2(_LIBJPEG_LUMA) - np.log2(table)).mean(axis=(1, 2))
    index = len(gaps) - 1 - int(np.argmin(gaps[::-1]))
    exact = bool(np.array_equal(_LIBJPEG_LUMA[index], table))
    return index + 1, exact, float(gaps[index])


def _jpegli_tables(quality, subsampling):
    quality = min(max(int(quality), 1), 100)
    if quality >= 100:
        distance = 0.01
    elif quality >= 30:
        distance = 0.1 + (100 - quality) * 0.09
    else:
        distance = 53.0 / 3000.0 * quality**2 - 23.0 / 20.0 * quality + 25.0
    exponent = np.asarray(_JPEGLI_EXPONENT)
    if distance < 1.5:
        scale = np.full((8, 8), distance)
    else:
        scale = np.maximum(0.5 * distance, 1.5 ** (1.0 - exponent) * distance**exponent)
    global_scale = _JPEGLI_SCALE * (1.22 if subsampling == "4:2:0" else 1.0)
    luma = np.round(global_scale * scale * np.asarray(_JPEGLI_LUMA))
    chroma = np.round(global_scale * scale * np.asarray(_JPEGLI_CHROMA))
    return (
        np.clip(luma, 1, 255).astype(np.int32),
        np.clip(chroma, 1, 255).astype(np.int32),
    )


def draw_quantization_tables(family, quality, random_state=None, subsampling="4:2:0"):
    """Return the luminance and chrominance tables of a family at a quality.

    Parameters
    ----------
    family : str
        One of :data:`TABLE_FAMILIES`: ``"libjpeg"`` (Annex K scaled by
        quality), ``"mozjpeg"`` (mozjpeg's default base table, scaled the same
        way), ``"mozjpeg-research"`` (one of mozjpeg's other base tables, 2
        and 4-8, at random), ``"jpegli"`` (jpegli's YCbCr matrices at the
        distance jpegli gives the quality), ``"flat"`` (one step for every
        coefficient), ``"perturbed"`` (libjpeg's tables with every entry
        moved by -2..2) or ``"monotone"`` (random tables whose steps grow
        with frequency at a random rate).
    quality : int
        The encoder's quality setting, 1-100 (for ``"flat"``, the flat step
        is the mean of libjpeg's luminance table at that quality).
    random_state : None, int or numpy.random.Generator, default=None
        Draws the random families' tables (and mozjpeg's research table).
    subsampling : {"4:2:0", "4:2:2", "4:4:4"}, default="4:2:0"
        jpegli scales its tables for 4:2:0.

    Returns
    -------
    luma, chroma : ndarray of shape (8, 8) and dtype int32
        The luminance and chrominance tables, natural order, 1-255.

    See Also
    --------
    closest_libjpeg_quality : The libjpeg quality a table corresponds to.
    jpeg_with_tables : Compress pixels with the tables.

    Examples
    --------
    >>> from skforensics.datasets import (
    ...     closest_libjpeg_quality, draw_quantization_tables)
    >>> luma, chroma = draw_quantization_tables("mozjpeg", 75)
    >>> luma[0]
    array([ 8,  8,  8,  9, 13, 19, 28, 43], dtype=int32)
    >>> closest_libjpeg_quality(luma)[:2]
    (67, False)
    """
    rng = np.random.default_rng(random_state)
    if family == "libjpeg":
        return libjpeg_tables(quality)
    if family == "mozjpeg":
        base = _MOZJPEG_LUMA[3]
        return _scaled(base, quality), _scaled(base, quality)
    if family == "mozjpeg-research":
        index = int(rng.choice([2, 4, 5, 6, 7, 8]))
        luma = _MOZJPEG_LUMA[index]
        chroma = _MOZJPEG_CHROMA.get(index, luma)
        return _scaled(luma, quality), _scaled(chroma, quality)
    if family == "jpegli":
        return _jpegli_tables(quality, subsampling)
    luma, chroma = libjpeg_tables(quality)
    if family == "flat":
        step = max(round(float(luma.mean())), 1)
        flat = np.full((8, 8), step, dtype=np.int32)
        return flat, flat.copy()
    if family == "perturbed":
        noise = rng.integers(-2, 3, size=(2, 8, 8))
        return (
            np.clip(luma + noise[0], 1, 255).astype(np.int32),
            np.clip(chroma + noise[1], 1, 255).astype(np.int32),
        )
    if family == "monotone":
        # Steps that grow with the frequency radius from a DC step near
        # libjpeg's, with a random slope and per-entry jitter.
        u, v = np.meshgrid(np.arange(8), np.arange(8), indexing="ij")
        radius = np.hypot(u, v) / np.hypot(7, 7)
        tables = []
        for dc in (luma[0, 0], chroma[0, 0]):
            growth = rng.uniform(1.5, 12.0)
            jitter = rng.uniform(0.85, 1.15, size=(8, 8))
            steps = dc * (1.0 + (growth - 1.0) * radius ** rng.uniform(0.7, 1.6))
            tables.append(np.clip(np.round(steps * jitter), 1, 255).astype(np.int32))
        return tables[0], tables[1]
    raise ValueError(f"Unknown table family {family!r}; use one of {TABLE_FAMILIES}.")


_PIL_SUBSAMPLING = {"4:4:4": 0, "4:2:2": 1, "4:2:0": 2}


def jpeg_with_tables(pixels, luma, chroma=None, subsampling="4:2:0"):
    """Compress and decompress uint8 pixels with given tables (Pillow).

    Parameters
    ----------
    pixels : ndarray of shape (H, W) or (H, W, 3) and dtype uint8
        The image.
    luma, chroma : array-like of shape (8, 8)
        Quantisation tables in natural order, entries 1-255; ``chroma`` is
        ignored for grayscale and defaults to ``luma``.
    subsampling : {"4:2:0", "4:2:2", "4:4:4"}, default="4:2:0"
        Chroma subsampling of colour images.

    Returns
    -------
    decoded : ndarray
        The decoded pixels, same shape and dtype as ``pixels``.

    See Also
    --------
    draw_quantization_tables : Tables of libjpeg and other encoders.

    Examples
    --------
    >>> import numpy as np
    >>> from skforensics.datasets import jpeg_with_tables
    >>> pixels = np.random.default_rng(0).integers(0, 256, (16, 16, 3), np.uint8)
    >>> flat = np.full((8, 8), 20)
    >>> jpeg_with_tables(pixels, flat).shape
    (16, 16, 3)
    """
    luma = np.asarray(luma, dtype=np.int64).ravel().tolist()
    gray = pixels.ndim == 2
    tables = [luma]
    if not gray:
        chroma = luma if chroma is None else chroma
        tables.append(np.asarray(chroma, dtype=np.int64).ravel().tolist())
    buffer = io.BytesIO()
    options = {} if gray else {"subsampling": _PIL_SUBSAMPLING[subsampling]}
    Image.fromarray(pixels).save(buffer, "JPEG", qtables=tables, **options)
    buffer.seek(0)
    return np.asarray(Image.open(buffer).convert("L" if gray else "RGB"))
